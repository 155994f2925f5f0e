// IncrementalPlanner: the desired state kept current from NB changes, identical to computeDesired
// from scratch, at a cost proportional to the change. Pure (no I/O): the caller feeds it every NB
// row change after applying it to the NbView (markChanged), and asks for the result (desired).
//
// How: the full pass is cut into fragments (subjects.ts), each the output of one rule for one NB
// row, recorded with its position in the full pass's visiting order and the NB lookups it made
// (tracking.ts). An NB change marks fragments through those lookups and through the subject sets
// the planner enumerates itself (change-keys.ts); only those are replayed; the merged state
// (merged.ts) reference-counts shared objects and re-decides conflicts as the full pass would.
// Derived inputs are re-derived when their fragments change: the local routers (from the cr-lrp
// fragments) re-plan what hangs behind a router whose gateway changed; the tenant networks (from
// the router-interface fragments) re-plan the LBs that asked about a network that changed.
//
// Anything not scoped is a full rebuild (correct first): a different NbView, local context, config,
// NB capabilities or NB_Global fip-distributed flag, markAll(), a failing preflight.
import type {AgentConfig} from '../config/types.js'
import {chassisKeys, hostingChassis, isRouterInterface, lbRouterKeys} from '../nb/keys.js'
import type {NbView} from '../nb/model.js'
import type {RowChange} from '../ovsdb/types.js'
import {changeMarks} from './change-keys.js'
import {type LocalContext, isDistributed, makeEnv, type PlanEnv} from './context.js'
import {type LocalRouter, localLrps, planCrLrp} from './crlrp.js'
import {computeDesired, type DesiredResult, preflight, routerInfo} from './desired.js'
import {planBaseWiring} from './base-wiring.js'
import {planCentralizedFips} from './fip.js'
import {compareOrder, FragmentSink, type Order} from './fragment.js'
import {planLb} from './lb.js'
import {isActiveRouterInterface, networkOf} from './locality.js'
import {type MergeDelta, MergedState} from './merged.js'
import {planLocalPort} from './ports.js'
import {rowSource} from './problems.js'
import {attributeDifferences, type Difference, diffDesired} from './self-check.js'
import {EMPTY_DATA, type Frag, type LbFrag, type LrpFrag, newFrag, type RifFrag, type RouterNode, type RowFrag, routerSig, type TipFrag, TrackedNets} from './subjects.js'
import {planSubnet, planTenantIp, type TenantIpScope, type TenantNetwork} from './tenant.js'
import {ClassCache, DEP, TrackingNb} from './tracking.js'

const LSP = 'Logical_Switch_Port'

interface State {
  nb: NbView
  ctx: LocalContext
  cfg: AgentConfig
  sig: string
  env: PlanEnv
  merged: MergedState
  cls: ClassCache
  deps: Map<string, Set<Frag>>
  base: Frag
  routersFrag: Frag
  lrps: Map<string, LrpFrag>
  ports: Map<string, RowFrag>
  cfips: Map<string, RowFrag>
  routers: Map<string, RouterNode>
  tipNets: Map<string, Set<RifFrag>>
  tenantNets: Map<string, TenantNetwork>
  result: DesiredResult | undefined
}

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

class Todo {
  base = false
  lrps = new Set<string>()
  ports = new Set<string>()
  rifs = new Map<string, Set<string>>()
  tips = new Map<RifFrag, Set<string>>()
  lbs = new Map<string, Set<string>>()

  add<K>(m: Map<K, Set<string>>, k: K, v: string): void {
    let s = m.get(k)
    if (!s) m.set(k, (s = new Set()))
    s.add(v)
  }
}

export class IncrementalPlanner {
  private st: State | undefined
  private fullReason: string | undefined = 'first computation'
  private keys = new Set<string>()
  private lsps = new Map<string, {networks: Set<string>; routers: Set<string>}>()
  private lrpMarks = new Set<string>()
  private lbMarks = new Map<string, Set<string>>()
  private reclassify = new Set<string>()
  private reclassifyAll = false
  stats: IncrementalStats = {full: true, replayed: 0, dropped: 0, delta: {changed: [], removed: []}}
  private dropped = 0

