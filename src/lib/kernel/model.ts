import type {MonitorEvent} from './monitor-parse.js'
import type {RawKernel} from './observe.js'
import type {AddrInfo, LinkInfo, NeighInfo, ProxyInfo, RouteInfo, RuleInfo} from './parse.js'
import type {KernelObj} from './types.js'

// The watched kernel model: the parsed kernel state ovn-bgp may own, loaded from one full dump and
// then kept current from monitor notifications (monitor-parse.ts) and from apply's own successful
// ops. It keeps every link and address, IPv4/IPv6 rules with only a `to` selector, routes of the
// watched tables only (never main/local: those can be huge; of a marked-only table, the VRF's, only
// ovn-bgp's own routes, as its dump reads them: observe.ts markedOnlyTables), permanent neighbours, NDP proxies and
// the proxy_arp/proxy_ndp flags (netconf "proxy_neigh"). `raw()` feeds observe.ts's ownedObjects,
// so a pass reads memory instead of dumping. Notifications carry whole objects, so replaying the
// ones that arrived while a dump was running, in order, leaves the last word to the newest.
import {ROUTE_PROTO} from '../planner/types.js'
import {deviceSysctlKey} from './commands.js'
import {createdVlanLink} from './parse.js'

type Route = RouteInfo & {table: number}

/** Parsed full dump (observe.ts dumps plus netconf). */
export interface ModelDump {
  links: LinkInfo[]
  addrs: AddrInfo[]
  rules: RuleInfo[]
  routes: Route[]
  neighs: NeighInfo[]
  proxies: ProxyInfo[]
  /** `${family}|${dev}` -> proxy_neigh. */
  netconf: Map<string, boolean>
  /** Tables dumped for ovn-bgp's routes only (observe.ts markedOnlyTables); none when absent. */
  markedOnly?: readonly number[]
}

const sameSet = (a: ReadonlySet<number>, b: ReadonlySet<number>): boolean =>
  a.size === b.size && [...a].every((t) => b.has(t))
const routeKey = (r: {family: number; table: number; dst: string}): string => `${r.family}|${r.table}|${r.dst}`
const ruleKey = (r: {family: number; priority: number; dst?: string | undefined; table?: number | undefined}): string =>
  `${r.family}|${r.priority}|${r.dst ?? ''}|${r.table ?? ''}`

export class KernelModel {
  // The maps are written here only (readers get them read-only), so `generation` sees every change.
  private readonly linkMap = new Map<string, LinkInfo>()
  private readonly addrMap = new Map<string, AddrInfo>()
  private readonly ruleMap = new Map<string, RuleInfo>()
  private readonly routeMap = new Map<string, Route>()
  private readonly neighMap = new Map<string, NeighInfo>()
  private readonly proxyMap = new Map<string, ProxyInfo>()
  private readonly netconfMap = new Map<string, boolean>()
  private tableSet = new Set<number>()
  private markedSet = new Set<number>()
  private gen = 0

  get links(): ReadonlyMap<string, LinkInfo> {
    return this.linkMap
  }

  get addrs(): ReadonlyMap<string, AddrInfo> {
    return this.addrMap
  }

  get rules(): ReadonlyMap<string, RuleInfo> {
    return this.ruleMap
  }

  get routes(): ReadonlyMap<string, Route> {
    return this.routeMap
  }

  get neighs(): ReadonlyMap<string, NeighInfo> {
    return this.neighMap
  }

  get proxies(): ReadonlyMap<string, ProxyInfo> {
    return this.proxyMap
  }

  get netconf(): ReadonlyMap<string, boolean> {
    return this.netconfMap
  }

  /** Tables whose routes are kept. */
  get tables(): ReadonlySet<number> {
    return this.tableSet
  }

  /** Tables of `tables` of which only routes with ovn-bgp's mark are kept. */
  get markedOnly(): ReadonlySet<number> {
    return this.markedSet
  }

  /** Whether a route of this table and protocol is kept. */
  private keeps(r: {table: number; proto?: number | undefined}): boolean {
    return this.tableSet.has(r.table) && (!this.markedSet.has(r.table) || r.proto === ROUTE_PROTO)
  }

