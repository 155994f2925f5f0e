// The daemon's periodic self-check, run in the background (planner/sliced-check.ts): a periodic
// pass whose NB changed since the last check starts the reference's build and goes on with the
// kept incremental result; the build runs in slices of about `sliceMs` of main thread with the
// event loop free in between, so NB changes keep reaching event passes at their usual latency
// while a node of thousands of ports is checked. Once built, the check is ready: `onReady` asks
// for a pass, and the first pass that computes the desired state after that (whatever its
// trigger) compares, in one piece, and reports as the synchronous check does.
//
// Contracts:
// - At most one check under way or ready; start() while there is one does nothing.
// - Every NB change made to the view while a check exists must reach markChanged (the reference
//   keeps it as a mark); abandon() voids the check (NB resync, stop).
// - take() hands a ready check over once; nothing is compared here.
import type {AgentConfig} from '../config/types.js'
import type {Logger} from '../log.js'
import type {NbChange, NbView} from '../nb/model.js'
import type {LocalContext} from '../planner/context.js'

import {SlicedSelfCheck} from '../planner/sliced-check.js'
import {type BuildSlicing, runSliced} from './sliced-run.js'

export class BackgroundCheck {
  private run: {check: SlicedSelfCheck; t0: number} | undefined
  private ready: {check: SlicedSelfCheck; ms: number} | undefined

  constructor(
    private readonly o: {
      slicing: BuildSlicing
      logger: Logger
      now: () => number
      /** A check is ready: the caller asks for a pass (it compares). */
      onReady: () => void
    },
  ) {}

  /** A check is built and waits to be compared (take). */
  get isReady(): boolean {
    return this.ready !== undefined
  }

  /** A check is being built or waits to be compared. */
  get pending(): boolean {
    return this.run !== undefined || this.ready !== undefined
  }

  /** Starts a check of the NB as it is now, unless one is pending. Whether it started one. */
  start(nb: NbView, ctx: LocalContext, cfg: AgentConfig): boolean {
    if (this.pending) return false
    const run = {check: new SlicedSelfCheck(nb, ctx, cfg), t0: this.o.now()}
    this.run = run
    const {slicing} = this.o
    runSliced({
      slicing,
      now: () => this.o.now(),
      slice: (n) => run.check.slice(n),
      alive: () => this.run === run, // abandoned meanwhile
      onDone: (turns) => {
        if (run.check.abandoned !== undefined) {
          this.run = undefined
          return
        }

        // its result, sorted objects and contributions, each in a turn of its own: pieces apart from the slices
        const steps = run.check.prepareSteps()
        const next = (): void => {
          if (this.run !== run) return
          const step = steps.shift()
          if (step) {
            step()
            slicing.defer(next)
            return
          }

          this.run = undefined
          const ms = Math.round(this.o.now() - run.t0)
          this.ready = {check: run.check, ms}
          this.o.logger.debug('self-check reference built in the background', {ms, turns})
          this.o.onReady()
        }

        slicing.defer(next)
      },
      first: 'deferred',
    })
    return true
  }

  /** An NB row change, already applied to the view. */
  markChanged(change: NbChange): void {
    this.run?.check.markChanged(change)
    this.ready?.check.markChanged(change)
  }

  /** Voids the pending check, if any. */
  abandon(reason: string): void {
    const c = this.run?.check ?? this.ready?.check
    if (!c) return
    c.abandon(reason)
    this.run = undefined
    this.ready = undefined
    this.o.logger.debug('background self-check abandoned', {reason})
  }

  /** The ready check, handed over once (undefined: none is ready). */
  take(): {check: SlicedSelfCheck; ms: number} | undefined {
    const r = this.ready
    this.ready = undefined
    return r
  }
}
