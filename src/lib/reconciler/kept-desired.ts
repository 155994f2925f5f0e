// The watch mode's desired state (Reconciler.enableIncremental): the incremental planner, its
// rebuild put off after a pass that applied a scratch computation (deferred-build.ts), and the
// periodic self-check, in the pass or in the background (background-check.ts). What a pass must
// diff because of it goes to the owner through two callbacks: `onPending` (objKeys whose desired
// object changed) and `onFull` (the next pass must diff everything: a rebuild, a difference
// found by a self-check).
import type {AgentConfig} from '../config/types.js'
import type {Logger} from '../log.js'
import type {NbChange, NbView} from '../nb/model.js'
import type {LocalContext} from '../planner/context.js'
import type {Difference} from '../planner/self-check.js'
import type {BuildSlicing} from './sliced-run.js'

import {computeDesired, type DesiredResult} from '../planner/desired.js'
import {IncrementalPlanner} from '../planner/incremental.js'
import {BackgroundCheck} from './background-check.js'
import {DeferredBuild} from './deferred-build.js'

export interface KeptDesiredOptions {
  cfg: AgentConfig
  logger: Logger
  now: () => number
  /** The daemon's slicing of the deferred build (and of the background check). */
  slicing?: BuildSlicing
  /** With slicing: the periodic self-check is built in the background. */
  backgroundCheck?: boolean
  /** The background check's slicing, when not `slicing` (the daemon's gives way to passes). */
  checkSlicing?: BuildSlicing
  onPending: (key: string) => void
  onFull: () => void
}

export class KeptDesired {
  readonly planner = new IncrementalPlanner()
  /** Differences the last self-check found (0 when it found none; undefined when none ran). */
  lastMismatch: number | undefined
  private readonly build: DeferredBuild
  private readonly checker: BackgroundCheck | undefined
  private readonly readyListeners: Array<() => void> = []

  constructor(private readonly o: KeptDesiredOptions) {
    const {cfg, logger, now, slicing} = o
    this.build = new DeferredBuild({
      planner: this.planner,
      cfg,
      logger,
      now,
      onPending: o.onPending,
      ...(slicing ? {slicing} : {}),
    })
    if (slicing && o.backgroundCheck)
      this.checker = new BackgroundCheck({
        slicing: o.checkSlicing ?? slicing,
        logger,
        now,
        onReady: () => {
          for (const l of this.readyListeners) l()
        },
      })
  }

  /** Called when a background self-check is ready to be compared: the caller asks for a pass. */
  onSelfCheckReady(listener: () => void): void {
    this.readyListeners.push(listener)
  }

  /** Voids a background self-check under way. */
  stopBackground(): void {
    this.checker?.abandon('stopping')
  }

  markChanged(change: NbChange): boolean {
    this.checker?.markChanged(change)
    return this.planner.markChanged(change)
  }

  markAll(reason?: string): void {
    this.checker?.abandon(reason ?? 'requested')
    this.planner.markAll(reason)
  }

  /** Before a pass: the deferred build, or what is left of it (deferred-build.ts complete()). */
  completeBuild(): Promise<boolean> {
    return this.build.complete()
  }

  /** Starts the deferred build (deferred-build.ts start()). */
  startBuild(): boolean {
    return this.build.start()
  }

  /**
   * The desired state for a pass (`full`: a pass that recomputes and compares). Folds the planner's
   * changes into the owner's pending keys.
   */
  compute(nb: NbView, ctx: LocalContext, full: boolean): DesiredResult {
    const {cfg} = this.o
    this.lastMismatch = undefined
    this.build.finishUnderWay()
    // A rebuild records every fragment and lookup: about twice computeDesired. On a pass that would
    // rebuild (the cold start above all), the scratch result is applied first and the planner is
    // built after the apply (startBuild), off the path to the addresses. Such a pass is full.
    if (this.planner.rebuildReason(nb, ctx, cfg) !== undefined) {
      const scratch = computeDesired(nb, ctx, cfg)
      this.build.defer({nb, ctx, applied: scratch.state})
      this.o.onFull()
      return scratch
    }

    this.build.drop()
    const incremental = this.planner.desired(nb, ctx, cfg)
    const {stats} = this.planner
    // A state rebuilt in this very call (its preflight failed before) is not compared now. The
    // next periodic pass checks it (the planner reuses only checks it has made).
    if (stats.full) {
      this.o.onFull()
      this.checker?.abandon('the incremental state was rebuilt')
      return incremental
    }

    for (const k of stats.delta.changed) this.o.onPending(k)
    for (const k of stats.delta.removed) this.o.onPending(k)
    // A background check that is ready is compared by whichever pass comes first.
    const ready = this.checker?.take()
    const out = ready?.check.finish(this.planner, nb, ctx, cfg, incremental)
    if (out) return this.report(out.differences, out.scratch, incremental, {background: true, buildMs: ready!.ms})
    if (!full) return incremental
    if (this.checker) {
      if (this.planner.answeredByLastCheck(nb, ctx, cfg, incremental)) this.lastMismatch = 0
      else this.checker.start(nb, ctx, cfg)
      return incremental
    }

    const {scratch, differences} = this.planner.selfCheck(nb, ctx, cfg, incremental)
    return this.report(differences, scratch, incremental)
  }

