import type {NbView} from '../nb/model.js'
import type {Reconciler} from './reconcile.js'
import type {PassResult} from './types.js'

// The daemon's reconcile loop: level-triggered. NB changes only mark the node dirty; a debounced
// pass recomputes the desired state and applies the difference. Passes never overlap; changes
// that arrive during a pass schedule another one (so nothing that happens during a full sync is
// lost, unlike upstream: docs/upstream-behaviour.md#bug-11-sync-race). A periodic full pass repairs
// drift (in watch mode with a watched datapath: a periodic delta pass, then the periodic audit
// outside the loop's one-pass-at-a-time: reconcile.ts), and pruning is allowed only when the caller says the NB replica is complete (first
// snapshot after start or reconnect).
//
// Timing contract:
//  - Leading edge: a change that finds the loop quiet (no pass running or due, none ended and no
//    change requested in the last `debounceMs`) starts its pass on the next timer tick: a lone
//    bind does not wait for a silence that is already there. Changes of the same tick (the rest of
//    its NB notification) join that pass; the ones after it are debounced as below.
//  - Debounce: otherwise a pass starts `debounceMs` after the last change of a burst, but never
//    later than `maxWaitMs` after the first one: a steady stream of changes still gets passes
//    (bounded wait), and 1,000 changes within a second become a few passes, not 1,000.
//  - Backoff: a failed pass (thrown or rejected, synchronous or not) is retried after a capped,
//    jittered exponential delay (backoff.ts, 1 s -> 60 s); changes that arrive meanwhile wait for
//    it. Only a 'resync' request (the node's environment changed: local OVS, NB reconnected) pulls
//    the retry forward, to at most `baseMs` away. The next successful pass resets the backoff.
//    Every pass start is a timer callback, so the event loop keeps serving signals, /healthz and
//    metrics whatever the passes do.
//  - Watchdog: a pass still running `stuckPassMs` after it started (default 5 min) is reported once:
//    an error log naming its trigger and stage, and observer.onPassStuck (the daemon counts it and
//    marks /readyz not ready). It is NOT cancelled (a half-applied plan has no safe abort point) and
//    no other pass starts while it runs: the bound on the pass itself comes from the layers below
//    (each ip batch request has a deadline, kernel/batch-process.ts). When it finishes, the loop
//    logs how long it took and goes on as after any pass.
import {type Logger, NullLogger} from '../log.js'
import {PASS_BACKOFF_BASE_MS, passBackoff, type PassBackoff} from './backoff.js'

export type PassTrigger = 'start' | 'event' | 'periodic' | 'resync'

export interface PassFailure {
  /** Wall time of the failed pass. */
  durationMs: number
  /** Failed passes in a row, this one included. */
  consecutiveFailures: number
  /** Delay before the retry. */
  retryInMs: number
}

interface LoopObserver {
  /** After every pass; `pendingSince` = monotonic ms of the oldest change this pass covered. */
  onPass?(result: PassResult, trigger: PassTrigger, pendingSince: number | undefined): void
  onPassError?(error: Error, trigger: PassTrigger, failure: PassFailure): void
  /** Once per pass that runs longer than `stuckPassMs`; `stage` is what it was doing. */
  onPassStuck?(info: StuckPass): void
}

export interface StuckPass {
  trigger: PassTrigger
  /** The pass's stage when the watchdog fired, e.g. "apply (120 operations)". */
  stage: string
  runningMs: number
}

/** Default watchdog bound: a 10k-address full pass takes tens of seconds in a loaded guest. */
export const DEFAULT_STUCK_PASS_MS = 5 * 60_000

/** Timer seam (tests drive the loop with a fake clock). */
export interface LoopTimers {
  set(fn: () => void, ms: number): unknown
  clear(handle: unknown): void
}

const realTimers: LoopTimers = {
  set(fn, ms) {
    const t = setTimeout(fn, ms)
    return t
  },
  clear: (h) => clearTimeout(h as NodeJS.Timeout),
}

