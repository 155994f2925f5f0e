// The node's datapath as one Datapath: the kernel layer for links, addresses, rules, routes,
// neighbours, NDP proxies and sysctls, and ovs-ofctl for the cookie-999 flows.
import type {ForeignFlow} from '../ovs/flow-text.js'
import type {FlowObj, Plan, StateObj} from '../planner/types.js'
import type {AuditObservation, Datapath, DeltaObservation, DesiredLookup, ObserveScope, OpResult} from './types.js'

import {type Logger, NullLogger} from '../log.js'
import {isPlanResult, type OfctlFlows} from '../ovs/ofctl.js'
import {objKey, objValue} from '../planner/types.js'

/**
 * What the reconciler needs from the kernel layer (src/lib/kernel: Kernel, WatchedKernel): a
 * Datapath of its own objects, whose apply first sets up the provider bridges in `ensureUp` that
 * are down.
 */
export type KernelLayer = Pick<Datapath, 'observe' | 'observeDelta' | 'onDrift' | 'prefetch'> & {
  apply(plan: Plan, opts?: {ensureUp?: readonly string[]}): Promise<OpResult[]>
  /** The periodic audit's owned kernel objects (WatchedKernel.audit), or undefined: a full pass. */
  audit?(scope: ObserveScope, between?: () => Promise<void>): Promise<StateObj[] | undefined>
}

const isFlow = (o: StateObj): o is FlowObj => o.kind === 'flow'
const sameMembers = (a: readonly string[], b: ReadonlySet<string>): boolean =>
  a.length === b.size && a.every((x) => b.has(x))
export class NodeDatapath implements Datapath {
  /** Cookie-999 flows of a shape we do not model, seen by the last observe(); deleted when pruning. */
  private foreign: ForeignFlow[] = []
  /** Provider bridges of the last observe (ensured up when a plan is applied). */
  private bridges: string[] = []
  /** The flow dump prefetch() started with the kernel's (its bridges), for the observe that follows. */
  private flowDump: {bridges: string; dump: ReturnType<OfctlFlows['dumpAll']>} | undefined
  /**
   * Bridges whose flow dump ran out of time in the last full observation (ovs-vswitchd busy, e.g.
   * following thousands of route changes after a large apply): their desired flows count as in
   * place, in full and delta passes alike, until a dump answers. A probe (one bounded dump of just
   * those bridges) runs after a backoff; once one answers (`answered`), delta observations are
   * refused and a drift signal asks for the full pass that dumps them. While ovs-vswitchd stays
   * silent, that costs one ovs-ofctl per retry, not a full pass of the node.
   */
  private unobserved: string[] = []
  private unobservedRuns = 0
  private answered = false
  /** A probe's dump is under way. */
  private probing = false
  private retryTimer: NodeJS.Timeout | undefined
  private readonly driftListeners: Array<(reason: string) => void> = []
  /** The last full observation: the kernel layer's array, the flows' values, what observe() returned. */
  private lastObserved: {kernel: readonly StateObj[]; flowValues: string; all: StateObj[]} | undefined

  /**
   * `staleBridges`: bridges that left the mappings but whose routing table ovn-bgp allocated (their
   * state is observed, and so pruned).
   */
  constructor(
    private readonly kernel: KernelLayer,
    private readonly flows: OfctlFlows | undefined,
    private readonly staleBridges?: (scope: ObserveScope) => Promise<Array<{name: string; table: number}>>,
    /** flowRetryMs: the first retry after a flow dump ran out of time; it doubles up to 16 times this. */
    opts: {logger?: Logger; flowRetryMs?: number} = {},
  ) {
    this.logger = opts.logger ?? new NullLogger()
    this.flowRetryMs = opts.flowRetryMs ?? 15_000
  }

  private readonly logger: Logger
  private readonly flowRetryMs: number

  onDrift(listener: (reason: string) => void): void {
    this.driftListeners.push(listener)
    this.kernel.onDrift?.(listener)
  }

  /**
   * The kernel's prefetch; when it starts a dump (a full observe follows), the flows are dumped
   * alongside: the ovs-ofctl processes then also run while the planner computes.
   */
  prefetch(scope: ObserveScope, opts: {fresh?: boolean} = {}): boolean {
    this.flowDump = undefined
    const started = this.kernel.prefetch?.(scope, opts) ?? false
    const bridges = this.dumpable(scope.bridges.map((b) => b.name))
    if (started && this.flows && bridges.length > 0) {
      const dump = this.flows.dumpAll(bridges)
      dump.catch(() => undefined)
      this.flowDump = {bridges: bridges.join(','), dump}
    }

    return started
  }

