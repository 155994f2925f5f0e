// The daemon's kernel layer: a KernelModel kept current by a KernelMonitor (`ip monitor`), and
// long-lived `ip -batch` processes for apply. docs/kernel.md, "The watched kernel model", gives
// the whole behaviour; the contracts a caller relies on:
// - observe() reads the model and dumps only when the model may be wrong or old (before the first
//   pass, after an overrun or the monitor's death, a table not watched yet, `fresh`, once per
//   fullDumpEveryMs); observeDelta() reads the owned objects under a pass's keys and the keys
//   notifications changed, or refuses (undefined) whenever a full observe would see more.
// - Drift (drift.ts) is signalled to the onDrift listeners, as are applies with failed ops
//   (again after failedOpsRetryMs) and what a background dump corrected.
// - An overrun while the monitor runs on, and the periodic audit, dump in the background
//   (model-resync.ts); delta passes go on meanwhile, and remove nothing on a suspect model.
// - Plans of PAUSE_MONITOR_OPS or more run with the monitor stopped; a resync follows.
// - prefetch() starts the dump an observation will need, so it runs while the caller plans.
import {setTimeout as sleep} from 'node:timers/promises'

import type {CommandRunner} from '../exec/runner.js'
import type {MonitorEvent} from './monitor-parse.js'
import type {BaseOptions, BaseResult, KernelObj, KernelOptions, ObserveScope, OpResult} from './types.js'

import {nextTurn} from '../event-turns.js'
import {type Logger, NullLogger} from '../log.js'
import {keyAndValue, objValue, type Plan, type RouteObj, type StateObj} from '../planner/types.js'
import {applyPlan, type KernelFacts} from './apply.js'
import {baseInPlace} from './base.js'
import {BatchExecutor, type SpawnFn} from './batch-process.js'
import {driftOf, ownershipDevice} from './drift.js'
import {type DumpFingerprint, dumpFingerprint, LoadedDump} from './dump-fingerprint.js'
import {canonicalBase, canonicalScope, Kernel} from './kernel.js'
import {
  type DumpPatch,
  parseModelDump,
  patchModelFromDump,
  type ReplayEvent,
  RESYNC_QUIET_MS,
  resyncWaitBound,
} from './model-resync.js'
import {KernelModel} from './model.js'
import {KernelMonitor} from './monitor.js'
import {canon, eventKey, modelEntry, scopeSignature, tablesOf} from './notify-keys.js'
import {dumpKernelText, type KernelDumpText, markedOnlyTables, ownedObjects} from './observe.js'
import {ownedAt} from './owned-view.js'

export interface WatchedKernelOptions extends KernelOptions {
  /** Global ip options of the long-lived children (tests: ['-n', netns]). */
  ipArgs?: readonly string[]
  spawn?: SpawnFn
  /** A full dump at least this often (reconcile_interval); 0 = only when needed. */
  fullDumpEveryMs?: number
  /** Plans of at least this many ops run with the monitor stopped (default PAUSE_MONITOR_OPS; 0 = never). */
  pauseMonitorOps?: number
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

/**
 * A plan this large runs with the monitor stopped, and a resync (monitor restart, then a dump)
 * follows it: during a burst the notifications are mostly echoes of our own ops, already in the
 * model, and reading them costs the emulated guest as much as the ops themselves.
 */
const PAUSE_MONITOR_OPS = 2000

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
  /** observe() calls waiting for the background resync: it then neither waits for quiet nor repeats. */
  private foregroundWaiting = 0
  /** How long the last background resync took (dump, parse, patch), ms. */
  private lastResyncMs = 0
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
  /** Full dumps that found the kernel as the model was loaded, so neither parsed nor loaded (tests, benchmarks). */
  unchangedDumps = 0
  private readonly loadedDump = new LoadedDump()
  /** What this.desired was built from (observe's `adopt`). */
  private desiredFrom: readonly StateObj[] | undefined
  /** The last full observation's result and its inputs (ownedNow). */
  private lastOwned:
    | {model: number; scope: string; adopt: readonly StateObj[] | undefined; ledger: number; owned: KernelObj[]}
    | undefined
  /** ensureBase calls the model answered without a process (tests, benchmarks). */
  baseFromModel = 0
  /** objKeys notifications changed since the last observation (what a delta observation adds). */
  private readonly dirtyKeys = new Set<string>()
  /** A change the keys do not describe (a device ownership depends on): the next observation is full. */
  private dirtyAll = true
  /** The canonical scope of the last full observation (a delta needs the same). */
  private scopeSig: string | undefined
  /** The background dump after an overrun, while it runs; another is due when `resyncAgain`. */
  private resync: Promise<void> | undefined
  private resyncAgain = false
  private lastOverrun = 0
  /** During a background dump: what to replay onto it (notifications, our own ops), in order. */
  private replay: ReplayEvent[] | undefined
  /** Keys an unsure delta pass left alone (see the top): examined again after the resync. */
  private readonly deferred = new Set<string>()
  /** The monitor's start in flight (the first one begins early: see the top). */
  private starting: Promise<void> | undefined
  /** The dump prefetch() started: the tables it covers, and whether it succeeded once settled. */
  private prefetched: {tables: string; done: Promise<boolean>} | undefined
  private closed = false
  /** Dumps taken by prefetch() (tests, benchmarks). */
  prefetches = 0
  /** Resyncs completed, and the keys the last one found changed (tests, benchmarks). */
  resyncs = 0
  lastResyncChanged = 0
  /** Delta observations served unsure (while a resync ran), and applies run with the monitor paused. */
  unsureDeltas = 0
  pauses = 0
  /** Periodic audits whose refresh completed (tests, benchmarks). */
  audits = 0

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

