// Reconciler: how failed operations are logged. A node where every op fails (a missing kernel
// module, say) retries its passes; the log names each failure once, a bounded number per pass, and
// otherwise says how many still fail and why in one line — not thousands of lines per retry.
// The real planner, an in-memory datapath whose adds fail while `error` is set.
import {expect} from 'chai'

import type {Datapath, OpResult} from '../../../src/lib/reconciler/types.js'

import {defaultConfig} from '../../../src/lib/config/index.js'
import {StreamLogger} from '../../../src/lib/log.js'
import {objKey, type Plan, type StateObj} from '../../../src/lib/planner/types.js'
import {Reconciler} from '../../../src/lib/reconciler/reconcile.js'
import {brExNode, LS, LSP, nbWith} from '../../helpers/nb-changes.js'

class FailingDatapath implements Datapath {
  readonly objects = new Map<string, StateObj>()
  error: ((o: StateObj) => string | undefined) | undefined

  async observe(): Promise<StateObj[]> {
    return [...this.objects.values()]
  }

  async apply(plan: Plan): Promise<OpResult[]> {
    const out: OpResult[] = plan.remove.map((obj) => ({action: 'remove', obj, ok: true}))
    for (const obj of plan.add) {
      const error = this.error?.(obj)
      if (error === undefined) this.objects.set(objKey(obj), obj)
      out.push(error === undefined ? {action: 'add', obj, ok: true} : {action: 'add', obj, ok: false, error})
    }

    return out
  }
}

const ctx = brExNode()

/** `n` VM ports bound here on one provider network: 4 objects each (address, rule, route, neighbour). */
function node(n: number) {
  const ports = Array.from({length: n}, (_, i) => ({
    uuid: `uuid-vm${i}`,
    name: `vm${i}`,
    addresses: [`fa:16:3e:00:01:${(i + 16).toString(16)} 172.24.4.${i + 10}`],
    up: true,
    options: {'requested-chassis': 'compute-1'},
    externalIds: {'neutron:network_name': 'neutron-pub', 'neutron:cidrs': `172.24.4.${i + 10}/24`},
  }))
  const nb = nbWith(
    [
      LSP,
      {uuid: 'ln', name: 'provnet-1', type: 'localnet', addresses: ['unknown'], options: {network_name: 'physnet1'}},
    ],
    ...ports.map((p): [string, Record<string, unknown>] => [LSP, p]),
    [LS, {uuid: 'ls-pub', name: 'neutron-pub', ports: ['ln', ...ports.map((p) => p.uuid)]}],
  )
  const lines: Array<Record<string, unknown> & {msg: string}> = []
  const dp = new FailingDatapath()
  const rec = new Reconciler({
    cfg: {...defaultConfig(), driver: 'nb_ovn_bgp_driver'},
    datapath: dp,
    local: {context: async () => ctx},
    logger: new StreamLogger({level: 'warn', json: true, write: (l) => lines.push(JSON.parse(l))}),
  })
  const pass = async () => {
    lines.length = 0
    const r = await rec.pass(nb, {prune: true})
    return {
      failed: r.failed.length,
      each: lines.filter((l) => l.msg === 'operation failed'),
      summary: lines.filter((l) => l.msg === 'operations failed'),
    }
  }

  return {dp, pass}
}

describe('reconciler: failed operations in the log', () => {
  it('a few failures: each logged once, not again while it fails the same way, again when the error changes', async () => {
    const {dp, pass} = node(2)
    dp.error = (o) => (o.kind === 'route' ? 'Cannot find device "br-ex"' : undefined)
    const first = await pass()
    expect(first.failed).to.be.greaterThan(0)
    expect(first.each).to.have.length(first.failed)
    expect(first.summary).to.deep.equal([])
    const again = await pass()
    expect(again.failed).to.equal(first.failed)
    expect(again.each, 'the same failure is not repeated').to.deep.equal([])
    expect(again.summary).to.have.length(1)
    expect(again.summary[0]).to.deep.include({failed: first.failed, new: 0, logged: 0})
    dp.error = (o) => (o.kind === 'route' ? 'Network is unreachable' : undefined)
    const changed = await pass()
    expect(changed.each.map((l) => l.error)).to.deep.equal(
      Array.from({length: changed.failed}, () => 'Network is unreachable'),
    )
    dp.error = undefined
    const fixed = await pass()
    expect([fixed.failed, fixed.each.length, fixed.summary.length]).to.deep.equal([0, 0, 0])
  })

  it('thousands of failures: at most 20 lines and one summary by error, then one line per retry', async () => {
    const {dp, pass} = node(60)
    dp.error = (o) => (o.kind === 'address' ? 'not announced: wiring failed' : 'Cannot find device "br-ex.100"')
    const first = await pass()
    expect(first.failed).to.be.greaterThan(100)
    expect(first.each).to.have.length(20)
    expect(first.summary).to.have.length(1)
    const s = first.summary[0]!
    expect(s).to.deep.include({failed: first.failed, new: first.failed, logged: 20})
    const errors = s.errors as Record<string, number>
    expect(Object.values(errors).reduce((a, b) => a + b, 0)).to.equal(first.failed)
    expect(errors['not announced: wiring failed']).to.be.at.least(60)
    const again = await pass()
    expect([again.each.length, again.summary.length]).to.deep.equal([0, 1])
  })
})