export interface LoopOptions {
  reconciler: Reconciler
  nb: NbView
  /** True when deleting unwanted owned objects is safe (complete NB snapshot, connected). */
  pruneAllowed: () => boolean
  /** Quiet time after the last change before a pass starts. Default 50 ms. */
  debounceMs?: number
  /** Longest a change waits for a pass while changes keep coming. Default 500 ms. */
  maxWaitMs?: number
  /** Full pass period (reconcile_interval); 0 disables. */
  fullIntervalMs?: number
  /** Retry delays after failed passes. Default passBackoff() (1 s -> 60 s, jittered). */
  backoff?: PassBackoff
  /** Watchdog bound on one pass (see the timing contract); default DEFAULT_STUCK_PASS_MS, 0 disables. */
  stuckPassMs?: number
  logger?: Logger
  observer?: LoopObserver
  /** Monotonic clock in ms. */
  now?: () => number
  timers?: LoopTimers
}

/** The wait between two looks at a loop with no pass running yet (idle, afterPass). */
const pollDelay = async (): Promise<void> =>
  new Promise((r) => {
    setTimeout(r, 5)
  })

export class ReconcileLoop {
  private readonly logger: Logger
  private readonly now: () => number
  private readonly timers: LoopTimers
  private readonly backoff: PassBackoff
  /** Monotonic ms of the oldest change not yet covered by a pass (undefined = clean). */
  private dirtySince: number | undefined
  /** When the current burst of requests began (bounds the debounce). */
  private burstStart: number | undefined
  private pendingTrigger: PassTrigger = 'event'
  private timer: unknown
  private timerDue: number | undefined
  /** The armed timer is a leading-edge one: changes until it fires join its pass, not delay it. */
  private timerLeading = false
  /** When a change was last requested or a pass last ended (the leading edge needs `debounceMs` of quiet). */
  private lastActivity = Number.NEGATIVE_INFINITY
  private periodic: NodeJS.Timeout | undefined
  private running: Promise<void> | undefined
  private retryNotBefore: number | undefined
  private failures = 0
  private stopped = false
  private passStartedAt: number | undefined
  /** What the running pass is doing (its last stage), for the watchdog's report. */
  private passStage = 'starting'
  private stuckTimer: unknown
  private passStuck = false
  passes = 0
  /** Passes that ended, failed ones included (afterPass). */
  private ended = 0
  /** Passes the watchdog reported (ran longer than stuckPassMs). */
  stuckPasses = 0
  failedPasses = 0
  /** Periodic audits that completed (see the top). */
  audits = 0

  constructor(private readonly opts: LoopOptions) {
    this.logger = opts.logger ?? new NullLogger()
    this.now = opts.now ?? (() => performance.now())
    this.timers = opts.timers ?? realTimers
    this.backoff = opts.backoff ?? passBackoff()
  }

  /** Failed passes in a row (0 after a successful pass). */
  get consecutiveFailures(): number {
    return this.failures
  }

  /** Runs the first pass now and starts the periodic timer. Resolves after the first pass (failed: undefined). */
  async start(): Promise<PassResult | undefined> {
    const first = await this.runPass('start', undefined)
    const every = this.opts.fullIntervalMs ?? 0
    if (every > 0 && !this.stopped) {
      this.periodic = setInterval(() => this.request('periodic'), every)
      this.periodic.unref?.()
    }

    return first
  }

  /** Marks the node dirty (an NB or OVS change that may matter); a pass follows after the debounce. */
  request(trigger: PassTrigger = 'event', at: number = this.now()): void {
    if (this.stopped) return
    const now = this.now()
    const quiet =
      this.dirtySince === undefined &&
      !this.running &&
      this.timer === undefined &&
      now - this.lastActivity >= (this.opts.debounceMs ?? 50)
    this.lastActivity = now
    if (this.dirtySince === undefined || at < this.dirtySince) this.dirtySince = at
    this.burstStart ??= now
    if (trigger !== 'event') this.pendingTrigger = trigger
    if (trigger === 'resync' && this.retryNotBefore !== undefined) {
      this.retryNotBefore = Math.min(this.retryNotBefore, now + PASS_BACKOFF_BASE_MS)
    }

    this.schedule(quiet)
  }

  /** Milliseconds the current pass has been running, undefined between passes (the watchdog's input). */
  passRunningMs(): number | undefined {
    return this.passStartedAt === undefined ? undefined : this.now() - this.passStartedAt
  }

