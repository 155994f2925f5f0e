import type {MonitorEvent} from './monitor-parse.js'
import type {RawKernel} from './observe.js'
import type {AddrInfo, LinkInfo, NeighInfo, ProxyInfo, RouteInfo, RuleInfo} from './parse.js'
import type {KernelObj} from './types.js'

// The watched kernel model: the parsed kernel state ovn-bgp may own, loaded from one full dump and
// then kept current from monitor notifications (monitor-parse.ts) and from apply's own successful
// ops. It keeps every link and address, IPv4/IPv6 rules with only a `to` selector, routes of the
// watched tables only (never main/local: those can be huge), permanent neighbours, NDP proxies and
// the proxy_arp/proxy_ndp flags (netconf "proxy_neigh"). `raw()` feeds observe.ts's ownedObjects,
// so a pass reads memory instead of dumping. Notifications carry whole objects, so replaying the
// ones that arrived while a dump was running, in order, leaves the last word to the newest.
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
}

const routeKey = (r: {family: number; table: number; dst: string}): string => `${r.family}|${r.table}|${r.dst}`
const ruleKey = (r: {family: number; priority: number; dst?: string | undefined; table?: number | undefined}): string =>
  `${r.family}|${r.priority}|${r.dst ?? ''}|${r.table ?? ''}`

export class KernelModel {
  readonly links = new Map<string, LinkInfo>()
  readonly addrs = new Map<string, AddrInfo>()
  readonly rules = new Map<string, RuleInfo>()
  readonly routes = new Map<string, Route>()
  readonly neighs = new Map<string, NeighInfo>()
  readonly proxies = new Map<string, ProxyInfo>()
  readonly netconf = new Map<string, boolean>()
  /** Tables whose routes are kept. */
  tables = new Set<number>()

  /** Replaces everything with a dump of `tables`. */
  load(d: ModelDump, tables: Iterable<number>): void {
    this.tables = new Set(tables)
    for (const m of [this.links, this.addrs, this.rules, this.routes, this.neighs, this.proxies, this.netconf])
      m.clear()
    for (const l of d.links) this.links.set(l.name, l)
    for (const a of d.addrs) this.addrs.set(`${a.dev}|${a.cidr}`, a)
    for (const r of d.rules) if (r.plain && r.dst) this.rules.set(ruleKey(r), r)
    for (const r of d.routes) if (this.tables.has(r.table)) this.routes.set(routeKey(r), r)
    for (const n of d.neighs) if (n.permanent) this.neighs.set(`${n.dev}|${n.ip}`, n)
    for (const p of d.proxies) this.proxies.set(`${p.dev}|${p.ip}`, p)
    for (const [k, v] of d.netconf) this.netconf.set(k, v)
  }

