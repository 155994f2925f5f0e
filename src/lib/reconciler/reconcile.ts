// One reconcile pass, the single path every command uses (sync, watch, show-exposed, expose-*):
//   local context -> computeDesired (pure) -> observe (owned objects) -> diff -> apply (per item).
// Pruning (deleting owned objects that are no longer desired) is only done when the caller says
// so: never before the first complete NB snapshot after start or reconnect.
//
// Delta passes (watch mode, event passes on a datapath with a watched model): the planner reports
// the objKeys whose desired object changed; the pass diffs only those, plus the keys the node
// changed (datapath.observeDelta), plus the keys whose ops failed in the last pass, against the
// owned objects under them: the full diff restricted to those keys (diffKeys), at the cost of the
// change. This relies on everything else being in sync, which only a full pass establishes: the
// first pass, every pass that recomputes from scratch (start, periodic, resync), any pass after
// one that did not prune, filtered, withdrew or failed, and any pass where the planner rebuilt or
// the datapath cannot serve a delta are full passes (whole desired state x whole observation).
// The periodic audit (the daemon; periodic-audit.ts): the periodic pass is a delta pass with the
// self-check, and the whole comparison follows outside any pass, giving way to passes; the keys
// it finds out of sync go to the next delta pass, which looks at them again (never applied from
// what the audit read). A ready background self-check is compared between passes too.
import type {AgentConfig} from '../config/types.js'
import type {NbChange, NbView} from '../nb/model.js'
import type {LocalContext} from '../planner/context.js'
import type {Problem} from '../planner/problems.js'
import type {BuildSlicing} from './sliced-run.js'
import type {
  Datapath,
  DeltaObservation,
  KindCounts,
  LocalContextSource,
  ObserveScope,
  OpResult,
  PassOptions,
  PassResult,
} from './types.js'

import {type Logger, NullLogger} from '../log.js'
import {computeDesired, type DesiredResult} from '../planner/desired.js'
import {diff, restrictPlan} from '../planner/diff.js'
import {type DesiredState, objectCount, objKey, type Plan, type StateObj} from '../planner/types.js'
import {deltaPlan, FullDiff} from './full-diff.js'
import {KeptDesired} from './kept-desired.js'
import {scopeOf} from './local-context.js'
import {PassGate} from './pass-gate.js'
import {PassReports} from './pass-reports.js'
import {type AuditResult, PeriodicAudit} from './periodic-audit.js'

export interface ReconcilerDeps {
  cfg: AgentConfig
  datapath: Datapath
  local: LocalContextSource
  logger?: Logger
  now?: () => number
}

function countKinds(objs: readonly StateObj[]): KindCounts {
  const out: KindCounts = {}
  for (const o of objs) out[o.kind] = (out[o.kind] ?? 0) + 1
  return out
}

const round = (ms: number) => Math.round(ms * 10) / 10

export class Reconciler {
  private readonly logger: Logger
  /** prefetchObservation() started the dumps the next pass reads. */
  private observationPrefetched = false
  private readonly now: () => number
  /** The last computed desired state (for event matching and show-exposed). */
  lastDesired: DesiredState | undefined
  lastResult: DesiredResult | undefined
  lastContext: LocalContext | undefined
  /** Watch mode: the desired state kept from NB changes (enableIncremental). */
  private kept: KeptDesired | undefined
  /** objKeys a delta pass must diff: desired changes since the last pass, and last pass's failed ops. */
  private readonly pendingKeys = new Set<string>()
  /** The next pass must diff everything (see the top of this file). */
  private needFull = true
  /** objKeys of the last pass's desired state (what counts as drift repaired). */
  private prevKeys: Set<string> | undefined
  /** The desired array prevKeys was built from. */
  private prevKeysOf: readonly StateObj[] | undefined
  /** Whole-state diffs, reused for the very same two arrays (full passes, the audit). */
  private readonly fullDiff = new FullDiff()
  /**
   * objKey -> error of the ops that failed in the last pass that applied anything: never in place,
   * so re-adding them is no repair; and failing again the same way is not logged again.
   */
  private failedKeys = new Map<string, string>()
  /** Brackets the passes; background work gives way to them. */
  private readonly gate = new PassGate()
  private readonly periodic: PeriodicAudit
  private readonly reports: PassReports

