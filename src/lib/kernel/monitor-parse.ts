import type {AddrInfo, LinkInfo, NeighInfo, RouteInfo, RuleInfo} from './parse.js'

// Pure parser of `ip -o -d -N monitor link address route rule neigh netconf` lines (iproute2 6.1,
// LC_ALL=C; formats captured in the qemu guest, see test/lib/kernel/monitor-parse.test.ts). With -o
// every notification is one line (continuation lines joined by '\'); with -N protocols, scopes,
// tables and route types are numbers; with -d route lines start with the route type and link lines
// carry the link kind (e.g. "vlan protocol 802.1Q id 100"). A removal is prefixed "Deleted ".
// Lines that are not one of the kinds below, or that do not parse, give undefined.
import {canonicalIp, type Family, ipFamily, isMac} from '../net/ip.js'
import {ROUTE_TYPES} from './parse.js'

export type MonitorEvent =
  | {type: 'link'; deleted: boolean; link: LinkInfo}
  | {type: 'addr'; deleted: boolean; addr: AddrInfo}
  | {type: 'route'; deleted: boolean; route: RouteInfo & {table: number}}
  | {type: 'rule'; deleted: boolean; rule: RuleInfo}
  | {type: 'neigh'; deleted: boolean; neigh: NeighInfo; proxy: boolean}
  | {type: 'netconf'; deleted: boolean; family: Family; dev: string; proxyNeigh: boolean | undefined}

const LINK = /^(\d+): ([^:@\s]+)(?:@([^:\s]+))?: <([^>]*)>/
const ADDR = /^(\d+): (\S+)\s+(inet6?) (\S+)/
const RULE = /^(\d+):\s+(.*)$/
const NETCONF = /^(inet6?) (\S+)(.*)$/
const ROUTE_TYPE_NAMES = new Set(Object.values(ROUTE_TYPES))
/** Rule words that carry no selector (plus `from all` and `to X`): a rule with others is not ours. */
const RULE_PLAIN = new Set(['lookup', 'table', 'proto'])

export function parseMonitorLine(input: string): MonitorEvent | undefined {
  let line = input.trimEnd()
  let deleted = false
  if (line.startsWith('Deleted ')) {
    deleted = true
    line = line.slice(8)
  }

  if (line === '' || line.startsWith('Timestamp:') || line.startsWith('[')) return undefined
  let m = LINK.exec(line)
  if (m) return {type: 'link', deleted, link: linkOf(m, line)}
  m = ADDR.exec(line)
  if (m) return addrOf(m, deleted)
  m = RULE.exec(line)
  if (m && /^(not )?from /.test(m[2]!)) return ruleOf(Number(m[1]), m[2]!, deleted)
  m = NETCONF.exec(line)
  if (m) {
    const pn = /\bproxy_neigh (on|off)\b/.exec(m[3]!)
    return {
      type: 'netconf',
      deleted,
      family: m[1] === 'inet' ? 4 : 6,
      dev: m[2]!,
      proxyNeigh: pn ? pn[1] === 'on' : undefined,
    }
  }

  const words = line.split(/\s+/)
  if (words[1] === 'dev' || words.includes('lladdr') || words[0] === 'proxy' || words[0] === 'miss')
    return neighOf(words, deleted)
  if (ROUTE_TYPES[words[0]!] || ROUTE_TYPE_NAMES.has(words[0]!)) return routeOf(words, deleted)
  return undefined
}

function linkOf(m: RegExpExecArray, line: string): LinkInfo {
  const flags = m[4]!.split(',')
  const vlan = /\bvlan protocol \S+ id (\d+)/.exec(line)
  // The kind is the first word of the third '\'-separated part (present with -d).
  const kind = vlan ? 'vlan' : line.split('\\')[2]?.trim().split(/\s+/)[0]
  const vrf = /\bvrf table (\d+)/.exec(line)
  return {
    name: m[2]!,
    kind: kind || undefined,
    master: /\bmaster (\S+)/.exec(line.split('\\')[0]!)?.[1],
    link: m[3] && !/^if\d+$/.test(m[3]) ? m[3] : undefined,
    vlanId: vlan ? Number(vlan[1]) : undefined,
    vrfTable: vrf ? Number(vrf[1]) : undefined,
    up: flags.includes('UP'),
  }
}

function addrOf(m: RegExpExecArray, deleted: boolean): MonitorEvent | undefined {
  const [ip, len] = m[4]!.split('/')
  const family = ip ? ipFamily(ip) : undefined
  if (!ip || !len || !family || (m[3] === 'inet') !== (family === 4)) return undefined
  return {type: 'addr', deleted, addr: {dev: m[2]!, family, cidr: `${canonicalIp(ip)}/${len}`}}
}

