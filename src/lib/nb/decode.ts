// Raw replica rows and row changes (src/lib/ovsdb/types.ts) -> typed NB rows and changes
// (model.ts). Total: a column that is missing or of an unexpected shape decodes to its empty value;
// validation of the contents (IPs, MACs ...) happens in the planner, which reports bad rows by uuid
// instead of failing. Each change is decoded once, here, when NbState applies it.
import type {Atom, Row, RowChange, Value} from '../ovsdb/types.js'
import type {
  LoadBalancer,
  LogicalRouter,
  LogicalRouterPort,
  LogicalSwitch,
  LogicalSwitchPort,
  Nat,
  NbCapabilities,
  NbChange,
  NbGlobal,
  NbRow,
  StrMap,
} from './model.js'

export const NB_TABLES = {
  lsp: 'Logical_Switch_Port',
  ls: 'Logical_Switch',
  lr: 'Logical_Router',
  lrp: 'Logical_Router_Port',
  nat: 'NAT',
  lb: 'Load_Balancer',
  nbGlobal: 'NB_Global',
} as const
type NbTableKey = keyof typeof NB_TABLES
export type NbTableName = (typeof NB_TABLES)[NbTableKey]

/** The columns the driver needs, per table: the monitor asks for these only. */
export const NB_MONITOR_COLUMNS: Record<NbTableName, string[]> = {
  Logical_Switch_Port: ['name', 'type', 'addresses', 'up', 'tag', 'options', 'external_ids'],
  Logical_Switch: ['name', 'ports'],
  Logical_Router: ['name', 'nat'],
  Logical_Router_Port: ['name', 'mac', 'networks', 'status', 'external_ids'],
  NAT: ['type', 'external_ip', 'external_mac', 'logical_ip', 'logical_port', 'gateway_port', 'external_ids'],
  Load_Balancer: ['name', 'vips', 'external_ids'],
  NB_Global: ['external_ids'],
}

function asArray(v: Value | undefined): Atom[] {
  if (v === undefined) return []
  if (Array.isArray(v)) return v
  if (v instanceof Map) return []
  return [v]
}

function str(row: Partial<Record<string, Value>>, col: string): string {
  const v = row[col]
  if (typeof v === 'string') return v
  const a = asArray(v)
  return typeof a[0] === 'string' ? a[0] : ''
}

function optStr(row: Partial<Record<string, Value>>, col: string): string | undefined {
  const a = asArray(row[col])
  return typeof a[0] === 'string' && a[0] !== '' ? a[0] : undefined
}

function strList(row: Partial<Record<string, Value>>, col: string): string[] {
  return asArray(row[col]).filter((x): x is string => typeof x === 'string')
}

function strMap(row: Partial<Record<string, Value>>, col: string): StrMap {
  const v = row[col]
  const out: Record<string, string> = {}
  if (v instanceof Map) for (const [k, val] of v) out[String(k)] = String(val)
  return Object.freeze(out)
}

function decodeLsp(row: Row): LogicalSwitchPort {
  const up = asArray(row.up)[0]
  const tag = asArray(row.tag)[0]
  return {
    uuid: row._uuid,
    name: str(row, 'name'),
    type: str(row, 'type'),
    addresses: strList(row, 'addresses'),
    up: typeof up === 'boolean' ? up : undefined,
    tag: typeof tag === 'number' ? tag : undefined,
    options: strMap(row, 'options'),
    externalIds: strMap(row, 'external_ids'),
  }
}

function decodeLs(row: Row): LogicalSwitch {
  return {uuid: row._uuid, name: str(row, 'name'), ports: strList(row, 'ports')}
}

function decodeLr(row: Row): LogicalRouter {
  return {uuid: row._uuid, name: str(row, 'name'), nat: strList(row, 'nat')}
}

/** `hasStatus` = the server's schema has LRP `status`; without it status is undefined (not {}). */
function decodeLrp(row: Row, hasStatus = true): LogicalRouterPort {
  return {
    uuid: row._uuid,
    name: str(row, 'name'),
    mac: str(row, 'mac'),
    networks: strList(row, 'networks'),
    status: hasStatus ? strMap(row, 'status') : undefined,
    externalIds: strMap(row, 'external_ids'),
  }
}

function decodeNat(row: Row): Nat {
  return {
    uuid: row._uuid,
    type: str(row, 'type'),
    externalIp: str(row, 'external_ip'),
    externalMac: optStr(row, 'external_mac'),
    logicalIp: str(row, 'logical_ip'),
    logicalPort: optStr(row, 'logical_port'),
    gatewayPort: optStr(row, 'gateway_port'),
    externalIds: strMap(row, 'external_ids'),
  }
}

function decodeLb(row: Row): LoadBalancer {
  return {uuid: row._uuid, name: str(row, 'name'), vips: strMap(row, 'vips'), externalIds: strMap(row, 'external_ids')}
}

function decodeNbGlobal(row: Row): NbGlobal {
  return {uuid: row._uuid, externalIds: strMap(row, 'external_ids')}
}

function decoderFor(table: string, caps: NbCapabilities): ((row: Row) => NbRow) | undefined {
  switch (table) {
    case NB_TABLES.lsp: {
      return decodeLsp
    }

    case NB_TABLES.ls: {
      return decodeLs
    }

    case NB_TABLES.lr: {
      return decodeLr
    }

    case NB_TABLES.lrp: {
      return (r) => decodeLrp(r, caps.lrpStatus)
    }

    case NB_TABLES.nat: {
      return decodeNat
    }

    case NB_TABLES.lb: {
      return decodeLb
    }

    case NB_TABLES.nbGlobal: {
      return decodeNbGlobal
    }

    default: {
      return undefined
    }
  }
}

/** snake_case column -> camelCase field of the typed rows (external_ids -> externalIds). */
function fieldOf(column: string): string {
  return column.replaceAll(/_([a-z])/g, (_, c: string) => c.toUpperCase())
}

/** Decodes a change of a known NB table (the row, and for an update its changed columns); undefined for other tables. */
export function decodeChange(change: RowChange, caps: NbCapabilities): NbChange | undefined {
  const decode = decoderFor(change.table, caps)
  if (!decode) return undefined
  const row = decode({...change.row, _uuid: change.uuid})
  let old: Partial<NbRow> | undefined
  if (change.kind === 'update' && change.old) {
    // Decode the changed columns alone (absent ones decode to empty), then keep only those fields.
    const full = decode({...(change.old as Row), _uuid: change.uuid}) as unknown as Record<string, unknown>
    const partial: Record<string, unknown> = {}
    for (const col of Object.keys(change.old)) {
      if (change.old[col] === undefined || col === '_uuid') continue
      const f = fieldOf(col)
      if (f in full) partial[f] = full[f]
    }

    old = partial as Partial<NbRow>
  }

  return {kind: change.kind, table: change.table, uuid: change.uuid, row, old}
}

/** The column behind `field` changed in this update. */
export function changed<T>(c: NbChange<T>, field: keyof T & string): boolean {
  return c.old !== undefined && field in c.old
}

/** Previous value of `field`: from `old` when it changed, else the (unchanged) current value. */
export function oldOrRow<T, K extends keyof T & string>(c: NbChange<T>, field: K): T[K] {
  return c.old !== undefined && field in c.old ? (c.old[field] as T[K]) : c.row[field]
}

/** The row after the change, then for an update the complete row before it (`old` over the current row). */
export function versions<T>(c: NbChange<T>): T[] {
  return c.old ? [c.row, {...c.row, ...c.old}] : [c.row]
}
