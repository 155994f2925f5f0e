// The replay machinery of the incremental planner (incremental.ts): the kept state, and replaying
// the fragments a set of changes scheduled, layer by layer in the full pass's dependency order:
// base, cr-lrps, centralized FIPs and local ports; then the local routers derived from the cr-lrps
// (a router whose gateway changed re-plans everything behind it); router interfaces and their
// tenant ports; then the tenant networks derived from the interfaces (an LB that asked about a
// network that came or went is re-planned); then the LBs.
import type {AgentConfig} from '../config/types.js'
import type {NbView} from '../nb/model.js'
import type {MultiIndex} from '../nb/multi-index.js'
import type {DesiredResult} from './desired.js'
import type {MergedState} from './merged.js'

import {
  chassisKeys,
  hostingChassis,
  isActiveRouterInterface,
  isRouterInterface,
  lbRouterKeys,
  networkOf,
} from '../nb/keys.js'
import {planBaseWiring} from './base-wiring.js'
import {type LocalContext, type PlanEnv} from './context.js'
import {localLrps, type LocalRouter, planCrLrp} from './crlrp.js'
import {planCentralizedFips} from './fip.js'
import {compareOrder, FragmentSink, type Order} from './fragment.js'
import {planLb} from './lb.js'
import {planLocalPort} from './ports.js'
import {rowSource} from './problems.js'
import {
  EMPTY_DATA,
  type Frag,
  type LbFrag,
  type LrpFrag,
  newFrag,
  type RifFrag,
  type RouterNode,
  routerSig,
  type RowFrag,
  type TipFrag,
  TrackedNets,
} from './subjects.js'
import {planSubnet, planTenantIp, type TenantIpScope, type TenantNetwork} from './tenant.js'
import {type ClassCache, DEP, TrackingNb} from './tracking.js'

const LSP = 'Logical_Switch_Port'

/** Everything the incremental planner keeps between calls. */
export interface PlannerState {
  nb: NbView
  ctx: LocalContext
  cfg: AgentConfig
  sig: string
  env: PlanEnv
  merged: MergedState
  cls: ClassCache
  deps: MultiIndex<Frag>
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

/** Fragments to replay, by subject. */
export class Todo {
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

export class Replayer {
  /** Fragments dropped since reset. */
  dropped = 0

  schedule(todo: Todo, f: Frag): void {
    if (f.dead) return
    switch (f.kind) {
      case 'base': {
        todo.base = true
        return
      }

      case 'lrp': {
        todo.lrps.add((f as LrpFrag).uuid)
        return
      }

      case 'cfip': {
        todo.lrps.add((f as RowFrag).uuid)
        return
      }

      case 'port': {
        todo.ports.add((f as RowFrag).uuid)
        return
      }

      case 'rif': {
        todo.add(todo.rifs, (f as RifFrag).router, (f as RifFrag).uuid)
        return
      }

      case 'tip': {
        todo.add(todo.tips, (f as TipFrag).parent, (f as TipFrag).uuid)
        return
      }

      case 'lb': {
        todo.add(todo.lbs, (f as LbFrag).router, (f as LbFrag).uuid)
        break
      }

      case 'routers':
    }
  }

  /** Replays the scheduled fragments layer by layer; returns how many were replayed. */
  run(st: PlannerState, todo: Todo): number {
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
      for (const net of this.deriveTenantNets(st))
        for (const f of st.deps.get(DEP.tenantNet(net))) this.schedule(todo, f)
    }

    for (const [r, uuids] of todo.lbs) for (const u of uuids) n += this.replayLb(st, r, u)
    return n
  }

  private replayPort(st: PlannerState, u: string): number {
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

  private replayLrp(st: PlannerState, u: string): number {
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
      env.out.guard(src, () => {
        f.router = planCrLrp(env, lrp, src)
      })
    })
    return 1
  }

