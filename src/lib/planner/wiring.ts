import type {PlanEnv} from './context.js'
import type {Source} from './problems.js'

// The objects behind one exposure, as upstream wire_provider_port / announce_ips / wire_lrp_port
// would leave them (docs/upstream-behaviour.md#wiring-building-blocks,
// docs/upstream-behaviour.md#kernel-and-ovs-operations). Callers pass canonical values; nothing here reports problems
// except conflicts, which the collector detects.
import {hostCidr, ipFamily, networkCidr, type ParsedCidr} from '../net/ip.js'
import {bridgeMac, usablePatchPorts, type Wire} from './provider.js'
import {type ExposedKind, ROUTE_PROTO, RULE_PRIORITY} from './types.js'

/** The exposed address on bgp-nic: the BGP advertisement itself. */
export function announce(env: PlanEnv, ip: string, src: Source, owner = ip): void {
  env.out.add({kind: 'address', dev: env.cfg.bgpNic, cidr: hostCidr(ip)}, src, owner)
}

/**
 * Provider-side wiring of one host address: rule to the bridge table, device route in it, and a
 * permanent neighbour when a MAC is known (none for LB VIPs and PF FIPs,
 * docs/upstream-behaviour.md#bug-1-neighbour-deletes), plus the
 * bgp-nic address. All on the VLAN device for VLAN networks.
 */
export function wireHost(env: PlanEnv, w: Wire, ip: string, mac: string | undefined, src: Source): void {
  const family = ipFamily(ip)!
  const dst = hostCidr(ip)
  const {out} = env
  needDevice(env, w, src, ip)
  out.add({kind: 'rule', family, dst, table: w.table, priority: RULE_PRIORITY}, src, ip)
  out.add(
    family === 4
      ? {kind: 'route', family, table: w.table, dst, dev: w.dev, scope: 'link', proto: ROUTE_PROTO}
      : {kind: 'route', family, table: w.table, dst, dev: w.dev, proto: ROUTE_PROTO},
    src,
    ip,
  )
  if (mac !== undefined) out.add({kind: 'neigh', family, ip, dev: w.dev, mac}, src, ip)
  announce(env, ip, src)
}

/**
 * The VLAN device an exposure lives on (also planned by base wiring, same attributes): listed
 * among the exposure's contributions so that a plan restricted to one IP creates it if needed.
 */
function needDevice(env: PlanEnv, w: Wire, src: Source, owner: string): void {
  if (w.vlan !== null) env.out.add({kind: 'vlan', name: w.dev, link: w.bridge, id: w.vlan}, src, owner)
}

/** NDP proxy for the network address of each IPv6 CIDR, on the wire's device (shared, refcounted by key). */
export function wireNdpProxies(env: PlanEnv, w: Wire, cidrs: readonly ParsedCidr[], src: Source, owner: string): void {
  for (const c of cidrs) {
    if (c.family === 6) env.out.add({kind: 'ndp-proxy', ip: c.network, dev: w.dev}, src, owner)
  }
}

/**
 * MAC-tweak flows for the localnet's own patch port `patch-<localnet>-to-br-int`. Usually that
 * port is a `patch-provnet-*` port already covered by base wiring; when it is not on the bridge,
 * the exposure is still planned and the missing port reported.
 */
export function wireLocalnetFlows(env: PlanEnv, w: Wire, src: Source, owner: string): void {
  const name = `patch-${w.localnet.name}-to-br-int`
  const port = usablePatchPorts(env.ctx, w.bridge).find((p) => p.name === name)
  const mac = bridgeMac(env.ctx, w.bridge)
  if (!port) {
    env.out.problem(src, `patch port ${name} not found on bridge ${w.bridge}: no MAC-tweak flows for it`)
    return
  }

  if (mac === undefined) return // reported by base wiring
  for (const family of [4, 6] as const)
    env.out.add({kind: 'flow', bridge: w.bridge, inPort: port.ofport, family, mac}, src, owner)
}

/** Records an exposed address (or subnet) for show-exposed. */
export function record(
  env: PlanEnv,
  ip: string,
  kind: ExposedKind,
  w: {bridge: string; vlan: number | null} | null,
  src: Source,
): void {
  env.out.expose({ip, kind, bridge: w?.bridge ?? null, vlan: w?.vlan ?? null, source: src})
}

/** The gateway side of a tenant subnet: what the local cr-lrp of its router offers. */
export interface Gateway {
  wire: Wire
  /** cr-lrp addresses (canonical, no mask), in `networks` order. */
  ips: string[]
}

/**
 * Tenant subnet behind a local cr-lrp (upstream wire_lrp_port): rule `to <cidr as given>` into
 * the bridge table; route to the prefix via the first cr-lrp address of the same family on the
 * bridge/VLAN device; in subnet mode also the same route on bgp-nic in the VRF table (FRR
 * redistributes it as a kernel route). Without a gateway address of the family only the rule
 * exists, as upstream; that is reported.
 */
export function wireSubnet(env: PlanEnv, gw: Gateway, cidr: ParsedCidr, src: Source): void {
  const {family} = cidr
  const given = `${cidr.addr}/${cidr.len}`
  const {out} = env
  needDevice(env, gw.wire, src, given)
  out.add({kind: 'rule', family, dst: given, table: gw.wire.table, priority: RULE_PRIORITY}, src, given)
  const via = gw.ips.find((ip) => ipFamily(ip) === family)
  if (via === undefined) {
    out.problem(src, `router gateway has no IPv${family} address: ${given} gets a rule but no route`)
    return
  }

  const dst = networkCidr(given)
  out.add({kind: 'route', family, table: gw.wire.table, dst, dev: gw.wire.dev, via, proto: ROUTE_PROTO}, src, given)
  if (env.subnetMode) {
    out.add(
      {kind: 'route', family, table: env.cfg.bgpVrfTableId, dst, dev: env.cfg.bgpNic, via, proto: ROUTE_PROTO},
      src,
      given,
    )
  }
}
