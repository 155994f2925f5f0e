// The reconcile loop's contract, with the real planner and an in-memory datapath that applies
// plans to a set (the loop's semantics are pure: coalescing, no overlap, prune gating).
import {expect} from 'chai'

import type {AgentConfig} from '../../../src/lib/config/types.js'
import type {Datapath, OpResult} from '../../../src/lib/reconciler/types.js'

import {defaultConfig} from '../../../src/lib/config/index.js'
import {NbState} from '../../../src/lib/nb/state.js'
import {objKey, objValue, type Plan, type StateObj} from '../../../src/lib/planner/types.js'
import {ReconcileLoop} from '../../../src/lib/reconciler/loop.js'
import {Reconciler} from '../../../src/lib/reconciler/reconcile.js'
import {brExNode} from '../../helpers/nb-changes.js'
import {sleep} from '../../helpers/wait.js'

class MemoryDatapath implements Datapath {
  readonly objects = new Map<string, StateObj>()
  applies = 0
  inFlight = 0
  maxInFlight = 0

  async observe(): Promise<StateObj[]> {
    return [...this.objects.values()]
  }

  async apply(plan: Plan): Promise<OpResult[]> {
    this.applies++
    this.inFlight++
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight)
    await sleep(20)
    for (const o of plan.remove) this.objects.delete(objKey(o))
    for (const o of plan.add) this.objects.set(objKey(o), o)
    this.inFlight--
    return [
      ...plan.add.map((obj) => ({action: 'add' as const, obj, ok: true})),
      ...plan.remove.map((obj) => ({action: 'remove' as const, obj, ok: true})),
    ]
  }
}

const ctx = brExNode({name: 'patch-provnet-1', ofport: 2})

function topology(up: boolean): NbState {
  return NbState.fromRows({
    lss: [{uuid: 'ls-pub', name: 'neutron-pub', ports: ['ln', 'vm1']}],
    lsps: [
      {
        uuid: 'ln',
        name: 'provnet-pub',
        type: 'localnet',
        addresses: ['unknown'],
        up: undefined,
        tag: undefined,
        options: {network_name: 'physnet1'},
        externalIds: {},
      },
      {
        uuid: 'vm1',
        name: 'port-vm1',
        type: '',
        addresses: ['fa:16:3e:00:01:e2 172.24.4.226'],
        up,
        tag: undefined,
        options: {'requested-chassis': 'compute-1'},
        externalIds: {'neutron:network_name': 'neutron-pub', 'neutron:cidrs': '172.24.4.226/24'},
      },
    ],
  })
}

function setup(nb: NbState, prune = true) {
  const cfg: AgentConfig = {...defaultConfig(), driver: 'nb_ovn_bgp_driver'}
  const dp = new MemoryDatapath()
  const reconciler = new Reconciler({cfg, datapath: dp, local: {context: async () => ctx}})
  const loop = new ReconcileLoop({reconciler, nb, pruneAllowed: () => prune, debounceMs: 5})
  return {dp, loop, reconciler}
}

const addrs = (dp: MemoryDatapath) =>
  [...dp.objects.values()].filter((o) => o.kind === 'address' && o.dev === 'bgp-nic').map(objValue)

describe('ReconcileLoop', () => {
  it('converges on start and a second pass finds nothing to do', async () => {
    const {dp, loop, reconciler} = setup(topology(true))
    const first = await loop.start()
    expect(first?.changed).to.equal(true)
    expect(addrs(dp)).to.deep.equal(['address|bgp-nic|172.24.4.226/32'])
    const again = await reconciler.pass(topology(true), {prune: true})
    expect(again.changed).to.equal(false)
    expect(again.plan.unchanged).to.equal(dp.objects.size)
    await loop.stop()
  })

  it('coalesces a burst of changes into few passes that never overlap', async () => {
    const nb = topology(true)
    const {dp, loop} = setup(nb)
    await loop.start()
    const before = loop.passes
    for (let i = 0; i < 50; i++) loop.request('event')
    await loop.idle()
    expect(loop.passes - before).to.be.within(1, 2)
    expect(dp.maxInFlight).to.equal(1)
    await loop.stop()
  })

  it('afterPass: at once when idle; else after the passes pending at the call, not the ones asked for later', async () => {
    const nb = topology(true)
    const {loop} = setup(nb)
    await loop.start()
    const idleAt = loop.passes
    await loop.afterPass()
    expect(loop.passes).to.equal(idleAt)

    // every change below has something to apply, and apply takes 20 ms
    const change = (up: boolean): void => {
      nb.upsert('Logical_Switch_Port', {...nb.lsp('vm1')!, up})
      loop.request('event')
    }

    change(false)
    await sleep(8) // pass 1 is inside apply()
    expect(loop.passRunningMs()).to.not.equal(undefined)
    const at = loop.passes
    let gateAt: number | undefined
    let idleAfter: number | undefined
    const gate = loop.afterPass().then(() => {
      gateAt = loop.passes - at
    })
    const idle = loop.idle().then(() => {
      idleAfter = loop.passes - at
    })
    await sleep(4)
    change(true) // asked for during pass 1: pass 2
    await gate
    expect(gateAt, 'afterPass: pass 1 only').to.equal(1)
    while (loop.passRunningMs() === undefined) await sleep(1)
    await sleep(8)
    change(false) // asked for during pass 2: pass 3
    await idle
    expect(idleAfter, 'idle(): every pass asked for meanwhile').to.equal(3)
    await loop.stop()
  })

  it('picks up a change that arrives while a pass is running', async () => {
    const nb = topology(true)
    const {dp, loop} = setup(nb)
    await loop.start()
    nb.upsert('Logical_Switch_Port', {...nb.lsp('vm1')!, up: false})
    loop.request('event')
    await sleep(8) // the pass is now inside apply()
    nb.upsert('Logical_Switch_Port', {...nb.lsp('vm1')!, up: true, addresses: ['fa:16:3e:00:01:e2 172.24.4.227']})
    loop.request('event')
    await loop.idle()
    expect(addrs(dp)).to.deep.equal(['address|bgp-nic|172.24.4.227/32'])
    await loop.stop()
  })

  it('does not remove anything while pruning is not allowed', async () => {
    const nb = topology(true)
    const {dp, loop} = setup(nb, false)
    dp.objects.set('address|bgp-nic|192.0.2.9/32', {kind: 'address', dev: 'bgp-nic', cidr: '192.0.2.9/32'})
    await loop.start()
    expect(addrs(dp)).to.include('address|bgp-nic|192.0.2.9/32')
    await loop.stop()
  })
})