  /** A background resync is running (see the top). */
  get resyncing(): boolean {
    return this.resync !== undefined
  }

  onDrift(listener: DriftListener): void {
    this.listeners.push(listener)
  }

  /** The model is loaded and followed: the monitor runs and nothing made it stale. */
  private modelCurrent(): boolean {
    return this.monitor.running && !this.stale && this.model.links.size > 0
  }

  /** Names of the links, from the model while it is current (undefined: ask the kernel). */
  linkNames(): string[] | undefined {
    if (!this.modelCurrent()) return undefined
    return [...this.model.links.keys()]
  }

  /** Forces a full dump at the next observe. */
  invalidate(): void {
    this.stale = true
  }

  /**
   * Starts, in the background, the dump the next observe() of `scope` would take (the model stale
   * or due for its periodic dump, `fresh`, a table not watched), so it runs while the caller
   * computes; observe() then uses it instead of dumping. Nothing when observe() would not dump, a
   * prefetch or a background resync is already running, or a dump is loading. Whether it started one.
   */
  prefetch(scope: ObserveScope, opts: {fresh?: boolean} = {}): boolean {
    if (this.closed || this.prefetched || this.resync || this.loading) return false
    const s = canonicalScope(scope)
    const tables = tablesOf(s)
    const fresh = Boolean(opts.fresh || scope.fresh)
    if (this.monitor.running && !this.starting && !fresh && !this.needsDump(tables, {grace: 2})) return false
    this.prefetches++
    const done = (async () => {
      await this.ensureMonitor()
      await this.reload(s, tables)
      return true
    })().catch((error: unknown) => {
      this.log.debug('kernel model prefetch failed; the observation dumps', {error: (error as Error).message})
      return false
    })
    this.prefetched = {tables: tables.join(','), done}
    return true
  }

  async observe(scope: ObserveScope, opts: {fresh?: boolean} = {}): Promise<KernelObj[]> {
    const s = canonicalScope(scope)
    this.scope = s
    // The same desired array as the last time: this.desired already holds it (delta passes since
    // only set keys to what the same desired state says), and rebuilding it is O(node).
    if (scope.adopt && scope.adopt !== this.desiredFrom) {
      this.desired = new Map(scope.adopt.map(keyAndValue))
      this.desiredFrom = scope.adopt
    }

    const tables = tablesOf(s)
    // A prefetched dump of the same tables stands for the one this observation would take (it began
    // after the pass did); if an overrun made it stale meanwhile, needsDump() below says so.
    const pre = this.prefetched
    this.prefetched = undefined
    const prefetched = pre !== undefined && (await pre.done) && pre.tables === tables.join(',')
    // A background resync in flight (or a monitor restart): its dump is as good as a new one. It
    // is not repeated for us: under overruns that never stop (FRR churning routes on a large node)
    // it would repeat for as long, and this pass with it. If it ends stale, we dump ourselves below.
    this.foregroundWaiting++
    try {
      while (this.resync) await this.resync
    } finally {
      this.foregroundWaiting--
    }

    await this.ensureMonitor()
    this.dirtyKeys.clear()
    this.deferred.clear()
    this.dirtyAll = false
    // Bridges that left the mappings (staleBridges) are observed by full passes only, which prune
    // their state; a delta pass's scope is the mapped bridges.
    this.scopeSig = scopeSignature(canonicalScope({...scope, staleBridges: []}))
    if (((opts.fresh || scope.fresh) && !prefetched) || this.needsDump(tables)) await this.reload(s, tables)
    return this.ownedNow(s)
  }

