// Chassis-scoped monitor conditions: which NB rows can matter to one chassis, as OVSDB monitor
// conditions (a disjunction of clauses per table), derived from the rows already held.
//
// Contract: for any NB contents, the rows selected by scopeConditions(held) — iterated to a fixed
// point, each step asking with the conditions computed from what the previous step returned —
// are a SUPERSET of every row computeDesired (src/lib/planner) reads for this chassis. Where a
// condition cannot say exactly what is needed, it asks for more, never for less:
//  - OVSDB compares whole strings (no substring match): a port whose requested-chassis is the
//    live-migration pair "src,dst" matches neither `requested-chassis == dst` nor anything else
//    naming dst. Neutron writes that pair together with options:activation-strategy=rarp, so every
//    port with that option (the ports being migrated, cloud-wide: a handful) is asked for.
//    A writer that sets a comma list without activation-strategy is not covered: use
//    `nb_monitor_scope = all` with such a writer (docs/scale.md).
//  - LB router keys lose one leading "neutron-": both R and neutron-R are asked for.
//  - Rows are asked for by every key the planner could use (network names of all bound ports, all
//    NATs of the bound ports, every LR.nat of a local router ...), not only by the ones a given
//    configuration reads; tenant networks behind a local router are asked for even when tenant
//    exposure is off (the configuration is not part of the scope).
// The dependency graph is acyclic (chassis -> gateway ports -> routers -> interfaces -> tenant
// networks; bound ports -> NATs and switches; routers -> LBs -> VIP ports -> NATs and switches),
// so the iteration reaches its fixed point in a few steps.
import type {ConditionClause, ConditionUpdate} from '../ovsdb/types.js'
import type {LogicalSwitchPort, NbView} from './model.js'

import {hostingChassis, isRouterInterface} from './keys.js'

export interface ChassisScope {
  /** Matched against requested-chassis and neutron:host_id (OVS external_ids:hostname). */
  chassisName: string
  /** Matched against LRP status:hosting-chassis (OVS external_ids:system-id). */
  chassisId: string | undefined
}

/** options:activation-strategy value neutron sets on a port while it is live-migrated. */
const MIGRATION_STRATEGY = 'rarp'

const mapHas = (column: string, key: string, value: string): ConditionClause => [
  column,
  'includes',
  ['map', [[key, value]]],
]
const eq = (column: string, value: string): ConditionClause => [column, '==', value]
const refIs = (column: string, uuid: string): ConditionClause => [
  column,
  column === '_uuid' ? '==' : 'includes',
  ['uuid', uuid],
]

/** A clause's identity for sorting and de-duplication (string values, the many, kept as they are). */
function clauseKey(c: ConditionClause): string {
  if (typeof c === 'boolean') return String(c)
  const v = c[2]
  return `${c[0]} ${c[1]} ${typeof v === 'string' ? `s${v}` : `j${JSON.stringify(v)}`}`
}

/**
 * Sorted, de-duplicated clauses: the same scope always gives the same list, so a table whose
 * clauses did not change is not sent to the server again (condition-equal.ts). Runs after every NB
 * change over every clause (one per local port for NAT): kept to one short string per clause.
 */
function clauses(list: Iterable<ConditionClause>): ConditionClause[] {
  const byKey = new Map<string, ConditionClause>()
  for (const c of list) byKey.set(clauseKey(c), c)
  return [...byKey.keys()].sort().map((k) => byKey.get(k)!)
}

const isUuid = (s: string): boolean => /^[\da-f]{8}-[\da-f]{4}-[\da-f]{4}-[\da-f]{4}-[\da-f]{12}$/i.test(s)

/**
 * The conditions for `scope` given the rows held in `nb` (start with an empty view: the result
 * then asks for the chassis' own rows, NB_Global and every localnet port).
 */
