// Reading Load_Balancer rows as the LB events do (docs/upstream-behaviour.md#nb-tables-and-columns,
// docs/upstream-behaviour.md#load-balancer-events): VIP addresses out of `vips`
// keys, the router an LB belongs to.
import type {StrMap} from '../../nb/model.js'

import {ipKey, stripNeutronPrefix} from '../../nb/keys.js'
import {isIp} from '../../net/ip.js'

export const PF_LB_PREFIX = 'pf-floatingip-'
const KEY_LR_REF = 'lr_ref'
const KEY_PF_ROUTER = 'neutron:router_name'
export const KEY_VIP = 'neutron:vip'
const KEY_VIP_FIP = 'neutron:vip_fip'

/**
 * Address of one `vips` key: "ip", "ip:port", "[ip6]:port" or a bare IPv6 address. Upstream strips
 * a trailing ":<digits>" only, so bracketed IPv6 keys never equal neutron:vip and a bare IPv6 key
 * loses its last group (docs/upstream-behaviour.md#bug-5-ipv6-lb-vips); we parse all forms and canonicalise.
 */
export function vipAddress(key: string): string {
  const k = key.trim()
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(k)
  if (bracketed?.[1]) return ipKey(bracketed[1])
  if (isIp(k)) return ipKey(k)
  const withPort = /^(.*):(\d+)$/.exec(k)
  if (withPort?.[1] !== undefined && isIp(withPort[1])) return ipKey(withPort[1])
  return k
}

/** Distinct VIP addresses of a `vips` map, in key order. */
export function vipIps(vips: StrMap | undefined): string[] {
  return [...new Set(Object.keys(vips ?? {}).map(vipAddress))]
}

export function vipCount(vips: StrMap | undefined): number {
  return Object.keys(vips ?? {}).length
}

/** Same keys and members. */
export function sameVips(a: StrMap, b: StrMap): boolean {
  const ka = Object.keys(a)
  return ka.length === Object.keys(b).length && ka.every((k) => b[k] === a[k])
}

/** Every key of `a` is a key of `b`. */
export function vipKeysSubset(a: StrMap, b: StrMap): boolean {
  return Object.keys(a).every((k) => k in b)
}

/** Router id of an OVN LB (external_ids:lr_ref minus one `neutron-`), undefined when unset. */
export function lrRefRouter(ext: StrMap | undefined): string | undefined {
  const v = ext?.[KEY_LR_REF]
  return v ? stripNeutronPrefix(v) : undefined
}

/** Router id of a port-forwarding LB (external_ids:neutron:router_name minus one `neutron-`). */
export function pfRouter(ext: StrMap): string | undefined {
  const v = ext[KEY_PF_ROUTER]
  return v ? stripNeutronPrefix(v) : undefined
}

/** Which LB external_ids address `ip` is: the VIP, its FIP, or neither. */
export function vipRole(ip: string, ext: StrMap): 'vip' | 'fip' | undefined {
  const vip = ext[KEY_VIP]
  const fip = ext[KEY_VIP_FIP]
  if (vip && ipKey(vip) === ip) return 'vip'
  if (fip && ipKey(fip) === ip) return 'fip'
  return undefined
}
