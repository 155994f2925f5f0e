// The daemon's kernel layer: a KernelModel kept current by a KernelMonitor, and long-lived
// `ip -batch` processes for apply. observe() reads the model (no dump) except when the model may
// be wrong or old: before the first pass, after an overrun or the monitor's death, when the
// watched tables change, when the caller asks (`fresh`), and once per `fullDumpEveryMs` (the
// periodic full reconcile). Drift: a notification that removes or changes an object of the last
// desired state, or sets a provider bridge / owned VLAN device down, is reported to the onDrift
// listeners (the daemon then runs a pass), so it is repaired within about a second.
// Two cases have no notification to wake the next pass, so they are drift too: a provider bridge or
// owned VLAN device that appears or comes up (IPv4 routes through it were flushed silently when it
// went down, and a pass that ran in between may have failed on them), and an apply with failed ops
// (e.g. a route through a device a concurrent change took down): the retry is re-signalled after
// failedOpsRetryMs(n) for the n-th consecutive failing apply: 100 ms doubling up to 60 s, and on at
// that pace while ops keep failing (a permanent failure is one pass a minute, never a hot loop; a
// transient one is repaired within a minute of its cause going, not at the next periodic pass).
// Delta observation (observeDelta): an event pass asks for the owned objects under the objKeys its
// change touched (owned-view.ts), plus the keys notifications changed since the last observation;
// it is refused (undefined: the caller observes in full) whenever a full observe would dump, the
// scope changed, or a device that ownership depends on changed (a provider bridge, bgp-nic, the
// VRF, a VLAN device), so a delta pass never misses what a full one would see.
import type {CommandRunner} from '../exec/runner.js'
import type {MonitorEvent} from './monitor-parse.js'
import type {KernelObj, KernelOptions, ObserveScope, OpResult} from './types.js'

import {type Logger, NullLogger} from '../log.js'
import {objKey, objValue, type Plan, type StateObj} from '../planner/types.js'
import {applyPlan, type KernelFacts} from './apply.js'
import {BatchExecutor, type SpawnFn} from './batch-process.js'
import {deviceSysctlKey} from './commands.js'
import {canonicalScope, Kernel} from './kernel.js'
import {KernelModel} from './model.js'
import {KernelMonitor} from './monitor.js'
import {dumpKernel, ownedObjects} from './observe.js'
import {ownedAt} from './owned-view.js'

export interface WatchedKernelOptions extends KernelOptions {
  /** Global ip options of the long-lived children (tests: ['-n', netns]). */
  ipArgs?: readonly string[]
  spawn?: SpawnFn
  /** A full dump at least this often (reconcile_interval); 0 = only when needed. */
  fullDumpEveryMs?: number
  /** Retry signals after failing applies (tests); default RETRY_BASE_MS doubling up to RETRY_MAX_MS. */
  retry?: {baseMs: number; maxMs: number}
}

export type DriftListener = (reason: string) => void

/** Delay of the drift re-signalled after the first apply with failed ops; doubled per further one. */
const RETRY_BASE_MS = 100
/** Cap of that delay: retries go on at this pace while ops keep failing. */
const RETRY_MAX_MS = 60_000

/** Delay before the retry after the n-th (0-based) consecutive apply with failed ops. */
export function failedOpsRetryMs(n: number, baseMs = RETRY_BASE_MS, maxMs = RETRY_MAX_MS): number {
  return Math.min(maxMs, baseMs * 2 ** Math.min(n, 40))
}

/** A spare ip child per group is started this long after one is taken into use (after the repair). */
const SPARE_DELAY_MS = 2000

export class WatchedKernel {
  readonly kernel: Kernel
  readonly model = new KernelModel()
  readonly exec: BatchExecutor
  private readonly monitor: KernelMonitor
  private readonly ipPath: string
  private stale = true
  private lastDump = 0
  private loading: MonitorEvent[] | undefined
  private scope: ObserveScope | undefined
  /** objKey -> objValue of the last desired state (scope.adopt). */
  private desired = new Map<string, string>()
  private readonly listeners: DriftListener[] = []
  /** Consecutive applies with failed ops, and the pending retry signal. */
  private failingApplies = 0
  private retryTimer: NodeJS.Timeout | undefined
  /** Full dumps taken so far (tests, benchmarks). */
  dumps = 0
  /** objKeys notifications changed since the last observation (what a delta observation adds). */
  private readonly dirtyKeys = new Set<string>()
  /** A change the keys do not describe (a device ownership depends on): the next observation is full. */
  private dirtyAll = true
  /** The canonical scope of the last full observation (a delta needs the same). */
  private scopeSig: string | undefined

