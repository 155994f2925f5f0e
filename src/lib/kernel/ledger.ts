// The ledger: objKey()s of the permanent neighbours and NDP proxies ovn-bgp created or adopted.
// The kernel cannot mark those entries (no protocol field), so ownership is remembered here; observe
// reports only ledger entries, and prune therefore never touches an operator's static neighbours.
// Stored as a small JSON file in config.stateDir, written atomically (temp file + rename).
//
// A ledger that cannot be parsed (or read) is set aside, renamed to `<file>.corrupt-<time>`, with
// a warning, and ovn-bgp goes on with an empty one: that is safe, because entries it no longer
// remembers are never removed (only forgotten), and desired ones that exist are adopted again by
// the next observe. Failing instead would fail every pass, forever, until someone deletes a file.
import {readFileSync, statSync} from 'node:fs'
import {rename} from 'node:fs/promises'
import {join} from 'node:path'

import {AgentError} from '../errors.js'
import {type Logger, NullLogger} from '../log.js'
import {writeFileAtomic} from './state-dir.js'

export const LEDGER_FILE = 'kernel-ledger.json'

interface LedgerFile {
  version: 1
  keys: string[]
}

export class Ledger {
  private keys = new Set<string>()
  private dirty = false
  /** signature() of the file as last loaded or saved. */
  private loaded: string | undefined

  constructor(
    readonly path: string,
    private readonly logger: Logger = new NullLogger(),
    private readonly now: () => Date = () => new Date(),
  ) {}

  static inDir(stateDir: string, logger?: Logger): Ledger {
    return new Ledger(join(stateDir, LEDGER_FILE), logger)
  }

  /**
   * (Re)reads the file, so a CLI command and the daemon see each other's saves; unsaved changes
   * are kept instead. A missing file is an empty ledger; an unreadable or corrupt one is set aside
   * (see above) and an empty ledger used. Throws (LEDGER_CORRUPT) only when it cannot be set aside.
   * Every pass loads, so a file unchanged since the last load or save (same inode, size and mtime:
   * every save is a rename of a new file) is not read again. The check is one synchronous stat: a
   * round trip through the libuv thread pool costs hundreds of ms in a loaded emulated guest, and it
   * sits on the drift-repair path.
   */
  async load(): Promise<void> {
    if (this.dirty) return
    const sig = signature(this.path)
    if (sig !== undefined && sig === this.loaded) return
    let text: string
    try {
      text = readFileSync(this.path, 'utf8')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        this.keys = new Set()
        this.loaded = sig
        return
      }

      await this.setAside(`unreadable: ${(error as Error).message}`)
      return
    }

    const data = parseLedger(text)
    if (typeof data === 'string') {
      await this.setAside(data)
      return
    }

    this.keys = new Set(data.keys)
    this.loaded = sig
  }

  private async setAside(why: string): Promise<void> {
    const aside = `${this.path}.corrupt-${this.now().toISOString().replaceAll(/[:.]/g, '')}`
    try {
      await rename(this.path, aside)
    } catch (error) {
      throw new AgentError(`ledger ${this.path} is ${why}, and cannot be set aside: ${(error as Error).message}`, {
        code: 'LEDGER_CORRUPT',
        cause: error,
        suggestions: [`move ${this.path} away by hand; ovn-bgp then starts an empty ledger`],
      })
    }

    this.logger.warn(
      'ledger set aside, starting an empty one (owned neighbours and NDP proxies it listed are no longer removed by ovn-bgp)',
      {
        ledger: this.path,
        reason: why,
        setAside: aside,
      },
    )
    this.keys = new Set()
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

  /** Writes the file when something changed, atomically (state-dir.ts writeFileAtomic). */
  async save(): Promise<void> {
    if (!this.dirty) return
    const body: LedgerFile = {version: 1, keys: this.entries()}
    await writeFileAtomic(this.path, JSON.stringify(body, null, 1) + '\n')
    this.dirty = false
    this.loaded = signature(this.path)
  }
}

/** The ledger's keys, or why the text is not a ledger. */
function parseLedger(text: string): LedgerFile | string {
  let data: unknown
  try {
    data = JSON.parse(text)
  } catch (error) {
    return `corrupt: ${(error as Error).message}`
  }

  if (typeof data !== 'object' || data === null || Array.isArray(data)) return 'corrupt: not a JSON object'
  const {keys} = data as {keys?: unknown}
  if (keys !== undefined && !Array.isArray(keys)) return 'corrupt: keys is not a list'
  return {version: 1, keys: ((keys as unknown[] | undefined) ?? []).filter((k): k is string => typeof k === 'string')}
}

/** inode:size:mtime of the file, 'absent' when missing, undefined when it cannot be stat'ed. */
function signature(path: string): string | undefined {
  try {
    const st = statSync(path, {throwIfNoEntry: false})
    return st ? `${st.ino}:${st.size}:${st.mtimeMs}` : 'absent'
  } catch {
    return undefined
  }
}