/** `32000:\tfrom all to 172.24.4.10 lookup 200 proto 0` (the family follows the addresses). */
function ruleOf(priority: number, rest: string, deleted: boolean): MonitorEvent | undefined {
  const w = rest.trim().split(/\s+/)
  let dst: string | undefined
  let from: string | undefined
  let table: number | undefined
  let plain = true
  for (let i = 0; i < w.length; i++) {
    const k = w[i]!
    const v = w[i + 1]
    if (k === 'from' && v !== undefined) {
      from = v
      i++
    } else if (k === 'to' && v !== undefined) {
      dst = v
      i++
    } else if ((k === 'lookup' || k === 'table') && v !== undefined) {
      table = /^\d+$/.test(v) ? Number(v) : undefined
      i++
    } else if (RULE_PLAIN.has(k) && v !== undefined) i++
    else plain = false
  }

  if (from !== 'all') plain = false
  const addr = dst ?? (from === 'all' ? undefined : from)
  const family = addr ? ipFamily(addr.split('/')[0]!) : undefined
  if (!family) return undefined
  let canon: string | undefined
  if (dst) {
    const [ip, len] = dst.split('/')
    canon = `${canonicalIp(ip!)}/${len ?? (family === 4 ? 32 : 128)}`
  }

  return {type: 'rule', deleted, rule: {family, priority, dst: canon, table, plain}}
}

/** `10.0.0.5 dev br-ex lladdr 00:11:22:33:44:55 PERMANENT`, `miss ...`, `proxy fd00::5 dev br-ex`. */
function neighOf(words: string[], deleted: boolean): MonitorEvent | undefined {
  let i = 0
  let proxy = false
  while (words[i] === 'miss' || words[i] === 'proxy') proxy ||= words[i++] === 'proxy'
  const ip = words[i]
  const family = ip ? ipFamily(ip) : undefined
  const devAt = words.indexOf('dev', i)
  const dev = devAt === -1 ? undefined : words[devAt + 1]
  if (!ip || !family || !dev) return undefined
  const ll = words.indexOf('lladdr')
  const mac = ll === -1 ? undefined : words[ll + 1]
  return {
    type: 'neigh',
    deleted,
    proxy,
    neigh: {
      family,
      ip: canonicalIp(ip),
      dev,
      mac: mac && isMac(mac) ? mac.toLowerCase() : undefined,
      permanent: words.includes('PERMANENT'),
    },
  }
}

/** `1 default dev br-ex table 200 proto 3 scope 253`, `1 fd01::/64 via fd00::10 dev br-ex ... pref medium`. */
function routeOf(words: string[], deleted: boolean): MonitorEvent | undefined {
  const type = ROUTE_TYPES[words[0]!] ?? words[0]!
  const d = words[1]
  if (!d) return undefined
  const kv = new Map<string, string>()
  let multipath = false
  for (let i = 2; i < words.length; i++) {
    const k = words[i]!
    if (k === 'nexthop' || k === 'nhid') multipath = true
    if (k === 'via' && (words[i + 1] === 'inet' || words[i + 1] === 'inet6')) i++
    if (
      ['via', 'dev', 'table', 'proto', 'scope', 'src', 'metric', 'pref'].includes(k) &&
      words[i + 1] !== undefined &&
      !kv.has(k)
    )
      kv.set(k, words[++i]!)
  }

  const via = kv.get('via')
  const dstIp = d === 'default' ? undefined : d.split('/')[0]
  // A route line names no family: an address (dst or gateway) tells; otherwise IPv6 routes always
  // carry a preference (`pref medium`) and IPv4 routes never do.
  const family: Family | undefined = (dstIp && ipFamily(dstIp)) || (via && ipFamily(via)) || (kv.has('pref') ? 6 : 4)
  if (dstIp && ipFamily(dstIp) !== family) return undefined
  const dst = d === 'default' ? 'default' : `${canonicalIp(dstIp!)}/${d.split('/')[1] ?? (family === 4 ? 32 : 128)}`
  const num = (k: string): number | undefined => (kv.has(k) && /^\d+$/.test(kv.get(k)!) ? Number(kv.get(k)) : undefined)
  return {
    type: 'route',
    deleted,
    route: {
      family,
      dst,
      dev: kv.get('dev'),
      via: via && ipFamily(via) ? canonicalIp(via) : undefined,
      proto: num('proto'),
      scope: num('scope'),
      type,
      multipath,
      table: num('table') ?? 254,
    },
  }
}