  /**
   * Counts the changes to the model: equal generations mean equal contents (a load, and a
   * notification or an own op that changed an entry, move it on; one that left every entry as it
   * was does not, so the echoes of a busy FRR do not defeat the dump kept in watched.ts).
   */
  get generation(): number {
    return this.gen
  }

  /** Replaces everything with a dump of `tables` (those it names `markedOnly`: marked routes only). */
  load(d: ModelDump, tables: Iterable<number>): void {
    this.gen++
    this.tableSet = new Set(tables)
    this.markedSet = new Set((d.markedOnly ?? []).filter((t) => this.tableSet.has(t)))
    for (const m of [
      this.linkMap,
      this.addrMap,
      this.ruleMap,
      this.routeMap,
      this.neighMap,
      this.proxyMap,
      this.netconfMap,
    ])
      m.clear()
    for (const l of d.links) this.linkMap.set(l.name, l)
    for (const a of d.addrs) this.addrMap.set(`${a.dev}|${a.cidr}`, a)
    for (const r of d.rules) if (r.plain && r.dst) this.ruleMap.set(ruleKey(r), r)
    for (const r of d.routes) if (this.keeps(r)) this.routeMap.set(routeKey(r), r)
    for (const n of d.neighs) if (n.permanent) this.neighMap.set(`${n.dev}|${n.ip}`, n)
    for (const p of d.proxies) this.proxyMap.set(`${p.dev}|${p.ip}`, p)
    for (const [k, v] of d.netconf) this.netconfMap.set(k, v)
  }

  /**
   * Applies one notification; returns the objKeys (`route|...`, `neigh|...`, `ndp-proxy|...`) of
   * what it removed beyond the notified object itself (a device set down or deleted).
   */
  /** Sets an entry; an equal one (the echo of an own op, a route reinstalled as it was) is no change. */
  private put<V>(m: Map<string, V>, k: string, v: V): void {
    const old = m.get(k)
    m.set(k, v)
    if (old === undefined || !same(old, v)) this.gen++
  }

  private drop(m: Map<string, unknown>, k: string): void {
    if (m.delete(k)) this.gen++
  }

  apply(e: MonitorEvent): string[] {
    switch (e.type) {
      case 'link': {
        const prev = this.linkMap.get(e.link.name)
        if (e.deleted) this.drop(this.linkMap, e.link.name)
        // Every link message of an enslaved device names its master, so one without it means
        // none (`nomaster`): keeping the previous master would hide a bgp-nic released from the VRF.
        else this.put(this.linkMap, e.link.name, e.link)
        // Only the transition flushes: a device that is down can be given neighbours (and IPv6
        // routes), and the kernel sends more link messages for it while it stays down.
        return e.deleted || (!e.link.up && prev?.up !== false) ? this.flushDevice(e.link.name) : []
      }

      case 'addr': {
        const k = `${e.addr.dev}|${e.addr.cidr}`
        if (e.deleted) this.drop(this.addrMap, k)
        else this.put(this.addrMap, k, e.addr)
        return []
      }

      case 'rule': {
        if (!e.rule.dst) return []
        const k = ruleKey(e.rule)
        if (e.deleted) this.drop(this.ruleMap, k)
        else if (e.rule.plain) this.put(this.ruleMap, k, e.rule)
        return []
      }

      case 'route': {
        if (!this.tableSet.has(e.route.table)) return []
        const k = routeKey(e.route)
        if (!this.keeps(e.route)) {
          // A foreign route in a marked-only table is not kept (its dump leaves it out); one put
          // under our route's key may have replaced it (`ip route replace`), which ends ours, as an
          // overwrite does in a table kept in full. The next full dump settles either way.
          if (!e.deleted && this.routeMap.has(k)) this.drop(this.routeMap, k)
          return []
        }

        // Another route with the same prefix (other metric) going away must not drop ours.
        if (e.deleted) {
          const cur = this.routeMap.get(k)
          if (cur && cur.dev === e.route.dev && cur.via === e.route.via) this.drop(this.routeMap, k)
        } else this.put(this.routeMap, k, e.route)
        return []
      }

      case 'neigh': {
        const k = `${e.neigh.dev}|${e.neigh.ip}`
        if (e.proxy) {
          if (e.deleted) this.drop(this.proxyMap, k)
          else this.put(this.proxyMap, k, {ip: e.neigh.ip, dev: e.neigh.dev})
        } else if (e.deleted || !e.neigh.permanent) this.drop(this.neighMap, k)
        else this.put(this.neighMap, k, e.neigh)
        return []
      }

      case 'netconf': {
        const k = `${e.family}|${e.dev}`
        if (e.deleted) this.drop(this.netconfMap, k)
        else if (e.proxyNeigh !== undefined) this.put(this.netconfMap, k, e.proxyNeigh)
        return []
      }
    }
  }

