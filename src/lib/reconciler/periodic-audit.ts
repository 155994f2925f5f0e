// The periodic audit's run (Reconciler.audit; the design is at the top of reconcile.ts): the
// datapath's whole observation after its model was refreshed in the background, diffed against
// the whole desired state as the passes know it when the observation is in. What differs is a
// set of keys handed to the next pass (handOver), which looks at each again against the node as
// it is then: the audit never applies anything itself.
//
// Contracts:
// - One run at a time; run() while one is under way resolves undefined at once.
// - Keys found stay here until the next pass takes them (handOver at its start): a pass under
//   way when the audit ends may have read its pending keys already.
// - A refused observation (undefined), one with foreign cookie flows (only a full pass prunes
//   them), and a failed one call markFull: the next pass diffs everything.
// - Passes tell it what they examined (examined()): a key a pass looked at while the audit ran
//   may differ only because the audit read the node before that pass's work. Such keys are still
//   handed over, but only the others are reported as found out of sync (info level).
import type {Logger} from '../log.js'
import type {DesiredState, Plan, StateObj} from '../planner/types.js'
import type {Datapath, ObserveScope} from './types.js'

import {objKey} from '../planner/types.js'

/** What a periodic audit found (Reconciler.audit). */
export interface AuditResult {
  /** Objects out of sync, handed to the next pass. */
  keys: number
  /** Why the next pass must be full instead, if it must. */
  full?: string
  ms: number
}

/** What the reconciler lends one run. */
export interface AuditInputs {
  scope: ObserveScope
  /** The desired state as the passes know it (asked twice: at the start, and once observed). */
  desired: () => DesiredState
  /** Between two pieces of the audit's main-thread work: a turn, and the end of a pass under way. */
  between: () => Promise<void>
  /** The whole diff, the event loop given turns while it runs (planner/diff.ts diffInTurns). */
  diff: (state: DesiredState, observed: readonly StateObj[]) => Promise<Plan>
  markFull: () => void
}

const round = (ms: number) => Math.round(ms * 10) / 10

export class PeriodicAudit {
  private readonly found = new Set<string>()
  private running = false
  /** Keys passes examined while the audit runs; 'all' after a full pass. */
  private touched: Set<string> | 'all' = new Set()

  constructor(private readonly o: {datapath: Datapath; logger: Logger; now: () => number}) {}

  /** A pass ended: a delta pass examined its keys, a full one (undefined) all of them. */
  examined(delta: {keys: Iterable<string>} | undefined): void {
    if (!this.running || this.touched === 'all') return
    if (delta === undefined) this.touched = 'all'
    else for (const k of delta.keys) this.touched.add(k)
  }

  /** Moves the keys found so far into a pass's pending keys. */
  handOver(pending: Set<string>): void {
    for (const k of this.found) pending.add(k)
    this.found.clear()
  }

  async run(i: AuditInputs): Promise<AuditResult | undefined> {
    const {datapath, logger, now} = this.o
    if (!datapath.audit || this.running) return undefined
    this.running = true
    this.touched = new Set()
    const t0 = now()
    try {
      const obs = await datapath.audit({...i.scope, adopt: i.desired().objects}, i.between).catch((error: unknown) => {
        i.markFull() // the node as the model holds it is unknown now
        throw error
      })
      if (!obs || obs.foreignFlows > 0) {
        i.markFull()
        const full = obs
          ? `${obs.foreignFlows} foreign cookie flow(s) to prune`
          : 'the datapath needs a full observation'
        logger.debug('periodic audit: a full pass follows', {reason: full, ms: round(now() - t0)})
        return {keys: 0, full, ms: round(now() - t0)}
      }

      // The desired state as the passes know it now (a pass may have run during the audit's
      // dump); keys a pass changed since were or will be examined by that pass anyway.
      const plan = await i.diff(i.desired(), obs.observed)
      const keys = [...plan.add, ...plan.remove].map((o) => objKey(o))
      for (const k of keys) this.found.add(k)
      const touched = this.touched as Set<string> | 'all' // passes ran meanwhile
      const unexplained = touched === 'all' ? [] : keys.filter((k) => !touched.has(k))
      const ms = round(now() - t0)
      if (unexplained.length > 0)
        logger.info('periodic audit found objects out of sync; a pass repairs them', {
          objects: unexplained.length,
          first: unexplained.slice(0, 10),
          ms,
        })
      else
        logger.debug('periodic audit: in sync', {
          objects: obs.observed.length,
          ...(keys.length > 0 ? {changedMeanwhile: keys.length} : {}),
          ms,
        })
      return {keys: keys.length, ms}
    } finally {
      this.running = false
    }
  }
}
