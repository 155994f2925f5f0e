// The daemon's reconcile loop: level-triggered. NB changes only mark the node dirty; a debounced
// pass recomputes the desired state and applies the difference. Passes never overlap; changes
// that arrive during a pass schedule another one (so nothing that happens during a full sync is
// lost, unlike upstream bug 11.11). A periodic full pass repairs drift, and pruning is allowed only
// when the caller says the NB replica is complete (first snapshot after start or reconnect).
import {NullLogger, type Logger} from '../log.js'
import type {NbView} from '../nb/model.js'
import type {Reconciler} from './reconcile.js'
import type {PassResult} from './types.js'

export type PassTrigger = 'start' | 'event' | 'periodic' | 'resync'

export interface LoopObserver {
  /** After every pass; `pendingSince` = monotonic ms of the oldest change this pass covered. */
  onPass?(result: PassResult, trigger: PassTrigger, pendingSince: number | undefined): void
  onPassError?(error: Error, trigger: PassTrigger): void
}

export interface LoopOptions {
  reconciler: Reconciler
  nb: NbView
  /** True when deleting unwanted owned objects is safe (complete NB snapshot, connected). */
  pruneAllowed: () => boolean
  debounceMs?: number
  /** Full pass period (reconcile_interval); 0 disables. */
  fullIntervalMs?: number
  logger?: Logger
  observer?: LoopObserver
  now?: () => number
}

export class ReconcileLoop {
  private readonly logger: Logger
  private readonly now: () => number
  private dirtySince: number | undefined
  private pendingTrigger: PassTrigger = 'event'
  private debounce: NodeJS.Timeout | undefined
  private periodic: NodeJS.Timeout | undefined
  private running: Promise<void> | undefined
  private stopped = false
  passes = 0

  constructor(private readonly opts: LoopOptions) {
    this.logger = opts.logger ?? new NullLogger()
    this.now = opts.now ?? (() => performance.now())
  }

  /** Runs the first pass now and starts the periodic timer. Resolves after the first pass. */
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
    if (this.dirtySince === undefined || at < this.dirtySince) this.dirtySince = at
    if (trigger !== 'event') this.pendingTrigger = trigger
    if (this.debounce) return
    this.debounce = setTimeout(() => {
      this.debounce = undefined
      void this.drain()
    }, this.opts.debounceMs ?? 50)
  }

  /** Resolves when no pass is running and nothing is pending. */
  async idle(): Promise<void> {
    while (this.running || this.debounce || this.dirtySince !== undefined) {
      if (this.running) await this.running
      else await new Promise((r) => setTimeout(r, 5))
      if (this.stopped) return
    }
  }

  async stop(): Promise<void> {
    this.stopped = true
    if (this.debounce) clearTimeout(this.debounce)
    if (this.periodic) clearInterval(this.periodic)
    this.debounce = undefined
    this.periodic = undefined
    if (this.running) await this.running
  }

  private async drain(): Promise<void> {
    if (this.running) return // the running pass re-checks dirtiness when it ends
    while (this.dirtySince !== undefined && !this.stopped) {
      const since = this.dirtySince
      const trigger = this.pendingTrigger
      this.dirtySince = undefined
      this.pendingTrigger = 'event'
      await this.runPass(trigger, since)
    }
  }

  private async runPass(trigger: PassTrigger, since: number | undefined): Promise<PassResult | undefined> {
    let done: () => void = () => {}
    this.running = new Promise((r) => (done = r))
    try {
      // Only event passes may use the incremental desired state; the others recompute and compare.
      const result = await this.opts.reconciler.pass(this.opts.nb, {prune: this.opts.pruneAllowed(), fullRecompute: trigger !== 'event'})
      this.passes++
      this.logPass(result, trigger)
      this.opts.observer?.onPass?.(result, trigger, since)
      return result
    } catch (error) {
      this.logger.error('reconcile pass failed', {trigger, error: (error as Error).message})
      this.opts.observer?.onPassError?.(error as Error, trigger)
      // Retry later: the failure may be transient (a missing bridge, a busy netlink socket).
      if (!this.stopped) this.request(trigger === 'start' ? 'event' : trigger)
      return undefined
    } finally {
      this.running = undefined
      done()
      if (this.dirtySince !== undefined && !this.debounce && !this.stopped) void this.drain()
    }
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
