// Classifying one NB row change into the upstream event classes it would trigger on this node.
// Call it after the change was applied to the NB replica the view reads (python-ovs IDL order).
import type {NbChange} from '../../nb/model.js'
import type {AgentView} from './agent-view.js'
import type {DriverCall, MatchedEvent, MatcherProblem} from './types.js'

import {ALL_EVENTS} from './registry.js'
import {subjectOf} from './subject.js'

export type ProblemSink = (problem: MatcherProblem) => void

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e)
}

/**
 * The registered (active) event classes whose match accepts `change`, in registration order, with
 * the driver calls their run would make. Never throws: a matcher that throws is a no-match and is
 * reported to `onProblem`; a run that throws leaves the match with no calls, also reported.
 */
export function classifyChange(change: NbChange, view: AgentView, onProblem?: ProblemSink): MatchedEvent[] {
  const subject = subjectOf(change)
  const out: MatchedEvent[] = []
  for (const spec of ALL_EVENTS) {
    if (spec.table !== change.table || !spec.kinds.includes(change.kind)) continue
    let matched = false
    try {
      matched = spec.active(view) && spec.match(change, view)
    } catch (error) {
      onProblem?.({name: spec.name, subject, message: `match: ${message(error)}`})
    }

    if (!matched) continue
    let calls: DriverCall[] = []
    try {
      calls = spec.run(change, view)
    } catch (error) {
      onProblem?.({name: spec.name, subject, message: `run: ${message(error)}`})
    }

    out.push({name: spec.name, action: spec.action, fullSync: spec.fullSync === true, subject, calls})
  }

  return out
}

/** Some matched event asks for a full resync. */
export function needsFullSync(events: readonly MatchedEvent[]): boolean {
  return events.some((e) => e.fullSync)
}
