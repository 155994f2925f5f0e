// The ledger: objKey()s of the permanent neighbours and NDP proxies ovn-bgp created or adopted.
// The kernel cannot mark those entries (no protocol field), so ownership is remembered here; observe
// reports only ledger entries, and prune therefore never touches an operator's static neighbours.
// Stored as a small JSON file in config.stateDir, written atomically (temp file + rename).
//
// A ledger that cannot be parsed (or read) is set aside, renamed to `<file>.corrupt-<time>`, with
// a warning, and ovn-bgp goes on with an empty one: that is safe, because entries it no longer
// remembers are never removed (only forgotten), and desired ones that exist are adopted again by
// the next observe. Failing instead would fail every pass, forever, until someone deletes a file.
import {readFile, rename, stat} from 'node:fs/promises'
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
  /** mtime and size of the file as last read or written: an unchanged file is not parsed again. */
  private seen: string | undefined

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
   */
  async load(): Promise<void> {
    if (this.dirty) return
    // The daemon loads before every pass that touches neighbours: with 10,000 entries, parsing the
    // file each time would cost O(node) per NB change. Unchanged mtime and size: nothing to read.
    const before = await this.stamp()
    if (before !== undefined && before === this.seen) return
    let text: string
    try {
      text = await readFile(this.path, 'utf8')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        this.keys = new Set()
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
    this.seen = before
  }

  /** `inode|mtime|size` of the file (an atomic write is a new inode), undefined when it cannot be read. */
  private async stamp(): Promise<string | undefined> {
    try {
      const st = await stat(this.path, {bigint: true})
      return `${st.ino}|${st.mtimeNs}|${st.size}`
    } catch {
      return undefined
    }
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
    this.seen = await this.stamp()
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
