// The ledger: objKey()s of the permanent neighbours and NDP proxies ovn-bgp created or adopted.
// The kernel cannot mark those entries (no protocol field), so ownership is remembered here; observe
// reports only ledger entries, and prune therefore never touches an operator's static neighbours.
//
// On disk, in config.stateDir (ledger-journal.ts has the format): a snapshot `kernel-ledger.json`,
// written atomically (temp file + rename), and a journal `kernel-ledger.json.journal` of the
// additions and removals since it, one line per save. A save appends its changes to the journal
// (cost proportional to the change, not to the ledger); once the journal holds more than a quarter
// as many changes as the ledger has keys, the save compacts instead: it writes the whole set as a new
// snapshot and then deletes the journal (so small ledgers are always a plain snapshot). Crash-safe
// at any moment: the snapshot is always whole; a journal line torn by a kill is ignored (that save's
// changes are forgotten, all of them, never invented), and replaying a journal that a crash left behind after its
// compaction gives the same set again (the snapshot already holds its final word for every key).
//
// A ledger that cannot be parsed (or read) is set aside, renamed to `<file>.corrupt-<time>`, with
// a warning, and ovn-bgp goes on with an empty one: that is safe, because entries it no longer
// remembers are never removed (only forgotten), and desired ones that exist are adopted again by
// the next observe. Failing instead would fail every pass, forever, until someone deletes a file.
// A journal with a corrupt line is set aside the same way (the snapshot's keys are kept).
import {readFileSync, statSync, truncateSync} from 'node:fs'
import {rename, unlink} from 'node:fs/promises'
import {join} from 'node:path'

import {AgentError} from '../errors.js'
import {type Logger, NullLogger} from '../log.js'
import {appendJournal, type JournalOp, journalRecord, parseJournal, readJournalFrom} from './ledger-journal.js'
import {writeFileAtomic} from './state-dir.js'

export const LEDGER_FILE = 'kernel-ledger.json'
export const JOURNAL_SUFFIX = '.journal'

interface LedgerFile {
  version: 1
  keys: string[]
}

export class Ledger {
  private keys = new Set<string>()
  private gen = 0
  /** Changes not saved yet, in order (the next save's journal line). */
  private pending: Array<[JournalOp, string]> = []
  /** signature() of the snapshot as last loaded or saved. */
  private loaded: string | undefined
  /** The journal as last read or written: inode, size (bytes read), mtime, the changes it holds. */
  private journal:
    | {
        ino: number
        size: number
        mtimeMs: number
        changes: number
        torn: boolean
        /** Bytes of its complete lines (a torn tail is cut back to this). */
        whole: number
      }
    | undefined
  readonly journalPath: string

  constructor(
    readonly path: string,
    private readonly logger: Logger = new NullLogger(),
    private readonly now: () => Date = () => new Date(),
  ) {
    this.journalPath = path + JOURNAL_SUFFIX
  }

  static inDir(stateDir: string, logger?: Logger): Ledger {
    return new Ledger(join(stateDir, LEDGER_FILE), logger)
  }

  /**
   * (Re)reads the files, so a CLI command and the daemon see each other's saves; unsaved changes
   * are kept instead. A missing file is an empty ledger; an unreadable or corrupt one is set aside
   * (see above) and an empty ledger used. Throws (LEDGER_CORRUPT) only when it cannot be set aside.
   * Every pass loads, so files unchanged since the last load or save (same inode, size and mtime)
   * are not read again, and a journal that only grew is read from where the last read stopped.
   * The checks are synchronous stats: a round trip through the libuv thread pool costs hundreds of
   * ms in a loaded emulated guest, and it sits on the drift-repair path.
   */
  async load(): Promise<void> {
    if (this.pending.length > 0) return
    const sig = signature(this.path)
    const js = statSync(this.journalPath, {throwIfNoEntry: false})
    const j = this.journal
    if (sig !== undefined && sig === this.loaded) {
      if (!js && !j) return
      if (js && j && js.ino === j.ino && js.size === j.size && js.mtimeMs === j.mtimeMs) return
      if (js && j && js.ino === j.ino && js.size > j.size && !j.torn) {
        await this.readJournal(j.size, j.changes)
        return
      }
    }

    this.gen++ // the keys are read anew below
    let text: string
    try {
      text = readFileSync(this.path, 'utf8')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        this.keys = new Set()
        this.loaded = sig
        await this.readJournal(0, 0)
        return
      }

      await this.setAside(this.path, `unreadable: ${(error as Error).message}`)
      this.keys = new Set()
      await this.readJournal(0, 0)
      return
    }

