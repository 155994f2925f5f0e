// A periodic pass of an unchanged node reuses what it derived last time instead of walking the
// whole node again: the self-check that agrees keeps the incremental result (the same object from
// pass to pass), the NodeDatapath hands back the same array for the same kernel array and the same
// flows, and the reconciler's full diff of the very same two arrays is the same plan. What must
// hold: a change on either side is never hidden by the reuse. The real planner; a kernel layer
// that keeps its observation while nothing changes, as the watched kernel does.
import {expect} from 'chai'

import type {FlowObj, Plan, StateObj} from '../../../src/lib/planner/types.js'
import type {ObserveScope, OpResult} from '../../../src/lib/reconciler/types.js'

import {defaultConfig} from '../../../src/lib/config/index.js'
import {type OfctlFlows} from '../../../src/lib/ovs/ofctl.js'
import {objKey} from '../../../src/lib/planner/types.js'
import {type KernelLayer, NodeDatapath} from '../../../src/lib/reconciler/node-datapath.js'
import {Reconciler} from '../../../src/lib/reconciler/reconcile.js'
import {brExNode, insert, LS, LSP, pubNetworkWith, pubVm, update} from '../../helpers/nb-changes.js'

/** A kernel layer whose observation is the same array until something changes (WatchedKernel.ownedNow). */
class KeptKernel implements KernelLayer {
  readonly objects = new Map<string, StateObj>()
  private kept: StateObj[] | undefined
  observes = 0

  async observe(): Promise<StateObj[]> {
    this.observes++
    this.kept ??= [...this.objects.values()]
    return this.kept
  }

  async apply(plan: Plan): Promise<OpResult[]> {
    for (const o of plan.remove) this.objects.delete(objKey(o))
    for (const o of plan.add) this.objects.set(objKey(o), o)
    if (plan.add.length + plan.remove.length > 0) this.kept = undefined
    return [
      ...plan.add.map((obj) => ({action: 'add' as const, obj, ok: true})),
      ...plan.remove.map((obj) => ({action: 'remove' as const, obj, ok: true})),
    ]
  }

  /** Someone else's change (the dump found it): the next observation is a new array. */
  behindItsBack(f: (m: Map<string, StateObj>) => void): void {
    f(this.objects)
    this.kept = undefined
  }
}

const flow = (inPort: number, mac: string): FlowObj => ({kind: 'flow', bridge: 'br-ex', inPort, family: 4, mac})

/** ovs-ofctl stand-in: each dump is new objects (as parsed from a new text), with the same values while unchanged. */
function flowSide(initial: FlowObj[] = []) {
  const current = new Map(initial.map((f) => [objKey(f), f]))
  const flows = {
    dumpAll: async () => ({flows: [...current.values()].map((f) => ({...f})), foreign: [], errors: {}, timedOut: []}),
    async apply(c: {add: FlowObj[]; remove: FlowObj[]}) {
      for (const f of c.remove) current.delete(objKey(f))
      for (const f of c.add) current.set(objKey(f), f)
      return [
        ...c.add.map((obj) => ({action: 'add' as const, obj, ok: true})),
        ...c.remove.map((obj) => ({action: 'remove' as const, obj, ok: true})),
      ]
    },
  } as unknown as OfctlFlows
  const set = (f: FlowObj[]): void => {
    current.clear()
    for (const x of f) current.set(objKey(x), x)
  }

  return {flows, set}
}

const ctx = brExNode()
const cfg = {...defaultConfig(), driver: 'nb_ovn_bgp_driver'}
function setup() {
  const nb = pubNetworkWith(pubVm('vm1', '172.24.4.10'))
  const kernel = new KeptKernel()
  const rec = new Reconciler({
    cfg,
    datapath: new NodeDatapath(kernel, flowSide().flows),
    local: {context: async () => ctx},
  })
  rec.enableIncremental()
  return {nb, kernel, rec}
}

const periodic = {prune: true, fullRecompute: true} as const
const bgpAddresses = (k: KeptKernel): string[] =>
  [...k.objects.values()].filter((o) => o.kind === 'address' && o.dev === cfg.bgpNic).map((o) => objKey(o))

