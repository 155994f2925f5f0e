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
  diff: (state: DesiredState, observed: readonly StateObj[]) => Plan
  markFull: () => void
}

const round = (ms: number) => Math.round(ms * 10) / 10

export class PeriodicAudit {
  private readonly found = new Set<string>()
  private running = false

  constructor(private readonly o: {datapath: Datapath; logger: Logger; now: () => number}) {}

  /** Moves the keys found so far into a pass's pending keys. */
  handOver(pending: Set<string>): void {
    for (const k of this.found) pending.add(k)
    this.found.clear()
  }

  async run(i: AuditInputs): Promise<AuditResult | undefined> {
    const {datapath, logger, now} = this.o
    if (!datapath.audit || this.running) return undefined
    this.running = true
    const t0 = now()
    try {
      const obs = await datapath.audit({...i.scope, adopt: i.desired().objects}).catch((error: unknown) => {
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
      const plan = i.diff(i.desired(), obs.observed)
      const keys = [...plan.add, ...plan.remove].map((o) => objKey(o))
      for (const k of keys) this.found.add(k)
      const ms = round(now() - t0)
      if (keys.length > 0)
        logger.info('periodic audit found objects out of sync; a pass repairs them', {
          objects: keys.length,
          first: keys.slice(0, 10),
          ms,
        })
      else logger.debug('periodic audit: in sync', {objects: obs.observed.length, ms})
      return {keys: keys.length, ms}
    } finally {
      this.running = false
    }
  }
}