  /**
   * ownedObjects of the model, the same array as the last time while its inputs are the same (the
   * model's and the ledger's generations, the scope, the very desired array): a full observation
   * of an unchanged node then costs no walk of 40,000 objects, and the reconciler's diff can tell
   * it was handed the same observation (reconcile.ts). ownedObjects run again on its own output
   * ledger changes nothing, so the ledger's generation after it is the one to compare.
   */
  private async ownedNow(s: ObserveScope, o: {audit?: () => Promise<void>} = {}): Promise<KernelObj[]> {
    const {ledger} = this.kernel
    await ledger.load()
    const inputs = {model: this.model.generation, scope: scopeSignature(s), adopt: s.adopt}
    const ledgerBefore = ledger.generation
    const m = this.lastOwned
    if (
      m &&
      m.model === inputs.model &&
      m.scope === inputs.scope &&
      m.adopt === inputs.adopt &&
      m.ledger === ledger.generation
    )
      return m.owned
    // The audit's: a kind per turn, and the ledger left to the passes that run meanwhile.
    const owned = await ownedObjects({ledger}, this.model.raw(), s, o.audit ? {between: o.audit, readOnly: true} : {})
    // The audit's leaves the ledger alone, and passes may change it while it runs: it reflects the
    // ledger as it began.
    this.lastOwned = {...inputs, ledger: o.audit ? ledgerBefore : ledger.generation, owned}
    return owned
  }

  /** The monitor listening (a start in flight is awaited); a new start makes the model stale. */
  private async ensureMonitor(): Promise<void> {
    if (this.starting) await this.starting
    if (this.monitor.running) return
    this.starting = this.monitor.start().finally(() => {
      this.starting = undefined
    })
    await this.starting
    this.stale = true
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
    if (!this.deltaServable(s, scope)) return undefined
    const unsure = this.stale
    if (unsure) this.unsureDeltas++
    this.scope = s
    const all = new Set(keys)
    for (const k of this.dirtyKeys) all.add(k)
    this.dirtyKeys.clear()
    for (const k of all) {
      const want = desiredOf(k)
      if (want) this.desired.set(k, objValue(want))
      else this.desired.delete(k)
      // Nothing is removed on a model that may be wrong (flows are OVS's, not the model's).
      if (unsure && !want && !k.startsWith('flow|')) {
        all.delete(k)
        this.deferred.add(k)
      }
    }

    const observed = await ownedAt({ledger: this.kernel.ledger, model: this.model}, s, all, desiredOf)
    if (unsure) {
      for (const [k, o] of observed) {
        if (o.kind !== 'vlan' || objValue(o) === objValue(desiredOf(k) ?? o)) continue
        all.delete(k) // a VLAN device that differs is re-created (removed first): wait for the dump
        observed.delete(k)
        this.deferred.add(k)
      }
    }

    return {observed, keys: all}
  }

  /**
   * The periodic audit's owned observation (see the top): the model refreshed from a full dump in
   * the background, then read whole, `scope.adopt` being the desired state. Undefined when only a
   * full observe() is right: the model stale with no resync to wait for, the scope not the one of
   * the last full observation, the monitor not running, a dump loading.
   */
  async audit(scope: ObserveScope, between: () => Promise<void> = nextTurn): Promise<KernelObj[] | undefined> {
    const s = canonicalScope(scope)
    if (scopeSignature(canonicalScope({...scope, staleBridges: []})) !== this.scopeSig) return undefined
    if (!(await this.refresh(between))) return undefined
    await between()
    return this.ownedNow(s, {audit: between})
  }

  /** The periodic dump as a background resync (see the top). Whether the model is current after it. */
  private async refresh(between: () => Promise<void>): Promise<boolean> {
    if (this.closed || this.loading || this.prefetched || this.starting || !this.monitor.running) return false
    if (this.lastDump === 0 || this.scope === undefined || (this.stale && !this.resync)) return false
    if (!this.resync) this.startResync({why: 'periodic', between})
    while (this.resync) await this.resync
    if (this.stale) return false
    this.audits++
    return true
  }

