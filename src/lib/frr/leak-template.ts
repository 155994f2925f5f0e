import type {AgentConfig} from '../config/types.js'

// The FRR "leak" configuration (docs/upstream-behaviour.md#frr-configuration): import the agent VRF into the default
// BGP instance and
// redistribute the VRF's connected (and, in subnet mode, kernel) routes. Pure and deterministic
// (docs/upstream-behaviour.md#bug-18-frr-redistribute-and-router-id: upstream iterated a set, so the redistribute order
// varied between runs).
import {ConfigError} from '../errors.js'
import {ipFamily, isIfName} from '../net/ip.js'

export type Redistribute = 'connected' | 'kernel'
export type AddressFamily = 'ipv4 unicast' | 'ipv6 unicast'

export const ADDRESS_FAMILIES: readonly AddressFamily[] = ['ipv4 unicast', 'ipv6 unicast']

export interface LeakParams {
  /** Local AS (`bgp_AS`), decimal. */
  asn: string
  /** VRF name (`bgp_vrf`). */
  vrf: string
  /** Router id of the VRF instance, IPv4 dotted quad. */
  routerId: string
  /** Fixed order: connected, then kernel. */
  redistribute: readonly Redistribute[]
}

/** Host mode redistributes connected; subnet mode also kernel (the VRF-table routes). */
export function redistributeFor(mode: AgentConfig['advertisementMethodTenantNetworks']): Redistribute[] {
  return mode === 'subnet' ? ['connected', 'kernel'] : ['connected']
}

export function checkAsn(asn: string): string {
  const n = Number(asn)
  if (!/^\d{1,10}$/.test(asn) || n < 1 || n > 4_294_967_295) {
    throw new ConfigError(`invalid bgp_AS ${JSON.stringify(asn)}: expected a decimal AS number 1-4294967295`)
  }

  return String(n)
}

export function checkRouterId(id: string, what = 'bgp_router_id'): string {
  if (ipFamily(id) !== 4) throw new ConfigError(`invalid ${what} ${JSON.stringify(id)}: expected an IPv4 address`)
  return id
    .split('.')
    .map((o) => String(Number(o)))
    .join('.')
}

/** Validates and normalises every field (values reach a vtysh config file). */
export function checkLeakParams(p: LeakParams): LeakParams {
  if (!isIfName(p.vrf)) throw new ConfigError(`invalid bgp_vrf ${JSON.stringify(p.vrf)}: not a valid interface name`)
  const order: Redistribute[] = ['connected', 'kernel']
  const redistribute = order.filter((r) => p.redistribute.includes(r))
  if (redistribute.length === 0) throw new ConfigError('the leak configuration needs at least one redistribute type')
  return {asn: checkAsn(p.asn), vrf: p.vrf, routerId: checkRouterId(p.routerId), redistribute}
}

/** The config text applied with `vtysh -f`. Ends with a newline. */
export function renderLeakConfig(params: LeakParams): string {
  const p = checkLeakParams(params)
  const out: string[] = [`router bgp ${p.asn}`]
  for (const af of ADDRESS_FAMILIES) {
    out.push(` address-family ${af}`, `  import vrf ${p.vrf}`, ' exit-address-family')
  }

  out.push('exit', `router bgp ${p.asn} vrf ${p.vrf}`, ` bgp router-id ${p.routerId}`)
  for (const af of ADDRESS_FAMILIES) {
    out.push(` address-family ${af}`, ...p.redistribute.map((r) => `  redistribute ${r}`), ' exit-address-family')
  }

  out.push('exit')
  return out.join('\n') + '\n'
}