  /**
   * Resolves once what is pending now has had its pass: at once when no pass runs or is due, else
   * when the pass running now has ended and, when changes were already waiting for another one,
   * that one too (a failed pass counts: it ended). Unlike idle(), changes that arrive later do not
   * hold it back, so a steady stream of them still lets it resolve within two passes. Work that
   * must never share the CPU with the pass a change asked for waits on this (the NB scope's
   * conditions, nb-source.ts followScopeAfter).
   */
  async afterPass(): Promise<void> {
    const waiting = this.dirtySince !== undefined || this.timer !== undefined
    const target = this.ended + (this.running ? 1 : 0) + (waiting ? 1 : 0)
    while (!this.stopped && this.ended < target) {
      await (this.running ?? pollDelay())
      // nothing left that could end a pass: a pass due was dropped (stop) or merged into this one
      if (!this.running && this.dirtySince === undefined && this.timer === undefined) return
    }
  }

  /** Resolves when no pass is running and nothing is pending. */
  async idle(): Promise<void> {
    while (this.running || this.timer !== undefined || this.dirtySince !== undefined) {
      await (this.running ?? pollDelay())
      if (this.stopped) return
    }
  }

  async stop(): Promise<void> {
    this.stopped = true
    this.clearTimer()
    if (this.periodic) clearInterval(this.periodic)
    this.periodic = undefined
    if (this.running) await this.running
  }

  /**
   * (Re)arms the single wake-up timer for the pending work: now on a leading edge, else debounce
   * bounded by maxWait; after any backoff.
   */
  private schedule(leading = false): void {
    if (this.stopped || this.running || this.dirtySince === undefined) return
    if (this.timer !== undefined && this.timerLeading) return
    const now = this.now()
    const debounce = this.opts.debounceMs ?? 50
    const maxWait = this.opts.maxWaitMs ?? 500
    let due = leading ? now : Math.min(now + debounce, (this.burstStart ?? now) + Math.max(debounce, maxWait))
    if (this.retryNotBefore !== undefined) due = Math.max(due, this.retryNotBefore)
    if (this.timer !== undefined && this.timerDue === due) return
    this.clearTimer()
    this.timerDue = due
    this.timerLeading = due === now
    this.timer = this.timers.set(
      () => {
        this.timer = undefined
        this.timerDue = undefined
        this.timerLeading = false
        void this.fire()
      },
      Math.max(0, due - now),
    )
  }

  private clearTimer(): void {
    if (this.timer !== undefined) this.timers.clear(this.timer)
    this.timer = undefined
    this.timerDue = undefined
    this.timerLeading = false
  }

  private async fire(): Promise<void> {
    if (this.running || this.stopped || this.dirtySince === undefined) return
    const since = this.dirtySince
    const trigger = this.pendingTrigger
    this.dirtySince = undefined
    this.burstStart = undefined
    this.pendingTrigger = 'event'
    await this.runPass(trigger, since)
  }

  private async runPass(trigger: PassTrigger, since: number | undefined): Promise<PassResult | undefined> {
    let done!: () => void
    this.running = new Promise<void>((r) => {
      done = r
    })
    const started = this.now()
    this.passStartedAt = started
    this.passStage = 'starting'
    this.passStuck = false
    this.armWatchdog(trigger, started)
    try {
      // Only event passes may use the incremental desired state; the others recompute and compare.
      // A periodic pass followed by an audit runs the self-check only: the audit compares the rest.
      const audit = trigger === 'periodic' && this.opts.reconciler.auditable()
      const result = await this.opts.reconciler.pass(this.opts.nb, {
        prune: this.opts.pruneAllowed(),
        fullRecompute: trigger !== 'event' && !audit,
        ...(audit ? {selfCheck: true} : {}),
        onStage: (stage, d) => {
          this.passStage = d.operations === undefined ? stage : `${stage} (${d.operations} operations)`
        },
      })
      this.passes++
      if (this.failures > 0) this.logger.info('reconcile recovered', {afterFailures: this.failures})
      this.failures = 0
      this.retryNotBefore = undefined
      this.logPass(result, trigger)
      this.opts.observer?.onPass?.(result, trigger, since)
      // A pass that turned out full compared everything already.
      if (audit && result.deltaKeys !== undefined) this.startAudit()
      return result
    } catch (error) {
      this.onFailure(error instanceof Error ? error : new Error(String(error)), trigger, since, this.now() - started)
      return undefined
    } finally {
      if (this.stuckTimer !== undefined) this.timers.clear(this.stuckTimer)
      this.stuckTimer = undefined
      if (this.passStuck)
        this.logger.warn('reconcile pass reported stuck has ended', {trigger, ms: Math.round(this.now() - started)})
      this.running = undefined
      this.passStartedAt = undefined
      this.lastActivity = this.now()
      this.ended++
      done()
      this.schedule()
      // A planner build the pass left (Reconciler.buildDeferred) runs once the pass is reported and
      // the loop is free; after the start pass, the caller runs it once it has reported the start.
      if (trigger !== 'start' && !this.stopped) setImmediate(() => this.opts.reconciler.buildDeferred())
    }
  }

