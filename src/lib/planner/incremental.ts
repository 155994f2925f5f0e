// IncrementalPlanner: the desired state kept current from NB changes, identical to computeDesired
// from scratch, at a cost proportional to the change. Pure (no I/O): the caller feeds it every NB
// row change after applying it to the NbView (markChanged), and asks for the result (desired).
//
// How: the full pass is cut into fragments (subjects.ts), each the output of one rule for one NB
// row, recorded with its position in the full pass's visiting order and the NB lookups it made
// (tracking.ts). An NB change marks fragments through those lookups and through the subject sets
// the planner enumerates itself (tracking.ts changeMarks); only those are replayed; the merged state
// (merged.ts) reference-counts shared objects and re-decides conflicts as the full pass would.
// Derived inputs are re-derived when their fragments change: the local routers (from the cr-lrp
// fragments) re-plan what hangs behind a router whose gateway changed; the tenant networks (from
// the router-interface fragments) re-plan the LBs that asked about a network that changed.
//
// Anything not scoped is a full rebuild (correct first): a different NbView, local context, config,
// NB capabilities or NB_Global fip-distributed flag, markAll(), a failing preflight.
import type {AgentConfig} from '../config/types.js'
import type {LogicalRouterPort, LogicalSwitchPort, NbChange, NbView} from '../nb/model.js'
import type {StateObj} from './types.js'

import {versions} from '../nb/decode.js'
import {chassisKeys, hostingChassis} from '../nb/keys.js'
import {MultiIndex} from '../nb/multi-index.js'
import {isDistributed, type LocalContext, makeEnv} from './context.js'
import {computeDesired, type DesiredResult, preflight, routerInfo} from './desired.js'
import {FragmentSink} from './fragment.js'
import {type MergeDelta, MergedState} from './merged.js'
import {type PlannerState, Replayer, Todo} from './replay.js'
import {
  attributeDifferences,
  diffDesired,
  type Difference,
  sameDesired,
  sameDesiredInTurns,
  type SubjectIndex,
} from './self-check.js'
import {type Frag, newFrag} from './subjects.js'
import {type ChangeMarks, changeMarks, ClassCache, DEP} from './tracking.js'

/** What one desired() call did. */
export interface IncrementalStats {
  /** Rebuilt from nothing, and why. */
  full: boolean
  reason?: string
  /** Fragments replayed. */
  replayed: number
  /** Fragments taken out (their row left the subject set, or what they hang behind went away). */
  dropped: number
  /** objKeys whose desired object appeared, changed or went away in this call. */
  delta: MergeDelta
}

export class IncrementalPlanner implements SubjectIndex {
  private st: PlannerState | undefined
  private fullReason: string | undefined = 'first computation'
  private keys = new Set<string>()
  private lsps = new Map<string, {networks: Set<string>; routers: Set<string>}>()
  private lrpMarks = new Set<string>()
  private lbMarks = new Map<string, Set<string>>()
  private reclassify = new Set<string>()
  private reclassifyAll = false
  stats: IncrementalStats = {full: true, replayed: 0, dropped: 0, delta: {changed: [], removed: []}}
  private readonly replayer = new Replayer()
  /** Local ports of a sliced rebuild (startBuild), in the NB's order; those from `unbuiltAt` on are yet to replay. */
  private unbuilt: string[] = []
  private unbuiltAt = 0
  /** The delta of a sliced rebuild so far (stats.delta gets it with the last slice). */
  private builtDelta = {changed: new Set<string>(), removed: new Set<string>()}
  /** The inputs and result of the last self-check that found no difference. */
  private verified: {nb: NbView; writes: number | undefined; sig: string; result: DesiredResult} | undefined
  /** Self-checks answered by an earlier one over the same inputs (tests, logs). */
  reusedChecks = 0