  private replayCfip(st: PlannerState, u: string): number {
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
  private deriveRouters(st: PlannerState): Set<string> {
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
  private rebuildRouter(st: PlannerState, r: string, todo: Todo): void {
    todo.rifs.delete(r)
    todo.lbs.delete(r)
    if (!st.routers.has(r)) return
    if (st.env.tenantEnabled) for (const rif of st.nb.routerInterfaces(r)) todo.add(todo.rifs, r, rif.uuid)
    for (const lb of st.nb.lbsByRouter(r)) todo.add(todo.lbs, r, lb.uuid)
  }

  private replayRif(st: PlannerState, r: string, u: string, todo: Todo): number {
    const node = st.routers.get(r)
    const lsp = st.nb.lsp(u)
    const held = node?.rifs.get(u)
    if (
      !node ||
      !lsp ||
      !st.env.tenantEnabled ||
      !isRouterInterface(lsp) ||
      lsp.externalIds['neutron:device_id'] !== r
    ) {
      if (held) {
        this.dropRif(st, held)
        node!.rifs.delete(u)
      }

      return 0
    }

    const f: RifFrag = held ?? {
      ...newFrag('rif', `router ${r} interface ${u}`),
      router: r,
      uuid: u,
      rif: undefined,
      src: undefined,
      net: undefined,
      scope: undefined,
      scopeSig: undefined,
      tipNet: undefined,
      tips: new Map(),
    }
    node.rifs.set(u, f)
    const src = rowSource(LSP, lsp)
    f.rif = lsp
    f.src = src
    f.net = undefined
    f.scope = undefined
    this.replay(st, f, ['4', r, lsp.name, u, '0'], (env) => {
      if (!isActiveRouterInterface(lsp)) return
      const nets = new Map<string, TenantNetwork>()
      env.out.guard(src, () => {
        f.scope = planSubnet(env, node.gw, lsp, src, nets)
      })
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

  private replayTip(st: PlannerState, rf: RifFrag, u: string): number {
    const lsp = st.nb.lsp(u)
    const held = rf.tips.get(u)
    const {scope} = rf
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

  private dropTips(st: PlannerState, rf: RifFrag): void {
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

  private dropRif(st: PlannerState, rf: RifFrag): void {
    this.dropTips(st, rf)
    this.drop(st, rf)
  }

  /** Tenant networks from the router-interface fragments in order; returns networks that came or went. */
  private deriveTenantNets(st: PlannerState): string[] {
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

  private replayLb(st: PlannerState, r: string, u: string): number {
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
      env.out.guard(src, () =>
        planLb(env, lb, node.gw, new TrackedNets(st.tenantNets, (env.nb as TrackingNb).deps), src),
      )
    })
    return 1
  }

  /** Takes `f` out, runs `plan` against a tracking view into a fresh sink, puts the result in. */
  private replay(st: PlannerState, f: Frag, order: Order, plan: (env: PlanEnv) => void): void {
    this.unregister(st, f)
    const sink = new FragmentSink()
    const nb = new TrackingNb(st.nb)
    plan({...st.env, nb, out: sink, ls: st.cls.tracking(nb.deps)})
    f.order = order
    f.data = sink.compact()
    f.deps = [...nb.deps]
    f.dead = false
    st.merged.add(f, sink)
    for (const k of f.deps) st.deps.add(k, f)

    st.result = undefined
  }

  private swap(st: PlannerState, f: Frag, data: FragmentSink): void {
    st.merged.remove(f, f.data)
    f.data = data
    st.merged.add(f, data)
    st.result = undefined
  }

  private unregister(st: PlannerState, f: Frag): void {
    st.merged.remove(f, f.data)
    for (const k of f.deps) st.deps.delete(k, f)

    f.deps = []
    f.data = EMPTY_DATA
  }

  private drop(st: PlannerState, f: Frag): void {
    const live = f.dead === false
    this.unregister(st, f)
    f.dead = true
    if (!live) return // never planned: nothing to take out
    this.dropped++
    st.result = undefined
  }
}