  /** Records an NB row change (already applied to the NbView). Cheap: the work happens in desired(). */
  markChanged(change: RowChange): void {
    if (!this.st || this.fullReason) return
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
  }

  /** Forgets everything: the next desired() rebuilds from scratch. */
  markAll(reason = 'requested'): void {
    this.fullReason ??= reason
  }

  /** The desired state for the NB as it is now (same result as computeDesired). */
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
    const st = this.st
    const reason = this.fullReason ?? (!st ? 'first computation' : st.nb !== nb ? 'another NB view' : st.sig !== sig ? 'local context, config, capabilities or fip-distributed changed' : undefined)
    this.fullReason = undefined
    if (reason !== undefined || !st) {
      this.rebuild(nb, ctx, cfg, sig, reason ?? 'first computation')
      return this.stats
    }
    const todo = this.takeMarks(st)
    this.dropped = 0
    const replayed = this.run(st, todo)
    this.stats = {full: false, replayed, dropped: this.dropped, delta: st.merged.settle()}
    return this.stats
  }

  /**
   * The periodic check: computes the desired state from scratch and compares it with the
   * incremental one (`incremental`, computed now when not given). Differences name their subjects;
   * after any, the next desired() rebuilds from scratch. Callers use `scratch`.
   */
  selfCheck(nb: NbView, ctx: LocalContext, cfg: AgentConfig, incremental?: DesiredResult): {scratch: DesiredResult; differences: Difference[]} {
    const inc = incremental ?? this.desired(nb, ctx, cfg)
    const scratch = computeDesired(nb, ctx, cfg)
    const differences = attributeDifferences(diffDesired(inc, scratch), this, scratch)
    if (differences.length > 0) this.markAll('self-check found differences')
    return {scratch, differences}
  }

  private sigOf: {ctx?: LocalContext; cfg?: AgentConfig; json?: string} = {}

  /** Everything besides NB rows the result depends on; the JSON of ctx and cfg is reused while they are the same objects. */
  private signature(nb: NbView, ctx: LocalContext, cfg: AgentConfig): string {
    if (this.sigOf.ctx !== ctx || this.sigOf.cfg !== cfg) this.sigOf = {ctx, cfg, json: JSON.stringify([ctx, cfg])}
    return `${this.sigOf.json}|${JSON.stringify(nb.capabilities)}|${isDistributed(nb)}`
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

  private rebuild(nb: NbView, ctx: LocalContext, cfg: AgentConfig, sig: string, reason: string): void {
    this.clearMarks()
    const env = makeEnv(nb, ctx, cfg, new FragmentSink())
    if (!preflight(env)) {
      this.st = undefined
      this.fullReason = 'preflight failed'
      this.stats = {full: true, reason, replayed: 0, dropped: 0, delta: {changed: [], removed: []}}
      return
    }
    const st: State = {
      nb,
      ctx,
      cfg,
      sig,
      env,
      merged: new MergedState(),
      cls: new ClassCache(ctx, nb),
      deps: new Map(),
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
    for (const p of nb.lspsByChassis(ctx.chassisName)) todo.ports.add(p.uuid)
    this.dropped = 0
    const replayed = this.run(st, todo)
    this.stats = {full: true, reason, replayed, dropped: 0, delta: st.merged.settle()}
  }

  /** Turns the marks collected since the last call into fragments to replay. */
  private takeMarks(st: State): Todo {
    const todo = new Todo()
    const hit = (key: string): void => {
      for (const f of st.deps.get(key) ?? []) this.schedule(todo, f)
    }
    if (this.reclassifyAll || this.reclassify.size > 0) for (const ls of st.cls.recheck(this.reclassifyAll ? undefined : this.reclassify)) hit(DEP.cls(ls))
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

  private schedule(todo: Todo, f: Frag): void {
    if (f.dead) return
    switch (f.kind) {
      case 'base':
        todo.base = true
        return
      case 'lrp':
        todo.lrps.add((f as LrpFrag).uuid)
        return
      case 'cfip':
        todo.lrps.add((f as RowFrag).uuid)
        return
      case 'port':
        todo.ports.add((f as RowFrag).uuid)
        return
      case 'rif':
        todo.add(todo.rifs, (f as RifFrag).router, (f as RifFrag).uuid)
        return
      case 'tip':
        todo.add(todo.tips, (f as TipFrag).parent, (f as TipFrag).uuid)
        return
      case 'lb':
        todo.add(todo.lbs, (f as LbFrag).router, (f as LbFrag).uuid)
        return
      case 'routers':
        return
    }
  }

  /** Replays the scheduled fragments layer by layer; returns how many were replayed. */
  private run(st: State, todo: Todo): number {
    let n = 0
    if (todo.base) {
      n++
      this.replay(st, st.base, ['1'], (env) => {
        planBaseWiring(env)
        if (!env.nb.capabilities.lrpStatus) localLrps(env)
        planCentralizedFips(env, [])
      })
    }
    for (const u of todo.lrps) n += this.replayLrp(st, u) + this.replayCfip(st, u)
    for (const u of todo.ports) n += this.replayPort(st, u)
    let rifsChanged = false
    if (todo.lrps.size > 0) {
      for (const r of this.deriveRouters(st)) {
        rifsChanged = true
        this.rebuildRouter(st, r, todo)
      }
    }
    for (const [r, uuids] of todo.rifs) {
      for (const u of uuids) {
        rifsChanged = true
        n += this.replayRif(st, r, u, todo)
      }
    }
    for (const [rf, uuids] of todo.tips) {
      if (rf.dead) continue
      for (const u of uuids) n += this.replayTip(st, rf, u)
    }
    if (rifsChanged) {
      for (const net of this.deriveTenantNets(st)) for (const f of st.deps.get(DEP.tenantNet(net)) ?? []) this.schedule(todo, f)
    }
    for (const [r, uuids] of todo.lbs) for (const u of uuids) n += this.replayLb(st, r, u)
    return n
  }

  private replayPort(st: State, u: string): number {
    const lsp = st.nb.lsp(u)
    const f = st.ports.get(u) ?? {...newFrag('port', `port ${u}`), uuid: u}
    if (!lsp || !chassisKeys(lsp).includes(st.ctx.chassisName)) {
      this.drop(st, f)
      st.ports.delete(u)
      return 0
    }
    st.ports.set(u, f)
    this.replay(st, f, ['5', lsp.name, u], (env) => planLocalPort(env, lsp))
    return 1
  }

  private replayLrp(st: State, u: string): number {
    const lrp = st.nb.lrp(u)
    const f: LrpFrag = st.lrps.get(u) ?? {...newFrag('lrp', `cr-lrp ${u}`), uuid: u, router: undefined}
    if (!lrp || !st.nb.capabilities.lrpStatus || hostingChassis(lrp) !== st.ctx.chassisId) {
      this.drop(st, f)
      st.lrps.delete(u)
      return 0
    }
    st.lrps.set(u, f)
    f.router = undefined
    this.replay(st, f, ['3', lrp.name, u], (env) => {
      const src = rowSource('Logical_Router_Port', lrp)
      env.out.guard(src, () => (f.router = planCrLrp(env, lrp, src)))
    })
    return 1
  }

  private replayCfip(st: State, u: string): number {
    const lrp = st.nb.lrp(u)
    const f = st.cfips.get(u) ?? {...newFrag('cfip', `centralized FIPs of ${u}`), uuid: u}
    if (!lrp || !st.lrps.has(u) || st.env.distributed) {
      this.drop(st, f)
      st.cfips.delete(u)
      return 0
    }
    st.cfips.set(u, f)
    this.replay(st, f, ['6', lrp.name, u], (env) => planCentralizedFips(env, [lrp]))
    return 1
  }

  /**
   * Local routers from the cr-lrp fragments (first in order wins, later ones are problems);
   * returns the routers that appeared, went away or whose gateway changed.
   */
  private deriveRouters(st: State): Set<string> {
    const next = new Map<string, LocalRouter>()
    const dups = new FragmentSink()
    for (const f of [...st.lrps.values()].sort((a, b) => compareOrder(a.order, b.order))) {
      const r = f.router
      if (!r || !r.router) continue
      const held = next.get(r.router)
      if (held) dups.problem(r.lrp, `router ${r.router} already has local gateway port ${held.lrp.name}`)
      else next.set(r.router, r)
    }
    this.swap(st, st.routersFrag, dups)
    const changed = new Set<string>()
    for (const r of st.routers.keys()) if (!next.has(r)) changed.add(r)
    for (const [r, gw] of next) {
      const node = st.routers.get(r)
      if (node?.sig === routerSig(gw)) node.gw = gw
      else changed.add(r)
    }
    for (const r of changed) {
      const old = st.routers.get(r)
      if (old) {
        for (const rf of old.rifs.values()) this.dropRif(st, rf)
        for (const f of old.lbs.values()) this.drop(st, f)
      }
      const gw = next.get(r)
      if (gw) st.routers.set(r, {gw, sig: routerSig(gw), rifs: new Map(), lbs: new Map()})
      else st.routers.delete(r)
    }
    return changed
  }

  /** Schedules everything behind router `r` (whose old fragments deriveRouters dropped). */
  private rebuildRouter(st: State, r: string, todo: Todo): void {
    todo.rifs.delete(r)
    todo.lbs.delete(r)
    if (!st.routers.has(r)) return
    if (st.env.tenantEnabled) for (const rif of st.nb.routerInterfaces(r)) todo.add(todo.rifs, r, rif.uuid)
    for (const lb of st.nb.lbsByRouter(r)) todo.add(todo.lbs, r, lb.uuid)
  }

  private replayRif(st: State, r: string, u: string, todo: Todo): number {
    const node = st.routers.get(r)
    const lsp = st.nb.lsp(u)
    const held = node?.rifs.get(u)
    if (!node || !lsp || !st.env.tenantEnabled || !isRouterInterface(lsp) || lsp.externalIds['neutron:device_id'] !== r) {
      if (held) {
        this.dropRif(st, held)
        node!.rifs.delete(u)
      }
      return 0
    }
    const f: RifFrag = held ?? {...newFrag('rif', `router ${r} interface ${u}`), router: r, uuid: u, rif: undefined, src: undefined, net: undefined, scope: undefined, scopeSig: undefined, tipNet: undefined, tips: new Map()}
    node.rifs.set(u, f)
    const src = rowSource(LSP, lsp)
    f.rif = lsp
    f.src = src
    f.net = undefined
    f.scope = undefined
    this.replay(st, f, ['4', r, lsp.name, u, '0'], (env) => {
      if (!isActiveRouterInterface(lsp)) return
      const nets = new Map<string, TenantNetwork>()
      env.out.guard(src, () => (f.scope = planSubnet(env, node.gw, lsp, src, nets)))
      f.net = nets.values().next().value
    })
    const scope = f.scope as TenantIpScope | undefined
    const sig = scope ? JSON.stringify([scope.network, scope.scopes, lsp.name]) : undefined
    if (sig !== f.scopeSig) {
      this.dropTips(st, f)
      f.scopeSig = sig
      if (scope) {
        f.tipNet = scope.network
        let set = st.tipNets.get(scope.network)
        if (!set) st.tipNets.set(scope.network, (set = new Set()))
        set.add(f)
        for (const p of st.nb.lspsByNetwork(scope.network)) todo.add(todo.tips, f, p.uuid)
      }
    }
    return 1
  }

  private replayTip(st: State, rf: RifFrag, u: string): number {
    const lsp = st.nb.lsp(u)
    const held = rf.tips.get(u)
    const scope = rf.scope
    const node = st.routers.get(rf.router)
    if (!lsp || !scope || !node || networkOf(lsp) !== scope.network) {
      if (held) {
        this.drop(st, held)
        rf.tips.delete(u)
      }
      return 0
    }
    const f: TipFrag = held ?? {...newFrag('tip', `tenant port ${u} behind ${rf.id}`), uuid: u, parent: rf}
    rf.tips.set(u, f)
    this.replay(st, f, ['4', rf.router, rf.rif!.name, rf.uuid, '1', lsp.name, u], (env) => {
      env.out.guard(rf.src!, () => planTenantIp(env, node.gw, lsp, scope.scopes))
    })
    return 1
  }

  private dropTips(st: State, rf: RifFrag): void {
    for (const t of rf.tips.values()) this.drop(st, t)
    rf.tips.clear()
    if (rf.tipNet !== undefined) {
      const set = st.tipNets.get(rf.tipNet)
      set?.delete(rf)
      if (set?.size === 0) st.tipNets.delete(rf.tipNet)
    }
    rf.tipNet = undefined
    rf.scopeSig = undefined
  }

  private dropRif(st: State, rf: RifFrag): void {
    this.dropTips(st, rf)
    this.drop(st, rf)
  }

  /** Tenant networks from the router-interface fragments in order; returns networks that came or went. */
  private deriveTenantNets(st: State): string[] {
    const nets = new Map<string, TenantNetwork>()
    const rifs: RifFrag[] = []
    for (const node of st.routers.values()) rifs.push(...node.rifs.values())
    for (const rf of rifs.sort((a, b) => compareOrder(a.order, b.order))) {
      const t = rf.net
      if (!t) continue
      const held = nets.get(t.network)
      if (held) held.cidrs.push(...t.cidrs.filter((c) => !held.cidrs.includes(c)))
      else nets.set(t.network, {...t, cidrs: [...t.cidrs]})
    }
    const changed: string[] = []
    for (const k of st.tenantNets.keys()) if (!nets.has(k)) changed.push(k)
    for (const k of nets.keys()) if (!st.tenantNets.has(k)) changed.push(k)
    st.tenantNets = nets
    st.result = undefined
    return changed
  }

  private replayLb(st: State, r: string, u: string): number {
    const node = st.routers.get(r)
    const lb = st.nb.lb(u)
    const held = node?.lbs.get(u)
    if (!node || !lb || !lbRouterKeys(lb).includes(r)) {
      if (held) {
        this.drop(st, held)
        node!.lbs.delete(u)
      }
      return 0
    }
    const f: LbFrag = held ?? {...newFrag('lb', `router ${r} LB ${u}`), uuid: u, router: r}
    node.lbs.set(u, f)
    this.replay(st, f, ['7', r, lb.name, u], (env) => {
      const src = rowSource('Load_Balancer', lb)
      env.out.guard(src, () => planLb(env, lb, node.gw, new TrackedNets(st.tenantNets, (env.nb as TrackingNb).deps), src))
    })
    return 1
  }

  /** Takes `f` out, runs `plan` against a tracking view into a fresh sink, puts the result in. */
  private replay(st: State, f: Frag, order: Order, plan: (env: PlanEnv) => void): void {
    this.unregister(st, f)
    const sink = new FragmentSink()
    const nb = new TrackingNb(st.nb)
    plan({...st.env, nb, out: sink, ls: st.cls.tracking(nb.deps)})
    f.order = order
    f.data = sink
    f.deps = [...nb.deps]
    f.dead = false
    st.merged.add(f, sink)
    for (const k of f.deps) {
      let set = st.deps.get(k)
      if (!set) st.deps.set(k, (set = new Set()))
      set.add(f)
    }
    st.result = undefined
  }

  private swap(st: State, f: Frag, data: FragmentSink): void {
    st.merged.remove(f, f.data)
    f.data = data
    st.merged.add(f, data)
    st.result = undefined
  }

  private unregister(st: State, f: Frag): void {
    st.merged.remove(f, f.data)
    for (const k of f.deps) {
      const set = st.deps.get(k)
      set?.delete(f)
      if (set?.size === 0) st.deps.delete(k)
    }
    f.deps = []
    f.data = EMPTY_DATA
  }

  private drop(st: State, f: Frag): void {
    if (f.dead === false) this.dropped++
    this.unregister(st, f)
    f.dead = true
    st.result = undefined
  }

  private result(st: State): DesiredResult {
    if (st.result) return st.result
    const routers = [...st.routers.keys()].sort().map((r) => routerInfo(st.routers.get(r)!.gw))
    st.result = {
      ...st.merged.result(),
      routers,
      tenantNetworks: [...st.tenantNets.keys()].sort().map((k) => st.tenantNets.get(k)!),
      distributed: st.env.distributed,
    }
    return st.result
  }
}