  /**
   * The daemon's way to compare (see compareReady): once a check is ready, `between` (a turn, and
   * the end of the pass under way), then the comparison when `ctx()` gives the last pass's context
   * (undefined: a pass runs, or none ran). `requestPass` when a pass has work after it, or when it
   * could not compare (a pass then does).
   */
  compareWhenReady(o: {
    nb: () => NbView | undefined
    ctx: () => LocalContext | undefined
    between: () => Promise<void>
    requestPass: (why: string) => void
  }): void {
    this.onSelfCheckReady(() => {
      this.compareBetweenPasses(o).catch((error: unknown) => {
        this.o.logger.warn('self-check comparison failed; a pass compares', {error: (error as Error).message})
        o.requestPass('self-check comparison failed')
      })
    })
  }

  private async compareBetweenPasses(o: Parameters<KeptDesired['compareWhenReady']>[0]): Promise<void> {
    await o.between()
    const nb = o.nb()
    const ctx = o.ctx()
    const started = nb && ctx ? this.compareReady(nb, ctx, o.between) : {pass: true}
    if (started.pass) o.requestPass('self-check: work for a pass')
    if (started.differences && (await started.differences)) o.requestPass('self-check found differences')
  }

  /**
   * A ready background check compared outside any pass (the daemon, once the check is ready): the
   * comparison is the longest piece of the check (0.6-2 s at 10,000 ports in the emulated guest),
   * and the event pass that would otherwise take it waited for it. The kept planner is brought up
   * to the NB first, exactly as a pass would (its changed keys go to `onPending`), in this turn,
   * which must hold no pass under way; the comparison then goes in pieces, `between` awaited
   * between them (passes run meanwhile: the two results compared are fixed). A difference is
   * reported as in a pass, and the planner starts over (compareWith), so the next pass applies a
   * scratch computation. `pass`: a pass should follow now (pending keys, or a state only a pass
   * may rebuild); `differences`: resolves whether the comparison found any.
   */
  compareReady(
    nb: NbView,
    ctx: LocalContext,
    between: () => Promise<void>,
  ): {pass: boolean; differences?: Promise<boolean>} {
    const {cfg} = this.o
    if (!this.checker?.isReady) return {pass: false}
    if (this.build.deferred || this.planner.rebuildReason(nb, ctx, cfg) !== undefined) return {pass: true}
    this.build.finishUnderWay()
    const incremental = this.planner.desired(nb, ctx, cfg)
    const {stats} = this.planner
    if (stats.full) {
      this.o.onFull()
      this.checker.abandon('the incremental state was rebuilt')
      return {pass: true}
    }

    for (const k of stats.delta.changed) this.o.onPending(k)
    for (const k of stats.delta.removed) this.o.onPending(k)
    const pass = stats.delta.changed.length + stats.delta.removed.length > 0
    const ready = this.checker.take()!
    const differences = ready.check.finishInTurns(this.planner, nb, ctx, cfg, incremental, between).then((out) => {
      if (!out) return false
      this.report(out.differences, out.scratch, incremental, {background: true, buildMs: ready.ms, outsidePass: true})
      return out.differences.length > 0
    })
    return {pass, differences}
  }

  /**
   * Debug: where a watch pass's `desiredMs` went (the local context, the planner) and what the
   * planner did: the fragments it replayed, or a scratch computation while its build is deferred.
   */
  logDesired(contextMs: number, plannerMs: number, objects: number): void {
    const s = this.planner.stats
    this.o.logger.debug('desired state', {
      contextMs,
      plannerMs,
      objects,
      ...(this.build.deferred
        ? {computed: 'from scratch (planner build deferred)'}
        : {replayed: s.replayed, dropped: s.dropped, keysChanged: s.delta.changed.length + s.delta.removed.length}),
      ...(this.lastMismatch === undefined ? {} : {selfCheckDifferences: this.lastMismatch}),
    })
  }

  /**
   * A self-check's outcome: any difference is logged at error with its subjects, counted in the
   * pass result, and the scratch result is used; the pass is then a full one (a delta pass diffs
   * only the planner's keys). Equal by the check: the incremental result is kept, so an unchanged
   * state stays the same object from pass to pass and what was derived from it is reused
   * (Reconciler.fullPlan, settlePass).
   */
  private report(
    differences: Difference[],
    scratch: DesiredResult,
    incremental: DesiredResult,
    how: {background?: boolean; buildMs?: number; outsidePass?: boolean} = {},
  ): DesiredResult {
    this.lastMismatch = differences.length
    if (differences.length === 0) return incremental
    this.o.onFull()
    this.o.logger.error('incremental desired state differs from a full computation; using the full one', {
      differences: differences.length,
      subjects: [...new Set(differences.flatMap((d) => d.subjects))].slice(0, 50),
      first: differences.slice(0, 10),
      ...how,
    })
    return scratch
  }
}