  /**
   * What the kernel removes with a device set down or deleted: the IPv4 routes through it WITHOUT a
   * notification per route (checked in the guest), the NDP proxy entries (pneigh) also silently, and
   * the IPv6 routes and the neighbours (permanent ones too) with notifications that come AFTER the
   * link's own (the flush runs in the device-down notifier chain, after the link message is sent).
   * Removing all of them here lets the pass the link message triggers repair everything in one go
   * instead of a second pass for the notifications that were still on their way.
   */
  private flushDevice(dev: string): string[] {
    const flushed: string[] = []
    for (const [k, r] of this.routeMap) {
      if (r.dev !== dev) continue
      this.drop(this.routeMap, k)
      flushed.push(`route|${k}`)
    }

    for (const [name, m] of [
      ['neigh', this.neighMap],
      ['ndp-proxy', this.proxyMap],
    ] as const) {
      for (const [k, n] of m) {
        if (n.dev !== dev) continue
        this.drop(m, k)
        flushed.push(`${name}|${k}`)
      }
    }

    return flushed
  }

  /** Records the outcome of a successful op of our own (ahead of, and agreeing with, its notification). */
  applyOwn(op: 'add' | 'remove', o: KernelObj): void {
    const add = op === 'add'
    switch (o.kind) {
      case 'address': {
        const [ip] = o.cidr.split('/')
        const fam = ip?.includes(':') ? 6 : 4
        if (add) this.put(this.addrMap, `${o.dev}|${o.cidr}`, {dev: o.dev, family: fam, cidr: o.cidr})
        else this.drop(this.addrMap, `${o.dev}|${o.cidr}`)
        return
      }

      case 'rule': {
        if (add)
          this.put(this.ruleMap, ruleKey(o), {
            family: o.family,
            priority: o.priority,
            dst: o.dst,
            table: o.table,
            plain: true,
          })
        else this.drop(this.ruleMap, ruleKey(o))
        return
      }

      case 'route': {
        if (!this.keeps(o)) return
        const r: Route = {
          family: o.family,
          table: o.table,
          dst: o.dst,
          dev: o.dev,
          via: o.via,
          proto: o.proto,
          scope: o.scope === 'link' ? 253 : 0,
          type: 'unicast',
          multipath: false,
        }
        if (add) this.put(this.routeMap, routeKey(r), r)
        else this.drop(this.routeMap, routeKey(r))
        return
      }

      case 'neigh': {
        if (add)
          this.put(this.neighMap, `${o.dev}|${o.ip}`, {
            family: o.family,
            ip: o.ip,
            dev: o.dev,
            mac: o.mac,
            permanent: true,
          })
        else this.drop(this.neighMap, `${o.dev}|${o.ip}`)
        return
      }

      case 'ndp-proxy': {
        if (add) this.put(this.proxyMap, `${o.dev}|${o.ip}`, {ip: o.ip, dev: o.dev})
        else this.drop(this.proxyMap, `${o.dev}|${o.ip}`)
        return
      }

      case 'vlan': {
        if (add) this.put(this.linkMap, o.name, createdVlanLink(o))
        else this.drop(this.linkMap, o.name)
        return
      }

      case 'sysctl': {
        const m = /^net\.ipv([46])\.conf\.(.+)\.(proxy_arp|proxy_ndp)$/.exec(o.key)
        if (m) this.put(this.netconfMap, `${m[1]}|${m[2]!.replaceAll('/', '.')}`, add && o.value === '1')
      }
    }
  }