  constructor(
    private readonly runner: CommandRunner,
    private readonly opts: WatchedKernelOptions,
    private readonly log: Logger = new NullLogger(),
  ) {
    this.ipPath = opts.ipPath ?? 'ip'
    const common = {
      ipPath: this.ipPath,
      ...(opts.ipArgs ? {args: opts.ipArgs} : {}),
      ...(opts.spawn ? {spawn: opts.spawn} : {}),
      logger: log,
    }
    // Spares: a deleted device makes the children that resolved it unusable (recycle), and the
    // repair pass should not wait for new ones to start.
    this.exec = new BatchExecutor({...common, spareDelayMs: SPARE_DELAY_MS})
    this.kernel = new Kernel(runner, {...opts, exec: this.exec}, log)
    this.monitor = new KernelMonitor(common, {onEvent: (e) => this.onEvent(e), onLost: (why) => this.lost(why)})
  }

  onDrift(listener: DriftListener): void {
    this.listeners.push(listener)
  }

  /** Names of the links, from the model while it is current (undefined: ask the kernel). */
  linkNames(): string[] | undefined {
    if (!this.monitor.running || this.stale || this.model.links.size === 0) return undefined
    return [...this.model.links.keys()]
  }

  /** Forces a full dump at the next observe. */
  invalidate(): void {
    this.stale = true
  }

  async observe(scope: ObserveScope, opts: {fresh?: boolean} = {}): Promise<KernelObj[]> {
    const s = canonicalScope(scope)
    this.scope = s
    if (scope.adopt) this.desired = new Map(scope.adopt.map((o) => [objKey(o), objValue(o)]))
    if (!this.monitor.running) {
      await this.monitor.start()
      this.stale = true
    }

    this.dirtyKeys.clear()
    this.dirtyAll = false
    // Bridges that left the mappings (staleBridges) are observed by full passes only, which prune
    // their state; a delta pass's scope is the mapped bridges.
    this.scopeSig = scopeSignature(canonicalScope({...scope, staleBridges: []}))
    const tables = tablesOf(s)
    if (opts.fresh || scope.fresh || this.needsDump(tables)) await this.reload(s, tables)
    return ownedObjects({ledger: this.kernel.ledger}, this.model.raw(), s)
  }

  /**
   * The owned objects under `keys` and under the keys notifications changed since the last
   * observation (`keys` of the result: every key examined), read from the model by key; or
   * undefined when only a full observe() is right (see the top of this file). `desiredOf` looks a
   * key up in the whole desired state (adoption, drift watch).
   */
  async observeDelta(
    scope: ObserveScope,
    keys: Iterable<string>,
    desiredOf: (key: string) => StateObj | undefined,
  ): Promise<{observed: Map<string, KernelObj>; keys: Set<string>} | undefined> {
    const s = canonicalScope(scope)
    if (!this.monitor.running || this.dirtyAll || scopeSignature(s) !== this.scopeSig) return undefined
    if (scope.fresh || this.needsDump(tablesOf(s))) return undefined
    this.scope = s
    const all = new Set(keys)
    for (const k of this.dirtyKeys) all.add(k)
    this.dirtyKeys.clear()
    for (const k of all) {
      const want = desiredOf(k)
      if (want) this.desired.set(k, objValue(want))
      else this.desired.delete(k)
    }

    const observed = await ownedAt({ledger: this.kernel.ledger, model: this.model}, s, all, desiredOf)
    return {observed, keys: all}
  }

  /** Whether the model cannot serve an observation (stale, periodic dump due, a table not watched). */
  private needsDump(tables: readonly number[]): boolean {
    const every = this.opts.fullDumpEveryMs ?? 0
    const old = every > 0 && performance.now() - this.lastDump >= every
    return this.stale || old || tables.some((t) => !this.model.tables.has(t))
  }

  async apply(plan: Plan, opts: {ensureUp?: readonly string[]} = {}): Promise<OpResult[]> {
    const results = await applyPlan(
      {
        exec: this.exec,
        runner: this.runner,
        sysctlPath: this.opts.sysctlPath ?? 'sysctl',
        ledger: this.kernel.ledger,
        log: this.log,
        facts: async () => this.facts(),
        ...(opts.ensureUp ? {ensureUp: opts.ensureUp} : {}),
      },
      plan,
    )
    for (const r of results) if (r.ok) this.model.applyOwn(r.action, r.obj)
    this.scheduleRetry(results.filter((r) => !r.ok).length)
    return results
  }