  /**
   * Records an NB row change (already applied to the NbView). Cheap: the work happens in desired().
   * Returns whether the change can alter the desired state (reaches(), below); true whenever the
   * planner has no state yet or will rebuild.
   */
  markChanged(change: NbChange): boolean {
    const {st} = this
    if (!st || this.fullReason) return true
    const m = changeMarks(change)
    for (const k of m.keys) this.keys.add(k)
    if (m.lsp) {
      let held = this.lsps.get(m.uuid)
      if (!held) this.lsps.set(m.uuid, (held = {networks: new Set(), routers: new Set()}))
      for (const n of m.lsp.networks) held.networks.add(n)
      for (const r of m.lsp.routers) held.routers.add(r)
    }

    if (m.lrp) this.lrpMarks.add(m.uuid)
    if (m.lb) {
      let held = this.lbMarks.get(m.uuid)
      if (!held) this.lbMarks.set(m.uuid, (held = new Set()))
      for (const r of m.lb.routers) held.add(r)
    }

    if (m.reclassify === 'all') this.reclassifyAll = true
    else for (const n of m.reclassify ?? []) this.reclassify.add(n)
    // Mid-build the unbuilt ports have recorded no lookups yet: any change may matter.
    return this.building || reaches(st, change, m)
  }

  /** A sliced rebuild is under way (startBuild): the kept state lacks some local ports yet. */
  get building(): boolean {
    return this.unbuiltAt < this.unbuilt.length
  }

  /**
   * The rebuild update() would make, in slices, for a caller that must not hold its thread for the
   * whole of it (the daemon's build after its cold pass): everything but the local ports' fragments,
   * nearly all of the work, which buildSlice() replays a slice at a time. No reader ever sees the
   * partial state: update() and desired() (so every pass and self-check) replay what is left first.
   * Changes marked between slices stay marks for the next update(), as always: a slice replays the
   * NB rows as they are then, and a fragment built before a change has recorded the lookups that
   * the change marks. False when no rebuild is due (nothing started).
   */
  startBuild(nb: NbView, ctx: LocalContext, cfg: AgentConfig): boolean {
    const sig = this.signature(nb, ctx, cfg)
    const reason = this.reasonToRebuild(nb, sig)
    if (reason === undefined) return false
    this.fullReason = undefined
    this.rebuild(nb, ctx, cfg, sig, reason, true)
    return true
  }

  /**
   * Replays up to `n` of the ports a sliced rebuild left; true once none is left (stats then cover
   * the whole build, as update()'s after a rebuild). A markAll() meanwhile ends the build: the next
   * update() starts over.
   */
  buildSlice(n: number): boolean {
    const {st} = this
    if (!st || this.fullReason !== undefined) this.unbuilt = []
    if (!st || !this.building) return true
    const todo = new Todo()
    const to = Math.min(this.unbuilt.length, this.unbuiltAt + n)
    for (; this.unbuiltAt < to; this.unbuiltAt++) todo.ports.add(this.unbuilt[this.unbuiltAt]!)
    if (!this.building) this.unbuilt = []
    this.replayer.dropped = 0
    this.addToBuild(st, this.replayer.run(st, todo), !this.building)
    return !this.building
  }

  /** Folds one replay into a sliced rebuild's stats; `done`: its delta becomes stats.delta. */
  private addToBuild(st: PlannerState, replayed: number, done: boolean): void {
    const b = foldDelta(this.builtDelta, st.merged.settle())
    this.stats = {
      ...this.stats,
      replayed: this.stats.replayed + replayed,
      dropped: this.stats.dropped + this.replayer.dropped,
      ...(done ? {delta: {changed: [...b.changed], removed: [...b.removed]}} : {}),
    }
  }

  /** Forgets everything: the next desired() rebuilds from scratch. */
  markAll(reason = 'requested'): void {
    this.fullReason ??= reason
  }

  /**
   * The desired state for the NB as it is now (same result as computeDesired): the one entry point
   * of a pass. Replays what the marked changes reach; `stats` then says what this call did.
   */
  desired(nb: NbView, ctx: LocalContext, cfg: AgentConfig): DesiredResult {
    this.update(nb, ctx, cfg)
    return this.st ? this.result(this.st) : computeDesired(nb, ctx, cfg)
  }