    const data = parseLedger(text)
    if (typeof data === 'string') {
      await this.setAside(this.path, data)
      this.keys = new Set()
    } else {
      this.keys = new Set(data.keys)
      this.loaded = sig
    }

    // The journal's additions are keys ovn-bgp recorded as its own: they hold even when the
    // snapshot was set aside.
    await this.readJournal(0, 0)
  }

  /** Applies the journal from byte `offset` (after `changes` changes); sets a corrupt journal aside. */
  private async readJournal(offset: number, changes: number): Promise<void> {
    const read = readJournalFrom(this.journalPath, offset)
    if (read === undefined) {
      this.journal = undefined
      return
    }

    const parsed = parseJournal(read.text)
    if (typeof parsed === 'string') {
      await this.setAside(this.journalPath, parsed)
      this.journal = undefined
      return
    }

    for (const [op, key] of parsed.ops) {
      if (op === '+') this.keys.add(key)
      else this.keys.delete(key)
    }

    if (parsed.ops.length > 0) this.gen++

    // A torn tail (a kill during an append) is left out: the next save compacts, so nothing is
    // ever appended after it.
    this.journal = {
      ino: read.ino,
      size: read.size,
      mtimeMs: read.mtimeMs,
      changes: changes + parsed.ops.length,
      torn: parsed.torn,
      whole: offset + Buffer.byteLength(read.text.slice(0, read.text.lastIndexOf('\n') + 1)),
    }
  }

  private async setAside(path: string, why: string): Promise<void> {
    const aside = `${path}.corrupt-${this.now().toISOString().replaceAll(/[:.]/g, '')}`
    try {
      await rename(path, aside)
    } catch (error) {
      throw new AgentError(`ledger ${path} is ${why}, and cannot be set aside: ${(error as Error).message}`, {
        code: 'LEDGER_CORRUPT',
        cause: error,
        suggestions: [`move ${path} away by hand; ovn-bgp then starts an empty ledger`],
      })
    }

    this.logger.warn(
      'ledger set aside, starting an empty one (owned neighbours and NDP proxies it listed are no longer removed by ovn-bgp)',
      {
        ledger: path,
        reason: why,
        setAside: aside,
      },
    )
  }

  has(key: string): boolean {
    return this.keys.has(key)
  }

  /** Moves on with every change of the keys (add, delete, a load that read anything): equal generations, equal keys. */
  get generation(): number {
    return this.gen
  }

  add(key: string): void {
    if (!this.keys.has(key)) {
      this.keys.add(key)
      this.pending.push(['+', key])
      this.gen++
    }
  }

  delete(key: string): void {
    if (this.keys.delete(key)) {
      this.pending.push(['-', key])
      this.gen++
    }
  }

  entries(): string[] {
    return [...this.keys].sort()
  }

  /** Number of keys. */
  get size(): number {
    return this.keys.size
  }

  /**
   * Writes what changed since the last save: appended to the journal, or, when the journal would
   * hold more than a quarter as many changes as there are keys (or a torn line ends it), compacted
   * into a new snapshot (atomic) and the journal deleted.
   */
  async save(): Promise<void> {
    if (this.pending.length === 0) return
    const j = this.journal
    const changes = (j?.changes ?? 0) + this.pending.length
    if (j?.torn || changes > this.keys.size / 4) {
      await this.compact()
      return
    }

    const st = appendJournal(this.journalPath, journalRecord(this.pending))
    this.pending = []
    this.journal = {ino: st.ino, size: st.size, mtimeMs: st.mtimeMs, changes, torn: false, whole: st.size}
  }

  /**
   * The whole set as a new snapshot, then the journal deleted. The journal first gets this save's
   * changes (its torn tail cut off first), so that a kill between the snapshot and the unlink leaves
   * a journal whose last word on every key is the snapshot's: replaying it changes nothing.
   * Without that, the replay would undo this save's changes to keys the journal also holds.
   */
  private async compact(): Promise<void> {
    const j = this.journal
    if (j && this.pending.length > 0 && statSync(this.journalPath, {throwIfNoEntry: false})) {
      if (j.torn) truncateSync(this.journalPath, j.whole)
      appendJournal(this.journalPath, journalRecord(this.pending))
    }

    const body: LedgerFile = {version: 1, keys: this.entries()}
    await writeFileAtomic(this.path, JSON.stringify(body, null, 1) + '\n')
    this.pending = []
    this.loaded = signature(this.path)
    await unlink(this.journalPath).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error
    })
    this.journal = undefined
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
