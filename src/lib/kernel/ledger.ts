// The ledger: objKey()s of the permanent neighbours and NDP proxies ovn-bgp created or adopted.
// The kernel cannot mark those entries (no protocol field), so ownership is remembered here; observe
// reports only ledger entries, and prune therefore never touches an operator's static neighbours.
// Stored as a small JSON file in config.stateDir, written atomically (temp file + rename).
import {mkdir, readFile, rename, writeFile} from 'node:fs/promises'
import {dirname, join} from 'node:path'

import {AgentError} from '../errors.js'

export const LEDGER_FILE = 'kernel-ledger.json'

interface LedgerFile {
  version: 1
  keys: string[]
}

export class Ledger {
  private keys = new Set<string>()
  private dirty = false

  constructor(readonly path: string) {}

  static inDir(stateDir: string): Ledger {
    return new Ledger(join(stateDir, LEDGER_FILE))
  }

  /**
   * (Re)reads the file, so a CLI command and the daemon see each other's saves; unsaved changes
   * are kept instead. A missing file is an empty ledger, a corrupt one an error.
   */
  async load(): Promise<void> {
    if (this.dirty) return
    let text: string
    try {
      text = await readFile(this.path, 'utf8')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
      this.keys = new Set()
      return
    }
    let data: Partial<LedgerFile>
    try {
      data = JSON.parse(text) as Partial<LedgerFile>
    } catch (error) {
      throw new AgentError(`corrupt ledger ${this.path}: ${(error as Error).message}`, {code: 'LEDGER_CORRUPT', cause: error})
    }
    this.keys = new Set((data.keys ?? []).filter((k): k is string => typeof k === 'string'))
  }

  has(key: string): boolean {
    return this.keys.has(key)
  }

  add(key: string): void {
    if (!this.keys.has(key)) {
      this.keys.add(key)
      this.dirty = true
    }
  }

  delete(key: string): void {
    if (this.keys.delete(key)) this.dirty = true
  }

  entries(): string[] {
    return [...this.keys].sort()
  }

  /** Writes the file when something changed: temp file in the same directory, then rename. */
  async save(): Promise<void> {
    if (!this.dirty) return
    await mkdir(dirname(this.path), {recursive: true})
    const tmp = `${this.path}.tmp.${process.pid}`
    const body: LedgerFile = {version: 1, keys: this.entries()}
    await writeFile(tmp, JSON.stringify(body, null, 1) + '\n', {mode: 0o644})
    await rename(tmp, this.path)
    this.dirty = false
  }
}
