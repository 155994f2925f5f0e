// Reconciler: what a pass reports as drift repaired (the ovn_bgp_drift_repaired_total metric). An
// owned object that vanished and was put back is drift; an op that failed and is retried by the
// next pass (a route whose device is missing) is not, whether the retry fails again or succeeds.
// The real planner, an in-memory datapath that can fail route adds.
import {expect} from 'chai'

import type {Datapath, OpResult} from '../../../src/lib/reconciler/types.js'

import {defaultConfig} from '../../../src/lib/config/index.js'
import {objKey, type Plan, type StateObj} from '../../../src/lib/planner/types.js'
import {Reconciler} from '../../../src/lib/reconciler/reconcile.js'
import {brExNode, LS, LSP, nbWith} from '../../helpers/nb-changes.js'

/** Keeps what it applies; while `routesFail`, the add of vm1's route fails (and, as the kernel layer does, its address). */
class FlakyDatapath implements Datapath {
  readonly objects = new Map<string, StateObj>()
  routesFail = false

  async observe(): Promise<StateObj[]> {
    return [...this.objects.values()]
  }

  async apply(plan: Plan): Promise<OpResult[]> {
    const out: OpResult[] = []
    for (const obj of plan.remove) {
      this.objects.delete(objKey(obj))
      out.push({action: 'remove', obj, ok: true})
    }

    for (const obj of plan.add) {
      if (this.routesFail && VM1.has(objKey(obj))) {
        out.push({action: 'add', obj, ok: false, error: 'Cannot find device'})
        continue
      }

      this.objects.set(objKey(obj), obj)
      out.push({action: 'add', obj, ok: true})
    }

    return out
  }
}

const VM1 = new Set(['address|bgp-nic|172.24.4.10/32', 'route|4|200|172.24.4.10/32'])

const ctx = brExNode()

function node() {
  const nb = nbWith(
    [
      LSP,
      {uuid: 'ln', name: 'provnet-1', type: 'localnet', addresses: ['unknown'], options: {network_name: 'physnet1'}},
    ],
    [
      LSP,
      {
        uuid: 'uuid-vm1',
        name: 'vm1',
        addresses: ['fa:16:3e:00:01:02 172.24.4.10'],
        up: true,
        options: {'requested-chassis': 'compute-1'},
        externalIds: {'neutron:network_name': 'neutron-pub', 'neutron:cidrs': '172.24.4.10/24'},
      },
    ],
    [LS, {uuid: 'ls-pub', name: 'neutron-pub', ports: ['ln', 'uuid-vm1']}],
  )
  const dp = new FlakyDatapath()
  const rec = new Reconciler({
    cfg: {...defaultConfig(), driver: 'nb_ovn_bgp_driver'},
    datapath: dp,
    local: {context: async () => ctx},
  })
  return {nb, dp, rec}
}

describe('Reconciler: drift repaired', () => {
  it('counts an owned object put back after it vanished', async () => {
    const {nb, dp, rec} = node()
    await rec.pass(nb, {prune: true})
    dp.objects.delete('address|bgp-nic|172.24.4.10/32')
    const r = await rec.pass(nb, {prune: true})
    expect(r.repaired).to.deep.equal({address: 1})
  })

  it('does not count a failed op retried by the next passes, failing again or succeeding', async () => {
    const {nb, dp, rec} = node()
    dp.routesFail = true
    const first = await rec.pass(nb, {prune: true})
    expect(first.failed.map((f) => f.obj.kind).sort()).to.deep.equal(['address', 'route'])
    const again = await rec.pass(nb, {prune: true})
    expect(again.failed).to.have.length(2)
    expect(again.repaired, 'the retry failed again').to.deep.equal({})
    dp.routesFail = false
    const fixed = await rec.pass(nb, {prune: true})
    expect(fixed.failed).to.deep.equal([])
    expect(fixed.plan.add.map((o) => o.kind).sort()).to.deep.equal(['address', 'route'])
    expect(fixed.repaired, 'first applied, never in place before').to.deep.equal({})
  })
})
