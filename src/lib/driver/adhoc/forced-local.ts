// A what-if view of NB for the withdraw verbs: some ports are seen as up and bound to this chassis
// and some router gateway ports as hosted here, everything else as NB has it. Running the real
// planner on this view tells what those objects WOULD need on this node, which is what withdrawing
// them must remove even after NB stopped wanting them here (port unbound, deleted router gateway
// moved, port down): upstream's withdraw_* runs exactly in those situations.
import type {LogicalRouterPort, LogicalSwitchPort, NbView} from '../../nb/model.js'

export interface ForcedLocal {
  /** LSP uuids to see as up and bound to `chassisName`. */
  lsps: ReadonlySet<string>
  /** LRP uuids to see as hosted on `chassisId`. */
  lrps: ReadonlySet<string>
}

function* mapped<T>(rows: Iterable<T>, fix: (r: T) => T): Iterable<T> {
  for (const r of rows) yield fix(r)
}

/** `nb` with the `force` rows made local; lookups stay O(result) plus the forced rows. */
export function forcedLocalView(nb: NbView, force: ForcedLocal, chassisName: string, chassisId: string): NbView {
  const lsp = (r: LogicalSwitchPort): LogicalSwitchPort =>
    force.lsps.has(r.uuid)
      ? {
          ...r,
          up: true,
          options: {...r.options, 'requested-chassis': chassisName},
          externalIds: {...r.externalIds, 'neutron:host_id': chassisName},
        }
      : r
  const lrp = (r: LogicalRouterPort): LogicalRouterPort =>
    force.lrps.has(r.uuid) ? {...r, status: {...r.status, 'hosting-chassis': chassisId}} : r
  const optLsp = (r: LogicalSwitchPort | undefined) => (r ? lsp(r) : undefined)
  const optLrp = (r: LogicalRouterPort | undefined) => (r ? lrp(r) : undefined)

  function* byChassis(chassis: string): Iterable<LogicalSwitchPort> {
    const seen = new Set<string>()
    for (const r of nb.lspsByChassis(chassis)) {
      seen.add(r.uuid)
      yield lsp(r)
    }

    if (chassis !== chassisName) return
    for (const u of force.lsps) {
      const r = nb.lsp(u)
      if (r && !seen.has(u)) yield lsp(r)
    }
  }

  function* byHosting(chassis: string): Iterable<LogicalRouterPort> {
    const seen = new Set<string>()
    for (const r of nb.lrpsByHostingChassis(chassis)) {
      seen.add(r.uuid)
      if (chassis === chassisId || !force.lrps.has(r.uuid)) yield lrp(r)
    }

    if (chassis !== chassisId) return
    for (const u of force.lrps) {
      const r = nb.lrp(u)
      if (r && !seen.has(u)) yield lrp(r)
    }
  }

  return {
    capabilities: nb.capabilities,
    lsp: (u) => optLsp(nb.lsp(u)),
    lspByName: (n) => optLsp(nb.lspByName(n)),
    lspsByNetwork: (n) => mapped(nb.lspsByNetwork(n), lsp),
    lspsByChassis: byChassis,
    routerInterfaces: (id) => mapped(nb.routerInterfaces(id), lsp),
    localnetsByPhysnet: (p) => nb.localnetsByPhysnet(p),
    allLsps: () => mapped(nb.allLsps(), lsp),
    ls: (u) => nb.ls(u),
    lsByName: (n) => nb.lsByName(n),
    localnetPortsOfLs: (n) => nb.localnetPortsOfLs(n),
    hasVirtualPort: (n) => nb.hasVirtualPort(n),
    lr: (u) => nb.lr(u),
    lrByName: (n) => nb.lrByName(n),
    lrp: (u) => optLrp(nb.lrp(u)),
    lrpsByHostingChassis: byHosting,
    allLrps: () => mapped(nb.allLrps(), lrp),
    nat: (u) => nb.nat(u),
    natsByLogicalPort: (n) => nb.natsByLogicalPort(n),
    natsByGatewayPort: (u) => nb.natsByGatewayPort(u),
    allNats: () => nb.allNats(),
    lb: (u) => nb.lb(u),
    lbsByRouter: (id) => nb.lbsByRouter(id),
    allLbs: () => nb.allLbs(),
    nbGlobal: () => nb.nbGlobal(),
  }
}
