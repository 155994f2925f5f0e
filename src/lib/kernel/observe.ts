// Observe: the kernel objects ovn-bgp owns, as canonical StateObj[], from a handful of `ip -json`
// dumps (links, addresses, permanent neighbours, proxies; rules and one route dump per table, per
// family; one sysctl read) instead of one query per object. The dumps run as three `ip -batch`
// processes (one JSON array per line of output); if a batch's output does not split into one
// array per command, its dumps are repeated one process each.
//
// Ownership (what prune may delete):
//   address   /32 and /128 on bgp-nic; 169.254.0.0/16 /32 and fd53:d91e:400:7f17::/64 /128 helper
//             addresses on mapped bridges and their VLAN devices
//   rule      priority 32000, `to` selector only, table = a bridge table
//   route     proto-3 (boot) unicast routes in a bridge table; proto-3 routes on bgp-nic in the VRF table
//             (the VRF table is dumped with a `proto 3` selector, which the kernel applies: its
//             kernel `local` route per bgp-nic address, thousands on a large node, is never read)
//   vlan      `<bridge[:10]>.<id>` whose parent is a mapped bridge (omitted when desired but down)
//   neigh     permanent neighbours on mapped bridges / VLAN devices that are in the ledger
//   ndp-proxy NDP proxies on the same devices that are in the ledger
//   sysctl    proxy_arp / proxy_ndp of mapped bridges and VLAN devices, reported when set to 1
import type {CommandRunner} from '../exec/runner.js'
import type {Ledger} from './ledger.js'
import type {KernelObj, ObserveScope} from './types.js'

import {runStepsInTurns} from '../event-turns.js'
import {type Family, ipInCidr, vlanDevName} from '../net/ip.js'
import {
  HELPER_V4_PREFIX,
  HELPER_V6_PREFIX,
  objKey,
  objValue,
  ROUTE_PROTO,
  RULE_PRIORITY,
  type StateObj,
} from '../planner/types.js'
import {deviceSysctlKey} from './commands.js'
import {
  type AddrInfo,
  type LinkInfo,
  type NeighInfo,
  parseAddrs,
  parseLinks,
  parseNeighs,
  parseProxies,
  parseRoutes,
  parseRules,
  parseSysctl,
  type ProxyInfo,
  type RouteInfo,
  type RuleInfo,
} from './parse.js'

const HELPER_V4 = `${HELPER_V4_PREFIX}0.0/16`
const HELPER_V6 = `${HELPER_V6_PREFIX}/64`

export interface ObserveDeps {
  runner: CommandRunner
  ipPath: string
  sysctlPath: string
  ledger: Ledger
  timeoutMs?: number
}

async function dump(d: ObserveDeps, args: string[]): Promise<string> {
  const r = await d.runner.run(d.ipPath, args, {env: {LC_ALL: 'C'}, ...(d.timeoutMs ? {timeoutMs: d.timeoutMs} : {})})
  // A table or device that does not exist is an empty dump, not an error.
  if (r.code !== 0) {
    if (/does not exist|Cannot find device|No such/.test(r.stderr)) return '[]'
    throw new Error(`ip ${args.join(' ')} failed: ${r.stderr.trim()}`)
  }

  return r.stdout
}

/**
 * Several `ip` show commands sharing global options in one process, one output line each, as
 * bytes (RunOptions.stdoutBytes); falls back to one process each.
 */
async function dumpManyBytes(
  d: ObserveDeps,
  global: readonly string[],
  commands: readonly string[][],
): Promise<Buffer[]> {
  const r = await d.runner.run(d.ipPath, [...global, '-batch', '-'], {
    input: commands.map((c) => c.join(' ')).join('\n') + '\n',
    env: {LC_ALL: 'C'},
    // megabytes on a large node, every reconcile_interval: through a file, not a pipe (runner.ts)
    stdoutToFile: true,
    stdoutBytes: true,
    ...(d.timeoutMs ? {timeoutMs: d.timeoutMs} : {}),
  })
  const lines = jsonLines(r.stdoutBytes ?? Buffer.from(r.stdout))
  if (r.code === 0 && lines.length === commands.length) return lines
  return Promise.all(commands.map(async (c) => Buffer.from(await dump(d, [...global, ...c]))))
}

