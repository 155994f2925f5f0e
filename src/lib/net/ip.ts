// Validation and canonical forms for everything that comes from the NB database or the command line
// and ends up in an argv: IP addresses, CIDRs, MACs, interface names. Canonical forms (RFC 5952
// compressed IPv6, lower-case MAC) are what every comparison in the project uses.
import {isIPv4, isIPv6} from 'node:net'

import {ValidationError} from '../errors.js'

export type Family = 4 | 6

export interface ParsedCidr {
  family: Family
  /** Canonical address as written (host bits kept). */
  addr: string
  len: number
  /** Canonical network address (host bits cleared). */
  network: string
}

/** 8 x 16-bit groups of an IPv6 address, or undefined when invalid. */
function ipv6Groups(s: string): number[] | undefined {
  if (!isIPv6(s) || s.includes('%')) return undefined
  let text = s.toLowerCase()
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text)
  if (v4?.[1]) {
    const o = v4[1].split('.').map(Number)
    text =
      text.slice(0, -v4[1].length) + (((o[0]! << 8) | o[1]!).toString(16) + ':' + ((o[2]! << 8) | o[3]!).toString(16))
  }

  const [head, tail] = text.split('::') as [string, string | undefined]
  const h = head ? head.split(':') : []
  const t = tail === undefined ? [] : tail ? tail.split(':') : []
  const fill = tail === undefined ? [] : Array.from({length: 8 - h.length - t.length}, () => '0')
  const all = [...h, ...fill, ...t].map((g) => Number.parseInt(g, 16))
  return all.length === 8 ? all : undefined
}

/** RFC 5952 text for 8 groups: lower case, longest run (>1) of zero groups as '::'. */
function formatIpv6(groups: readonly number[]): string {
  let best = -1
  let bestLen = 1
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++
      continue
    }

    let j = i
    while (j < 8 && groups[j] === 0) j++
    if (j - i > bestLen) {
      best = i
      bestLen = j - i
    }

    i = j
  }

  const hex = groups.map((g) => g.toString(16))
  if (best < 0) return hex.join(':')
  return hex.slice(0, best).join(':') + '::' + hex.slice(best + bestLen).join(':')
}

export function ipFamily(s: string): Family | undefined {
  if (isIPv4(s)) return 4
  if (isIPv6(s) && !s.includes('%')) return 6
  return undefined
}

export function isIp(s: unknown): s is string {
  return typeof s === 'string' && ipFamily(s) !== undefined
}

/**
 * Memo of valid inputs: a pass canonicalizes every NB address and every dumped kernel address, the
 * same strings pass after pass, and under emulation the validation alone was a visible share of an
 * idle node's periodic pass. Bounded: emptied when it reaches MEMO_MAX entries.
 */
const MEMO_MAX = 1 << 16
const canonicalMemo = new Map<string, string>()
const cidrMemo = new Map<string, Readonly<ParsedCidr>>()

function remember<V>(memo: Map<string, V>, k: string, v: V): V {
  if (memo.size >= MEMO_MAX) memo.clear()
  memo.set(k, v)
  return v
}

/** Canonical text of an IP address; throws ValidationError when `s` is not one. */
export function canonicalIp(s: string, what = 'IP address'): string {
  const known = canonicalMemo.get(s)
  if (known !== undefined) return known
  const fam = ipFamily(s)
  if (fam === 4)
    return remember(
      canonicalMemo,
      s,
      s
        .split('.')
        .map((o) => String(Number(o)))
        .join('.'),
    )
  if (fam === 6) return remember(canonicalMemo, s, formatIpv6(ipv6Groups(s)!))
  throw new ValidationError(`invalid ${what}: ${JSON.stringify(s)}`)
}

/** Canonical IP or undefined, for filtering untrusted lists without exceptions. */
export function tryCanonicalIp(s: string): string | undefined {
  return isIp(s) ? canonicalIp(s) : undefined
}

function ipToBigInt(addr: string, family: Family): bigint {
  if (family === 4) return addr.split('.').reduce((acc, o) => (acc << 8n) | BigInt(Number(o)), 0n)
  return ipv6Groups(addr)!.reduce((acc, g) => (acc << 16n) | BigInt(g), 0n)
}

function bigIntToIp(v: bigint, family: Family): string {
  if (family === 4) return [24n, 16n, 8n, 0n].map((s) => String((v >> s) & 255n)).join('.')
  const groups: number[] = []
  for (let i = 7; i >= 0; i--) groups.push(Number((v >> BigInt(i * 16)) & 0xff_ffn))
  return formatIpv6(groups)
}

/** Parses `ADDRESS/PREFIXLEN` (canonical forms; the result is shared: do not modify it). */
export function parseCidr(s: string, what = 'CIDR'): ParsedCidr {
  const known = cidrMemo.get(s)
  if (known !== undefined) return known
  const m = /^([^/\s]+)\/(\d{1,3})$/.exec(s)
  const fam = m ? ipFamily(m[1]!) : undefined
  if (!m || !fam) throw new ValidationError(`invalid ${what}: ${JSON.stringify(s)} (expected ADDRESS/PREFIXLEN)`)
  const len = Number(m[2])
  const max = fam === 4 ? 32 : 128
  if (len > max) throw new ValidationError(`invalid ${what}: ${JSON.stringify(s)} (prefix length above ${max})`)
  const addr = canonicalIp(m[1]!)
  return remember(cidrMemo, s, Object.freeze({family: fam, addr, len, network: networkOf(addr, fam, len)}))
}

