// Value converters for configuration options. Each takes the raw text (already unquoted by the INI
// parser when it came from a file) and returns the typed value, or throws InvalidValue saying what was
// expected; the loader turns that into a ConfigError naming the option and where the value came from.
// oslo types reproduced: Boolean (true/false/yes/no/on/off/1/0, any case), List of String (split on ',',
// items trimmed, '' -> [], inner empty items kept), Integer (we reject '' instead of oslo's None).
import {isIPv4} from 'node:net'

import type {BridgeMapping} from './types.js'

import {isIfName} from '../net/ip.js'

/** A value that does not fit its option. `expected` completes the sentence "expected ...". */
export class InvalidValue extends Error {
  constructor(readonly expected: string) {
    super(`expected ${expected}`)
    this.name = 'InvalidValue'
  }
}

const TRUE_WORDS = new Set(['true', '1', 'on', 'yes'])
const FALSE_WORDS = new Set(['false', '0', 'off', 'no'])

export function parseBool(raw: string): boolean {
  const s = raw.trim().toLowerCase()
  if (TRUE_WORDS.has(s)) return true
  if (FALSE_WORDS.has(s)) return false
  throw new InvalidValue('a boolean (true/false, yes/no, on/off, 1/0)')
}

export interface IntRange {
  min?: number
  max?: number
  /** Values inside [min, max] that are still refused, with the reason. */
  reserved?: ReadonlyMap<number, string>
}

function rangeText(r: IntRange): string {
  if (r.min !== undefined && r.max !== undefined) return ` between ${r.min} and ${r.max}`
  if (r.min !== undefined) return ` >= ${r.min}`
  if (r.max !== undefined) return ` <= ${r.max}`
  return ''
}

/** Decimal integer, optional sign (as Python's int()), range-checked. */
export function parseInteger(raw: string, range: IntRange = {}): number {
  const s = raw.trim()
  const expected = `an integer${rangeText(range)}`
  if (!/^[+-]?\d+$/.test(s)) throw new InvalidValue(expected)
  const n = Number(s)
  if (!Number.isSafeInteger(n)) throw new InvalidValue(expected)
  if ((range.min !== undefined && n < range.min) || (range.max !== undefined && n > range.max))
    throw new InvalidValue(expected)
  const why = range.reserved?.get(n)
  if (why !== undefined) throw new InvalidValue(`${expected}, not ${n} (${why})`)
  return n
}

/** oslo ListOpt of strings. */
export function parseList(raw: string): string[] {
  const s = raw.trim()
  return s === '' ? [] : s.split(',').map((item) => item.trim())
}

export function parseChoice<T extends string>(raw: string, choices: readonly T[]): T {
  const found = choices.find((c) => c === raw)
  if (found === undefined) throw new InvalidValue(`one of ${choices.join(', ')}`)
  return found
}

/** Non-empty string (paths, helper commands). */
export function parseNonEmpty(raw: string): string {
  if (raw.trim() === '') throw new InvalidValue('a non-empty value')
  return raw
}

/** Empty -> undefined ("unset"), anything else kept as written. */
export function parseOptional(raw: string): string | undefined {
  return raw.trim() === '' ? undefined : raw
}

/** The regex upstream applies to ovsdb_connection and ovn_nb_connection. */
const CONNECTION_RE = /^(tcp|ssl|unix):.+/

/** OVSDB remote, or a comma-separated list of remotes (python-ovs); every element must match. */
export function parseConnection(raw: string): string {
  const parts = raw.split(',').map((p) => p.trim())
  if (raw.trim() === '' || parts.some((p) => !CONNECTION_RE.test(p))) {
    throw new InvalidValue('an OVSDB remote matching ^(tcp|ssl|unix):.+ (or a comma-separated list of them)')
  }

  return parts.join(',')
}

export function parseOptionalConnection(raw: string): string | undefined {
  return raw.trim() === '' ? undefined : parseConnection(raw)
}

/** BGP AS number: plain 1..4294967295 or asdot `high.low`. Validated because it is rendered into FRR config. */
export function parseAsn(raw: string): string {
  const s = raw.trim()
  const plain = /^\d+$/.test(s) ? Number(s) : Number.NaN
  const dot = /^(\d+)\.(\d+)$/.exec(s)
  const okDot =
    dot !== null && Number(dot[1]) <= 65_535 && Number(dot[2]) <= 65_535 && Number(dot[1]) + Number(dot[2]) > 0
  if ((plain >= 1 && plain <= 4_294_967_295) || okDot) return s
  throw new InvalidValue('an AS number (1..4294967295 or asdot X.Y)')
}

/** FRR router-ids are dotted-quad IPv4; empty = unset (read from FRR). */
export function parseRouterId(raw: string): string | undefined {
  const s = raw.trim()
  if (s === '') return undefined
  if (!isIPv4(s)) throw new InvalidValue('an IPv4 address (BGP router-id)')
  return s
}

export function parseIfName(raw: string): string {
  const s = raw.trim()
  if (!isIfName(s))
    throw new InvalidValue(
      "a Linux interface name (1-15 characters, no '/', ':', '%' or spaces, not starting with '-')",
    )
  return s
}

/**
 * `physnet:bridge,...` like OVS external_ids:ovn-bridge-mappings (docs/upstream-behaviour.md#local-ovs-database):
 * elements trimmed, each split on
 * ':' into exactly two non-empty parts. Unlike the OVS key (bad elements skipped with a warning), a bad
 * element here is an error. Empty value = unset (bridge mappings then come from OVS).
 */
export function parseBridgeMappings(raw: string): BridgeMapping[] | undefined {
  if (raw.trim() === '') return undefined
  const seen = new Set<string>()
  return raw.split(',').map((element, i) => {
    const parts = element.trim().split(':')
    const [physnet, bridge] = parts
    if (parts.length !== 2 || !physnet || !bridge) {
      throw new InvalidValue(
        `physnet:bridge pairs separated by ",", element ${i + 1} (${JSON.stringify(element.trim())}) is not one`,
      )
    }

    if (!isIfName(bridge))
      throw new InvalidValue(
        `a bridge name usable as an interface name in element ${i + 1}, got ${JSON.stringify(bridge)}`,
      )
    if (seen.has(physnet)) throw new InvalidValue(`each physnet once, ${JSON.stringify(physnet)} is mapped twice`)
    seen.add(physnet)
    return {physnet, bridge, index: i + 1}
  })
}

/** `KEY=VALUE,...` -> record (value may contain '=' but not ','). Empty -> {}. */
export function parseEnvList(raw: string): Record<string, string> {
  const out: Record<string, string> = {}
  if (raw.trim() === '') return out
  for (const element of raw.split(',')) {
    const item = element.trim()
    const eq = item.indexOf('=')
    const key = eq === -1 ? item : item.slice(0, eq)
    if (eq === -1 || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) {
      throw new InvalidValue(
        `KEY=VALUE pairs separated by "," (KEY a shell variable name), got ${JSON.stringify(item)}`,
      )
    }

    out[key] = item.slice(eq + 1)
  }

  return out
}

/** `host:port` or `[ipv6]:port` to listen on; empty = disabled. */
export function parseListenAddress(raw: string): string | undefined {
  const s = raw.trim()
  if (s === '') return undefined
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:\s[\]]+)):(\d{1,5})$/.exec(s)
  const port = m ? Number(m[3]) : 0
  if (!m || port < 1 || port > 65_535) throw new InvalidValue('host:port or [ipv6]:port with a port 1..65535')
  return s
}