/** dumpManyBytes, decoded. */
export async function dumpMany(
  d: ObserveDeps,
  global: readonly string[],
  commands: readonly string[][],
): Promise<string[]> {
  return (await dumpManyBytes(d, global, commands)).map((b) => b.toString())
}

const NL = 0x0a
const OPEN_BRACKET = 0x5b
const isBlank = (c: number): boolean => c === 0x20 || c === 0x09 || c === 0x0d || c === NL

/**
 * The non-blank lines of a batch's output (views of `out`, not copies), or [] when one of them is
 * not a JSON array: the batch's output then does not split one array per command.
 */
function jsonLines(out: Buffer): Buffer[] {
  const lines: Buffer[] = []
  for (let start = 0; start < out.length;) {
    const nl = out.indexOf(NL, start)
    const end = nl === -1 ? out.length : nl
    let first = start
    while (first < end && isBlank(out[first]!)) first++
    if (first < end) {
      if (out[first] !== OPEN_BRACKET) return []
      lines.push(out.subarray(start, end))
    }

    start = end + 1
  }

  return lines
}

/** The devices whose neighbours, proxies, helper addresses and sysctls ovn-bgp manages. */
function ownedDevices(
  links: readonly LinkInfo[],
  bridges: ReadonlySet<string>,
): {devices: Set<string>; vlans: LinkInfo[]} {
  const present = new Set(links.map((l) => l.name))
  const vlans = links.filter((l) => isOwnedVlan(l, bridges))
  const devices = new Set<string>([...[...bridges].filter((b) => present.has(b)), ...vlans.map((v) => v.name)])
  return {devices, vlans}
}

/** A VLAN device of a mapped bridge, named the way ovn-bgp names the ones it creates. */
export function isOwnedVlan(l: LinkInfo, bridges: ReadonlySet<string>): boolean {
  return (
    l.kind === 'vlan' &&
    l.link !== undefined &&
    bridges.has(l.link) &&
    l.vlanId !== undefined &&
    l.name === vlanDevName(l.link, l.vlanId)
  )
}

function isHelperAddress(cidr: string, family: Family): boolean {
  const [ip, len] = cidr.split('/')
  if (!ip) return false
  return family === 4 ? len === '32' && ipInCidr(ip, HELPER_V4) : len === '128' && ipInCidr(ip, HELPER_V6)
}

// One record's ownership, shared by the full walk (ownedObjects) and the per-key view
// (owned-view.ts): each returns the canonical owned object, or undefined for a foreign one.

/** A host address on bgp-nic, or a helper address on an owned device. */
export function ownedAddress(a: AddrInfo, bgpNic: string, devices: ReadonlySet<string>): KernelObj | undefined {
  const len = a.cidr.split('/')[1]
  const owned =
    (a.dev === bgpNic && len === (a.family === 4 ? '32' : '128')) ||
    (devices.has(a.dev) && isHelperAddress(a.cidr, a.family))
  return owned ? {kind: 'address', dev: a.dev, cidr: a.cidr} : undefined
}

/** A plain `to <dst> lookup <bridge table>` rule at ovn-bgp's priority. */
export function ownedRule(r: RuleInfo, bridgeTables: ReadonlySet<number>): KernelObj | undefined {
  if (r.priority !== RULE_PRIORITY || !r.plain || !r.dst || r.table === undefined) return undefined
  if (!bridgeTables.has(r.table)) return undefined
  return {kind: 'rule', family: r.family, dst: r.dst, table: r.table, priority: r.priority}
}

/**
 * A unicast route with ovn-bgp's protocol mark in a bridge table (or on bgp-nic in the VRF table).
 * Only the mark (proto 3) is owned: an operator's `proto static` route is never touched.
 */
export function ownedRoute(
  r: RouteInfo,
  bridgeTables: ReadonlySet<number>,
  scope: Pick<ObserveScope, 'bgpNic' | 'vrfTable'>,
): KernelObj | undefined {
  const {table} = r
  if (table === undefined || r.type !== 'unicast' || r.multipath || !r.dev || r.proto !== ROUTE_PROTO) return undefined
  if (!bridgeTables.has(table) && !(table === scope.vrfTable && r.dev === scope.bgpNic)) return undefined
  return {
    kind: 'route',
    family: r.family,
    table,
    dst: r.dst,
    dev: r.dev,
    ...(r.via === undefined ? {} : {via: r.via}),
    ...(r.family === 4 && r.scope === 253 ? {scope: 'link' as const} : {}),
    proto: r.proto,
  }
}

