// Whether a change can matter to this node beyond the event classes: it touches something the node
// exposes or uses. Conservative by design: a false positive costs one cheap reconcile, a false
// negative leaves the node stale until the periodic full reconcile.
import type {
  LoadBalancer,
  LogicalRouter,
  LogicalRouterPort,
  LogicalSwitch,
  LogicalSwitchPort,
  Nat,
  NbChange,
  NbGlobal,
} from '../../nb/model.js'
import type {AgentView} from './agent-view.js'
import type {MatchedEvent} from './types.js'

import {versions} from '../../nb/decode.js'
import {
  chassisKeys,
  ipKey,
  isLocalPort,
  isRouterInterface,
  KEY_DEVICE_ID,
  KEY_PORT_FIP,
  lbRouterKeys,
  networkOf,
  portIps,
  stripNeutronPrefix,
} from '../../nb/keys.js'
import {classifyChange} from './classify.js'
import {vipIps} from './lb-vips.js'
import {distributedMode} from './nb-global.js'

function lspTouches(p: LogicalSwitchPort, view: AgentView): boolean {
  if (p.type === 'localnet') return true
  if (chassisKeys(p).includes(view.chassisName)) return true
  const net = networkOf(p)
  if (net !== undefined && view.localTenantNetworks.has(net)) return true
  const router = p.externalIds[KEY_DEVICE_ID]
  if (isRouterInterface(p) && router && view.localRouters.has(router)) return true
  const fip = p.externalIds[KEY_PORT_FIP]
  if ([...portIps(p), ...(fip ? [ipKey(fip)] : [])].some((ip) => view.isExposedAnywhere(ip))) return true
  // A centralized FIP of this port on a gateway hosted here.
  return [...view.nb.natsByLogicalPort(p.name)].some((n) => natTouches(n, view))
}

function natTouches(n: Nat, view: AgentView): boolean {
  if (n.type === 'snat') return view.tenantExposure // the SNAT check of tenant subnets
  const gw = n.gatewayPort === undefined ? undefined : view.nb.lrp(n.gatewayPort)
  if (gw?.status?.['hosting-chassis'] === view.chassisId) return true
  if (n.externalIp && view.isExposedAnywhere(ipKey(n.externalIp))) return true
  const lsp = n.logicalPort === undefined ? undefined : view.nb.lspByName(n.logicalPort)
  return lsp !== undefined && isLocalPort(lsp, view.chassisName)
}

function lrpTouches(p: LogicalRouterPort, view: AgentView): boolean {
  if (p.status?.['hosting-chassis'] === view.chassisId) return true
  const router = p.externalIds['neutron:router_name']
  if (router && view.localRouters.has(router)) return true
  return p.networks.some((n) => view.isExposedAnywhere(ipKey(n.split('/')[0] ?? n)))
}

function lbTouches(lb: LoadBalancer, view: AgentView): boolean {
  return (
    lbRouterKeys(lb).some((r) => view.localRouters.has(r)) || vipIps(lb.vips).some((ip) => view.isExposedAnywhere(ip))
  )
}

function lsTouches(ctx: NbChange<LogicalSwitch>, view: AgentView): boolean {
  if (versions(ctx).some((ls) => view.localTenantNetworks.has(ls.name) || view.isProviderLs(ls.name))) return true
  // A localnet port joining or leaving makes the switch a provider network or not.
  const old = new Set(ctx.old?.ports ?? ctx.row.ports)
  const now = new Set(ctx.row.ports)
  const moved = [...[...now].filter((p) => !old.has(p)), ...[...old].filter((p) => !now.has(p))]
  return moved.some((u) => view.nb.lsp(u)?.type === 'localnet')
}

function nbGlobalTouches(ctx: NbChange<NbGlobal>, view: AgentView): boolean {
  return versions(ctx).some((g) => distributedMode(g.externalIds) !== view.distributed)
}

function touches(ctx: NbChange, view: AgentView): boolean {
  switch (ctx.table) {
    case 'Logical_Switch_Port': {
      return versions(ctx as NbChange<LogicalSwitchPort>).some((p) => lspTouches(p, view))
    }

    case 'NAT': {
      return versions(ctx as NbChange<Nat>).some((n) => natTouches(n, view))
    }

    case 'Logical_Router_Port': {
      return versions(ctx as NbChange<LogicalRouterPort>).some((p) => lrpTouches(p, view))
    }

    case 'Load_Balancer': {
      return versions(ctx as NbChange<LoadBalancer>).some((lb) => lbTouches(lb, view))
    }

    case 'Logical_Switch': {
      return lsTouches(ctx as NbChange<LogicalSwitch>, view)
    }

    case 'Logical_Router': {
      return versions(ctx as NbChange<LogicalRouter>).some((r) => view.localRouters.has(stripNeutronPrefix(r.name)))
    }

    case 'NB_Global': {
      return nbGlobalTouches(ctx as NbChange<NbGlobal>, view)
    }

    default: {
      return true
    }
  }
}

/**
 * True when some registered event class matches (`events`: what classifyChange returned for this
 * change, when the caller has it), or the change (before or after) touches a port bound here, a
 * local router or tenant network, a provider network, a gateway hosted here, or an address
 * currently exposed. Evaluation errors count as relevant.
 */
export function isRelevant(change: NbChange, view: AgentView, events?: readonly MatchedEvent[]): boolean {
  try {
    return (events ?? classifyChange(change, view)).length > 0 || touches(change, view)
  } catch {
    return true
  }
}
