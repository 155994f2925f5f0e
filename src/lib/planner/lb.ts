// OVN load balancers of local routers (docs/upstream-behaviour.md#load-balancer-methods,
// docs/upstream-behaviour.md#load-balancer-placement), exposed on the chassis hosting the
// router's cr-lrp. An LB belongs to a router through external_ids lr_ref (OVN/Octavia LBs) or
// neutron:router_name (port-forwarding LBs named pf-floatingip-*), one leading 'neutron-' removed.
// An LB without vips has no listener and is not exposed (upstream's filter was a no-op,
// docs/upstream-behaviour.md#bug-4-lbs-without-vips).
// - OVN LB VIP (neutron:vip, only while it is a key of vips): on a tenant network exposed here ->
//   bgp-nic address only (like a tenant VM IP); on a provider network -> rule + route + address on
//   that network's bridge, no neighbour (there is no MAC behind a VIP).
// - OVN LB FIP (neutron:vip_fip, only while it is a key of vips): wired on the FIP network of the
//   VIP port's NAT (else the gateway's network) with the NAT external_mac in distributed mode, the
//   gateway LRP MAC otherwise — consistent with the centralized FIP rule
// (docs/upstream-behaviour.md#bug-7-lb-fip-bookkeeping).
// - PF LB: every VIP address (IPv4 or [IPv6]:port) on the gateway's provider network, no neighbour.
import type {LoadBalancer} from '../nb/model.js'
import type {PlanEnv} from './context.js'
import type {LocalRouter} from './crlrp.js'
import type {TenantNetwork} from './tenant.js'

import {networkOf, stripNeutronPrefix} from '../nb/keys.js'
import {canonicalMac, isIpv6Gua, isMac, tryCanonicalIp} from '../net/ip.js'
import {byNameThenUuid} from './collector.js'
import {fipNats} from './fip.js'
import {lbVipIps} from './parse.js'
import {rowSource, type Source} from './problems.js'
import {isWire, type Wire} from './provider.js'
import {announce, record, wireHost, wireLocalnetFlows} from './wiring.js'

export const PF_LB_PREFIX = 'pf-floatingip-'

export function planLoadBalancers(
  env: PlanEnv,
  routers: ReadonlyMap<string, LocalRouter>,
  tenantNets: ReadonlyMap<string, TenantNetwork>,
): void {
  for (const router of [...routers.keys()].sort()) {
    const gw = routers.get(router)!
    for (const lb of byNameThenUuid(env.nb.lbsByRouter(router))) {
      const src = rowSource('Load_Balancer', lb)
      env.out.guard(src, () => planLb(env, lb, gw, tenantNets, src))
    }
  }
}

/** One LB of the local router `gw` (callers guard it with the LB's source). */
export function planLb(
  env: PlanEnv,
  lb: LoadBalancer,
  gw: LocalRouter,
  tenantNets: ReadonlyMap<string, TenantNetwork>,
  src: Source,
): void {
  const vips = lbVipIps(lb)
  for (const b of vips.bad) env.out.problem(src, `unparsable vips key ${JSON.stringify(b)}`)
  if (vips.values.length === 0) return
  const isPf = lb.name.startsWith(PF_LB_PREFIX)
  const routerKey = isPf ? 'neutron:router_name' : 'lr_ref'
  const owner = lb.externalIds[routerKey]
  if (!owner) env.out.problem(src, `LB without external_ids:${routerKey}`)
  if (stripNeutronPrefix(owner ?? '') !== gw.router) return // attached only through the other key
  if (isPf) {
    for (const ip of vips.values) exposeProvider(env, gw.wire, ip, undefined, 'lb-fip', src)
    return
  }

  planLbVip(env, lb, gw, vips.values, tenantNets, src)
  planLbFip(env, lb, gw, vips.values, src)
}

function exposeProvider(
  env: PlanEnv,
  w: Wire,
  ip: string,
  mac: string | undefined,
  kind: 'lb-vip' | 'lb-fip',
  src: Source,
): void {
  wireHost(env, w, ip, mac, src)
  wireLocalnetFlows(env, w, src, ip)
  record(env, ip, kind, w, src)
}

/** A canonical IP from an LB external_ids key that is also one of its VIPs; undefined otherwise. */
function listenedIp(
  env: PlanEnv,
  lb: LoadBalancer,
  key: string,
  vips: readonly string[],
  src: Source,
): string | undefined {
  const raw = lb.externalIds[key]
  if (!raw) return undefined
  const ip = tryCanonicalIp(raw)
  if (ip === undefined) env.out.problem(src, `invalid ${key} ${JSON.stringify(raw)}`)
  return ip !== undefined && vips.includes(ip) ? ip : undefined
}

function planLbVip(
  env: PlanEnv,
  lb: LoadBalancer,
  gw: LocalRouter,
  vips: readonly string[],
  tenantNets: ReadonlyMap<string, TenantNetwork>,
  src: Source,
): void {
  if (!lb.externalIds['neutron:vip']) env.out.problem(src, 'LB without external_ids:neutron:vip')
  const vip = listenedIp(env, lb, 'neutron:vip', vips, src)
  if (vip === undefined) return
  const portName = lb.externalIds['neutron:vip_port_id']
  const lsp = portName ? env.nb.lspByName(portName) : undefined
  const net = lsp ? networkOf(lsp) : undefined
  if (net === undefined) {
    env.out.problem(
      src,
      portName
        ? `VIP port ${portName} missing or without neutron:network_name`
        : 'LB without external_ids:neutron:vip_port_id',
    )
    return
  }

  if (tenantNets.has(net)) {
    if (env.subnetMode || (env.guaOnly && !isIpv6Gua(vip))) return
    announce(env, vip, src)
    record(env, vip, 'lb-vip', gw.wire, src)
    return
  }

  const w = env.ls.classify(net)
  if (isWire(w)) exposeProvider(env, w, vip, undefined, 'lb-vip', src)
}

function planLbFip(env: PlanEnv, lb: LoadBalancer, gw: LocalRouter, vips: readonly string[], src: Source): void {
  const fip = listenedIp(env, lb, 'neutron:vip_fip', vips, src)
  if (fip === undefined) return
  const portName = lb.externalIds['neutron:vip_port_id']
  const nat = portName
    ? fipNats(env.nb.natsByLogicalPort(portName)).find((n) => tryCanonicalIp(n.externalIp) === fip)
    : undefined
  let w: Wire = gw.wire
  const fipNet = nat?.externalIds['neutron:fip_network_id']
  if (fipNet) {
    const c = env.ls.classify(`neutron-${fipNet}`)
    if (!isWire(c)) return
    w = c
  }

  const mac = env.distributed && isMac(nat?.externalMac) ? canonicalMac(nat.externalMac) : gw.mac
  exposeProvider(env, w, fip, mac, 'lb-fip', src)
}