  constructor(private readonly deps: ReconcilerDeps) {
    this.logger = deps.logger ?? new NullLogger()
    this.now = deps.now ?? (() => performance.now())
    this.reports = new PassReports(this.logger)
    this.periodic = new PeriodicAudit({datapath: deps.datapath, logger: this.logger, now: this.now})
  }

  /**
   * Watch mode: from now on the desired state is kept incrementally (planner/incremental.ts). The
   * caller must then pass every NB row change of `nb` to markChanged, after applying it. Without
   * this, every pass computes the desired state from scratch (one-shot commands).
   */
  enableIncremental(slicing?: BuildSlicing, opts: {backgroundCheck?: boolean} = {}): void {
    if (this.kept) return
    // A pass where the planner must rebuild (start, NB resync, new local context) applies a scratch
    // computation and the rebuild waits until its end (buildDeferred). With slicing and
    // backgroundCheck (the daemon), the self-check of a full pass is built in the background.
    this.kept = new KeptDesired({
      cfg: this.deps.cfg,
      logger: this.logger,
      now: this.now,
      ...(slicing ? {slicing, checkSlicing: this.gate.slicing(slicing)} : {}),
      backgroundCheck: Boolean(opts.backgroundCheck),
      onPending: (k) => this.pendingKeys.add(k),
      onFull: () => {
        this.needFull = true
      },
    })
  }

  /** Called when a background self-check is ready to be compared: the caller asks for a pass. */
  onSelfCheckReady(listener: () => void): void {
    this.kept?.onSelfCheckReady(listener)
  }

  /**
   * The daemon: each background self-check, once ready, is compared between passes
   * (KeptDesired.compareWhenReady); `requestPass` when that leaves work for a pass.
   */
  compareWhenReady(nb: () => NbView | undefined, requestPass: (why: string) => void): void {
    this.kept?.compareWhenReady({
      nb,
      ctx: () => (this.gate.running ? undefined : this.lastContext),
      between: async () => this.gate.giveWay(),
      requestPass,
    })
  }

  /** Voids a background self-check under way (the daemon's stop: no slices after it). */
  stopBackground(): void {
    this.kept?.stopBackground()
  }

  /** Signals from the datapath that the node drifted or needs another look (watch mode: a pass follows). */
  onDrift(listener: (reason: string) => void): void {
    this.deps.datapath.onDrift?.(listener)
  }

  /** An NB row change, already applied to the NbView the passes read (watch mode); whether it can alter the desired state (true without a planner). */
  markChanged(change: NbChange): boolean {
    return this.kept?.markChanged(change) ?? true
  }

  /** Something the change stream does not describe happened (NB resync): next pass starts over. */
  markAll(reason?: string): void {
    this.kept?.markAll(reason)
  }

  /**
   * Desired state only: no observation, no change (show-exposed --source nb, dry runs without root).
   * `fullRecompute`: compute from scratch; in watch mode also compare with the incremental state
   * (any difference is logged at error with its subjects and counted in the pass result) and use
   * the scratch result.
   */
  async desired(
    nb: NbView,
    opts: {fullRecompute?: boolean} = {},
  ): Promise<{state: DesiredState; problems: Problem[]; ctx: LocalContext}> {
    return this.desiredFor(nb, await this.deps.local.context(), Boolean(opts.fullRecompute))
  }

  private desiredFor(
    nb: NbView,
    ctx: LocalContext,
    full: boolean,
  ): {state: DesiredState; problems: Problem[]; ctx: LocalContext} {
    const result = this.kept ? this.kept.compute(nb, ctx, full) : computeDesired(nb, ctx, this.deps.cfg)
    const {state, problems} = result
    this.lastResult = result
    this.lastDesired = state
    this.lastContext = ctx
    return {state, problems, ctx}
  }

  /** Debug: why a watch-mode pass that did not have to be full was one. */
  private logFullPass(opts: PassOptions): void {
    if (this.kept && !opts.fullRecompute)
      this.logger.debug('full pass', {needFull: this.needFull, deltaAllowed: this.deltaAllowed(opts)})
  }