  close(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer)
    this.retryTimer = undefined
    this.monitor.stop()
    this.exec.close()
  }

  private facts(): KernelFacts {
    // Live views of the model, not copies: a copy of every neighbour per apply is O(node).
    const {neighs, proxies} = this.model
    return {
      links: new Map(this.model.links),
      neighs: {has: (k) => neighs.has(k)},
      proxies: {has: (k) => proxies.has(k)},
    }
  }

  /** Full dump into the model; notifications that arrive meanwhile are replayed after it. */
  private async reload(s: ObserveScope, tables: number[]): Promise<void> {
    this.loading = []
    this.stale = false
    try {
      const d = {
        runner: this.runner,
        ipPath: this.ipPath,
        sysctlPath: this.opts.sysctlPath ?? 'sysctl',
        ledger: this.kernel.ledger,
      }
      const {netconf, ...dumped} = await dumpKernel(d, tables, {netconf: true})
      this.model.load({...dumped, netconf: parseNetconf(netconf)}, tables)
      this.lastDump = performance.now()
      this.dumps++
      this.log.debug('kernel model loaded', {
        links: this.model.links.size,
        addrs: this.model.addrs.size,
        routes: this.model.routes.size,
        scope: s.bridges.length,
      })
    } catch (error) {
      this.stale = true
      throw error
    } finally {
      const queued = this.loading ?? []
      this.loading = undefined
      for (const e of queued) this.model.apply(e)
    }
  }

  /** After an apply with `failed` ops, signals drift again (capped backoff); a clean apply resets it. */
  private scheduleRetry(failed: number): void {
    if (failed === 0) {
      this.failingApplies = 0
      return
    }

    const r = this.opts.retry
    const delay = failedOpsRetryMs(this.failingApplies++, r?.baseMs, r?.maxMs)
    if (this.retryTimer) return
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined
      this.emit(`retry after ${failed} failed kernel op(s)`)
    }, delay)
    this.retryTimer.unref?.()
  }

  private lost(why: string): void {
    this.log.warn('kernel notifications lost; full dump at the next pass', {reason: why})
    this.stale = true
    this.exec.recycle() // a device deletion may be among the lost notifications
    this.emit(why)
  }

  private onEvent(e: MonitorEvent): void {
    // A device deleted: an ip child that resolved its name holds a stale index (also while a dump
    // runs). A device created needs nothing: a name not cached is looked up afresh.
    if (e.type === 'link' && e.deleted) this.exec.recycle(e.link.name)
    if (this.loading) {
      this.loading.push(e)
      return
    }

    const wasUp = e.type === 'link' ? this.model.links.get(e.link.name)?.up === true : false
    const wasVlan = e.type === 'link' && this.model.links.get(e.link.name)?.kind === 'vlan'
    // A notification that leaves the model's entry as it was (the echo of our own op, already
    // recorded by applyOwn) changes no key: only real changes make the next delta look again.
    const before = canon(modelEntry(this.model, e))
    const flushed = this.model.apply(e)
    for (const k of flushed) this.dirtyKeys.add(`route|${k}`)
    if (e.type === 'link') {
      if (wasVlan || e.link.kind === 'vlan' || this.ownershipDevice(e.link.name)) this.dirtyAll = true
    } else {
      const key = eventKey(e)
      if (key !== undefined && canon(modelEntry(this.model, e)) !== before) this.dirtyKeys.add(key)
    }

    const why = this.driftOf(e, wasUp)
    if (why) this.emit(why)
  }

  /** A device whose state decides what is owned: a provider bridge, bgp-nic, the VRF. */
  private ownershipDevice(name: string): boolean {
    const s = this.scope
    return !s || name === s.bgpNic || name === s.bgpVrf || s.bridges.some((b) => b.name === name)
  }

  private emit(why: string): void {
    for (const l of this.listeners) {
      try {
        l(why)
      } catch (error) {
        this.log.warn('drift listener failed', {error: (error as Error).message})
      }
    }
  }

  /** Why `e` is drift of the desired state (an owned object removed/changed, a device down or back up), or undefined. */
  private driftOf(e: MonitorEvent, wasUp: boolean): string | undefined {
    const s = this.scope
    if (!s) return undefined
    if (e.type === 'link') {
      const bridge = s.bridges.some((b) => b.name === e.link.name)
      const vlan = this.desired.has(`vlan|${e.link.name}`)
      if (!bridge && !vlan) return undefined
      if (e.deleted || !e.link.up) return `link ${e.link.name} ${e.deleted ? 'deleted' : 'down'}`
      // Up (or new): what a pass failed to wire through it while it was down can now be repaired.
      if (!wasUp) return `link ${e.link.name} up`
      return undefined
    }

    const obj = eventObj(e)
    if (!obj) return undefined
    const want = this.desired.get(objKey(obj))
    if (want === undefined) return undefined
    if (e.deleted) return `${objKey(obj)} deleted`
    if (e.type === 'neigh' && !e.neigh.permanent) return `${objKey(obj)} no longer permanent`
    if (e.type === 'netconf' && e.proxyNeigh === false) return `${objKey(obj)} cleared`
    if ((e.type === 'route' || e.type === 'neigh') && objValue(obj) !== want) return `${objKey(obj)} changed`
    return undefined
  }
}