describe('Reconciler: the periodic pass of an unchanged node', () => {
  async function settled() {
    const s = setup()
    await s.rec.pass(s.nb, periodic) // start: applies
    s.rec.buildDeferred()
    await s.rec.pass(s.nb, periodic) // the planner's own result, checked against a scratch one
    return s
  }

  it('nothing changed: the same desired object, the same observation, the same (empty) plan', async () => {
    const {nb, rec} = await settled()
    const a = await rec.pass(nb, periodic)
    const desired = rec.lastDesired
    const b = await rec.pass(nb, periodic)
    expect(b.desiredMismatches).to.equal(0)
    expect(rec.lastDesired, 'the agreeing self-check keeps the incremental result').to.equal(desired)
    expect(b.plan).to.equal(a.plan)
    expect(b.changed).to.equal(false)
  })

  it('an object removed behind its back: a new observation, diffed, and the object put back', async () => {
    const {nb, kernel, rec} = await settled()
    await rec.pass(nb, periodic)
    const [gone] = bgpAddresses(kernel)
    kernel.behindItsBack((m) => m.delete(gone!))
    const p = await rec.pass(nb, periodic)
    expect(p.plan.add.map((o) => objKey(o))).to.deep.equal([gone])
    expect(bgpAddresses(kernel)).to.include(gone)
  })

  it('a foreign-looking object of ours added behind its back: removed by the next periodic pass', async () => {
    const {nb, kernel, rec} = await settled()
    await rec.pass(nb, periodic)
    const stray: StateObj = {kind: 'address', dev: cfg.bgpNic, cidr: '172.24.4.99/32'}
    kernel.behindItsBack((m) => m.set(objKey(stray), stray))
    const p = await rec.pass(nb, periodic)
    expect(p.plan.remove.map((o) => objKey(o))).to.deep.equal([objKey(stray)])
  })

  it('a desired change with the very same observation array: diffed, not the last plan', async () => {
    const {nb, kernel, rec} = await settled()
    await rec.pass(nb, periodic)
    const {observes} = kernel
    rec.markChanged(nb.applyChange(insert(LSP, pubVm('vm2', '172.24.4.11')))!)
    rec.markChanged(
      nb.applyChange(
        update(
          LS,
          {uuid: 'ls-pub', name: 'neutron-pub', ports: ['ln', 'uuid-vm1', 'uuid-vm2']},
          {ports: ['ln', 'uuid-vm1']},
        ),
      )!,
    )
    const p = await rec.pass(nb, periodic)
    expect(kernel.observes).to.equal(observes + 1)
    expect(p.plan.add.map((o) => objKey(o))).to.include(`address|${cfg.bgpNic}|172.24.4.11/32`)
    expect(bgpAddresses(kernel)).to.include(`address|${cfg.bgpNic}|172.24.4.11/32`)
  })
})

describe('NodeDatapath: the same observation for the same kernel array and flows', () => {
  const scope: ObserveScope = {
    bgpNic: 'bgp-nic',
    bgpVrf: 'bgp-vrf',
    vrfTable: 10,
    bridges: [{name: 'br-ex', table: 200}],
  }

  it('the same array while neither side changed; a new one when the flows or the kernel array change', async () => {
    const kernel = new KeptKernel()
    kernel.objects.set('address|bgp-nic|172.24.4.10/32', {kind: 'address', dev: 'bgp-nic', cidr: '172.24.4.10/32'})
    const side = flowSide([flow(3, 'fa:16:3e:00:00:01'), flow(4, 'fa:16:3e:00:00:02')])
    const dp = new NodeDatapath(kernel, side.flows)
    const a = await dp.observe(scope)
    expect(a).to.have.length(3)
    expect(await dp.observe(scope), 'flows parsed anew, same values').to.equal(a)
    side.set([flow(4, 'fa:16:3e:00:00:02'), flow(3, 'fa:16:3e:00:00:01')])
    expect(await dp.observe(scope), 'the same flows in another order').to.equal(a)
    side.set([flow(3, 'fa:16:3e:00:00:09')])
    const b = await dp.observe(scope)
    expect(b).to.not.equal(a)
    expect(b.filter((o) => o.kind === 'flow')).to.deep.equal([flow(3, 'fa:16:3e:00:00:09')])
    kernel.behindItsBack((m) => m.clear())
    const c = await dp.observe(scope)
    expect(c).to.not.equal(b)
    expect(c.map((o) => o.kind)).to.deep.equal(['flow'])
  })
})