  /**
   * Brings the kept state up to date with the changes marked since the last call, without building
   * the sorted result (desired() does, cached until something changes). `stats.delta` lists the
   * objKeys that changed: what a caller diffing against a kept datapath model needs.
   */
  update(nb: NbView, ctx: LocalContext, cfg: AgentConfig): IncrementalStats {
    const sig = this.signature(nb, ctx, cfg)
    const {st} = this
    const reason = this.reasonToRebuild(nb, sig)
    this.fullReason = undefined
    if (reason !== undefined || !st) {
      this.rebuild(nb, ctx, cfg, sig, reason ?? 'first computation')
      return this.stats
    }

    // A sliced build still under way ends now; this call then counts as the rebuild it completes.
    const finishing = this.building && this.buildSlice(Number.POSITIVE_INFINITY)
    const todo = this.takeMarks(st)
    this.replayer.dropped = 0
    const replayed = this.replayer.run(st, todo)
    if (finishing) this.addToBuild(st, replayed, true)
    else this.stats = {full: false, replayed, dropped: this.replayer.dropped, delta: st.merged.settle()}
    return this.stats
  }

  /**
   * Why the next update() with these inputs would rebuild from nothing (undefined: it would replay
   * the marked changes only). Lets a caller put the rebuild, about twice the cost of computeDesired
   * (it records every fragment and lookup), off a path that only needs the result.
   */
  rebuildReason(nb: NbView, ctx: LocalContext, cfg: AgentConfig): string | undefined {
    return this.reasonToRebuild(nb, this.signature(nb, ctx, cfg))
  }

  private reasonToRebuild(nb: NbView, sig: string): string | undefined {
    const {st} = this
    if (this.fullReason !== undefined) return this.fullReason
    if (!st) return 'first computation'
    if (st.nb !== nb) return 'another NB view'
    return st.sig === sig ? undefined : 'local context, config, capabilities or fip-distributed changed'
  }

  /**
   * The periodic check: computes the desired state from scratch and compares it with the
   * incremental one (`incremental`, computed now when not given). Differences name their subjects;
   * after any, the next desired() rebuilds from scratch. Callers use `scratch`.
   */
  selfCheck(
    nb: NbView,
    ctx: LocalContext,
    cfg: AgentConfig,
    incremental?: DesiredResult,
  ): {scratch: DesiredResult; differences: Difference[]; reused: boolean} {
    const inc = incremental ?? this.desired(nb, ctx, cfg)
    if (this.answeredByLastCheck(nb, ctx, cfg, inc)) return {scratch: inc, differences: [], reused: true}

    const scratch = computeDesired(nb, ctx, cfg)
    return {scratch, differences: this.compareWith(nb, ctx, cfg, inc, scratch), reused: false}
  }

  /**
   * Whether a self-check of `inc` (this planner's current result) would compare the same two
   * results again. computeDesired is a function of (NB contents, ctx, cfg) only: when none of them
   * changed since a check that found no difference, and `inc` is the very object that check
   * compared, an idle node's periodic pass skips it. Any NB row write (counted by the view itself,
   * not by markChanged), another context, config, capabilities or fip-distributed flag, or another
   * result object means a real check. Counted in reusedChecks when true.
   */
  answeredByLastCheck(nb: NbView, ctx: LocalContext, cfg: AgentConfig, inc: DesiredResult): boolean {
    const v = this.verified
    if (!v || nb.writes === undefined || v.nb !== nb || v.writes !== nb.writes || v.result !== inc) return false
    if (v.sig !== this.signature(nb, ctx, cfg)) return false
    this.reusedChecks++
    return true
  }

  /**
   * The comparison of a self-check: `inc` (this planner's current result) against `scratch`, a
   * result computed without this planner for the same inputs (computeDesired, or a planner built
   * afresh: sliced-check.ts). Differences name their subjects; after any, the next desired()
   * rebuilds from scratch; none, and a later check of the same inputs is answered by this one.
   */
  compareWith(
    nb: NbView,
    ctx: LocalContext,
    cfg: AgentConfig,
    inc: DesiredResult,
    scratch: DesiredResult,
  ): Difference[] {
    return this.settleCheck(
      {nb, writes: nb.writes, sig: this.signature(nb, ctx, cfg)},
      inc,
      scratch,
      sameDesired(inc, scratch),
    )
  }

  /**
   * compareWith, `between` awaited between pieces of the comparison (sameDesiredInTurns). The two
   * results are read whole now and are fixed from here on; the NB, this planner's later states and
   * the passes may move on meanwhile: what is recorded as checked is the NB as it was now.
   */
  async compareWithInTurns(
    nb: NbView,
    ctx: LocalContext,
    cfg: AgentConfig,
    inc: DesiredResult,
    scratch: DesiredResult,
    between: () => Promise<void>,
  ): Promise<Difference[]> {
    const at = {nb, writes: nb.writes, sig: this.signature(nb, ctx, cfg)}
    for (const r of [inc, scratch]) {
      void r.state.objects
      void r.contributions
    }

    return this.settleCheck(at, inc, scratch, await sameDesiredInTurns(inc, scratch, between))
  }