/** Parsed kernel state, from dumps or from the watched model; `ownedObjects` picks what is ours. */
export interface RawKernel {
  links: readonly LinkInfo[]
  addrs: readonly AddrInfo[]
  rules: readonly RuleInfo[]
  /** Routes of the scope's tables (bridge tables and the VRF table). */
  routes: readonly RouteInfo[]
  neighs: readonly NeighInfo[]
  proxies: readonly ProxyInfo[]
  /** sysctl key (deviceSysctlKey form) -> value, for the owned devices. */
  sysctls: ReadonlyMap<string, string>
}

/**
 * The text of one dump of everything ownership can depend on: three `ip` processes (general, IPv4,
 * IPv6), one JSON array per show command, routes of the given tables only (IPv4 then IPv6 per
 * table). `netconf`: also the `netconf show` lines (the watched model keeps them; one-shot observe
 * does not need them). Shared by the one-shot observe and the watched model's full reload, which
 * fingerprints it before parsing (dump-fingerprint.ts).
 */
export interface KernelDumpText {
  tables: readonly number[]
  /** Tables of `tables` dumped with ovn-bgp's routes only (markedOnlyTables). */
  markedOnly: readonly number[]
  /**
   * links, addresses, permanent neighbours, proxies[, netconf]: one JSON array each, as bytes (the
   * watched model hashes a periodic dump and decodes it only when it must be loaded).
   */
  general: readonly Buffer[]
  /** rules, then the routes of each table. */
  fam4: readonly Buffer[]
  fam6: readonly Buffer[]
}

export async function dumpKernelText(
  d: ObserveDeps,
  tables: readonly number[],
  opts: {netconf?: boolean; markedOnly?: readonly number[]} = {},
): Promise<KernelDumpText> {
  const marked = opts.markedOnly ?? []
  const perFamily = [
    ['rule', 'show'],
    ...tables.map((t) => ['route', 'show', 'table', String(t), ...(marked.includes(t) ? MARKED_SELECTOR : [])]),
  ]
  const general = [
    ['link', 'show'],
    ['address', 'show'],
    ['neigh', 'show', 'nud', 'permanent'],
    ['neigh', 'show', 'proxy'],
    ...(opts.netconf ? [['netconf', 'show']] : []),
  ]
  const [g, fam4, fam6] = await Promise.all([
    dumpManyBytes(d, ['-json', '-details'], general),
    dumpManyBytes(d, ['-4', '-N', '-d', '-json'], perFamily),
    dumpManyBytes(d, ['-6', '-N', '-d', '-json'], perFamily),
  ])
  return {tables: [...tables], markedOnly: tables.filter((t) => marked.includes(t)), general: g, fam4, fam6}
}

/** A dump's text parsed (routes tagged with their table); `netconf` is left as text. */
export function parseKernelDump(t: KernelDumpText): ParsedDump {
  const p = parseSteps(t)
  for (const step of p.steps) step()
  return p.parsed
}

/**
 * parseKernelDump with `between` awaited between two parts (links, addresses, rules, each table's
 * routes, neighbours, proxies): on a large node each part is a fraction of a second of main thread
 * in a small VM, the whole about one second (the periodic audit's background dump, watched.ts).
 */
export async function parseKernelDumpInTurns(t: KernelDumpText, between: () => Promise<void>): Promise<ParsedDump> {
  const p = parseSteps(t)
  await runStepsInTurns(p.steps, between)
  return p.parsed
}

export interface ParsedDump {
  links: LinkInfo[]
  addrs: AddrInfo[]
  rules: RuleInfo[]
  routes: Array<RouteInfo & {table: number}>
  neighs: NeighInfo[]
  proxies: ProxyInfo[]
  netconf: string
}

const text = (b: Buffer | undefined): string => (b === undefined ? '' : String(b))