  /** Whether a delta observation is right (see the top); stale is right only while a resync runs (unsure). */
  private deltaServable(s: ObserveScope, scope: ObserveScope): boolean {
    const why = this.deltaRefusal(s, scope)
    // Debug: why an event pass observed in full (a full pass on a large node is seconds).
    if (why) this.log.debug('kernel delta observation refused; full observation', {reason: why})
    return why === undefined
  }

  private deltaRefusal(s: ObserveScope, scope: ObserveScope): string | undefined {
    // A dump loading (prefetch): the model is about to be replaced, and only observe() waits for it.
    if (this.loading || this.prefetched) return 'a dump is loading'
    if (!this.monitor.running && !this.resync) return 'monitor not running'
    if (this.dirtyAll) return 'a device ownership depends on changed'
    if (scopeSignature(s) !== this.scopeSig) return 'scope changed'
    if (this.stale && !this.resync) return 'model stale, no resync running'
    if (scope.fresh) return 'fresh observation asked'
    return this.needsDump(tablesOf(s), {ignoreStale: true, grace: 2})
      ? 'periodic dump overdue or a table not watched'
      : undefined
  }

  /**
   * Whether the model cannot serve an observation (stale, periodic dump due, a table not watched).
   * `grace`: the periodic dump counts as due only after this many periods (see the top: audits).
   */
  private needsDump(tables: readonly number[], o: {ignoreStale?: boolean; grace?: number} = {}): boolean {
    const every = (this.opts.fullDumpEveryMs ?? 0) * (o.grace ?? 1)
    const old = every > 0 && performance.now() - this.lastDump >= every
    return (this.stale && !o.ignoreStale) || old || tables.some((t) => !this.model.tables.has(t))
  }

  async apply(plan: Plan, opts: {ensureUp?: readonly string[]} = {}): Promise<OpResult[]> {
    // A large plan: the monitor is stopped while it runs and a resync follows (see the top).
    const limit = this.opts.pauseMonitorOps ?? PAUSE_MONITOR_OPS
    const pause =
      limit > 0 && plan.add.length + plan.remove.length >= limit && this.monitor.running && !this.resync && !this.stale
    if (pause) {
      this.monitor.stop()
      this.stale = true
      this.pauses++
    }

    const stages: Record<string, number> = {}
    const results = await applyPlan(
      {
        exec: this.exec,
        runner: this.runner,
        sysctlPath: this.opts.sysctlPath ?? 'sysctl',
        ledger: this.kernel.ledger,
        log: this.log,
        facts: async () => this.facts(),
        ...(opts.ensureUp ? {ensureUp: opts.ensureUp} : {}),
        stages,
      },
      plan,
    )
    const t = performance.now()
    for (const r of results) {
      if (!r.ok) continue
      this.model.applyOwn(r.action, r.obj)
      this.replay?.push({own: r.action, obj: r.obj})
    }

    this.scheduleRetry(results.filter((r) => !r.ok).length)
    // A large apply is rare (a cold start, a big burst) and slow: where its time went is logged.
    if (pause)
      this.log.info('large kernel apply done', {
        ops: plan.add.length + plan.remove.length,
        failed: results.filter((r) => !r.ok).length,
        ms: {...stages, model: Math.round(performance.now() - t)},
      })
    if (pause) this.startResync({restart: true})
    return results
  }

  /**
   * The base wiring (Kernel.ensureBase), answered from the model when it is current and shows
   * everything in place: the FRR upkeep asks every frr_reconcile_interval, and on an idle node that
   * question was a chain of `ip` processes. The model follows every link and bridge-table route
   * change, so a VRF, bgp-nic or default route changed behind our back shows here; anything not in
   * place, or a model that may be wrong, goes to the kernel as before.
   */
  async ensureBase(opts: BaseOptions): Promise<BaseResult> {
    try {
      return await this.ensureBaseNow(opts)
    } finally {
      // Before the first dump (start-up): the monitor starts now, so the first pass need not wait
      // for it (never later: a monitor stopped for a large apply stays stopped until it ends).
      if (!this.closed && this.lastDump === 0 && !this.monitor.running && !this.starting)
        this.ensureMonitor().catch((error: unknown) => {
          this.log.debug('ip monitor did not start early; the first observation starts it', {
            error: (error as Error).message,
          })
        })
    }
  }

