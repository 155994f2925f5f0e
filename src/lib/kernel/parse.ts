// Pure parsers of `ip -json` dumps into canonical records (compressed IPv6, lower-case MAC,
// `addr/len` prefixes). Tolerant of the two spellings iproute2 uses for numbers: with `-N` it prints
// "3"/"253"/"1", without it "boot"/"link"/"unicast". Unparseable entries are skipped, never thrown.
import {canonicalIp, type Family, ipFamily, isMac} from '../net/ip.js'

type Json = Record<string, unknown>

function arr(text: string): Json[] {
  const t = text.trim()
  if (!t) return []
  const v: unknown = JSON.parse(t)
  return Array.isArray(v) ? v.filter((x): x is Json => typeof x === 'object' && x !== null) : []
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined)

function num(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isInteger(v)) return v
  if (typeof v === 'string' && /^\d+$/.test(v)) return Number(v)
  return undefined
}

export interface LinkInfo {
  name: string
  kind: string | undefined
  master: string | undefined
  /** Parent device (VLAN). */
  link: string | undefined
  vlanId: number | undefined
  vrfTable: number | undefined
  up: boolean
}

/** The link of a VLAN device ovn-bgp just created (up), as a dump would show it. */
export function createdVlanLink(o: {name: string; link: string; id: number}): LinkInfo {
  return {name: o.name, kind: 'vlan', master: undefined, link: o.link, vlanId: o.id, vrfTable: undefined, up: true}
}

/** `ip -json -details link show`. */
export function parseLinks(text: string): LinkInfo[] {
  const out: LinkInfo[] = []
  for (const l of arr(text)) {
    const name = str(l.ifname)
    if (!name) continue
    const info = (l.linkinfo ?? {}) as Json
    const data = (info.info_data ?? {}) as Json
    const flags = Array.isArray(l.flags) ? l.flags : []
    out.push({
      name,
      kind: str(info.info_kind),
      master: str(l.master),
      link: str(l.link),
      vlanId: str(info.info_kind) === 'vlan' ? num(data.id) : undefined,
      vrfTable: str(info.info_kind) === 'vrf' ? num(data.table) : undefined,
      up: flags.includes('UP'),
    })
  }

  return out
}

export interface AddrInfo {
  dev: string
  family: Family
  /** Canonical `ip/len`. */
  cidr: string
}

/** `ip -json address show`. */
export function parseAddrs(text: string): AddrInfo[] {
  const out: AddrInfo[] = []
  for (const l of arr(text)) {
    const dev = str(l.ifname)
    if (!dev || !Array.isArray(l.addr_info)) continue
    for (const a of l.addr_info as Json[]) {
      const local = str(a.local)
      const len = num(a.prefixlen)
      const fam = local ? ipFamily(local) : undefined
      if (!local || len === undefined || !fam) continue
      out.push({dev, family: fam, cidr: `${canonicalIp(local)}/${len}`})
    }
  }

  return out
}

export interface RuleInfo {
  family: Family
  priority: number
  /** Canonical `addr/len`; undefined for rules without a destination selector. */
  dst: string | undefined
  table: number | undefined
  /** True when the rule has no selector besides `to` (no from/iif/oif/fwmark ...). */
  plain: boolean
}

const RULE_KEYS = new Set(['priority', 'src', 'dst', 'dstlen', 'table', 'protocol', 'flags'])

/** `ip -N -json -4|-6 rule show` (with -N the table is numeric). */
export function parseRules(text: string, family: Family): RuleInfo[] {
  const out: RuleInfo[] = []
  for (const r of arr(text)) {
    const priority = num(r.priority)
    if (priority === undefined) continue
    const d = str(r.dst)
    let dst: string | undefined
    if (d && ipFamily(d) === family) dst = `${canonicalIp(d)}/${num(r.dstlen) ?? (family === 4 ? 32 : 128)}`
    const plain = Object.keys(r).every((k) => RULE_KEYS.has(k)) && (r.src === undefined || r.src === 'all')
    out.push({family, priority, dst, table: num(r.table), plain})
  }

  return out
}

