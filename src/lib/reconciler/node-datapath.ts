// The node's datapath as one Datapath: the kernel layer for links, addresses, rules, routes,
// neighbours, NDP proxies and sysctls, and ovs-ofctl for the cookie-999 flows.
import type {OfctlFlows} from '../ovs/ofctl.js'
import type {ForeignFlow} from '../ovs/flow-text.js'
import type {FlowObj, Plan, StateObj} from '../planner/types.js'
import type {Datapath, ObserveScope, OpResult} from './types.js'

/** What the reconciler needs from the kernel layer (src/lib/kernel). */
export interface KernelLayer {
  observe(scope: ObserveScope): Promise<StateObj[]>
  apply(plan: Plan): Promise<OpResult[]>
}

export class NodeDatapath implements Datapath {
  /** Cookie-999 flows of a shape we do not model, seen by the last observe(); deleted when pruning. */
  private foreign: ForeignFlow[] = []

  constructor(
    private readonly kernel: KernelLayer,
    private readonly flows: OfctlFlows | undefined,
  ) {}

  async observe(scope: ObserveScope): Promise<StateObj[]> {
    const bridges = scope.bridges.map((b) => b.name)
    const [k, f] = await Promise.all([
      this.kernel.observe(scope),
      this.flows && bridges.length ? this.flows.dumpAll(bridges) : Promise.resolve({flows: [], foreign: [], errors: {}}),
    ])
    this.foreign = f.foreign
    return [...k, ...f.flows]
  }

  async apply(plan: Plan, opts: {prune?: boolean} = {}): Promise<OpResult[]> {
    const isFlow = (o: StateObj): o is FlowObj => o.kind === 'flow'
    const kernelPlan: Plan = {add: plan.add.filter((o) => !isFlow(o)), remove: plan.remove.filter((o) => !isFlow(o)), unchanged: plan.unchanged}
    const addFlows = plan.add.filter(isFlow)
    const removeFlows = plan.remove.filter(isFlow)
    const out: OpResult[] = []
    if (kernelPlan.add.length + kernelPlan.remove.length > 0) out.push(...(await this.kernel.apply(kernelPlan)))
    const foreign = opts.prune ? this.foreign : []
    if (addFlows.length + removeFlows.length + foreign.length > 0) {
      if (!this.flows) {
        for (const obj of addFlows) out.push({action: 'add', obj, ok: false, error: 'OVS is not available'})
      } else {
        const res = await this.flows.apply({add: addFlows, remove: removeFlows, removeForeign: foreign})
        for (const r of res) {
          if (r.op.op === 'delete-foreign') continue
          out.push({action: r.op.op === 'add' ? 'add' : 'remove', obj: r.op.flow, ok: r.ok, ...(r.error ? {error: r.error} : {})})
        }
      }
    }
    return out
  }
}