  private async ensureBaseNow(opts: BaseOptions): Promise<BaseResult> {
    const o = canonicalBase(opts)
    const current = this.modelCurrent() && !this.resync
    const watchedTables = o.bridges.every((b) => this.model.tables.has(b.table))
    if (current && !o.clearVrfRoutes && watchedTables) {
      const {routes} = this.model
      const has = (r: RouteObj): boolean => routes.get(`${r.family}|${r.table}|${r.dst}`)?.dev === r.dev
      if (baseInPlace(this.model.links, has, o)) {
        this.baseFromModel++
        return {changed: [], missingBridges: [], warnings: [], failed: []}
      }
    }

    return this.kernel.ensureBase(o)
  }

  close(): void {
    this.closed = true
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

  /** The text of a full dump of the scope's tables (links, addresses, rules, routes, neighbours, netconf). */
  private async dumpText(s: ObserveScope): Promise<KernelDumpText> {
    const d = {
      runner: this.runner,
      ipPath: this.ipPath,
      sysctlPath: this.opts.sysctlPath ?? 'sysctl',
      ledger: this.kernel.ledger,
    }
    return dumpKernelText(d, tablesOf(s), {netconf: true, markedOnly: markedOnlyTables(s)})
  }

  /** A background dump after an overrun or for the periodic audit (see the top), repeated while overruns go on. */
  private startResync(o: {restart?: boolean; why?: 'overrun' | 'periodic'; between?: () => Promise<void>} = {}): void {
    if (this.resync) {
      this.resyncAgain = true
      return
    }

    this.resync = (async () => {
      if (o.restart) {
        // After a paused apply: listen again first (no gap before the dump).
        try {
          await this.monitor.start()
        } catch (error) {
          this.log.warn('ip monitor did not restart; full dump at the next pass', {error: (error as Error).message})
          return
        }
      }

      do {
        await this.quiet()
        this.resyncAgain = false
        try {
          await this.resyncOnce(o.why ?? 'overrun', o.between ?? nextTurn)
        } catch (error) {
          this.log.warn('kernel model resync failed; full dump at the next pass', {error: (error as Error).message})
          this.stale = true
          this.resyncAgain = false
        }
      } while (this.resyncAgain && this.monitor.running && this.foregroundWaiting === 0)
    })().finally(() => {
      this.resync = undefined
    })
  }

  /**
   * Waits until no overrun was reported for RESYNC_QUIET_MS (at most resyncWaitBound): a dump
   * taken while a burst still overruns the socket would be outdated at once, and it competes with
   * the burst (often our own apply) for the CPU.
   */
  private async quiet(): Promise<void> {
    const start = performance.now()
    const bound = resyncWaitBound(this.lastResyncMs)
    while (this.monitor.running && this.foregroundWaiting === 0) {
      const now = performance.now()
      if (now - this.lastOverrun >= RESYNC_QUIET_MS || now - start >= bound) return
      await sleep(RESYNC_QUIET_MS / 2)
    }
  }

  /**
   * One background dump patched into the model: notifications and own ops that arrive meanwhile
   * are replayed onto the dump, and the keys and links the patch changed are handed on as
   * notifications' are. The dump's parse and the patch are turns of their own; a dump the model
   * already holds (dump-fingerprint.ts) is neither.
   */
  private async resyncOnce(why: 'overrun' | 'periodic', between: () => Promise<void>): Promise<void> {
    const s = this.scope
    if (!s) return
    const began = performance.now()
    const replay: ReplayEvent[] = []
    this.replay = replay
    let patch: DumpPatch
    try {
      const text = await this.dumpText(s)
      patch = await patchModelFromDump({
        model: this.model,
        text,
        tables: tablesOf(s),
        loaded: this.loadedDump,
        replay,
        between,
      })
    } finally {
      this.replay = undefined
    }

    const {changed, parsed} = patch
    if (!parsed) this.unchangedDumps++
    const {keys, links} = changed
    // An overrun during the dump: this one may miss a change too, so another follows.
    this.stale = this.resyncAgain
    this.lastDump = performance.now()
    this.lastResyncMs = this.lastDump - began
    this.dumps++
    this.resyncs++
    this.lastResyncChanged = keys.length + links.length
    for (const k of keys) this.dirtyKeys.add(k)
    for (const k of this.deferred) this.dirtyKeys.add(k)
    this.deferred.clear()
    if (links.some((l) => ownershipDevice(this.scope, l) || this.model.links.get(l)?.kind === 'vlan'))
      this.dirtyAll = true
    for (const l of links) this.exec.recycle(l)
    this.log.debug(
      why === 'overrun' ? 'kernel model resynced after an overrun' : 'kernel model refreshed (periodic dump)',
      {
        changed: keys.length,
        links: links.length,
        parsed,
        ms: Math.round(this.lastResyncMs),
      },
    )
    // After an overrun, whatever is dirty may be what the lost notifications would have signalled;
    // a periodic refresh signals only what it corrected itself.
    const signal = why === 'overrun' ? this.dirtyKeys.size > 0 || this.dirtyAll : keys.length + links.length > 0
    if (signal) this.emit(why === 'overrun' ? 'kernel model resynced' : 'kernel model refreshed')
  }

  /**
   * Full dump into the model; notifications that arrive meanwhile are replayed after it. A dump
   * whose text is the one the model was loaded from, with the model unchanged since, is not
   * parsed nor loaded: the model already holds it (dump-fingerprint.ts). That is the periodic full
   * reconcile of an idle node.
   */
  private async reload(s: ObserveScope, tables: number[]): Promise<void> {
    this.loading = []
    this.stale = false
    let fingerprint: DumpFingerprint | undefined
    try {
      const text = await this.dumpText(s)
      fingerprint = dumpFingerprint(text)
      if (this.loadedDump.holds(fingerprint, this.model.generation)) {
        this.unchangedDumps++
        this.log.debug('kernel dump unchanged since the model was loaded; kept', {scope: s.bridges.length})
      } else {
        const why = this.loadedDump.differs(fingerprint, this.model.generation)
        this.model.load(parseModelDump(text), tables)
        this.log.debug('kernel model loaded', {
          why,
          links: this.model.links.size,
          addrs: this.model.addrs.size,
          routes: this.model.routes.size,
          scope: s.bridges.length,
        })
      }

      this.lastDump = performance.now()
      this.dumps++
    } catch (error) {
      this.stale = true
      fingerprint = undefined
      throw error
    } finally {
      const queued = this.loading ?? []
      this.loading = undefined
      const loaded = this.model.generation
      for (const e of queued) this.model.apply(e)
      // Notifications replayed on top that changed the model: it holds more than this dump (or
      // nothing was loaded). Ones that changed nothing (a foreign device's neighbours going stale,
      // an echo) leave it as the dump loaded it: on a busy host some arrive during most dumps.
      if (fingerprint !== undefined && this.model.generation === loaded)
        this.loadedDump.record(fingerprint, this.model.generation)
      else this.loadedDump.forget()
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
    this.stale = true
    this.lastOverrun = performance.now()
    // An overrun with the monitor still running and a model to patch: resync in the background.
    // The ip children are recycled by the resync, for the links it finds changed, not here: a
    // recycle starts new processes at once (synchronously, 0.5-1.5 s each in a loaded emulated
    // guest), and a burst reports many overruns. Until then, a child that used the index of a
    // device deleted unseen gets "No such device", which replaces it (batch-process.ts), and the
    // failed op is retried.
    if (this.monitor.running && !this.loading && this.scopeSig !== undefined && this.lastDump > 0) {
      if (!this.resync) this.log.info('kernel notifications lost; resyncing the model in the background', {reason: why})
      this.startResync()
    } else {
      this.exec.recycle() // a device deletion may be among the lost notifications
      this.log.warn('kernel notifications lost; full dump at the next pass', {reason: why})
    }

    this.emit(why)
  }

  private onEvent(e: MonitorEvent): void {
    // A device deleted: an ip child that resolved its name holds a stale index (also while a dump
    // runs). A device created needs nothing: a name not cached is looked up afresh.
    if (e.type === 'link' && e.deleted) this.exec.recycle(e.link.name)
    this.replay?.push(e)
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
    for (const k of flushed) this.dirtyKeys.add(k)
    if (e.type === 'link') {
      if (wasVlan || e.link.kind === 'vlan' || ownershipDevice(this.scope, e.link.name)) this.dirtyAll = true
    } else {
      const key = eventKey(e)
      if (key !== undefined && canon(modelEntry(this.model, e)) !== before) this.dirtyKeys.add(key)
    }

    const why = driftOf(e, wasUp, this.scope, this.desired)
    if (why) this.emit(why)
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
}
