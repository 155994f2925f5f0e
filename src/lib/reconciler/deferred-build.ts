// The incremental planner's rebuild that a pass put off (watch mode). A pass whose planner must
// rebuild (the cold start, an NB resync, a new local context) applies a scratch computation
// instead, off the rebuild's cost, and leaves the rebuild for later: the caller starts it once the
// pass is reported (start), and the next pass waits for it, or builds it, first (complete).
//
// With slicing (the daemon), the rebuild runs as slices of about `sliceMs` of main-thread time, the
// event loop free in between: NB updates and keepalives, /metrics and timers go on while a node of
// thousands of ports builds (seconds on a loaded host, tens of seconds in an emulated one). NB
// changes in between are marks (IncrementalPlanner.startBuild), so a slice never needs a lock.
// Without slicing (tests, one-shot commands) start() builds at once.
//
// Either way the build's end compares the built state with what the pass applied: NB changes
// applied during and after the pass are in the built state but were never marked (the planner had
// no state to mark), so every objKey whose built object differs from the applied one is handed to
// `onPending`: the next delta pass diffs it.
import type {AgentConfig} from '../config/types.js'
import type {Logger} from '../log.js'
import type {NbView} from '../nb/model.js'
import type {LocalContext} from '../planner/context.js'
import type {IncrementalPlanner} from '../planner/incremental.js'

import {type DesiredState, keyAndValue, objValue} from '../planner/types.js'
import {type BuildSlicing, runSliced} from './sliced-run.js'

/** What the pass that put the rebuild off applied, and the inputs the rebuild is for. */
export interface Deferral {
  nb: NbView
  ctx: LocalContext
  applied: DesiredState
}

export class DeferredBuild {
  private deferral: Deferral | undefined
  private slicing: {d: Deferral; t0: number; slices: number} | undefined
  /** Passes waiting for the sliced build to end (complete). */
  private waiters: Array<() => void> = []

  /** A rebuild is put off and not under way yet: the pass that deferred it has not ended. */
  get deferred(): boolean {
    return this.deferral !== undefined && this.slicing === undefined
  }

  constructor(
    private readonly o: {
      planner: IncrementalPlanner
      cfg: AgentConfig
      logger: Logger
      now: () => number
      onPending: (key: string) => void
      slicing?: BuildSlicing
    },
  ) {}

  /** A pass applied a scratch computation; the rebuild is for its inputs. Replaces any earlier one. */
  defer(d: Deferral): void {
    this.deferral = d
    this.slicing = undefined
    this.release()
  }

  /** The planner was brought up to date another way: nothing is left to build. */
  drop(): void {
    this.deferral = undefined
    this.slicing = undefined
    this.release()
  }

  /**
   * Starts the rebuild (sliced, or whole without slicing). False when there is none to start, or
   * it is under way already.
   */
  start(): boolean {
    const d = this.deferral
    if (!d || this.slicing) return false
    const t0 = this.o.now()
    const s = this.o.slicing
    if (!s) {
      this.o.planner.update(d.nb, d.ctx, this.o.cfg)
      this.end(d, t0, 1)
      return true
    }

    if (!this.o.planner.startBuild(d.nb, d.ctx, this.o.cfg)) {
      this.deferral = undefined
      return false
    }

    const run = {d, t0, slices: 0}
    this.slicing = run
    runSliced({
      slicing: s,
      now: () => this.o.now(),
      slice: (n) => this.o.planner.buildSlice(n),
      // asked once a turn, so it counts the turns (finishUnderWay adds its own)
      alive: () => {
        if (this.slicing !== run) return false // completed by a pass, or replaced
        run.slices++
        return true
      },
      onDone: () => this.end(d, t0, run.slices),
      first: 'now',
    })
    return true
  }

  /**
   * Before a pass: the rebuild, or what is left of it. Sliced, it goes on in slices (the event
   * loop keeps its turns: NB updates, keepalives, /metrics) and this resolves once it has ended;
   * the pass waits as long as it would for the build in one piece. Whether there was one.
   */
  async complete(): Promise<boolean> {
    if (!this.o.slicing) return this.start()
    if (!this.slicing && !this.start()) return false
    if (!this.slicing) return true // ended within its first slice
    await new Promise<void>((resolve) => {
      this.waiters.push(resolve)
    })
    return true
  }

  private release(): void {
    const w = this.waiters
    this.waiters = []
    for (const resolve of w) resolve()
  }

  /**
   * Before any other read of the planner: the rest of a sliced rebuild under way, now (the planner
   * would finish it by itself, but its end must be compared here). Whether one was under way.
   */
  finishUnderWay(): boolean {
    const run = this.slicing
    if (!run) return false
    run.slices++
    this.o.planner.buildSlice(Number.POSITIVE_INFINITY)
    this.end(run.d, run.t0, run.slices)
    return true
  }

  private msSince(t0: number): number {
    return Math.round((this.o.now() - t0) * 10) / 10
  }

  private end(d: Deferral, t0: number, slices: number): void {
    this.deferral = undefined
    this.slicing = undefined
    this.release()
    const {planner, cfg, logger} = this.o
    // A markAll() or another context meanwhile: the next pass rebuilds, and compares nothing here.
    const again = planner.rebuildReason(d.nb, d.ctx, cfg)
    if (again !== undefined) {
      logger.debug('incremental state build abandoned', {reason: again, ms: this.msSince(t0)})
      return
    }

    const applied = new Map(d.applied.objects.map(keyAndValue))
    let pending = 0
    const differs = (k: string): void => {
      const o = planner.objectOf(k)
      if ((o === undefined ? undefined : objValue(o)) === applied.get(k)) return
      pending++
      this.o.onPending(k)
    }

    for (const k of planner.stats.delta.changed) differs(k)
    for (const k of applied.keys()) if (planner.objectOf(k) === undefined) differs(k)
    logger.debug('incremental state built after the pass', {
      reason: planner.stats.reason,
      ms: this.msSince(t0),
      slices,
      pending,
    })
  }
}