  /**
   * The periodic audit, outside the one-pass-at-a-time (reconcile.ts): passes go on meanwhile.
   * What it found (keys out of sync, or a full pass needed) is worked off by a pass it asks for.
   */
  private startAudit(): void {
    this.opts.reconciler.audit().then(
      (r) => {
        if (!r || this.stopped) return
        this.audits++
        if (r.keys > 0 || r.full !== undefined) this.request('event')
      },
      (error: unknown) => {
        if (this.stopped) return
        this.logger.warn('periodic audit failed; a full pass follows', {error: (error as Error).message})
        this.request('event')
      },
    )
  }

  private armWatchdog(trigger: PassTrigger, started: number): void {
    const bound = this.opts.stuckPassMs ?? DEFAULT_STUCK_PASS_MS
    if (bound <= 0) return
    this.stuckTimer = this.timers.set(() => {
      this.stuckTimer = undefined
      if (this.passStartedAt !== started) return
      this.passStuck = true
      this.stuckPasses++
      const info: StuckPass = {trigger, stage: this.passStage, runningMs: this.now() - started}
      this.logger.error('reconcile pass stuck; it cannot be cancelled, no other pass runs until it ends', {
        trigger,
        stage: info.stage,
        ms: Math.round(info.runningMs),
        boundMs: bound,
      })
      this.opts.observer?.onPassStuck?.(info)
    }, bound)
  }

  /** Keeps the failed pass's changes pending and arms the backoff. */
  private onFailure(error: Error, trigger: PassTrigger, since: number | undefined, durationMs: number): void {
    this.failures++
    this.failedPasses++
    const retryInMs = this.backoff(this.failures)
    this.retryNotBefore = this.now() + retryInMs
    const failure: PassFailure = {durationMs, consecutiveFailures: this.failures, retryInMs}
    this.logger.error('reconcile pass failed', {
      trigger,
      error: error.message,
      consecutiveFailures: this.failures,
      retryInMs,
      ms: Math.round(durationMs),
    })
    this.opts.observer?.onPassError?.(error, trigger, failure)
    if (this.stopped) return
    // The failed pass covered nothing: its changes (and trigger) stay pending for the retry.
    if (since !== undefined && (this.dirtySince === undefined || since < this.dirtySince)) this.dirtySince = since
    this.dirtySince ??= this.now()
    this.burstStart ??= this.now()
    // The retry recomputes the desired state from scratch: a failed pass may have left the
    // incremental state half-updated.
    if (this.pendingTrigger === 'event') this.pendingTrigger = trigger === 'periodic' ? 'periodic' : 'resync'
  }

  private logPass(r: PassResult, trigger: PassTrigger): void {
    const fields = {
      trigger,
      added: r.plan.add.length,
      removed: r.plan.remove.length,
      unchanged: r.plan.unchanged,
      failed: r.failed.length,
      problems: r.problems.length,
      exposed: r.exposed.length,
      ms: r.durationMs,
      ...r.timings,
    }
    if (r.changed || r.failed.length > 0) this.logger.info('reconcile', fields)
    else this.logger.debug('reconcile', fields)
  }
}
