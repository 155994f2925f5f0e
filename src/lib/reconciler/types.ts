// What the reconciler needs from the node (the datapath layers) and what one pass reports. The
// datapath contract is one for every layer: what to observe is the kernel layer's ObserveScope, an
// operation's result the plan's OpResult (planner/types.ts), with no translation between them.
import type {ObserveScope} from '../kernel/types.js'
import type {LocalContext} from '../planner/context.js'
import type {Problem} from '../planner/problems.js'
import type {ExposedEntry, OpResult, Plan, StateKind, StateObj} from '../planner/types.js'

export type {ObserveScope} from '../kernel/types.js'
export type {OpResult} from '../planner/types.js'

/**
 * The node as the reconciler sees it. Contract (statedb-style): observe() returns only objects
 * ovn-bgp owns, canonical; apply() has replace semantics for adds, "already gone" is success for
 * removes, every op reports its own result and one failure never aborts the others.
 */
export interface Datapath {
  observe(scope: ObserveScope): Promise<StateObj[]>
  /**
   * Optional (datapaths with a watched model): the owned objects under `keys` plus under the keys
   * the node changed since the last observation (`keys` of the result: all examined), or undefined
   * when only a full observe() gives the truth (model stale or due for its periodic dump, scope
   * changed). What it returns for a key must be what observe() would return for it.
   */
  observeDelta?(
    scope: ObserveScope,
    keys: Iterable<string>,
    desiredOf: DesiredLookup,
  ): Promise<DeltaObservation | undefined>
  /**
   * Optional (datapaths with a watched model): the pass's local context is known and its desired
   * state is about to be computed. Starts, in the background, the dump the next observe() of
   * `scope` would take anyway (model stale, periodic dump due, `fresh`), so the dump's processes
   * run while the planner computes; observe() then uses it. Never dumps when observe() would not.
   * Whether it started a dump.
   */
  prefetch?(scope: ObserveScope, opts?: {fresh?: boolean}): boolean
  /**
   * Optional (datapaths with a watched model): the periodic audit's observation. The model is
   * brought up to date with a full dump taken in the background (what it corrected is reported as
   * changed keys, as notifications are), then the whole owned observation is read from it, the
   * main thread given back between the pieces, so passes go on meanwhile. `scope.adopt` is the
   * desired state. Undefined when only a full pass is right (model stale, scope changed, a bridge
   * that left the mappings); `foreignFlows`: odd cookie-999 flows seen, which only a full pass
   * prunes. `between` is awaited between two pieces of main-thread work (the reconciler's waits for
   * the pass under way, if any: the audit gives way to passes).
   */
  audit?(scope: ObserveScope, between?: () => Promise<void>): Promise<AuditObservation | undefined>
  /** `prune`: also delete owned objects observe() saw but could not model (e.g. odd cookie-999 flows). */
  apply(plan: Plan, opts?: {prune?: boolean}): Promise<OpResult[]>
  /**
   * Optional: called when owned desired state drifted (deleted, changed, a device set down) so the
   * caller runs a pass soon. Only datapaths that watch the node (the daemon's) implement it.
   */
  onDrift?(listener: (reason: string) => void): void
}

/** One key of the whole desired state (undefined: not desired). */
export type DesiredLookup = (key: string) => StateObj | undefined

export interface DeltaObservation {
  /** Owned objects by objKey, under the examined keys only. */
  observed: Map<string, StateObj>
  /** Every key examined: the ones asked for and the ones the node changed. */
  keys: Set<string>
}

export interface AuditObservation {
  observed: StateObj[]
  foreignFlows: number
}

/** Gathers the planner's non-NB inputs (OVS identity, mappings, tables, MACs, patch ports). */
export interface LocalContextSource {
  context(): Promise<LocalContext>
}

export interface PassOptions {
  /** Compute and return the plan without touching the node. */
  dryRun?: boolean
  /** Delete owned objects that are not desired. Off until the first complete NB snapshot. */
  prune?: boolean
  /**
   * objKeys left out of the desired state before diffing (ad-hoc withdraw verbs): those objects, when
   * observed, are removed even without `prune`, which still governs every other removal.
   */
  withdraw?: ReadonlySet<string>
  /** Called when the pass enters a stage (progress display for long syncs). */
  onStage?: (stage: 'plan' | 'observe' | 'apply', detail: {operations?: number}) => void
  /**
   * Compute the desired state from scratch (periodic, start and resync passes of the daemon); with
   * an incremental reconciler, also compare it with the incremental state (PassResult.desiredMismatches).
   */
  fullRecompute?: boolean
  /**
   * With an incremental reconciler: run the periodic self-check (in the background when enabled so)
   * without making the pass full: the daemon's periodic pass when the audit follows it.
   */
  selfCheck?: boolean
  /** Restrict the plan to some objects (ad-hoc commands). */
  filter?: (obj: StateObj, action: 'add' | 'remove') => boolean
}

export type KindCounts = Partial<Record<StateKind, number>>

export interface PassResult {
  plan: Plan
  results: OpResult[]
  problems: Problem[]
  exposed: ExposedEntry[]
  desiredCount: number
  observedCount: number
  added: KindCounts
  removed: KindCounts
  failed: OpResult[]
  durationMs: number
  /** Where the pass spent its time: planning, reading the node, changing it. */
  timings: {desiredMs: number; observeMs: number; applyMs: number}
  dryRun: boolean
  /** True when the plan had anything to do (for dry-run: would have). */
  changed: boolean
  /** Set when the pass compared incremental and full desired states: differences found (a bug when > 0). */
  desiredMismatches?: number
  /**
   * Set when the pass diffed only the keys a change touched (an event pass on a watched node): how
   * many. Then observedCount counts only the objects under those keys, and plan.unchanged is the
   * desired objects not added (the rest is known to be in sync).
   */
  deltaKeys?: number
  /** Adds of objects the previous pass already wanted: drift the pass repaired. */
  repaired?: KindCounts
}
