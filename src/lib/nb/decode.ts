// Raw replica rows (src/lib/ovsdb/types.ts) -> typed NB rows (model.ts). Total: a column that is
// missing or of an unexpected shape decodes to its empty value; validation of the contents (IPs,
// MACs ...) happens in the planner, which reports bad rows by uuid instead of failing.
import type {Atom, Row, Value} from '../ovsdb/types.js'
import type {
  LoadBalancer,
  LogicalRouter,
  LogicalRouterPort,
  LogicalSwitch,
  LogicalSwitchPort,
  Nat,
  NbGlobal,
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

export function decodeLsp(row: Row): LogicalSwitchPort {
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

export function decodeLs(row: Row): LogicalSwitch {
  return {uuid: row._uuid, name: str(row, 'name'), ports: strList(row, 'ports')}
}

export function decodeLr(row: Row): LogicalRouter {
  return {uuid: row._uuid, name: str(row, 'name'), nat: strList(row, 'nat')}
}

/** `hasStatus` = the server's schema has LRP `status`; without it status is undefined (not {}). */
export function decodeLrp(row: Row, hasStatus = true): LogicalRouterPort {
  return {
    uuid: row._uuid,
    name: str(row, 'name'),
    mac: str(row, 'mac'),
    networks: strList(row, 'networks'),
    status: hasStatus ? strMap(row, 'status') : undefined,
    externalIds: strMap(row, 'external_ids'),
  }
}

export function decodeNat(row: Row): Nat {
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

export function decodeLb(row: Row): LoadBalancer {
  return {uuid: row._uuid, name: str(row, 'name'), vips: strMap(row, 'vips'), externalIds: strMap(row, 'external_ids')}
}

export function decodeNbGlobal(row: Row): NbGlobal {
  return {uuid: row._uuid, externalIds: strMap(row, 'external_ids')}
}