  private settleCheck(
    at: {nb: NbView; writes: number | undefined; sig: string},
    inc: DesiredResult,
    scratch: DesiredResult,
    same: boolean,
  ): Difference[] {
    const differences = same ? [] : attributeDifferences(diffDesired(inc, scratch), this, scratch)
    this.verified = differences.length === 0 ? {...at, result: inc} : undefined
    if (differences.length > 0) this.markAll('self-check found differences')
    return differences
  }

  private sigOf: {ctx?: LocalContext; cfg?: AgentConfig; json?: string} = {}
  private sigMemo: {nb: NbView; caps: NbView['capabilities']; writes: number; sig: string} | undefined

  /**
   * Everything besides NB rows the result depends on. The JSON of ctx and cfg is reused while they
   * are the same objects; the whole signature while, besides, the view, its capabilities object and
   * its row-write count are the same (a pass asks for it up to three times: rebuildReason, update,
   * selfCheck). A view that does not count writes is never memoised.
   */
  private signature(nb: NbView, ctx: LocalContext, cfg: AgentConfig): string {
    if (this.sigOf.ctx !== ctx || this.sigOf.cfg !== cfg) {
      this.sigOf = {ctx, cfg, json: JSON.stringify([ctx, cfg])}
      this.sigMemo = undefined
    }

    const m = this.sigMemo
    if (m && nb.writes !== undefined && m.nb === nb && m.caps === nb.capabilities && m.writes === nb.writes)
      return m.sig
    const sig = `${this.sigOf.json}|${JSON.stringify(nb.capabilities)}|${isDistributed(nb)}`
    this.sigMemo = nb.writes === undefined ? undefined : {nb, caps: nb.capabilities, writes: nb.writes, sig}
    return sig
  }

  /** The desired object under objKey `key` as of the last update() (undefined: not desired, or no state). */
  objectOf(key: string): StateObj | undefined {
    return this.st?.merged.objectOf(key)
  }

  /** Fragment ids (subjects) that want objKey `key`, winner first; for mismatch reports. */
  subjectsOf(key: string): string[] {
    return this.st?.merged.contributorsOf(key) ?? []
  }

  /** Fragment ids that record exposed entry `key` (ip|kind|table|uuid). */
  exposersOf(key: string): string[] {
    return this.st?.merged.exposersOf(key) ?? []
  }

  private clearMarks(): void {
    this.keys = new Set()
    this.lsps = new Map()
    this.lrpMarks = new Set()
    this.lbMarks = new Map()
    this.reclassify = new Set()
    this.reclassifyAll = false
  }

  private rebuild(nb: NbView, ctx: LocalContext, cfg: AgentConfig, sig: string, reason: string, sliced = false): void {
    this.clearMarks()
    this.unbuilt = []
    this.unbuiltAt = 0
    const env = makeEnv(nb, ctx, cfg, new FragmentSink())
    if (!preflight(env)) {
      this.st = undefined
      this.fullReason = 'preflight failed'
      this.stats = {full: true, reason, replayed: 0, dropped: 0, delta: {changed: [], removed: []}}
      return
    }

    const st: PlannerState = {
      nb,
      ctx,
      cfg,
      sig,
      env,
      merged: new MergedState(),
      cls: new ClassCache(ctx, nb),
      deps: new MultiIndex<Frag>(),
      base: newFrag('base', 'base'),
      routersFrag: newFrag('routers', 'routers'),
      lrps: new Map(),
      ports: new Map(),
      cfips: new Map(),
      routers: new Map(),
      tipNets: new Map(),
      tenantNets: new Map(),
      result: undefined,
    }
    this.st = st
    const todo = new Todo()
    todo.base = true
    if (nb.capabilities.lrpStatus) for (const l of nb.lrpsByHostingChassis(ctx.chassisId)) todo.lrps.add(l.uuid)
    for (const p of nb.lspsByChassis(ctx.chassisName)) {
      if (sliced) this.unbuilt.push(p.uuid)
      else todo.ports.add(p.uuid)
    }

    this.replayer.dropped = 0
    const replayed = this.replayer.run(st, todo)
    this.stats = {full: true, reason, replayed, dropped: 0, delta: st.merged.settle()}
    if (sliced) this.builtDelta = foldDelta({changed: new Set(), removed: new Set()}, this.stats.delta)
  }