  private deltaAllowed(opts: PassOptions): boolean {
    return (
      this.kept !== undefined &&
      this.deps.datapath.observeDelta !== undefined &&
      !this.needFull &&
      Boolean(opts.prune) &&
      !opts.fullRecompute &&
      !opts.dryRun &&
      !opts.withdraw &&
      !opts.filter
    )
  }

  /**
   * Starts the dumps the next pass's observation takes (the kernel's, the flows'), for a caller with
   * time to spare before that pass: a start while the NB snapshot loads. The pass then reads them
   * instead of dumping after its planner. Best effort: what fails here, the pass meets again itself.
   */
  async prefetchObservation(): Promise<void> {
    try {
      const ctx = await this.deps.local.context()
      this.observationPrefetched = this.deps.datapath.prefetch?.(scopeOf(this.deps.cfg, ctx)) ?? false
    } catch (error) {
      this.logger.debug('observation not prefetched; the pass reads the node itself', {
        error: (error as Error).message,
      })
    }
  }

  /**
   * A dump the pass's observation will need anyway starts before its planner and runs meanwhile,
   * unless prefetchObservation() started it already (the datapath keeps one prefetch: a second
   * would replace it).
   */
  private prefetchFor(scope: ObserveScope, opts: PassOptions): void {
    if (this.observationPrefetched) this.observationPrefetched = false
    else this.deps.datapath.prefetch?.(scope, {fresh: Boolean(opts.fullRecompute)})
  }

  async pass(nb: NbView, opts: PassOptions = {}): Promise<PassResult> {
    // A build left by the previous pass comes first, or what is left of it: its pending keys are
    // this pass's.
    await this.kept?.completeBuild()
    return this.gate.run(async () => this.runPass(nb, opts))
  }

  private async runPass(nb: NbView, opts: PassOptions): Promise<PassResult> {
    const t0 = this.now()
    opts.onStage?.('plan', {})
    this.periodic.handOver(this.pendingKeys)
    const ctx = await this.deps.local.context()
    const tCtx = this.now()
    const scope = scopeOf(this.deps.cfg, ctx)
    this.prefetchFor(scope, opts)
    const {state, problems} = this.desiredFor(nb, ctx, Boolean(opts.fullRecompute || opts.selfCheck))
    const mismatches = this.kept?.lastMismatch
    const t1 = this.now()
    this.kept?.logDesired(round(tCtx - t0), round(t1 - tCtx), objectCount(state))
    opts.onStage?.('observe', {})
    const planner = this.kept?.planner
    const desiredOf = (k: string): StateObj | undefined => planner?.objectOf(k)
    const delta = this.deltaAllowed(opts)
      ? await this.deps.datapath.observeDelta!(scope, this.pendingKeys, desiredOf)
      : undefined
    if (!delta) this.logFullPass(opts)
    // Until this pass ends well, the next one is full (a throw below leaves the node unknown).
    this.needFull = true
    const {plan, observedCount} = delta
      ? deltaPlan(delta, desiredOf, objectCount(state))
      : await this.fullPlan(state, scope, opts)
    const t2 = this.now()
    if (!opts.dryRun) opts.onStage?.('apply', {operations: plan.add.length + plan.remove.length})
    // A delta pass never prunes odd foreign flows (a full observation found them).
    const results: OpResult[] =
      opts.dryRun || (plan.add.length === 0 && plan.remove.length === 0)
        ? []
        : await this.deps.datapath.apply(plan, {prune: Boolean(opts.prune) && !delta})
    const t3 = this.now()
    const failedBefore = this.failedKeys
    const repaired = this.settlePass({state, plan, results, delta}, opts)
    const timings = {desiredMs: round(t1 - t0), observeMs: round(t2 - t1), applyMs: round(t3 - t2)}
    const failed = results.filter((r) => !r.ok)
    if (!opts.dryRun) this.reports.failures(failed, failedBefore)
    this.reports.problems(problems)
    return {
      plan,
      results,
      problems,
      exposed: state.exposed,
      desiredCount: objectCount(state),
      observedCount,
      added: countKinds(plan.add),
      removed: countKinds(plan.remove),
      failed,
      durationMs: round(this.now() - t0),
      timings,
      dryRun: Boolean(opts.dryRun),
      changed: plan.add.length + plan.remove.length > 0,
      ...(mismatches === undefined ? {} : {desiredMismatches: mismatches}),
      ...(delta ? {deltaKeys: delta.keys.size} : {}),
      repaired,
    }
  }

