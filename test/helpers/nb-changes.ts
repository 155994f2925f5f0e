import type {NbCapabilities, NbChange} from '../../src/lib/nb/model.js'
import type {Atom, Row, RowChange, Value} from '../../src/lib/ovsdb/types.js'
import type {LocalContext} from '../../src/lib/planner/context.js'

// Raw NB rows and row changes as the OVSDB replica delivers them (src/lib/ovsdb/types.ts): scalar
// columns as atoms, set columns as arrays (optional scalars = 0/1-element arrays), maps as Map.
// Fields are given camelCase as in the typed model (externalIds -> external_ids).
import {decodeChange} from '../../src/lib/nb/decode.js'
import {NbState} from '../../src/lib/nb/state.js'

export const LSP = 'Logical_Switch_Port'
export const LS = 'Logical_Switch'
export const LR = 'Logical_Router'
export const LRP = 'Logical_Router_Port'
export const NAT = 'NAT'
export const LB = 'Load_Balancer'
export const NB_GLOBAL = 'NB_Global'

type Kind = 'scalar' | 'set' | 'opt' | 'map'
type Schema = Record<string, Kind>

const SCHEMAS: Record<string, Schema> = {
  [LSP]: {name: 'scalar', type: 'scalar', addresses: 'set', up: 'opt', tag: 'opt', options: 'map', external_ids: 'map'},
  [LS]: {name: 'scalar', ports: 'set'},
  [LR]: {name: 'scalar', nat: 'set'},
  [LRP]: {name: 'scalar', mac: 'scalar', networks: 'set', status: 'map', external_ids: 'map'},
  [NAT]: {
    type: 'scalar',
    external_ip: 'scalar',
    external_mac: 'opt',
    logical_ip: 'scalar',
    logical_port: 'opt',
    gateway_port: 'opt',
    external_ids: 'map',
  },
  [LB]: {name: 'scalar', vips: 'map', external_ids: 'map'},
  [NB_GLOBAL]: {external_ids: 'map'},
}

const DEFAULTS: Record<Kind, () => Value> = {scalar: () => '', set: () => [], opt: () => [], map: () => new Map()}

/** camelCase field -> snake_case column. */
function columnOf(field: string): string {
  return field.replaceAll(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)
}

export type Fields = Record<string, unknown>

function encode(kind: Kind, v: unknown): Value {
  switch (kind) {
    case 'map': {
      return new Map(Object.entries((v ?? {}) as Record<string, string>))
    }

    case 'set': {
      return [...((v ?? []) as Atom[])]
    }

    case 'opt': {
      return v === undefined || v === null || v === '' ? [] : [v as Atom]
    }

    case 'scalar': {
      return v as Atom
    }
  }
}

function schemaOf(table: string): Schema {
  const s = SCHEMAS[table]
  if (!s) throw new Error(`no schema for ${table}`)
  return s
}

/** Only the given columns, encoded (what an update's `old` holds). */
function columns(table: string, fields: Fields): Partial<Record<string, Value>> {
  const schema = schemaOf(table)
  const out: Partial<Record<string, Value>> = {}
  for (const [f, v] of Object.entries(fields)) {
    if (f === 'uuid') continue
    const col = columnOf(f)
    const kind = schema[col]
    if (!kind) throw new Error(`${table} has no column ${col}`)
    out[col] = encode(kind, v)
  }

  return out
}

let counter = 0
/** A complete row: given fields over empty defaults; `uuid` field or a generated one. */
function row(table: string, fields: Fields = {}): Row {
  const uuid =
    typeof fields.uuid === 'string' ? fields.uuid : `00000000-0000-4000-8000-${String(++counter).padStart(12, '0')}`
  const base: Record<string, Value> = {}
  for (const [col, kind] of Object.entries(schemaOf(table))) base[col] = DEFAULTS[kind]()
  return {...base, ...columns(table, fields), _uuid: uuid} as Row
}

export function insert(table: string, fields: Fields): RowChange {
  const r = row(table, fields)
  return {table, kind: 'insert', uuid: r._uuid, row: r}
}

export function remove(table: string, fields: Fields): RowChange {
  const r = row(table, fields)
  return {table, kind: 'delete', uuid: r._uuid, row: r}
}

/** An update: `fields` = the row after the change, `old` = the changed columns' previous values. */
export function update(table: string, fields: Fields, old: Fields): RowChange {
  const r = row(table, fields)
  return {table, kind: 'update', uuid: r._uuid, row: r, old: columns(table, old)}
}

/** An NB replica holding the given rows, `[table, fields]` each. */
export function nbWith(...rows: Array<[string, Fields]>): NbState {
  const nb = new NbState()
  for (const [table, fields] of rows) nb.applyChange(insert(table, fields))
  return nb
}

/** A VM port bound to compute-1 on neutron-pub (the provider network of pubNetworkWith). */
export function pubVm(name: string, ip: string, up = true): Fields {
  return {
    uuid: `uuid-${name}`,
    name,
    addresses: [`fa:16:3e:00:01:02 ${ip}`],
    up,
    options: {'requested-chassis': 'compute-1'},
    externalIds: {'neutron:network_name': 'neutron-pub', 'neutron:cidrs': `${ip}/24`},
  }
}

/** neutron-pub (localnet on physnet1, so br-ex on brExNode) holding the given pubVm ports. */
export function pubNetworkWith(...vms: Fields[]): NbState {
  return nbWith(
    [
      LSP,
      {uuid: 'ln', name: 'provnet-1', type: 'localnet', addresses: ['unknown'], options: {network_name: 'physnet1'}},
    ],
    ...vms.map((v): [string, Fields] => [LSP, v]),
    [LS, {uuid: 'ls-pub', name: 'neutron-pub', ports: ['ln', ...vms.map((v) => String(v.uuid))]}],
  )
}

/** A raw change as NbState.applyChange decodes it (what the planner and the matchers receive). */
export function decoded(c: RowChange, caps?: NbCapabilities): NbChange {
  const d = decodeChange(c, caps ?? {lrpStatus: true, natGatewayPort: true})
  if (!d) throw new Error(`no NB table ${c.table}`)
  return d
}

/**
 * The local node the nbWith() scenarios are written for: compute-1 / chassis-1, physnet1 mapped to
 * br-ex (routing table 200), one patch port to br-int (name and ofport as the test needs them).
 */
export function brExNode(patch?: {name: string; ofport: number}): LocalContext {
  return {
    chassisName: 'compute-1',
    chassisId: 'chassis-1',
    bridgeMappings: [{physnet: 'physnet1', bridge: 'br-ex', index: 1}],
    bridgeTables: {'br-ex': 200},
    bridgeMacs: {'br-ex': 'fa:16:3e:00:00:01'},
    patchPorts: {'br-ex': [patch ?? {name: 'patch-provnet-1-to-br-int', ofport: 2}]},
  }
}
