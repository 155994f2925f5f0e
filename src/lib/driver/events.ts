// NB event classification: which upstream ovn-bgp-agent watcher classes a row change triggers on
// this node, and whether it can matter to this node at all. Pure; see docs/events.md.
export type {AgentView} from './agent-view.js'
export {classifyChange, needsFullSync} from './events/classify.js'
export {activeEvents, ALL_EVENTS, eventSpec} from './events/registry.js'
export {isRelevant} from './events/relevance.js'
export {
  EVENT_NAMES,
  type CallInfo,
  type DriverCall,
  type DriverFn,
  type EventName,
  type MatcherProblem,
} from './events/types.js'