/** The parse as parts that fill `parsed` (each part decodes its own text). */
function parseSteps(t: KernelDumpText): {parsed: ParsedDump; steps: Array<() => void>} {
  const parsed: ParsedDump = {
    links: [],
    addrs: [],
    rules: [],
    routes: [],
    neighs: [],
    proxies: [],
    netconf: text(t.general[4]),
  }
  const [, ...routes4] = t.fam4
  const [, ...routes6] = t.fam6
  const steps: Array<() => void> = [
    () => {
      parsed.links = parseLinks(text(t.general[0]))
    },
    () => {
      parsed.addrs = parseAddrs(text(t.general[1]))
    },
    () => {
      parsed.rules = [...parseRules(text(t.fam4[0]), 4), ...parseRules(text(t.fam6[0]), 6)]
    },
    ...t.tables.map((table, i) => () => {
      // `ip route show ... proto N` leaves the protocol out of what it prints: put it back.
      const proto = t.markedOnly.includes(table) ? {proto: ROUTE_PROTO} : {}
      const tag = (r: RouteInfo): RouteInfo & {table: number} => ({...r, ...proto, table})
      for (const r of parseRoutes(text(routes4[i]), 4)) parsed.routes.push(tag(r))
      for (const r of parseRoutes(text(routes6[i]), 6)) parsed.routes.push(tag(r))
    }),
    () => {
      parsed.neighs = parseNeighs(text(t.general[2]))
    },
    () => {
      parsed.proxies = parseProxies(text(t.general[3]))
    },
  ]
  return {parsed, steps}
}

/** dumpKernelText, parsed. */
async function dumpKernel(
  d: ObserveDeps,
  tables: readonly number[],
  opts: {netconf?: boolean; markedOnly?: readonly number[]} = {},
) {
  return parseKernelDump(await dumpKernelText(d, tables, opts))
}

/** The route selector of a table dumped for ovn-bgp's own routes only (the kernel filters). */
const MARKED_SELECTOR = ['proto', String(ROUTE_PROTO)]

/**
 * Tables of which only ovn-bgp's marked routes (proto ROUTE_PROTO) are read: the VRF table, where
 * the kernel puts a `local` route for every address on bgp-nic and ovn-bgp owns only its subnet
 * routes; unless the VRF table doubles as a bridge table (a misconfiguration), read in full then.
 */
export function markedOnlyTables(scope: Pick<ObserveScope, 'bridges' | 'vrfTable'>): number[] {
  return scope.bridges.some((b) => b.table === scope.vrfTable) ? [] : [scope.vrfTable]
}

/** What a dump of `scope` reads: its tables and bridge names (adopt and fresh do not change it). */
export const rawScopeKey = (scope: ObserveScope): string =>
  JSON.stringify([scope.vrfTable, scope.bridges.map((b) => [b.name, b.table])])

/** The one-shot observation's dump (Kernel.observe), before ownership is applied: needs no desired state. */
export async function dumpRaw(d: ObserveDeps, scope: ObserveScope): Promise<RawKernel> {
  const tables = [...new Set(scope.bridges.map((b) => b.table))]
  const {links, addrs, rules, routes, neighs, proxies} = await dumpKernel(d, [...tables, scope.vrfTable], {
    markedOnly: markedOnlyTables(scope),
  })
  const {devices} = ownedDevices(links, new Set(scope.bridges.map((b) => b.name)))
  return {links, addrs, rules, routes, neighs, proxies, sysctls: await readSysctls(d, devices)}
}

/**
 * The owned objects of `raw` in canonical form (ownership rules at the top of this file). The
 * ledger is consulted (and pruned of vanished entries, and extended by adoption) for neighbours.
 * Options for the periodic audit, which runs while passes do: `between` is awaited between two
 * kinds (each a fraction of the whole's main thread on a large node; `raw` is a copy, so nothing
 * moves under it), and `readOnly` leaves the ledger as it is (a pass may have added a neighbour
 * since `raw` was taken: forgetting it would leave it unowned).
 */
