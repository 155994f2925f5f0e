// The chassis scope's monitor conditions, saved in state_dir (nb-scope.json) so that the next
// start asks for them at once. From nothing, the scope reaches its fixed point in three or four
// round trips (the chassis' ports and gateways, then their networks, routers and NATs, then the
// routers' interfaces and LBs, then a check), and each one makes ovsdb-server walk the changed
// tables again: about 1.2 s of a 5,000-port node's start in the emulated guest (docs/scale.md).
// With the saved conditions the first reply holds every row and one computation confirms it.
//
// Contract: the file is a hint, never an authority. NbSource sends the union of it and the
// conditions computed from nothing, and treats the start as settled only when the conditions
// computed from the rows that came back are covered by what it sent (nb/scope.ts
// coversConditions); otherwise the iteration goes on as without a file. So a stale, foreign or
// edited file costs at most some extra rows until the first pass has run (the conditions are then
// narrowed to the computed ones), never a missing row. A file that does not parse, names another
// chassis, or holds a clause on a column ovn-bgp does not monitor is ignored with one warning.
import {readFile} from 'node:fs/promises'
import {join} from 'node:path'

import type {Logger} from '../log.js'
import type {ScopeStore} from '../nb/connection.js'
import type {ConditionClause, ConditionUpdate} from '../ovsdb/index.js'

import {writeFileAtomic} from '../kernel/state-dir.js'
import {NB_MONITOR_COLUMNS} from '../nb/decode.js'
import {type ChassisScope} from '../nb/scope.js'

/** The file's name in state_dir. */
export const SCOPE_CACHE_FILE = 'nb-scope.json'

const VERSION = 1
/** A saved scope larger than this is not read (tens of thousands of clauses are a few MB). */
const MAX_BYTES = 64 * 1024 * 1024
const FUNCTIONS = new Set(['==', '!=', '<', '<=', '>', '>=', 'includes', 'excludes'])

interface SavedScope {
  version: number
  chassis: {name: string; id: string | null}
  conditions: ConditionUpdate
}

const isAtom = (v: unknown): boolean => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean'
const isPair = (v: unknown): boolean => Array.isArray(v) && v.length === 2 && isAtom(v[0]) && isAtom(v[1])

/** An OVSDB value as a condition may hold it: an atom, ["uuid", s], ["set", atoms], ["map", pairs]. */
function isValue(v: unknown): boolean {
  if (isAtom(v)) return true
  if (!Array.isArray(v) || v.length !== 2) return false
  const [tag, body] = v as [unknown, unknown]
  if (tag === 'uuid') return typeof body === 'string'
  if (tag === 'set') return Array.isArray(body) && body.every((x) => isAtom(x) || isValue(x))
  if (tag === 'map') return Array.isArray(body) && body.every((p) => isPair(p))
  return false
}

function clauseProblem(table: string, c: unknown): string | undefined {
  if (typeof c === 'boolean') return undefined
  if (!Array.isArray(c) || c.length !== 3) return `${table}: a clause is not [column, function, value]`
  const [column, fn, value] = c as [unknown, unknown, unknown]
  const columns = NB_MONITOR_COLUMNS[table as keyof typeof NB_MONITOR_COLUMNS]
  if (typeof column !== 'string' || (column !== '_uuid' && !columns.includes(column)))
    return `${table}: clause on column ${JSON.stringify(column)}, which ovn-bgp does not monitor`
  if (typeof fn !== 'string' || !FUNCTIONS.has(fn)) return `${table}: clause function ${JSON.stringify(fn)}`
  return isValue(value) ? undefined : `${table}: clause value of ${column} is not an OVSDB value`
}

/** Why `data` is not a saved scope of `scope`, or undefined when it is one. */
export function savedScopeProblem(data: unknown, scope: ChassisScope): string | undefined {
  if (typeof data !== 'object' || data === null) return 'not a JSON object'
  const d = data as Partial<SavedScope>
  if (d.version !== VERSION) return `version ${JSON.stringify(d.version)}, expected ${VERSION}`
  if (d.chassis?.name !== scope.chassisName || (d.chassis.id ?? undefined) !== scope.chassisId)
    return `saved for chassis ${JSON.stringify(d.chassis?.name)}, this is ${JSON.stringify(scope.chassisName)}`
  if (typeof d.conditions !== 'object' || d.conditions === null || Array.isArray(d.conditions))
    return 'no conditions object'
  for (const [table, list] of Object.entries(d.conditions)) {
    if (!(table in NB_MONITOR_COLUMNS)) return `table ${JSON.stringify(table)} is not one ovn-bgp monitors`
    if (list === null) continue // every row (JSON has no undefined)
    if (!Array.isArray(list)) return `${table}: clauses are not a list`
    for (const c of list) {
      const p = clauseProblem(table, c)
      if (p) return p
    }
  }

  return undefined
}

/** nb-scope.json in `stateDir`, for the chassis of `scope`. `save: false` only reads (dry runs). */
export class ScopeCacheFile implements ScopeStore {
  readonly path: string

  constructor(
    stateDir: string,
    private readonly scope: ChassisScope,
    private readonly logger: Logger,
    private readonly opts: {save: boolean} = {save: true},
  ) {
    this.path = join(stateDir, SCOPE_CACHE_FILE)
  }

  async load(): Promise<ConditionUpdate | undefined> {
    let text: string
    try {
      text = await readFile(this.path, 'utf8')
    } catch (error) {
      const {code} = error as NodeJS.ErrnoException
      if (code !== 'ENOENT') this.logger.debug('saved NB scope not read', {file: this.path, error: code})
      return undefined
    }

    let data: unknown
    try {
      if (text.length > MAX_BYTES) throw new Error(`larger than ${MAX_BYTES} bytes`)
      data = JSON.parse(text)
    } catch (error) {
      this.logger.warn('saved NB scope ignored', {file: this.path, why: (error as Error).message})
      return undefined
    }

    const why = savedScopeProblem(data, this.scope)
    if (why) {
      this.logger.warn('saved NB scope ignored', {file: this.path, why})
      return undefined
    }

    const out: ConditionUpdate = {}
    for (const [table, list] of Object.entries((data as SavedScope).conditions))
      out[table] = list === null ? undefined : (list as ConditionClause[])
    return out
  }

  async save(conditions: ConditionUpdate): Promise<void> {
    if (!this.opts.save) return
    const saved: SavedScope = {
      version: VERSION,
      chassis: {name: this.scope.chassisName, id: this.scope.chassisId ?? null},
      // JSON drops undefined: an unconditional table is written as null
      conditions: Object.fromEntries(Object.entries(conditions).map(([t, c]) => [t, c ?? null])) as ConditionUpdate,
    }
    try {
      await writeFileAtomic(this.path, JSON.stringify(saved), 0o600)
    } catch (error) {
      this.logger.debug('NB scope not saved', {file: this.path, error: (error as Error).message})
    }
  }
}