  /**
   * Makes this model equal to `next` (a fresh dump with the notifications since replayed), in
   * place, and returns what differed: the objKeys of addresses, rules, routes, neighbours, NDP
   * proxies and proxy sysctls, and the names of links. O(model) string compares, no process.
   */
  syncFrom(next: KernelModel): {keys: string[]; links: string[]} {
    const sync = this.syncSteps(next)
    for (const step of sync.steps) step()
    return sync.changed
  }

  /**
   * syncFrom as steps, one kind each, that fill `changed`. Between two steps the caller may apply
   * a notification, as long as it applies it to both models: a kind patched already stays equal,
   * and one not patched yet is made equal to `next`, which has it too (watched.ts: the periodic
   * audit gives the event loop a turn between them).
   */
  syncSteps(next: KernelModel): {steps: Array<() => void>; changed: {keys: string[]; links: string[]}} {
    const changed = {keys: [] as string[], links: [] as string[]}
    const kind =
      <V>(cur: Map<string, V>, from: ReadonlyMap<string, V>, prefix: string): (() => void) =>
      () => {
        const ks = patch(cur, from)
        if (ks.length > 0) this.gen++
        for (const k of ks) changed.keys.push(`${prefix}|${k}`)
      }

    const steps: Array<() => void> = [
      () => {
        if (!sameSet(next.tables, this.tableSet) || !sameSet(next.markedOnly, this.markedSet)) this.gen++
        this.tableSet = new Set(next.tables)
        this.markedSet = new Set(next.markedOnly)
        changed.links = patch(this.linkMap, next.links)
        if (changed.links.length > 0) this.gen++
      },
      kind(this.addrMap, next.addrs, 'address'),
      kind(this.ruleMap, next.rules, 'rule'),
      kind(this.routeMap, next.routes, 'route'),
      kind(this.neighMap, next.neighs, 'neigh'),
      kind(this.proxyMap, next.proxies, 'ndp-proxy'),
      () => {
        const netconf = patch(this.netconfMap, next.netconf)
        if (netconf.length > 0) this.gen++
        for (const k of netconf) {
          const [fam, dev] = k.split('|') as [string, string]
          try {
            changed.keys.push(
              `sysctl|${fam === '4' ? deviceSysctlKey(4, dev, 'proxy_arp') : deviceSysctlKey(6, dev, 'proxy_ndp')}`,
            )
          } catch {
            // a device name the sysctl key syntax cannot carry is never ours
          }
        }
      },
    ]
    return {steps, changed}
  }

  /** The model as observe's input (sysctls of every device derived from netconf). */
  raw(): RawKernel {
    const sysctls = new Map<string, string>()
    for (const [k, on] of this.netconfMap) {
      const [fam, dev] = k.split('|') as [string, string]
      if (dev === 'all' || dev === 'default') continue
      try {
        sysctls.set(
          fam === '4' ? deviceSysctlKey(4, dev, 'proxy_arp') : deviceSysctlKey(6, dev, 'proxy_ndp'),
          on ? '1' : '0',
        )
      } catch {
        // a device name the sysctl key syntax cannot carry is never ours
      }
    }

    return {
      links: [...this.linkMap.values()],
      addrs: [...this.addrMap.values()],
      rules: [...this.ruleMap.values()],
      routes: [...this.routeMap.values()],
      neighs: [...this.neighMap.values()],
      proxies: [...this.proxyMap.values()],
      sysctls,
    }
  }
}

/** Makes `cur` equal to `next`; returns the keys whose entry was added, removed or changed. */
function patch<V>(cur: Map<string, V>, next: ReadonlyMap<string, V>): string[] {
  const changed: string[] = []
  for (const k of cur.keys()) {
    if (next.has(k)) continue
    cur.delete(k)
    changed.push(k)
  }

  for (const [k, v] of next) {
    const old = cur.get(k)
    if (old !== undefined && same(old, v)) continue
    cur.set(k, v)
    changed.push(k)
  }

  return changed
}

/** Entry equality: the same fields with the same values (undefined fields ignored). */
function same(a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false
  const x = a as Record<string, unknown>
  const y = b as Record<string, unknown>
  for (const k of Object.keys(x)) if (x[k] !== undefined && x[k] !== y[k]) return false
  for (const k of Object.keys(y)) if (y[k] !== undefined && x[k] === undefined) return false
  return true
}