/** The network address of canonical `addr` with prefix length `len`. */
function networkOf(addr: string, fam: Family, len: number): string {
  if (fam === 4) {
    // 32-bit integer arithmetic (`>>> 0` keeps it unsigned); BigInt only for IPv6
    const v = addr.split('.').reduce((acc, o) => ((acc << 8) | Number(o)) >>> 0, 0)
    const n = len === 0 ? 0 : (v & (0xff_ff_ff_ff << (32 - len))) >>> 0
    return [24, 16, 8, 0].map((sh) => String((n >>> sh) & 255)).join('.')
  }

  const bits = 128n
  const mask = len === 0 ? 0n : ((1n << bits) - 1n) ^ ((1n << (bits - BigInt(len))) - 1n)
  return bigIntToIp(ipToBigInt(addr, fam) & mask, fam)
}

/** `network/len`, canonical. */
export function networkCidr(s: string): string {
  const c = parseCidr(s)
  return `${c.network}/${c.len}`
}

/** `ip/32` or `ip/128`. */
export function hostCidr(ip: string): string {
  const a = canonicalIp(ip)
  return `${a}/${ipFamily(a) === 4 ? 32 : 128}`
}

/** True when `ip` lies inside `cidr` (same family). */
export function ipInCidr(ip: string, cidr: string): boolean {
  const fam = ipFamily(ip)
  const c = parseCidr(cidr)
  if (fam !== c.family) return false
  const max = fam === 4 ? 32 : 128
  const shift = BigInt(max - c.len)
  return ipToBigInt(canonicalIp(ip), fam) >> shift === ipToBigInt(c.network, fam) >> shift
}

// IPv6 ranges that are not global unicast, after the IANA special-purpose registry.
// Carve-outs inside 2001::/23 that ARE global are listed in GLOBAL_EXCEPTIONS.
const NON_GLOBAL_V6 = [
  '::/128',
  '::1/128',
  '::ffff:0:0/96',
  '64:ff9b:1::/48',
  '100::/64',
  '2001::/23',
  '2001:db8::/32',
  '2002::/16',
  '3fff::/20',
  '5f00::/16',
  'fc00::/7',
  'fe80::/10',
  'ff00::/8',
]
const GLOBAL_EXCEPTIONS_V6 = [
  '2001:1::1/128',
  '2001:1::2/128',
  '2001:3::/32',
  '2001:4:112::/48',
  '2001:20::/28',
  '2001:30::/28',
]

/** IPv6 global unicast (GUA) test used by `expose_ipv6_gua_tenant_networks`. Accepts `addr` or `addr/len`. */
export function isIpv6Gua(s: string): boolean {
  const addr = s.split('/')[0] ?? ''
  if (ipFamily(addr) !== 6) return false
  if (GLOBAL_EXCEPTIONS_V6.some((c) => ipInCidr(addr, c))) return true
  if (NON_GLOBAL_V6.some((c) => ipInCidr(addr, c))) return false
  return ipInCidr(addr, '2000::/3')
}

export function isMac(s: unknown): s is string {
  return typeof s === 'string' && /^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/.test(s)
}

export function canonicalMac(s: string, what = 'MAC address'): string {
  if (!isMac(s)) throw new ValidationError(`invalid ${what}: ${JSON.stringify(s)} (expected xx:xx:xx:xx:xx:xx)`)
  return s.toLowerCase()
}

/** Linux IFNAMSIZ - 1. */
const IFNAME_MAX = 15

/** A name the kernel accepts as an interface name, and that cannot be read as an option. */
export function isIfName(s: unknown): s is string {
  return (
    typeof s === 'string' &&
    s.length > 0 &&
    s.length <= IFNAME_MAX &&
    s !== '.' &&
    s !== '..' &&
    !s.startsWith('-') &&
    /^[^\s/:%]+$/.test(s)
  )
}

export function checkIfName(s: string, what = 'interface name'): string {
  if (!isIfName(s)) {
    throw new ValidationError(
      `invalid ${what}: ${JSON.stringify(s)} (1-${IFNAME_MAX} characters, no '/', ':', '%' or spaces, not starting with '-')`,
    )
  }

  return s
}

/** Upstream truncates device names to 15 characters before use; so do we, predictably. */
export function truncIfName(s: string): string {
  return s.slice(0, IFNAME_MAX)
}

/** VLAN device of a provider bridge: the bridge's first 10 characters, '.', the tag (10 = 15 - len('.4094')). */
export function vlanDevName(bridge: string, tag: number): string {
  return `${bridge.slice(0, 10)}.${tag}`
}

export function isVlanTag(n: unknown): n is number {
  return typeof n === 'number' && Number.isInteger(n) && n >= 1 && n <= 4094
}