export function scopeConditions(nb: NbView, scope: ChassisScope): ConditionUpdate {
  const lsp: ConditionClause[] = [
    eq('type', 'localnet'),
    mapHas('options', 'requested-chassis', scope.chassisName),
    mapHas('external_ids', 'neutron:host_id', scope.chassisName),
    mapHas('options', 'activation-strategy', MIGRATION_STRATEGY),
  ]
  const ls = new Set<string>()
  const lr: ConditionClause[] = []
  const lrp: ConditionClause[] = scope.chassisId ? [mapHas('status', 'hosting-chassis', scope.chassisId)] : []
  const nat: ConditionClause[] = []
  const lb: ConditionClause[] = []

  const portNeeds = (p: LogicalSwitchPort): void => {
    const net = p.externalIds['neutron:network_name']
    if (net) ls.add(net)
    nat.push(eq('logical_port', p.name))
  }

  for (const p of nb.lspsByChassis(scope.chassisName)) portNeeds(p)
  // ports in live migration are held cloud-wide; only those naming this chassis add needs
  for (const p of nb.allLsps()) {
    if (p.options['activation-strategy'] !== MIGRATION_STRATEGY) continue
    const list = (p.options['requested-chassis'] ?? '').split(',').map((s) => s.trim())
    if (list.includes(scope.chassisName)) portNeeds(p)
  }

  const routers = new Set<string>()
  if (scope.chassisId) {
    for (const g of nb.lrpsByHostingChassis(scope.chassisId)) {
      if (hostingChassis(g) !== scope.chassisId) continue
      const net = g.externalIds['neutron:network_name']
      if (net) ls.add(net)
      if (isUuid(g.uuid)) nat.push(refIs('gateway_port', g.uuid))
      const r = g.externalIds['neutron:router_name']
      if (r) routers.add(r)
    }
  }

  for (const r of routers) {
    lsp.push(mapHas('external_ids', 'neutron:device_id', r))
    lr.push(eq('name', `neutron-${r}`))
    for (const key of ['lr_ref', 'neutron:router_name'])
      lb.push(mapHas('external_ids', key, r), mapHas('external_ids', key, `neutron-${r}`))
    for (const rif of nb.routerInterfaces(r)) {
      if (!isRouterInterface(rif)) continue
      const net = rif.externalIds['neutron:network_name']
      if (net) lsp.push(mapHas('external_ids', 'neutron:network_name', net))
    }

    const router = nb.lrByName(`neutron-${r}`)
    for (const u of router?.nat ?? []) if (isUuid(u)) nat.push(refIs('_uuid', u))
    for (const l of nb.lbsByRouter(r)) {
      const vipPort = l.externalIds['neutron:vip_port_id']
      if (!vipPort) continue
      lsp.push(eq('name', vipPort))
      nat.push(eq('logical_port', vipPort))
      const p = nb.lspByName(vipPort)
      const net = p?.externalIds['neutron:network_name']
      if (net) ls.add(net)
    }
  }

  for (const n of nb.allNats()) {
    const fipNet = n.externalIds['neutron:fip_network_id']
    if (fipNet) ls.add(`neutron-${fipNet}`)
  }

  return {
    Logical_Switch_Port: clauses(lsp),
    Logical_Switch: clauses([...ls].map((n) => eq('name', n))),
    Logical_Router: clauses(lr),
    Logical_Router_Port: clauses(lrp),
    NAT: clauses(nat),
    Load_Balancer: clauses(lb),
    NB_Global: undefined,
  }
}

/**
 * Whether monitoring with `sent` holds every row `wanted` selects: each table of `wanted` asks for
 * every row only where `sent` does too, and otherwise for no clause `sent` lacks. Clauses are
 * compared as a whole (clauseKey); a `sent` clause that selects more rows than several `wanted`
 * ones together is not recognised, which only costs a round trip.
 *
 * Why it is enough at start (scope seeded from a saved scope): scopeConditions grows with the rows
 * held, so if the conditions computed from the rows `sent` returned are covered by `sent`, so is
 * every step of the iteration from nothing, its fixed point included; the rows held are then a
 * superset of what the planner reads, which is the contract above.
 */
export function coversConditions(sent: ConditionUpdate, wanted: ConditionUpdate): boolean {
  for (const [table, want] of Object.entries(wanted)) {
    if (!(table in sent)) return false
    const have = sent[table]
    if (have === undefined) continue
    if (want === undefined) return false
    const keys = new Set(have.map(clauseKey))
    if (!want.every((c) => keys.has(clauseKey(c)))) return false
  }

  return true
}

/** The clauses of both, per table (sorted, de-duplicated); a table is unconditional if either is. */
export function unionConditions(a: ConditionUpdate, b: ConditionUpdate): ConditionUpdate {
  const out: ConditionUpdate = {}
  for (const table of new Set([...Object.keys(a), ...Object.keys(b)])) {
    const x = a[table]
    const y = b[table]
    out[table] =
      (table in a && x === undefined) || (table in b && y === undefined)
        ? undefined
        : clauses([...(x ?? []), ...(y ?? [])])
  }

  return out
}