const tablesOf = (s: ObserveScope): number[] => [...new Set([...s.bridges.map((b) => b.table), s.vrfTable])]

const scopeSignature = (s: ObserveScope): string =>
  JSON.stringify([s.bgpNic, s.bgpVrf, s.vrfTable, s.bridges.map((b) => [b.name, b.table])])

/** The model's entry a (non-link) notification is about, as it is now. */
function modelEntry(m: KernelModel, e: MonitorEvent): unknown {
  switch (e.type) {
    case 'addr': {
      return m.addrs.get(`${e.addr.dev}|${e.addr.cidr}`)
    }

    case 'rule': {
      return m.rules.get(`${e.rule.family}|${e.rule.priority}|${e.rule.dst ?? ''}|${e.rule.table ?? ''}`)
    }

    case 'route': {
      return m.routes.get(`${e.route.family}|${e.route.table}|${e.route.dst}`)
    }

    case 'neigh': {
      return (e.proxy ? m.proxies : m.neighs).get(`${e.neigh.dev}|${e.neigh.ip}`)
    }

    case 'netconf': {
      return m.netconf.get(`${e.family}|${e.dev}`)
    }

    default: {
      return undefined
    }
  }
}

/** A model entry as comparable text: fields sorted, undefined ones left out. */
function canon(v: unknown): string {
  if (v === undefined) return ''
  if (typeof v !== 'object' || v === null) return JSON.stringify(v)
  const o = v as Record<string, unknown>
  return JSON.stringify(
    Object.keys(o)
      .sort()
      .filter((k) => o[k] !== undefined)
      .map((k) => [k, o[k]]),
  )
}

/** The objKey a (non-link) notification changes, whatever its owner: the same key the model files it under. */
function eventKey(e: MonitorEvent): string | undefined {
  switch (e.type) {
    case 'addr': {
      return `address|${e.addr.dev}|${e.addr.cidr}`
    }

    case 'rule': {
      return e.rule.dst ? `rule|${e.rule.family}|${e.rule.priority}|${e.rule.dst}|${e.rule.table ?? ''}` : undefined
    }

    case 'route': {
      return `route|${e.route.family}|${e.route.table}|${e.route.dst}`
    }

    case 'neigh': {
      return `${e.proxy ? 'ndp-proxy' : 'neigh'}|${e.neigh.dev}|${e.neigh.ip}`
    }

    case 'netconf': {
      try {
        return `sysctl|${deviceSysctlKey(e.family, e.dev, e.family === 4 ? 'proxy_arp' : 'proxy_ndp')}`
      } catch {
        return undefined
      }
    }

    default: {
      return undefined
    }
  }
}

/** The StateObj a notification is about (for the drift check), when it is one of our kinds. */
function eventObj(e: MonitorEvent): StateObj | undefined {
  switch (e.type) {
    case 'addr': {
      return {kind: 'address', dev: e.addr.dev, cidr: e.addr.cidr}
    }

    case 'rule': {
      return e.rule.dst && e.rule.table !== undefined
        ? {kind: 'rule', family: e.rule.family, dst: e.rule.dst, table: e.rule.table, priority: e.rule.priority}
        : undefined
    }

    case 'route': {
      const r = e.route
      if (!r.dev) return undefined
      return {
        kind: 'route',
        family: r.family,
        table: r.table,
        dst: r.dst,
        dev: r.dev,
        ...(r.via ? {via: r.via} : {}),
        ...(r.family === 4 && r.scope === 253 ? {scope: 'link' as const} : {}),
        proto: r.proto ?? 0,
      }
    }

    case 'neigh': {
      return e.proxy
        ? {kind: 'ndp-proxy', ip: e.neigh.ip, dev: e.neigh.dev}
        : {kind: 'neigh', family: e.neigh.family, ip: e.neigh.ip, dev: e.neigh.dev, mac: e.neigh.mac ?? ''}
    }

    case 'netconf': {
      return {
        kind: 'sysctl',
        key: `net.ipv${e.family}.conf.${e.dev.replaceAll('.', '/')}.${e.family === 4 ? 'proxy_arp' : 'proxy_ndp'}`,
        value: '1',
      }
    }

    default: {
      return undefined
    }
  }
}

/** `ip -json netconf show` -> `${family}|${dev}` -> proxy_neigh. */
function parseNetconf(text: string): Map<string, boolean> {
  const out = new Map<string, boolean>()
  const t = text.trim()
  if (!t.startsWith('[')) return out
  for (const e of JSON.parse(t) as Array<{family?: string; interface?: string; proxy_neigh?: boolean}>) {
    if (!e.interface || typeof e.proxy_neigh !== 'boolean') continue
    if (e.family === 'inet') out.set(`4|${e.interface}`, e.proxy_neigh)
    else if (e.family === 'inet6') out.set(`6|${e.interface}`, e.proxy_neigh)
  }

  return out
}
