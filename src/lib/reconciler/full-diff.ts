// The diff of the whole desired state against the whole observation, reused when handed the very
// same two arrays: diff is a function of them only. A periodic pass or audit of an unchanged node
// gets both again (the planner's kept result; the datapath's kept observation when its dump found
// nothing changed), and two walks of 40,000 objects building their keys are seconds of CPU in a
// small VM. planInTurns is the same diff with the event loop given turns (the periodic audit's).
// Also a delta pass's plan: the diff of the keys it examined only.
import type {Plan, StateObj} from '../planner/types.js'
import type {DeltaObservation} from './types.js'

import {diff, diffInTurns, diffKeys} from '../planner/diff.js'

/** A delta pass's plan: the examined keys only; everything else is in sync, so unchanged = desired - added. */
export function deltaPlan(
  delta: DeltaObservation,
  desiredOf: (k: string) => StateObj | undefined,
  desiredCount: number,
): {plan: Plan; observedCount: number} {
  const plan = diffKeys(delta.keys, desiredOf, (k) => delta.observed.get(k))
  return {plan: {...plan, unchanged: desiredCount - plan.add.length}, observedCount: delta.observed.size}
}

export class FullDiff {
  private last: {desired: readonly StateObj[]; observed: readonly StateObj[]; plan: Plan} | undefined

  plan(desired: readonly StateObj[], observed: readonly StateObj[]): Plan {
    return this.reused(desired, observed) ?? this.keep(desired, observed, diff(desired, observed))
  }

  /** The same plan, `between` awaited every few thousand objects (planner/diff.ts diffInTurns). */
  async planInTurns(
    desired: readonly StateObj[],
    observed: readonly StateObj[],
    between: () => Promise<void>,
  ): Promise<Plan> {
    return this.reused(desired, observed) ?? this.keep(desired, observed, await diffInTurns(desired, observed, between))
  }

  private reused(desired: readonly StateObj[], observed: readonly StateObj[]): Plan | undefined {
    const m = this.last
    return m?.desired === desired && m.observed === observed ? m.plan : undefined
  }

  private keep(desired: readonly StateObj[], observed: readonly StateObj[], plan: Plan): Plan {
    this.last = {desired, observed, plan}
    return plan
  }
}
