import type {NbRows} from '../../src/lib/nb/state.js'
// Writes typed NB rows (nb/model.ts, as the nb-builders make them) into a real NB database: one
// transaction of inserts with named uuids standing for the builders' uuids. Rows that are not root
// in the NB schema need a holder: ports without a switch go into the switch HOLDER, router ports
// and NATs without a router into the router HOLDER (names no planner rule looks up). References to
// rows that are not part of `rows` are left out (the server would refuse a dangling strong ref).
// A port whose requested-chassis is a comma list (a live migration) is written the way neutron
// writes it, with options:activation-strategy=rarp, unless `asIs` is set: the chassis scope
// (src/lib/nb/scope.ts) relies on that option to find ports migrating to a chassis.
import type {Operation, WireRow} from '../../src/lib/ovsdb/index.js'

const HOLDER = 'ovn-bgp-test-holder'

type Json = WireRow[string]
const map = (o: Readonly<Record<string, string>>): Json => ['map', Object.entries(o)]
const set = (a: readonly Json[]): Json => ['set', [...a]]
const opt = (v: Json | undefined): Json => (v === undefined ? ['set', []] : v)

/** Operations that delete every root row (non-root rows go with them). */
export function clearOps(): Operation[] {
  return ['Logical_Switch', 'Logical_Router', 'Load_Balancer', 'NB_Global'].map((table) => ({
    op: 'delete',
    table,
    where: [],
  }))
}

/** Inserts for `rows`; `lrpStatus` false leaves LRP status out (a schema without the column). */
export function insertOps(
  rows: NbRows,
  opts: {lrpStatus: boolean; natGatewayPort?: boolean; asIs?: boolean},
): Operation[] {
  const named = new Map<string, string>()
  const name = (uuid: string): string => {
    let n = named.get(uuid)
    if (!n) named.set(uuid, (n = `row${named.size}`))
    return n
  }

  const ref = (uuid: string | undefined, known: Set<string>): Json | undefined =>
    uuid !== undefined && known.has(uuid) ? ['named-uuid', name(uuid)] : undefined
  const lspIds = new Set((rows.lsps ?? []).map((r) => r.uuid))
  const lrpIds = new Set((rows.lrps ?? []).map((r) => r.uuid))
  const natIds = new Set((rows.nats ?? []).map((r) => r.uuid))
  const ops: Operation[] = []
  for (const p of rows.lsps ?? []) {
    const migrating = !opts.asIs && (p.options['requested-chassis'] ?? '').includes(',')
    const options = migrating ? {'activation-strategy': 'rarp', ...p.options} : p.options
    const row: WireRow = {
      name: p.name,
      type: p.type,
      addresses: set(p.addresses),
      options: map(options),
      external_ids: map(p.externalIds),
    }
    row.up = opt(p.up)
    row.tag = opt(p.tag)
    ops.push({op: 'insert', table: 'Logical_Switch_Port', 'uuid-name': name(p.uuid), row})
  }

  for (const r of rows.lrps ?? []) {
    const row: WireRow = {name: r.name, mac: r.mac, networks: set(r.networks), external_ids: map(r.externalIds)}
    if (opts.lrpStatus && r.status) row.status = map(r.status)
    ops.push({op: 'insert', table: 'Logical_Router_Port', 'uuid-name': name(r.uuid), row})
  }

  for (const n of rows.nats ?? []) {
    const row: WireRow = {
      type: n.type,
      external_ip: n.externalIp,
      logical_ip: n.logicalIp,
      external_ids: map(n.externalIds),
    }
    row.external_mac = opt(n.externalMac)
    row.logical_port = opt(n.logicalPort)
    if (opts.natGatewayPort !== false) row.gateway_port = opt(ref(n.gatewayPort, lrpIds))
    ops.push({op: 'insert', table: 'NAT', 'uuid-name': name(n.uuid), row})
  }

  const heldPorts = new Set<string>()
  for (const s of rows.lss ?? []) {
    const ports = s.ports.filter((u) => lspIds.has(u))
    for (const u of ports) heldPorts.add(u)
    ops.push({
      op: 'insert',
      table: 'Logical_Switch',
      row: {name: s.name, ports: set(ports.map((u) => ['named-uuid', name(u)]))},
    })
  }

  const orphans = [...lspIds].filter((u) => !heldPorts.has(u))
  if (orphans.length > 0)
    ops.push({
      op: 'insert',
      table: 'Logical_Switch',
      row: {name: HOLDER, ports: set(orphans.map((u) => ['named-uuid', name(u)]))},
    })
  const heldNats = new Set<string>()
  for (const r of rows.lrs ?? []) {
    const nats = r.nat.filter((u) => natIds.has(u))
    for (const u of nats) heldNats.add(u)
    ops.push({
      op: 'insert',
      table: 'Logical_Router',
      row: {name: r.name, nat: set(nats.map((u) => ['named-uuid', name(u)]))},
    })
  }

  const natOrphans = [...natIds].filter((u) => !heldNats.has(u))
  ops.push({
    op: 'insert',
    table: 'Logical_Router',
    row: {
      name: HOLDER,
      ports: set([...lrpIds].map((u) => ['named-uuid', name(u)])),
      nat: set(natOrphans.map((u) => ['named-uuid', name(u)])),
    },
  })
  for (const l of rows.lbs ?? [])
    ops.push({
      op: 'insert',
      table: 'Load_Balancer',
      row: {name: l.name, vips: map(l.vips), external_ids: map(l.externalIds)},
    })
  if (rows.nbGlobal) ops.push({op: 'insert', table: 'NB_Global', row: {external_ids: map(rows.nbGlobal.externalIds)}})
  return ops
}