  /**
   * Applies one notification; returns the objKeys (`route|...`, `neigh|...`, `ndp-proxy|...`) of
   * what it removed beyond the notified object itself (a device set down or deleted).
   */
  apply(e: MonitorEvent): string[] {
    switch (e.type) {
      case 'link': {
        const prev = this.links.get(e.link.name)
        if (e.deleted) this.links.delete(e.link.name)
        // Every link message of an enslaved device names its master, so one without it means
        // none (`nomaster`): keeping the previous master would hide a bgp-nic released from the VRF.
        else this.links.set(e.link.name, e.link)
        // Only the transition flushes: a device that is down can be given neighbours (and IPv6
        // routes), and the kernel sends more link messages for it while it stays down.
        return e.deleted || (!e.link.up && prev?.up !== false) ? this.flushDevice(e.link.name) : []
      }

      case 'addr': {
        const k = `${e.addr.dev}|${e.addr.cidr}`
        if (e.deleted) this.addrs.delete(k)
        else this.addrs.set(k, e.addr)
        return []
      }

      case 'rule': {
        if (!e.rule.dst) return []
        const k = ruleKey(e.rule)
        if (e.deleted) this.rules.delete(k)
        else if (e.rule.plain) this.rules.set(k, e.rule)
        return []
      }

      case 'route': {
        if (!this.tables.has(e.route.table)) return []
        const k = routeKey(e.route)
        // Another route with the same prefix (other metric) going away must not drop ours.
        if (e.deleted) {
          const cur = this.routes.get(k)
          if (cur && cur.dev === e.route.dev && cur.via === e.route.via) this.routes.delete(k)
        } else this.routes.set(k, e.route)
        return []
      }

      case 'neigh': {
        const k = `${e.neigh.dev}|${e.neigh.ip}`
        if (e.proxy) {
          if (e.deleted) this.proxies.delete(k)
          else this.proxies.set(k, {ip: e.neigh.ip, dev: e.neigh.dev})
        } else if (e.deleted || !e.neigh.permanent) this.neighs.delete(k)
        else this.neighs.set(k, e.neigh)
        return []
      }

      case 'netconf': {
        const k = `${e.family}|${e.dev}`
        if (e.deleted) this.netconf.delete(k)
        else if (e.proxyNeigh !== undefined) this.netconf.set(k, e.proxyNeigh)
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
    for (const [k, r] of this.routes) {
      if (r.dev !== dev) continue
      this.routes.delete(k)
      flushed.push(`route|${k}`)
    }

    for (const [name, m] of [
      ['neigh', this.neighs],
      ['ndp-proxy', this.proxies],
    ] as const) {
      for (const [k, n] of m) {
        if (n.dev !== dev) continue
        m.delete(k)
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
        if (add) this.addrs.set(`${o.dev}|${o.cidr}`, {dev: o.dev, family: fam, cidr: o.cidr})
        else this.addrs.delete(`${o.dev}|${o.cidr}`)
        return
      }

      case 'rule': {
        if (add)
          this.rules.set(ruleKey(o), {family: o.family, priority: o.priority, dst: o.dst, table: o.table, plain: true})
        else this.rules.delete(ruleKey(o))
        return
      }

      case 'route': {
        if (!this.tables.has(o.table)) return
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
        if (add) this.routes.set(routeKey(r), r)
        else this.routes.delete(routeKey(r))
        return
      }

      case 'neigh': {
        if (add)
          this.neighs.set(`${o.dev}|${o.ip}`, {family: o.family, ip: o.ip, dev: o.dev, mac: o.mac, permanent: true})
        else this.neighs.delete(`${o.dev}|${o.ip}`)
        return
      }

      case 'ndp-proxy': {
        if (add) this.proxies.set(`${o.dev}|${o.ip}`, {ip: o.ip, dev: o.dev})
        else this.proxies.delete(`${o.dev}|${o.ip}`)
        return
      }

      case 'vlan': {
        if (add) this.links.set(o.name, createdVlanLink(o))
        else this.links.delete(o.name)
        return
      }

      case 'sysctl': {
        const m = /^net\.ipv([46])\.conf\.(.+)\.(proxy_arp|proxy_ndp)$/.exec(o.key)
        if (m) this.netconf.set(`${m[1]}|${m[2]!.replaceAll('/', '.')}`, add && o.value === '1')
      }
    }
  }

  /**
   * Makes this model equal to `next` (a fresh dump with the notifications since replayed), in
   * place, and returns what differed: the objKeys of addresses, rules, routes, neighbours, NDP
   * proxies and proxy sysctls, and the names of links. O(model) string compares, no process.
   */
  syncFrom(next: KernelModel): {keys: string[]; links: string[]} {
    this.tables = new Set(next.tables)
    const keys: string[] = []
    const links = patch(this.links, next.links)
    for (const k of patch(this.addrs, next.addrs)) keys.push(`address|${k}`)
    for (const k of patch(this.rules, next.rules)) keys.push(`rule|${k}`)
    for (const k of patch(this.routes, next.routes)) keys.push(`route|${k}`)
    for (const k of patch(this.neighs, next.neighs)) keys.push(`neigh|${k}`)
    for (const k of patch(this.proxies, next.proxies)) keys.push(`ndp-proxy|${k}`)
    for (const k of patch(this.netconf, next.netconf)) {
      const [fam, dev] = k.split('|') as [string, string]
      try {
        keys.push(`sysctl|${fam === '4' ? deviceSysctlKey(4, dev, 'proxy_arp') : deviceSysctlKey(6, dev, 'proxy_ndp')}`)
      } catch {
        // a device name the sysctl key syntax cannot carry is never ours
      }
    }

    return {keys, links}
  }

  /** The model as observe's input (sysctls of every device derived from netconf). */
  raw(): RawKernel {
    const sysctls = new Map<string, string>()
    for (const [k, on] of this.netconf) {
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
      links: [...this.links.values()],
      addrs: [...this.addrs.values()],
      rules: [...this.rules.values()],
      routes: [...this.routes.values()],
      neighs: [...this.neighs.values()],
      proxies: [...this.proxies.values()],
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