  /**
   * After a pass that applied a scratch computation in place of a planner rebuild: starts the
   * planner's build from the NB as it is now (deferred-build.ts; in slices when enableIncremental
   * was given a slicing). The caller runs it once the pass is reported, so readiness does not wait
   * for it; the next pass completes it first otherwise. Whether it started; never while a pass runs.
   */
  buildDeferred(): boolean {
    if (!this.kept || this.gate.running) return false
    return this.kept.startBuild()
  }

  /** Whether the periodic comparison can be an audit: watch mode, a datapath with `audit`, no full pass due. */
  auditable(): boolean {
    return this.kept !== undefined && this.deps.datapath.audit !== undefined && !this.needFull
  }

  /**
   * The periodic audit, run outside any pass (periodic-audit.ts: what it resolves with). The caller
   * asks for a pass when it found keys or a full pass is due; undefined: nothing to audit yet.
   */
  async audit(): Promise<AuditResult | undefined> {
    const ctx = this.lastContext
    if (!this.kept || !ctx || !this.lastDesired) return undefined
    return this.periodic.run({
      scope: scopeOf(this.deps.cfg, ctx),
      desired: () => this.lastDesired!,
      between: async () => this.gate.giveWay(),
      diff: async (state, observed) =>
        this.fullDiff.planInTurns(state.objects, observed, async () => this.gate.giveWay()),
      markFull: () => {
        this.needFull = true
      },
    })
  }

  /** The whole desired state x the whole owned observation (withdraw, prune and filter applied). */
  private async fullPlan(
    state: DesiredState,
    scope: ObserveScope,
    opts: PassOptions,
  ): Promise<{plan: Plan; observedCount: number}> {
    const observed = await this.deps.datapath.observe({
      ...scope,
      adopt: state.objects,
      ...(opts.fullRecompute ? {fresh: true} : {}),
    })
    const {withdraw} = opts
    let plan = withdraw
      ? diff(
          state.objects.filter((o) => !withdraw.has(objKey(o))),
          observed,
        )
      : this.fullDiff.plan(state.objects, observed)
    if (!opts.prune) plan = {...plan, remove: withdraw ? plan.remove.filter((o) => withdraw.has(objKey(o))) : []}
    if (opts.filter) plan = restrictPlan(plan, opts.filter)
    return {plan, observedCount: observed.length}
  }

  /**
   * After a pass that did not throw: what the next pass must diff (failed ops' keys; everything
   * when this pass left anything out of sync), and the drift it repaired (successful adds of keys
   * the previous pass already wanted and did not fail on: a retried failed op is not drift).
   */
  private settlePass(
    pass: {state: DesiredState; plan: Plan; results: readonly OpResult[]; delta: DeltaObservation | undefined},
    opts: PassOptions,
  ): KindCounts {
    const {state, plan, results, delta} = pass
    const repaired: KindCounts = {}
    const prev = this.prevKeys
    const failedNow = new Map(results.filter((r) => !r.ok).map((r) => [objKey(r.obj), r.error ?? '']))
    if (prev) {
      for (const o of plan.add) {
        const k = objKey(o)
        if (prev.has(k) && !failedNow.has(k) && !this.failedKeys.has(k)) repaired[o.kind] = (repaired[o.kind] ?? 0) + 1
      }
    }

    if (!opts.dryRun) this.failedKeys = failedNow
    if (delta && prev) {
      for (const k of delta.keys) {
        if (this.kept?.planner.objectOf(k)) prev.add(k)
        else prev.delete(k)
      }
    } else if (!opts.dryRun && state.objects !== this.prevKeysOf) {
      // The same desired array as the one prevKeys was made from: delta passes since kept it equal.
      this.prevKeys = new Set(state.objects.map((o) => objKey(o)))
      this.prevKeysOf = state.objects
    }

    this.periodic.examined(delta)
    this.pendingKeys.clear()
    for (const r of results) if (!r.ok) this.pendingKeys.add(objKey(r.obj))
    this.needFull = !opts.prune || Boolean(opts.dryRun || opts.filter || opts.withdraw)
    return repaired
  }
}
