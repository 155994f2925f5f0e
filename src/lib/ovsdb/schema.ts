// The parts of an OVSDB schema (RFC 7047 section 3.2) the client needs: column types, to decode
// values and to know which columns a server has.
type AtomicType = 'integer' | 'real' | 'boolean' | 'string' | 'uuid'

export interface BaseType {
  type: AtomicType
  refTable?: string
  refType?: 'strong' | 'weak'
}

/** How a column's values are represented after decoding (see types.ts). */
export type ColumnKind = 'scalar' | 'set' | 'map'

export interface ColumnType {
  key: BaseType
  value?: BaseType
  min: number
  /** Infinity for "unlimited". */
  max: number
  kind: ColumnKind
}

export interface TableSchema {
  name: string
  columns: Map<string, ColumnType>
  isRoot: boolean
}

export interface DatabaseSchema {
  name: string
  version: string
  tables: Map<string, TableSchema>
  /** The JSON as the server sent it. */
  raw: unknown
}

const UUID_COLUMN: ColumnType = {key: {type: 'uuid'}, min: 1, max: 1, kind: 'scalar'}
/** Columns every table has without declaring them. */
const IMPLICIT_COLUMNS: ReadonlyMap<string, ColumnType> = new Map([
  ['_uuid', UUID_COLUMN],
  ['_version', UUID_COLUMN],
])

const ATOMIC = new Set<string>(['integer', 'real', 'boolean', 'string', 'uuid'])

function parseBase(j: unknown, where: string): BaseType {
  if (typeof j === 'string') {
    if (!ATOMIC.has(j)) throw new Error(`${where}: unknown atomic type ${j}`)
    return {type: j as AtomicType}
  }

  if (j && typeof j === 'object' && typeof (j as {type?: unknown}).type === 'string') {
    const o = j as {type: string; refTable?: unknown; refType?: unknown}
    if (!ATOMIC.has(o.type)) throw new Error(`${where}: unknown atomic type ${o.type}`)
    const b: BaseType = {type: o.type as AtomicType}
    if (typeof o.refTable === 'string') b.refTable = o.refTable
    if (o.refType === 'weak' || o.refType === 'strong') b.refType = o.refType
    return b
  }

  throw new Error(`${where}: invalid base type`)
}

export function parseColumnType(j: unknown, where = 'column'): ColumnType {
  if (typeof j === 'string') return {key: parseBase(j, where), min: 1, max: 1, kind: 'scalar'}
  if (!j || typeof j !== 'object') throw new Error(`${where}: invalid type`)
  const o = j as {key?: unknown; value?: unknown; min?: unknown; max?: unknown}
  const key = parseBase(o.key, where)
  const min = typeof o.min === 'number' ? o.min : 1
  const max = o.max === 'unlimited' ? Infinity : typeof o.max === 'number' ? o.max : 1
  const t: ColumnType = {key, min, max, kind: 'scalar'}
  if (o.value !== undefined) {
    t.value = parseBase(o.value, where)
    t.kind = 'map'
  } else if (max > 1 || min === 0) {
    t.kind = 'set'
  }

  return t
}

export function parseDatabaseSchema(j: unknown): DatabaseSchema {
  const o = j as {name?: unknown; version?: unknown; tables?: Record<string, unknown>}
  if (!o || typeof o.name !== 'string' || !o.tables || typeof o.tables !== 'object') {
    throw new Error('invalid database schema')
  }

  const tables = new Map<string, TableSchema>()
  for (const [tname, tj] of Object.entries(o.tables)) {
    const t = tj as {columns?: Record<string, {type?: unknown}>; isRoot?: unknown}
    const columns = new Map<string, ColumnType>()
    for (const [cname, cj] of Object.entries(t.columns ?? {})) {
      columns.set(cname, parseColumnType(cj.type, `${tname}.${cname}`))
    }

    tables.set(tname, {name: tname, columns, isRoot: t.isRoot === true})
  }

  return {name: o.name, version: typeof o.version === 'string' ? o.version : '', tables, raw: j}
}

/** The column's type, including the implicit `_uuid` and `_version`. */
export function columnType(table: TableSchema, column: string): ColumnType | undefined {
  return table.columns.get(column) ?? IMPLICIT_COLUMNS.get(column)
}
