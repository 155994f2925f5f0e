// One reconcile pass, the single path every command uses (sync, watch, show-exposed, expose-*):
//   local context -> computeDesired (pure) -> observe (owned objects) -> diff -> apply (per item).
// Pruning (deleting owned objects that are no longer desired) is only done when the caller says
// so: never before the first complete NB snapshot after start or reconnect.
import type {AgentConfig} from '../config/types.js'
import {NullLogger, type Logger} from '../log.js'
import type {NbView} from '../nb/model.js'
import type {LocalContext} from '../planner/context.js'
import {computeDesired, type DesiredResult} from '../planner/desired.js'
import {diff, restrictPlan} from '../planner/diff.js'
import type {Problem} from '../planner/problems.js'
import {type DesiredState, objKey, type StateObj} from '../planner/types.js'
import type {Datapath, KindCounts, LocalContextSource, ObserveScope, OpResult, PassOptions, PassResult} from './types.js'

export interface ReconcilerDeps {
  cfg: AgentConfig
  datapath: Datapath
  local: LocalContextSource
  logger?: Logger
  now?: () => number
}

/** The scope observe() must cover for a given local context. */
export function scopeOf(cfg: AgentConfig, ctx: LocalContext): ObserveScope {
  const bridges = [...new Set(ctx.bridgeMappings.map((m) => m.bridge))]
    .filter((b) => ctx.bridgeTables[b] !== undefined)
    .map((name) => ({name, table: ctx.bridgeTables[name]!}))
  return {bgpNic: cfg.bgpNic, bgpVrf: cfg.bgpVrf, vrfTable: cfg.bgpVrfTableId, bridges}
}

function countKinds(objs: readonly StateObj[]): KindCounts {
  const out: KindCounts = {}
  for (const o of objs) out[o.kind] = (out[o.kind] ?? 0) + 1
  return out
}

const round = (ms: number) => Math.round(ms * 10) / 10

export class Reconciler {
  private readonly logger: Logger
  private readonly now: () => number
  /** The last computed desired state (for event matching and show-exposed). */
  lastDesired: DesiredState | undefined
  lastResult: DesiredResult | undefined
  lastProblems: Problem[] = []
  lastContext: LocalContext | undefined
  /** Problems already logged: a malformed NB row is logged once (with its uuid), not every pass. */
  private readonly reported = new Set<string>()

  constructor(private readonly deps: ReconcilerDeps) {
    this.logger = deps.logger ?? new NullLogger()
    this.now = deps.now ?? (() => performance.now())
  }

  /** Desired state only: no observation, no change (show-exposed --source nb, dry runs without root). */
  async desired(nb: NbView): Promise<{state: DesiredState; problems: Problem[]; ctx: LocalContext}> {
    const ctx = await this.deps.local.context()
    const result = computeDesired(nb, ctx, this.deps.cfg)
    const {state, problems} = result
    this.lastResult = result
    this.lastDesired = state
    this.lastProblems = problems
    this.lastContext = ctx
    return {state, problems, ctx}
  }

  async pass(nb: NbView, opts: PassOptions = {}): Promise<PassResult> {
    const t0 = this.now()
    opts.onStage?.('plan', {})
    const {state, problems, ctx} = await this.desired(nb)
    const t1 = this.now()
    opts.onStage?.('observe', {})
    const observed = await this.deps.datapath.observe({...scopeOf(this.deps.cfg, ctx), adopt: state.objects})
    const t2 = this.now()
    const withdraw = opts.withdraw
    let plan = diff(withdraw ? state.objects.filter((o) => !withdraw.has(objKey(o))) : state.objects, observed)
    if (!opts.prune) plan = {...plan, remove: withdraw ? plan.remove.filter((o) => withdraw.has(objKey(o))) : []}
    if (opts.filter) plan = restrictPlan(plan, opts.filter)
    if (!opts.dryRun) opts.onStage?.('apply', {operations: plan.add.length + plan.remove.length})
    const results: OpResult[] = opts.dryRun || (plan.add.length === 0 && plan.remove.length === 0) ? [] : await this.deps.datapath.apply(plan, {prune: Boolean(opts.prune)})
    const t3 = this.now()
    const timings = {desiredMs: round(t1 - t0), observeMs: round(t2 - t1), applyMs: round(t3 - t2)}
    const failed = results.filter((r) => !r.ok)
    for (const f of failed) this.logger.warn('operation failed', {action: f.action, kind: f.obj.kind, obj: f.obj, error: f.error})
    this.reportProblems(problems)
    return {
      plan,
      results,
      problems,
      exposed: state.exposed,
      desiredCount: state.objects.length,
      observedCount: observed.length,
      added: countKinds(plan.add),
      removed: countKinds(plan.remove),
      failed,
      durationMs: round(this.now() - t0),
      timings,
      dryRun: Boolean(opts.dryRun),
      changed: plan.add.length + plan.remove.length > 0,
    }
  }

  private reportProblems(problems: readonly Problem[]): void {
    const current = new Set<string>()
    for (const p of problems) {
      const key = `${p.table}|${p.uuid}|${p.name}|${p.reason}`
      current.add(key)
      if (this.reported.has(key)) continue
      this.logger.warn('skipped', {table: p.table, uuid: p.uuid, name: p.name, reason: p.reason})
    }
    // Forget fixed rows, so a row that breaks again is logged again.
    this.reported.clear()
    for (const k of current) this.reported.add(k)
  }
}
