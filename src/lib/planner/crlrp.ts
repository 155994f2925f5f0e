// Local cr-lrps (router gateway ports hosted on this chassis, docs/upstream-behaviour.md#locality,
// docs/upstream-behaviour.md#local-cr-lrps): their addresses
// are exposed like provider ports (with the LRP MAC and NDP proxies for IPv6 networks), and each
// becomes the gateway through which the router's tenant subnets and OVN load balancers are reached.
import type {LogicalRouterPort} from '../nb/model.js'
import type {PlanEnv} from './context.js'

import {networkOf} from '../nb/keys.js'
import {isMac} from '../net/ip.js'
import {byNameThenUuid} from './collector.js'
import {parseCidrs} from './parse.js'
import {rowSource, type Source} from './problems.js'
import {isWire} from './provider.js'
import {type Gateway, record, wireHost, wireLocalnetFlows, wireNdpProxies} from './wiring.js'

const LRP = 'Logical_Router_Port'

/** A router whose gateway port is hosted here: the `routers` part of computeDesired's result. */
export interface LocalRouter extends Gateway {
  /** Router id without prefix (LRP external_ids:neutron:router_name). */
  router: string
  lrp: Source
  /** Canonical LRP MAC (the MAC of centralized FIPs and of LB FIPs without NAT external_mac). */
  mac: string
  /** The provider LS of the gateway (LRP external_ids:neutron:network_name). */
  providerLs: string
}

/** Local LRPs in deterministic order, or [] with a problem when the NB schema lacks LRP status. */
export function localLrps(env: PlanEnv): LogicalRouterPort[] {
  if (!env.nb.capabilities.lrpStatus) {
    env.out.problem(
      {table: LRP, uuid: '', name: ''},
      'NB schema has no Logical_Router_Port.status (OVN < 23.09): cr-lrps, tenant networks, OVN load balancers and centralized FIPs are not exposed',
    )
    return []
  }

  return byNameThenUuid(env.nb.lrpsByHostingChassis(env.ctx.chassisId))
}

/** Exposes every local cr-lrp; returns the local routers by router id (first LRP wins). */
export function planCrLrps(env: PlanEnv, lrps: readonly LogicalRouterPort[]): Map<string, LocalRouter> {
  const routers = new Map<string, LocalRouter>()
  for (const lrp of lrps) {
    const src = rowSource(LRP, lrp)
    env.out.guard(src, () => {
      const r = planCrLrp(env, lrp, src)
      if (!r || !r.router) return
      const held = routers.get(r.router)
      if (held) env.out.problem(src, `router ${r.router} already has local gateway port ${held.lrp.name}`)
      else routers.set(r.router, r)
    })
  }

  return routers
}

/** One local cr-lrp: its exposure, and the router it makes local (undefined when skipped). */
export function planCrLrp(env: PlanEnv, lrp: LogicalRouterPort, src: Source): LocalRouter | undefined {
  if (lrp.networks.length === 0) return undefined
  const ls = networkOf(lrp)
  if (ls === undefined) {
    env.out.problem(src, 'cr-lrp without external_ids:neutron:network_name')
    return undefined
  }

  const w = env.ls.classify(ls)
  if (!isWire(w)) {
    if (w === 'tenant') env.out.problem(src, `gateway network ${ls} is not a provider network on this chassis`)
    return undefined
  }

  if (!isMac(lrp.mac)) {
    env.out.problem(src, `invalid MAC ${JSON.stringify(lrp.mac)}`)
    return undefined
  }

  const mac = lrp.mac.toLowerCase()
  const nets = parseCidrs(lrp.networks)
  for (const b of nets.bad) env.out.problem(src, `invalid network ${JSON.stringify(b)}`)
  const ips = [...new Set(nets.values.map((c) => c.addr))]
  for (const ip of ips) {
    wireHost(env, w, ip, mac, src)
    wireNdpProxies(env, w, nets.values, src, ip)
    wireLocalnetFlows(env, w, src, ip)
    record(env, ip, 'cr-lrp', w, src)
  }

  return {router: lrp.externalIds['neutron:router_name'] ?? '', lrp: src, mac, providerLs: ls, wire: w, ips}
}
