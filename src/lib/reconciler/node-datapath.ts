import type {ForeignFlow} from '../ovs/flow-text.js'
// The node's datapath as one Datapath: the kernel layer for links, addresses, rules, routes,
// neighbours, NDP proxies and sysctls, and ovs-ofctl for the cookie-999 flows.
import type {OfctlFlows} from '../ovs/ofctl.js'
import type {FlowObj, Plan, StateObj} from '../planner/types.js'
import type {Datapath, ObserveScope, OpResult} from './types.js'

/** What the reconciler needs from the kernel layer (src/lib/kernel). */
export interface KernelLayer {
  observe(scope: ObserveScope): Promise<StateObj[]>
  /** `ensureUp`: provider bridges to set up first when they are down. */
  apply(plan: Plan, opts?: {ensureUp?: readonly string[]}): Promise<OpResult[]>
  /** Bridges that left the mappings but whose routing table ovn-bgp allocated (their state is pruned). */
  staleBridges?(scope: ObserveScope): Promise<Array<{name: string; table: number}>>
  /** Kernel drift (watched kernel only): an owned desired object removed/changed, a device down. */
  onDrift?(listener: (reason: string) => void): void
}

const isFlow = (o: StateObj): o is FlowObj => o.kind === 'flow'
export class NodeDatapath implements Datapath {
  /** Cookie-999 flows of a shape we do not model, seen by the last observe(); deleted when pruning. */
  private foreign: ForeignFlow[] = []
  /** Provider bridges of the last observe (ensured up when a plan is applied). */
  private bridges: string[] = []

  constructor(
    private readonly kernel: KernelLayer,
    private readonly flows: OfctlFlows | undefined,
  ) {}

  onDrift(listener: (reason: string) => void): void {
    this.kernel.onDrift?.(listener)
  }

  async observe(scope: ObserveScope): Promise<StateObj[]> {
    const stale = scope.staleBridges ?? (await this.kernel.staleBridges?.(scope)) ?? []
    this.bridges = scope.bridges.map((b) => b.name)
    // Flows of a bridge that left the mappings are observed too (and so removed when pruning).
    const bridges = [...this.bridges, ...stale.map((b) => b.name)]
    const [k, f] = await Promise.all([
      this.kernel.observe(stale.length > 0 ? {...scope, staleBridges: stale} : scope),
      this.flows && bridges.length > 0
        ? this.flows.dumpAll(bridges)
        : Promise.resolve({flows: [], foreign: [], errors: {}}),
    ])
    this.foreign = f.foreign
    return [...k, ...f.flows]
  }

  async apply(plan: Plan, opts: {prune?: boolean} = {}): Promise<OpResult[]> {
    const kernelPlan: Plan = {
      add: plan.add.filter((o) => !isFlow(o)),
      remove: plan.remove.filter((o) => !isFlow(o)),
      unchanged: plan.unchanged,
    }
    const addFlows = plan.add.filter(isFlow)
    const removeFlows = plan.remove.filter(isFlow)
    const out: OpResult[] = []
    if (kernelPlan.add.length + kernelPlan.remove.length > 0)
      out.push(...(await this.kernel.apply(kernelPlan, {ensureUp: this.bridges})))
    const foreign = opts.prune ? this.foreign : []
    if (addFlows.length + removeFlows.length + foreign.length > 0) {
      if (this.flows) {
        const res = await this.flows.apply({add: addFlows, remove: removeFlows, removeForeign: foreign})
        for (const r of res) {
          if (r.op.op === 'delete-foreign') continue
          out.push({
            action: r.op.op === 'add' ? 'add' : 'remove',
            obj: r.op.flow,
            ok: r.ok,
            ...(r.error ? {error: r.error} : {}),
          })
        }
      } else {
        for (const obj of addFlows) out.push({action: 'add', obj, ok: false, error: 'OVS is not available'})
      }
    }

    return out
  }
}