export async function ownedObjects(
  d: {ledger: Ledger},
  raw: RawKernel,
  scope: ObserveScope,
  opts: {between?: () => Promise<void>; readOnly?: boolean} = {},
): Promise<KernelObj[]> {
  const between = opts.between ?? (async () => {})
  const bridgeNames = new Set(scope.bridges.map((b) => b.name))
  const bridgeTables = new Set(scope.bridges.map((b) => b.table))
  const {devices, vlans} = ownedDevices(raw.links, bridgeNames)
  const out: KernelObj[] = []

  // A desired VLAN device that is down is reported missing: the plan then "adds" it, which for an
  // existing device with the right parent and id only sets it up (apply.ts).
  const wanted = new Set((scope.adopt ?? []).filter((o) => o.kind === 'vlan').map((o) => objKey(o)))
  for (const v of vlans) {
    const obj: KernelObj = {kind: 'vlan', name: v.name, link: v.link!, id: v.vlanId!}
    if (v.up || !wanted.has(objKey(obj))) out.push(obj)
  }

  await between()
  for (const a of raw.addrs) {
    const o = ownedAddress(a, scope.bgpNic, devices)
    if (o) out.push(o)
  }

  await between()
  for (const r of raw.rules) {
    const o = ownedRule(r, bridgeTables)
    if (o) out.push(o)
  }

  await between()
  for (const r of raw.routes) {
    const o = ownedRoute(r, bridgeTables, scope)
    if (o) out.push(o)
  }

  await between()
  for (const o of await ownedNeighbours(d, scope, devices, raw, Boolean(opts.readOnly))) out.push(o)
  for (const dev of [...devices].sort()) {
    for (const k of [deviceSysctlKey(4, dev, 'proxy_arp'), deviceSysctlKey(6, dev, 'proxy_ndp')]) {
      if (raw.sysctls.get(k) === '1') out.push({kind: 'sysctl', key: k, value: '1'})
    }
  }

  return out
}

/**
 * Ledger entries plus adopted ones; ledger keys of entries that no longer exist are dropped.
 * `readOnly`: the same answer (an adopted one counts as owned) with the ledger left as it is.
 */
async function ownedNeighbours(
  d: {ledger: Ledger},
  scope: ObserveScope,
  devices: Set<string>,
  raw: Pick<RawKernel, 'neighs' | 'proxies'>,
  readOnly: boolean,
): Promise<KernelObj[]> {
  await d.ledger.load()
  const adopt = new Set((scope.adopt ?? []).filter((o) => o.kind === 'neigh' || o.kind === 'ndp-proxy').map(objValue))
  const present: KernelObj[] = []
  for (const n of raw.neighs) {
    if (n.permanent && n.mac && devices.has(n.dev))
      present.push({kind: 'neigh', family: n.family, ip: n.ip, dev: n.dev, mac: n.mac})
  }

  for (const p of raw.proxies) if (devices.has(p.dev)) present.push({kind: 'ndp-proxy', ip: p.ip, dev: p.dev})
  const out: KernelObj[] = []
  const seen = new Set<string>()
  for (const o of present) {
    const key = objKey(o)
    seen.add(key)
    const adopted = !d.ledger.has(key) && adopt.has(objValue(o as StateObj))
    if (adopted && !readOnly) d.ledger.add(key)
    if (adopted || d.ledger.has(key)) out.push(o)
  }

  if (readOnly) return out
  // A vanished entry is forgotten unless it is desired: the pass is about to re-create it, and
  // forgetting it first would cost two ledger writes on the drift-repair path for nothing.
  const desired = new Set(
    (scope.adopt ?? []).filter((o) => o.kind === 'neigh' || o.kind === 'ndp-proxy').map((o) => objKey(o)),
  )
  for (const key of d.ledger.entries()) if (!seen.has(key) && !desired.has(key)) d.ledger.delete(key)
  await d.ledger.save()
  return out
}

async function readSysctls(d: ObserveDeps, devices: Set<string>): Promise<Map<string, string>> {
  const keys = [...devices]
    .sort()
    .flatMap((dev) => [deviceSysctlKey(4, dev, 'proxy_arp'), deviceSysctlKey(6, dev, 'proxy_ndp')])
  if (keys.length === 0) return new Map()
  const r = await d.runner.run(d.sysctlPath, ['-e', ...keys], {env: {LC_ALL: 'C'}})
  return parseSysctl(r.stdout)
}