const PROTO_NAMES: Record<string, number> = {
  unspec: 0,
  redirect: 1,
  kernel: 2,
  boot: 3,
  static: 4,
  ra: 9,
  dhcp: 16,
  zebra: 11,
  bird: 12,
  bgp: 186,
  isis: 187,
  ospf: 188,
  rip: 189,
  eigrp: 192,
}
const SCOPE_NAMES: Record<string, number> = {global: 0, universe: 0, site: 200, link: 253, host: 254, nowhere: 255}

export interface RouteInfo {
  family: Family
  /** 'default' or canonical `addr/len`. */
  dst: string
  dev: string | undefined
  via: string | undefined
  proto: number | undefined
  scope: number | undefined
  /** 'unicast', 'local', 'broadcast' ... */
  type: string
  multipath: boolean
  /** Routing table, when known (the dump's table, or the notification's). */
  table?: number
}

/** Route types by number (`ip -N` prints numbers): the names iproute2 would print. */
export const ROUTE_TYPES: Readonly<Record<string, string>> = {
  '1': 'unicast',
  '2': 'local',
  '3': 'broadcast',
  '4': 'anycast',
  '5': 'multicast',
  '6': 'blackhole',
  '7': 'unreachable',
  '8': 'prohibit',
  '9': 'throw',
}

/** `ip -N -d -json -4|-6 route show table T`. */
export function parseRoutes(text: string, family: Family): RouteInfo[] {
  const out: RouteInfo[] = []
  for (const r of arr(text)) {
    const d = str(r.dst)
    if (!d) continue
    let dst: string
    if (d === 'default') dst = 'default'
    else {
      const [a, l] = d.split('/')
      if (!a || ipFamily(a) !== family) continue
      dst = `${canonicalIp(a)}/${l ?? (family === 4 ? 32 : 128)}`
    }

    const gw = str(r.gateway)
    const p = str(r.protocol)
    const s = str(r.scope)
    const t = str(r.type) ?? 'unicast'
    out.push({
      family,
      dst,
      dev: str(r.dev),
      via: gw && ipFamily(gw) ? canonicalIp(gw) : undefined,
      proto: p === undefined ? undefined : (num(p) ?? PROTO_NAMES[p]),
      scope: s === undefined ? undefined : (num(s) ?? SCOPE_NAMES[s]),
      type: ROUTE_TYPES[t] ?? t,
      multipath: Array.isArray(r.nexthops) || r.nhid !== undefined,
    })
  }

  return out
}

export interface NeighInfo {
  family: Family
  ip: string
  dev: string
  mac: string | undefined
  permanent: boolean
}

/** `ip -json neigh show` (both families). */
export function parseNeighs(text: string): NeighInfo[] {
  const out: NeighInfo[] = []
  for (const n of arr(text)) {
    const ip = str(n.dst)
    const dev = str(n.dev)
    const fam = ip ? ipFamily(ip) : undefined
    if (!ip || !dev || !fam) continue
    const ll = str(n.lladdr)
    const state = Array.isArray(n.state) ? n.state : []
    out.push({
      family: fam,
      ip: canonicalIp(ip),
      dev,
      mac: ll && isMac(ll) ? ll.toLowerCase() : undefined,
      permanent: state.includes('PERMANENT'),
    })
  }

  return out
}

export interface ProxyInfo {
  ip: string
  dev: string
}

/** `ip -json neigh show proxy`: entries carry `"proxy": null`. IPv6 only is returned. */
export function parseProxies(text: string): ProxyInfo[] {
  const out: ProxyInfo[] = []
  for (const n of arr(text)) {
    const ip = str(n.dst)
    const dev = str(n.dev)
    if (!ip || !dev || ipFamily(ip) !== 6 || !('proxy' in n)) continue
    out.push({ip: canonicalIp(ip), dev})
  }

  return out
}

/** `sysctl KEY...` output lines `key = value`. */
export function parseSysctl(text: string): Map<string, string> {
  const out = new Map<string, string>()
  for (const line of text.split('\n')) {
    const m = /^(\S+)\s*=\s*(.*)$/.exec(line.trim())
    if (m) out.set(m[1]!, m[2]!.trim())
  }

  return out
}