  async observe(scope: ObserveScope): Promise<StateObj[]> {
    const stale = scope.staleBridges ?? (await this.staleBridges?.(scope)) ?? []
    this.bridges = scope.bridges.map((b) => b.name)
    // Flows of a bridge that left the mappings are observed too (and so removed when pruning).
    const wanted = [...this.bridges, ...stale.map((b) => b.name)]
    const bridges = this.dumpable(wanted)
    const silent = wanted.filter((b) => !bridges.includes(b))
    const pre = this.flowDump
    this.flowDump = undefined
    // Each side's time (debug): which of the kernel model and ovs-vswitchd a slow full pass waited for.
    const t0 = performance.now()
    const ms = {kernelMs: 0, flowsMs: 0}
    const took = <T>(p: Promise<T>, side: 'kernelMs' | 'flowsMs'): Promise<T> =>
      p.then((r) => {
        ms[side] = Math.round(performance.now() - t0)
        return r
      })
    const [k, f] = await Promise.all([
      took(this.kernel.observe(stale.length > 0 ? {...scope, staleBridges: stale} : scope), 'kernelMs'),
      took(
        this.flows && bridges.length > 0
          ? pre?.bridges === bridges.join(',')
            ? pre.dump
            : this.flows.dumpAll(bridges)
          : Promise.resolve({flows: [], foreign: [], errors: {}, timedOut: []}),
        'flowsMs',
      ),
    ])
    this.logger.debug('node observed', {
      ...ms,
      prefetchedFlows: pre !== undefined,
      objects: k.length,
      flows: f.flows.length,
    })
    this.foreign = f.foreign
    const flows = [...f.flows, ...this.assumeUnobserved([...silent, ...f.timedOut], f.errors, scope)]
    return this.sameAsLast(k, flows)
  }

  /**
   * The periodic audit (Datapath.audit): the kernel's, and the flows dumped alongside. A bridge
   * left silent, or whose dump runs out of time now, has its desired flows counted in place, as a
   * full observation does (and the same probe follows it). A bridge that left the mappings is
   * pruned by full passes only: none then.
   */
  async audit(scope: ObserveScope, between?: () => Promise<void>): Promise<AuditObservation | undefined> {
    if (!this.kernel.audit) return undefined
    if (((await this.staleBridges?.(scope)) ?? []).length > 0) return undefined
    const names = scope.bridges.map((b) => b.name)
    const bridges = this.dumpable(names)
    const [k, f] = await Promise.all([
      this.kernel.audit(scope, between),
      this.flows && bridges.length > 0
        ? this.flows.dumpAll(bridges)
        : Promise.resolve({flows: [], foreign: [], errors: {}, timedOut: []}),
    ])
    if (!k) return undefined
    const silent = names.filter((b) => !bridges.includes(b))
    const assumed = this.assumeUnobserved([...silent, ...f.timedOut], f.errors, scope)
    return {observed: this.sameAsLast(k, [...f.flows, ...assumed]), foreignFlows: f.foreign.length}
  }

  /**
   * The kernel's objects and the flows as one array: the same array as the last observation's when
   * both are the same, so the reconciler can tell it was handed the observation it already diffed.
   */
  private sameAsLast(k: readonly StateObj[], flows: readonly StateObj[]): StateObj[] {
    const flowValues = flows
      .map((o) => objValue(o))
      .sort()
      .join('\n')
    const last = this.lastObserved
    if (last?.kernel === k && last.flowValues === flowValues) return last.all
    const all = [...k, ...flows]
    this.lastObserved = {kernel: k, flowValues, all}
    return all
  }

  /**
   * The flows of bridges whose dump ran out of time: the desired ones are reported in place, so
   * this pass leaves them (and that bridge's foreign flows) as they are instead of waiting on an
   * ovs-vswitchd that does not answer; the next full pass dumps them again (see `unobserved`).
   */
  private assumeUnobserved(
    timedOut: readonly string[],
    errors: Record<string, string>,
    scope: ObserveScope,
  ): FlowObj[] {
    const wanted = new Set(timedOut)
    // The same bridges still silent and their probe still pending (they were not dumped): the probe
    // and its backoff stay as they are, and the warning is not repeated every pass.
    const pending = this.retryTimer !== undefined || this.probing
    if (!this.answered && pending && sameMembers(this.unobserved, wanted)) {
      this.logger.debug('flows not dumped: ovs-vswitchd has not answered since; left as they are', {
        bridges: timedOut,
      })
      return (scope.adopt ?? []).filter((o): o is FlowObj => isFlow(o) && wanted.has(o.bridge))
    }

    this.unobserved = [...timedOut]
    this.answered = false
    if (this.retryTimer) clearTimeout(this.retryTimer)
    this.retryTimer = undefined
    if (timedOut.length === 0) {
      this.unobservedRuns = 0
      return []
    }

    this.logger.warn(
      'flows not observed: ovs-vswitchd did not answer in time; left as they are until a full pass dumps them',
      {
        bridges: Object.fromEntries(timedOut.map((b) => [b, errors[b]])),
        retryInMs: this.scheduleProbe(),
      },
    )
    return (scope.adopt ?? []).filter((o): o is FlowObj => isFlow(o) && wanted.has(o.bridge))
  }

