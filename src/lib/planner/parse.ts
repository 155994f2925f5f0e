// Total parsers for the NB values the planner consumes: each returns canonical values plus the
// list of malformed inputs (for problem reports) instead of throwing.
import type {LoadBalancer, LogicalSwitchPort} from '../nb/model.js'

import {addressList} from '../nb/keys.js'
import {canonicalMac, type Family, ipFamily, isMac, parseCidr, type ParsedCidr, tryCanonicalIp} from '../net/ip.js'

export interface Parsed<T> {
  values: T[]
  bad: string[]
}

/** Canonical IPs of a list; invalid entries go to `bad`; duplicates removed, order kept. */
function parseIps(raw: readonly string[]): Parsed<string> {
  const values: string[] = []
  const bad: string[] = []
  for (const r of raw) {
    const ip = tryCanonicalIp(r)
    if (ip === undefined) bad.push(r)
    else if (!values.includes(ip)) values.push(ip)
  }

  return {values, bad}
}

/** Parsed CIDRs (host bits kept); invalid entries go to `bad`. */
export function parseCidrs(raw: readonly string[]): Parsed<ParsedCidr> {
  const values: ParsedCidr[] = []
  const bad: string[] = []
  for (const r of raw) {
    try {
      const c = parseCidr(r)
      if (!values.some((v) => v.addr === c.addr && v.len === c.len)) values.push(c)
    } catch {
      bad.push(r)
    }
  }

  return {values, bad}
}

export interface LspAddresses {
  mac: string
  ips: string[]
  bad: string[]
}

/**
 * Element 0 of `addresses`: "MAC IP1 [IP2 ...]". Returns undefined when it carries no IP at all
 * (missing, 'router', 'unknown', 'dynamic', a lone MAC); a malformed MAC is a string error.
 */
export function lspAddresses(lsp: LogicalSwitchPort): LspAddresses | string | undefined {
  const parts = addressList(lsp)
  if (parts.length < 2) return undefined
  const [mac, ...rest] = parts as [string, ...string[]]
  if (!isMac(mac)) return `invalid MAC ${JSON.stringify(mac)} in addresses`
  const ips = parseIps(rest)
  return {mac: canonicalMac(mac), ips: ips.values, bad: ips.bad}
}

/**
 * The port's addresses for planning: an unusable MAC, or each unusable IP, is reported (`report`,
 * the reason of a problem of the port); undefined when the port has no usable addresses at all.
 */
export function reportedLspAddresses(
  lsp: LogicalSwitchPort,
  report: (reason: string) => void,
): LspAddresses | undefined {
  const addrs = lspAddresses(lsp)
  if (addrs === undefined) return undefined
  if (typeof addrs === 'string') {
    report(addrs)
    return undefined
  }

  for (const b of addrs.bad) report(`invalid IP ${JSON.stringify(b)} in addresses`)
  return addrs
}

/**
 * IP of a Load_Balancer `vips` key: "IP", "IP:port", "[IPv6]:port" or a bare IPv6 address
 * (upstream kept the brackets of IPv6 keys and split PF keys on ':', docs/upstream-behaviour.md#bug-5-ipv6-lb-vips).
 */
export function vipKeyIp(key: string): string | undefined {
  const k = key.trim()
  const bracket = /^\[([^\]]+)\](?::\d+)?$/.exec(k)
  if (bracket) return ipFamily(bracket[1]!) === 6 ? tryCanonicalIp(bracket[1]!) : undefined
  const v4port = /^([0-9.]+):\d+$/.exec(k)
  if (v4port) return ipFamily(v4port[1]!) === 4 ? tryCanonicalIp(v4port[1]!) : undefined
  return tryCanonicalIp(k)
}

/** The distinct VIP IPs of an LB, sorted; unparsable keys in `bad`. */
export function lbVipIps(lb: LoadBalancer): Parsed<string> {
  const values = new Set<string>()
  const bad: string[] = []
  for (const key of Object.keys(lb.vips).sort()) {
    const ip = vipKeyIp(key)
    if (ip === undefined) bad.push(key)
    else values.add(ip)
  }

  return {values: [...values].sort(), bad}
}

export type AddressScopes = Readonly<Record<Family, string | undefined>>

/** neutron:subnet_pool_addr_scope4/6 of a router-interface LSP. */
export function addressScopes(lsp: LogicalSwitchPort): AddressScopes {
  const s4 = lsp.externalIds['neutron:subnet_pool_addr_scope4']
  const s6 = lsp.externalIds['neutron:subnet_pool_addr_scope6']
  return {4: s4 || undefined, 6: s6 || undefined}
}

/**
 * Upstream `_address_scope_allowed`: no configured scopes -> allowed; a port without any scope ->
 * denied; else the scope of the address family must be configured.
 */
export function scopeAllowed(family: Family, scopes: AddressScopes, configured: readonly string[]): boolean {
  if (configured.length === 0) return true
  if (scopes[4] === undefined && scopes[6] === undefined) return false
  const s = scopes[family]
  return s !== undefined && configured.includes(s)
}
