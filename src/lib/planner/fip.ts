// Floating IPs (docs/upstream-behaviour.md#logicalswitchportfipcreateevent,
// docs/upstream-behaviour.md#centralized-fip-events, docs/upstream-behaviour.md#expose_fip,
// docs/upstream-behaviour.md#local-ports). Mode from NB_Global neutron:fip-distributed:
// - distributed (default): a FIP lives on the chassis of its VM port (neutron:port_fip set, port
//   up and bound here) and needs the NAT's external_mac (set by Neutron once the port is bound);
// - centralized ("False"): every dnat_and_snat NAT whose gateway_port is a cr-lrp hosted here,
//   with that gateway LRP's MAC.
// Either way the FIP is wired on the provider network `neutron-<neutron:fip_network_id>`.
import type {LogicalRouterPort, LogicalSwitchPort, Nat} from '../nb/model.js'
import type {PlanEnv} from './context.js'

import {canonicalMac, isMac, tryCanonicalIp} from '../net/ip.js'
import {cmp, rowSource, type Source} from './problems.js'
import {isWire} from './provider.js'
import {record, wireHost, wireLocalnetFlows} from './wiring.js'

function natSource(nat: Nat): Source {
  return rowSource('NAT', nat, nat.logicalPort ?? nat.externalIp)
}

/** dnat_and_snat NATs, uuid order (deterministic "first"). */
export function fipNats(nats: Iterable<Nat>): Nat[] {
  return [...nats].filter((n) => n.type === 'dnat_and_snat').sort((a, b) => cmp(a.uuid, b.uuid))
}

/** Provider network LS name of a FIP NAT, or undefined (reported) when the key is missing. */
function fipNetwork(env: PlanEnv, nat: Nat, src: Source): string | undefined {
  const id = nat.externalIds['neutron:fip_network_id']
  if (id) return `neutron-${id}`
  env.out.problem(src, 'NAT without external_ids:neutron:fip_network_id')
  return undefined
}

/** Wires one FIP with `mac` on the provider network of the NAT. */
function exposeFip(env: PlanEnv, nat: Nat, mac: string, src: Source): void {
  const ip = tryCanonicalIp(nat.externalIp)
  if (ip === undefined) {
    env.out.problem(src, `invalid external_ip ${JSON.stringify(nat.externalIp)}`)
    return
  }

  const ls = fipNetwork(env, nat, src)
  if (ls === undefined) return
  const w = env.ls.classify(ls)
  if (!isWire(w)) {
    if (w === 'tenant') env.out.problem(src, `FIP network ${ls} is not a provider network on this chassis`)
    return
  }

  wireHost(env, w, ip, mac, src)
  wireLocalnetFlows(env, w, src, ip)
  record(env, ip, 'fip', w, src)
}

/**
 * Distributed mode: the FIPs of a local, up VM port that carries neutron:port_fip — every
 * dnat_and_snat NAT of the port (upstream took the first only; a port with a FIP per fixed IP has
 * several), each needing its external_mac (set by Neutron once the port is bound).
 */
export function planDistributedFip(env: PlanEnv, lsp: LogicalSwitchPort): void {
  const nats = fipNats(env.nb.natsByLogicalPort(lsp.name))
  if (nats.length === 0) {
    env.out.problem(rowSource('Logical_Switch_Port', lsp), 'neutron:port_fip set but no dnat_and_snat NAT for the port')
    return
  }

  for (const nat of nats) {
    const src = natSource(nat)
    if (!nat.externalMac) env.out.problem(src, 'NAT has no external_mac: distributed FIP not exposed yet')
    else if (isMac(nat.externalMac)) {
      exposeFip(env, nat, canonicalMac(nat.externalMac), src)
    } else {
      env.out.problem(src, `invalid external_mac ${JSON.stringify(nat.externalMac)}`)
    }
  }
}

/** Centralized mode: all FIPs whose gateway port is one of the local cr-lrps. */
export function planCentralizedFips(env: PlanEnv, lrps: readonly LogicalRouterPort[]): void {
  if (env.distributed) return
  if (!env.nb.capabilities.natGatewayPort) {
    env.out.problem(
      {table: 'NAT', uuid: '', name: ''},
      'NB schema has no NAT.gateway_port: centralized FIPs are not exposed',
    )
    return
  }

  for (const lrp of lrps) {
    if (!isMac(lrp.mac)) continue // reported by the cr-lrp rule
    for (const nat of fipNats(env.nb.natsByGatewayPort(lrp.uuid))) {
      const src = natSource(nat)
      env.out.guard(src, () => exposeFip(env, nat, canonicalMac(lrp.mac), src))
    }
  }
}
