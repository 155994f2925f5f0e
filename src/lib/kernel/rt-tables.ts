// Routing table per provider bridge, recorded in the rt_tables file (docs/upstream-behaviour.md#bridge-routing-tables,
// fixing docs/upstream-behaviour.md#bug-16-rt_tables-handling):
// a bridge already named in the file keeps its number; otherwise the LOWEST free number in 1..252
// (not used by any line, not the VRF table, not excluded) is appended as "<n> <bridge>". Two
// writers (two agents, or ovn-bgp and the upstream agent's append-only writes) are serialised by a
// lock file created with O_EXCL; the file is re-read under the lock before appending. When the
// file does not exist (distributions that only ship /usr/share/iproute2/rt_tables) it is created,
// seeded with the shipped file or the standard lines. Depletion is a typed error.
import {constants} from 'node:fs'
import {appendFile, mkdir, open, readFile, stat, unlink, writeFile} from 'node:fs/promises'
import {dirname} from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'

import {AgentError, ValidationError} from '../errors.js'

export const DEFAULT_RT_TABLES = '/etc/iproute2/rt_tables'
export const SHIPPED_RT_TABLES = ['/usr/share/iproute2/rt_tables', '/usr/lib/iproute2/rt_tables']
const STANDARD_LINES = '#\n# reserved values\n#\n255\tlocal\n254\tmain\n253\tdefault\n0\tunspec\n#\n# local\n#\n'

/**
 * Comment on the lines ovn-bgp appends: the ownership mark of the table (iproute2 and the upstream
 * agent's `^(\d+)\s+(\S+)` both ignore it). A marked bridge that left the mappings is pruned.
 */
export const OWN_MARK = '# ovn-bgp'

export const TABLE_MIN = 1
export const TABLE_MAX = 252

export class RtTablesExhaustedError extends AgentError {
  constructor(message: string) {
    super(message, {code: 'RT_TABLES_EXHAUSTED', suggestions: ['free a number in 1-252 in the rt_tables file']})
  }
}

export interface RtTablesOptions {
  /** Files to seed a missing rt_tables from (first readable wins). */
  shipped?: readonly string[]
  /** How long to wait for the lock. */
  lockTimeoutMs?: number
  /** A lock file older than this is considered left by a dead process and removed. */
  staleLockMs?: number
}

/** Entries `number name` of rt_tables text, in file order (same regex as upstream: `^(\d+)\s+(\S+)`). */
export function parseRtTables(text: string): Array<{table: number; name: string}> {
  const out: Array<{table: number; name: string}> = []
  for (const line of text.split('\n')) {
    const m = /^(\d+)\s+(\S+)/.exec(line)
    if (m) out.push({table: Number(m[1]), name: m[2]!})
  }

  return out
}

/** The lowest number in 1..252 not in `used`, or undefined. */
export function lowestFreeTable(used: ReadonlySet<number>): number | undefined {
  for (let n = TABLE_MIN; n <= TABLE_MAX; n++) if (!used.has(n)) return n
  return undefined
}

function checkTableName(name: string): string {
  if (!/^[^\s#]+$/.test(name) || /^\d+$/.test(name))
    throw new ValidationError(`invalid routing table name: ${JSON.stringify(name)}`)
  return name
}

export class RtTables {
  private readonly shipped: readonly string[]
  private readonly lockTimeoutMs: number
  private readonly staleLockMs: number

  constructor(
    readonly path: string = DEFAULT_RT_TABLES,
    opts: RtTablesOptions = {},
  ) {
    this.shipped = opts.shipped ?? SHIPPED_RT_TABLES
    this.lockTimeoutMs = opts.lockTimeoutMs ?? 10_000
    this.staleLockMs = opts.staleLockMs ?? 30_000
  }

  /** Current `name -> number` map (first occurrence of a name wins, as upstream's scan stops there). */
  async read(): Promise<Map<string, number>> {
    const map = new Map<string, number>()
    for (const e of parseRtTables(await this.readText())) if (!map.has(e.name)) map.set(e.name, e.table)
    return map
  }

  /** `name -> number` of the lines ovn-bgp appended (carrying OWN_MARK). */
  async owned(): Promise<Map<string, number>> {
    const map = new Map<string, number>()
    for (const line of (await this.readText()).split('\n')) {
      const m = /^(\d+)\s+(\S+)\s+(#.*)$/.exec(line)
      if (m && m[3]!.trim() === OWN_MARK && !map.has(m[2]!)) map.set(m[2]!, Number(m[1]))
    }

    return map
  }

  /**
   * Table number for each bridge, appending lines for bridges not yet in the file.
   * `exclude`: numbers never to hand out (the VRF table). Throws RtTablesExhaustedError.
   */
  async ensure(bridges: readonly string[], exclude: readonly number[] = []): Promise<Map<string, number>> {
    for (const b of bridges) checkTableName(b)
    const result = new Map<string, number>()
    const known = await this.read()
    if (bridges.every((b) => known.has(b))) {
      for (const b of bridges) result.set(b, known.get(b)!)
      return result
    }

    return this.withLock(async () => {
      const text = await this.readText(true)
      const entries = parseRtTables(text)
      const names = new Map<string, number>()
      for (const e of entries) if (!names.has(e.name)) names.set(e.name, e.table)
      const used = new Set<number>([...entries.map((e) => e.table), ...exclude])
      let append = ''
      for (const b of bridges) {
        let n = names.get(b)
        if (n === undefined) {
          n = lowestFreeTable(used)
          if (n === undefined)
            throw new RtTablesExhaustedError(
              `no free routing table number in ${TABLE_MIN}-${TABLE_MAX} for bridge ${b} in ${this.path}`,
            )
          used.add(n)
          names.set(b, n)
          append += `${n} ${b} ${OWN_MARK}\n`
        }

        result.set(b, n)
      }

      if (append) await appendFile(this.path, (text === '' || text.endsWith('\n') ? '' : '\n') + append)
      return result
    })
  }

  /** The file's text; with `create`, a missing file is created (seeded) first. */
  private async readText(create = false): Promise<string> {
    try {
      return await readFile(this.path, 'utf8')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
    }

    let seed = ''
    for (const f of this.shipped) {
      try {
        seed = await readFile(f, 'utf8')
        break
      } catch {}
    }

    seed ||= STANDARD_LINES
    if (!create) return seed
    await mkdir(dirname(this.path), {recursive: true})
    await writeFile(this.path, seed.endsWith('\n') ? seed : seed + '\n', {flag: 'wx'}).catch(
      (error: NodeJS.ErrnoException) => {
        if (error.code !== 'EEXIST') throw error
      },
    )
    return readFile(this.path, 'utf8')
  }

  private async withLock<T>(fn: () => Promise<T>): Promise<T> {
    const lock = `${this.path}.lock`
    await mkdir(dirname(this.path), {recursive: true})
    const deadline = Date.now() + this.lockTimeoutMs
    for (;;) {
      try {
        const fh = await open(lock, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, 0o644)
        await fh.writeFile(String(process.pid))
        await fh.close()
        break
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
        const age = await stat(lock).then(
          (s) => Date.now() - s.mtimeMs,
          () => 0,
        )
        if (age > this.staleLockMs) await unlink(lock).catch(() => undefined)
        else if (Date.now() > deadline)
          throw new AgentError(`timed out waiting for lock ${lock}`, {code: 'RT_TABLES_LOCKED'})
        else await sleep(10 + Math.floor(Math.random() * 20))
      }
    }

    try {
      return await fn()
    } finally {
      await unlink(lock).catch(() => undefined)
    }
  }
}
