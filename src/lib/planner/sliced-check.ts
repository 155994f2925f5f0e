// The periodic self-check without holding the thread for the node's size. The synchronous check
// (IncrementalPlanner.selfCheck) runs computeDesired over the whole NB in one piece: seconds of
// main thread on a node of 10,000 ports in an emulated guest, during which no NB change is
// applied. computeDesired cannot be cut: it reads the NB as one snapshot, and the NB moves
// between two turns of the event loop.
//
// This check builds its reference in slices instead: a second IncrementalPlanner, built afresh
// (startBuild, then buildSlice a few ports at a time), told of every NB change made meanwhile
// (markChanged), as the daemon's deferred build is. Once built, it is brought up to the NB as it
// is at that moment and compared, in one piece, with the kept planner's result for the same
// moment. The reference shares nothing with the kept planner's history: every fragment of it was
// computed from the NB rows as they were during the build, and the changes since then were replayed
// on top of it. A difference therefore still says the kept state went wrong somewhere, and names the
// subjects involved.
//
// Contract: pure (no I/O, no timers); the caller decides when slices run (reconciler/
// background-check.ts) and must call markChanged for every NB change made to the view while the
// check is under way, exactly as for the kept planner.
import type {AgentConfig} from '../config/types.js'
import type {NbChange, NbView} from '../nb/model.js'
import type {LocalContext} from './context.js'
import type {DesiredResult} from './desired.js'
import type {Difference} from './self-check.js'

import {IncrementalPlanner} from './incremental.js'

/** What a finished check found. */
export interface SlicedCheckOutcome {
  /** The reference result (what the caller should use when there are differences). */
  scratch: DesiredResult
  differences: Difference[]
}

export class SlicedSelfCheck {
  private readonly reference = new IncrementalPlanner()
  private abandonedFor: string | undefined

  /** Starts the reference's build from the NB as it is now (the part that is not per port). */
  constructor(
    private readonly nb: NbView,
    private readonly ctx: LocalContext,
    private readonly cfg: AgentConfig,
  ) {
    this.reference.startBuild(nb, ctx, cfg)
  }

  /**
   * Once built: the reference's sorted result and its contributions, made now (outside any pass)
   * so that finish() only patches them for the changes made since (the result is kept and spliced,
   * as the kept planner's is): the comparison then holds the thread for the comparison alone.
   * Nothing when the reference could not follow its inputs (finish() says so).
   */
  prepare(): void {
    for (const step of this.prepareSteps()) step()
  }

  /**
   * prepare as three steps (the result, its sorted objects, its contributions) that may run in
   * turns of their own: NB changes in between stay marks, and the result they read is the one the
   * first step made.
   */
  prepareSteps(): Array<() => void> {
    let r: DesiredResult | undefined
    return [
      () => {
        if (this.abandonedFor !== undefined || this.reference.building) return
        if (this.reference.rebuildReason(this.nb, this.ctx, this.cfg) !== undefined) return
        r = this.reference.desired(this.nb, this.ctx, this.cfg)
      },
      () => {
        if (r && this.abandonedFor === undefined) void r.state.objects
      },
      () => {
        if (r && this.abandonedFor === undefined) void r.contributions
      },
    ]
  }

  /** An NB row change, already applied to the view: the reference keeps it as a mark. */
  markChanged(change: NbChange): void {
    if (this.abandonedFor === undefined) this.reference.markChanged(change)
  }

  /** Something the change stream does not describe happened (NB resync): this check is void. */
  abandon(reason: string): void {
    this.abandonedFor ??= reason
  }

  /** Why the check was given up (undefined: it was not). */
  get abandoned(): string | undefined {
    return this.abandonedFor
  }

  /** Replays up to `n` ports into the reference; true once it is built (or abandoned). */
  slice(n: number): boolean {
    if (this.abandonedFor !== undefined) return true
    return this.reference.buildSlice(n)
  }

  /**
   * Compares `inc`, the kept planner's result for the NB as it is now, with the reference brought
   * up to the same NB. undefined, and the check is abandoned, when the reference cannot follow
   * (another view, local context, config or fip-distributed flag than it was built for: it would
   * rebuild in one piece, which is the very cost this check avoids); the caller starts another.
   */
  finish(
    kept: IncrementalPlanner,
    nb: NbView,
    ctx: LocalContext,
    cfg: AgentConfig,
    inc: DesiredResult,
  ): SlicedCheckOutcome | undefined {
    const scratch = this.upToDate(nb, ctx, cfg)
    return scratch && {scratch, differences: kept.compareWith(nb, ctx, cfg, inc, scratch)}
  }

  /** finish, the comparison given turns (IncrementalPlanner.compareWithInTurns). */
  async finishInTurns(
    kept: IncrementalPlanner,
    nb: NbView,
    ctx: LocalContext,
    cfg: AgentConfig,
    inc: DesiredResult,
    between: () => Promise<void>,
  ): Promise<SlicedCheckOutcome | undefined> {
    const scratch = this.upToDate(nb, ctx, cfg)
    return scratch && {scratch, differences: await kept.compareWithInTurns(nb, ctx, cfg, inc, scratch, between)}
  }

  /** The reference brought up to the NB as it is now, or undefined (the check is void). */
  private upToDate(nb: NbView, ctx: LocalContext, cfg: AgentConfig): DesiredResult | undefined {
    if (this.abandonedFor !== undefined) return undefined
    const why = this.reference.rebuildReason(nb, ctx, cfg)
    if (why !== undefined) {
      this.abandon(why)
      return undefined
    }

    return this.reference.desired(nb, ctx, cfg)
  }
}