  /** Turns the marks collected since the last call into fragments to replay. */
  private takeMarks(st: PlannerState): Todo {
    const todo = new Todo()
    const hit = (key: string): void => {
      for (const f of st.deps.get(key)) this.replayer.schedule(todo, f)
    }

    if (this.reclassifyAll || this.reclassify.size > 0)
      for (const ls of st.cls.recheck(this.reclassifyAll ? undefined : this.reclassify)) hit(DEP.cls(ls))
    for (const k of this.keys) hit(k)
    for (const [u, m] of this.lsps) {
      todo.ports.add(u)
      for (const r of m.routers) todo.add(todo.rifs, r, u)
      for (const n of m.networks) for (const rf of st.tipNets.get(n) ?? []) todo.add(todo.tips, rf, u)
    }

    for (const u of this.lrpMarks) todo.lrps.add(u)
    for (const [u, routers] of this.lbMarks) for (const r of routers) todo.add(todo.lbs, r, u)
    this.clearMarks()
    return todo
  }

  private result(st: PlannerState): DesiredResult {
    if (st.result) return st.result
    const {merged} = st
    const {state, problems} = merged.result()
    const r = {
      state,
      problems,
      routers: [...st.routers.keys()].sort().map((k) => routerInfo(st.routers.get(k)!.gw)),
      tenantNetworks: [...st.tenantNets.keys()].sort().map((k) => st.tenantNets.get(k)!),
      distributed: st.env.distributed,
    } as DesiredResult
    // contributions (exposed ip -> objKeys, thousands of keys) only when read: ad-hoc verbs do, passes do not
    let contributions: Record<string, string[]> | undefined
    Object.defineProperty(r, 'contributions', {
      enumerable: true,
      get() {
        contributions ??= merged.contributions()
        return contributions
      },
    })
    st.result = r
    return r
  }
}

/**
 * Whether marks `m` of `change` reach the kept state: a lookup some fragment made, or a subject the
 * planner enumerates (a port naming this chassis or of a network/router it follows, a cr-lrp, an
 * LB of a local router), or a switch's class. The event filter's safety net: a row the rules read
 * only indirectly (an LB's VIP port arriving after its LB, as a chassis-scoped monitor delivers
 * them) is relevant exactly when a fragment asked for it. Mirrors the guards of the replay
 * (replay.ts): a subject marked but not reached here is one the replay would drop or skip.
 */
function reaches(st: PlannerState, change: NbChange, m: ChangeMarks): boolean {
  if (m.keys.some((k) => st.deps.has(k))) return true
  if (m.lsp) {
    if (st.ports.has(m.uuid) || m.lsp.routers.some((r) => st.routers.has(r))) return true
    if (m.lsp.networks.some((n) => st.tipNets.has(n))) return true
    const here = st.ctx.chassisName
    if (versions(change as NbChange<LogicalSwitchPort>).some((p) => chassisKeys(p).includes(here))) return true
  }

  if (m.lrp) {
    if (st.lrps.has(m.uuid)) return true
    const here = st.ctx.chassisId
    if (versions(change as NbChange<LogicalRouterPort>).some((p) => hostingChassis(p) === here)) return true
  }

  if (m.lb?.routers.some((r) => st.routers.has(r))) return true
  if (m.reclassify === 'all') return true
  return (m.reclassify ?? []).some((ls) => st.deps.has(DEP.cls(ls)))
}

/** Folds `d` (a later settle) into the accumulated `acc`: the last word on a key wins. */
function foldDelta(
  acc: {changed: Set<string>; removed: Set<string>},
  d: MergeDelta,
): {changed: Set<string>; removed: Set<string>} {
  for (const k of d.removed) {
    acc.changed.delete(k)
    acc.removed.add(k)
  }

  for (const k of d.changed) {
    acc.removed.delete(k)
    acc.changed.add(k)
  }

  return acc
}