  /**
   * The bridges a full observation dumps: all but those whose last dump ran out of time and that no
   * probe has heard from since. Dumping those again would hold every full pass for the whole dump
   * timeout (10 s) while ovs-vswitchd stays busy, and NB changes wait for the pass: the probe is
   * what asks them, and its answer makes the next full pass dump them.
   */
  private dumpable(bridges: readonly string[]): string[] {
    if (this.answered || this.unobserved.length === 0) return [...bridges]
    const silent = new Set(this.unobserved)
    return bridges.filter((b) => !silent.has(b))
  }

  /** Arms the next probe of the unobserved bridges: flowRetryMs, doubling up to 16 times it. Returns its delay. */
  private scheduleProbe(): number {
    const retryMs = this.flowRetryMs * 2 ** Math.min(this.unobservedRuns++, 4)
    this.retryTimer = setTimeout(() => void this.probe(), retryMs)
    this.retryTimer.unref?.()
    return retryMs
  }

  /**
   * One bounded dump of the unobserved bridges. Still no answer: the next probe is armed. An answer
   * (or another error, which a full pass reports): the next pass is made full, and asked for.
   */
  private async probe(): Promise<void> {
    this.retryTimer = undefined
    const bridges = this.unobserved
    if (bridges.length === 0 || !this.flows) return
    this.probing = true
    const r = await this.flows.dumpAll(bridges).finally(() => {
      this.probing = false
    })
    if (this.unobserved !== bridges) return // a full observation ran meanwhile and decided
    if (r.timedOut.length > 0) {
      this.logger.debug('flows still not answered', {bridges: r.timedOut, retryInMs: this.scheduleProbe()})
      return
    }

    this.answered = true
    for (const l of this.driftListeners) l(`flows of ${bridges.join(', ')} answer again; a full pass dumps them`)
  }

  /**
   * The kernel's delta, plus the cookie-999 flows under flow keys when there are any (one dump per
   * bridge then; none when the change touched no flow). Odd foreign flows are left to full passes.
   */
  async observeDelta(
    scope: ObserveScope,
    keys: Iterable<string>,
    desiredOf: DesiredLookup,
  ): Promise<DeltaObservation | undefined> {
    if (
      !this.kernel.observeDelta ||
      (this.answered && this.unobserved.length > 0) ||
      (this.flows && scope.staleBridges && scope.staleBridges.length > 0)
    )
      return undefined
    const k = await this.kernel.observeDelta(scope, keys, desiredOf)
    if (!k) return undefined
    this.bridges = scope.bridges.map((b) => b.name)
    const flowKeys = [...k.keys].filter((key) => key.startsWith('flow|'))
    const silent = new Set(this.unobserved)
    const dumpable = this.bridges.filter((b) => !silent.has(b))
    if (flowKeys.length > 0 && this.flows && dumpable.length > 0) {
      const f = await this.flows.dumpAll(dumpable)
      for (const fl of f.flows) {
        const key = objKey(fl)
        if (k.keys.has(key)) k.observed.set(key, fl)
      }
    }

    // A silent bridge's desired flows count as in place, as in the full observation that found it so.
    for (const key of silent.size > 0 ? flowKeys : []) {
      const d = desiredOf(key)
      if (d && isFlow(d) && silent.has(d.bridge)) k.observed.set(key, d)
    }

    return k
  }

  /**
   * The kernel part and the flows side by side: neither needs the other (the flows rewrite the
   * destination MAC of what enters from the bridge's patch port; nothing in the kernel refers to
   * them). The flows go first: run after a large kernel apply, the ovs-ofctl took about 12 s at
   * 2,000 ports in the emulated guest (the kernel part 7 s), most likely waiting for an
   * ovs-vswitchd busy with the route and neighbour notifications it follows; started first, it
   * is hidden behind the kernel part (cold pass 23.8 s -> 16.6 s).
   */
  async apply(plan: Plan, opts: {prune?: boolean} = {}): Promise<OpResult[]> {
    const kernelPlan: Plan = {
      add: plan.add.filter((o) => !isFlow(o)),
      remove: plan.remove.filter((o) => !isFlow(o)),
      unchanged: plan.unchanged,
    }
    const flows = this.applyFlows(plan.add.filter(isFlow), plan.remove.filter(isFlow), opts.prune ? this.foreign : [])
    const kernel =
      kernelPlan.add.length + kernelPlan.remove.length > 0
        ? this.kernel.apply(kernelPlan, {ensureUp: this.bridges})
        : Promise.resolve([])
    const [k, f] = await Promise.all([kernel, flows])
    return [...k, ...f]
  }

  private async applyFlows(add: FlowObj[], remove: FlowObj[], foreign: ForeignFlow[]): Promise<OpResult[]> {
    if (add.length + remove.length + foreign.length === 0) return []
    if (!this.flows) return add.map((obj) => ({action: 'add', obj, ok: false, error: 'OVS is not available'}))
    const res = await this.flows.apply({add, remove, removeForeign: foreign})
    return res.filter(isPlanResult)
  }
}
