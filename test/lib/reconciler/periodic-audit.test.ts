// The periodic audit (reconcile.ts): in watch mode the periodic comparison of the whole desired
// state with the whole node runs outside the passes; what it finds out of sync is looked at again
// by the next delta pass, never applied from what the audit read. The real planner, an in-memory
// datapath with a delta observation and an audit.
import {expect} from 'chai'

import {defaultConfig} from '../../../src/lib/config/index.js'
import {objKey} from '../../../src/lib/planner/types.js'
import {ReconcileLoop} from '../../../src/lib/reconciler/loop.js'
import {AuditMemoryDatapath, watchReconciler} from '../../helpers/memory-datapath.js'
import {brExNode, insert, LSP, pubNetworkWith, pubVm} from '../../helpers/nb-changes.js'
import {waitFor} from '../../helpers/wait.js'

const ctx = brExNode()
const cfg = {...defaultConfig(), driver: 'nb_ovn_bgp_driver'}
const ADDR1 = `address|${cfg.bgpNic}|172.24.4.10/32`

async function watchNode() {
  const nb = pubNetworkWith(pubVm('vm1', '172.24.4.10', true))
  const dp = new AuditMemoryDatapath()
  const {rec, lines} = watchReconciler(cfg, ctx, dp)
  await rec.pass(nb, {prune: true, fullRecompute: true})
  rec.buildDeferred()
  await rec.pass(nb, {prune: true}) // the planner's build is in: passes are delta passes from here
  const logged = () => lines.map((l) => JSON.parse(l) as {msg: string; objects?: number; first?: string[]})
  return {nb, dp, rec, logged}
}

const addresses = (dp: AuditMemoryDatapath) =>
  [...dp.objects.values()]
    .filter((o) => o.kind === 'address' && o.dev === cfg.bgpNic)
    .map((o) => (o as {cidr: string}).cidr)

describe('Reconciler: the periodic audit', () => {
  it('finds drift no notification reported; the next delta pass repairs it', async () => {
    const {nb, dp, rec, logged} = await watchNode()
    dp.objects.delete(ADDR1) // behind the model's back: a delta pass does not look at it
    expect((await rec.pass(nb, {prune: true})).changed).to.equal(false)
    const r = await rec.audit()
    expect(r).to.deep.include({keys: 1})
    expect(logged().find((l) => l.msg.startsWith('periodic audit found'))?.first).to.deep.equal([ADDR1])
    const repair = await rec.pass(nb, {prune: true})
    expect(repair.deltaKeys, 'a delta pass').to.be.a('number')
    expect(repair.plan.add.map(objKey)).to.deep.equal([ADDR1])
    expect(addresses(dp)).to.deep.equal(['172.24.4.10/32'])
    expect(await rec.audit()).to.deep.include({keys: 0})
  })

  it('an owned object nobody wants is found and removed by the next pass', async () => {
    const {nb, dp, rec} = await watchNode()
    const stray = {kind: 'address' as const, dev: cfg.bgpNic, cidr: '172.24.4.99/32'}
    dp.objects.set(objKey(stray), stray)
    expect(await rec.audit()).to.deep.include({keys: 1})
    const repair = await rec.pass(nb, {prune: true})
    expect(repair.plan.remove.map(objKey)).to.deep.equal([objKey(stray)])
    expect(addresses(dp)).to.deep.equal(['172.24.4.10/32'])
  })

  it('passes go on during the audit; what it read before them undoes nothing', async () => {
    const {nb, dp, rec, logged} = await watchNode()
    let release!: () => void
    dp.gate = new Promise((r) => {
      release = r
    })
    const audit = rec.audit()
    // The audit's "dump" is in flight: an NB change gets its pass at once.
    rec.markChanged(nb.applyChange(insert(LSP, pubVm('vm2', '172.24.4.11', true)))!)
    const ev = await rec.pass(nb, {prune: true})
    expect(ev.plan.add.filter((o) => o.kind === 'address').map(objKey)).to.deep.equal([
      `address|${cfg.bgpNic}|172.24.4.11/32`,
    ])
    expect(await rec.audit(), 'one audit at a time').to.equal(undefined)
    release()
    expect(await audit, 'the new port: read before its pass, looked at again').to.deep.include({keys: 4})
    const quiet = logged().find((l) => l.msg === 'periodic audit: in sync') as {changedMeanwhile?: number} | undefined
    expect(quiet?.changedMeanwhile, 'explained by the pass that ran meanwhile: not reported as found').to.equal(4)
    const after = await rec.pass(nb, {prune: true})
    expect(after.changed, 'nothing to do: the pass looked again').to.equal(false)
    expect(addresses(dp).sort()).to.deep.equal(['172.24.4.10/32', '172.24.4.11/32'])
  })

  it('gives way to passes: its pieces wait while a pass runs', async () => {
    const {nb, dp, rec} = await watchNode()
    const order: string[] = []
    let release!: () => void
    const held = new Promise<void>((r) => {
      release = r
    })
    const apply = dp.apply.bind(dp)
    dp.apply = async (plan) => {
      order.push('pass applying')
      await held
      order.push('pass applied')
      return apply(plan)
    }

    dp.between = async (between) => {
      order.push('audit piece done')
      await between()
      order.push('audit goes on')
    }

    rec.markChanged(nb.applyChange(insert(LSP, pubVm('vm3', '172.24.4.12', true)))!)
    const pass = rec.pass(nb, {prune: true})
    await new Promise((r) => {
      setImmediate(r)
    })
    const audit = rec.audit()
    await new Promise((r) => {
      setTimeout(r, 20)
    })
    expect(order, 'the audit waits for the pass').to.deep.equal(['pass applying', 'audit piece done'])
    release()
    await pass
    await audit
    expect(order).to.deep.equal(['pass applying', 'audit piece done', 'pass applied', 'audit goes on'])
  })

  it('a refused audit, or foreign flows to prune, make the next pass full', async () => {
    for (const how of ['refuse', 'foreign'] as const) {
      const {nb, dp, rec} = await watchNode()
      if (how === 'refuse') dp.refuse = true
      else dp.foreignFlows = 2
      const r = await rec.audit()
      expect(r?.full, how).to.be.a('string')
      expect(rec.auditable(), how).to.equal(false)
      const next = await rec.pass(nb, {prune: true})
      expect(next.deltaKeys, `${how}: a full pass`).to.equal(undefined)
      expect(rec.auditable(), `${how}: after the full pass`).to.equal(true)
    }
  })

  it('is not offered while the next pass must be full anyway', async () => {
    const {nb, rec} = await watchNode()
    expect(rec.auditable()).to.equal(true)
    await rec.pass(nb, {prune: false}) // a pass that did not prune leaves the node unknown
    expect(rec.auditable()).to.equal(false)
  })
})

describe('ReconcileLoop: periodic passes with the audit', () => {
  it('a periodic pass is a delta pass that self-checks; the audit follows and its finding gets a pass', async () => {
    const {nb, dp, rec} = await watchNode()
    const triggers: Array<{trigger: string; delta: boolean; mismatches: number | undefined}> = []
    const loop = new ReconcileLoop({
      reconciler: rec,
      nb,
      pruneAllowed: () => true,
      debounceMs: 1,
      fullIntervalMs: 60,
      observer: {
        onPass(r, trigger) {
          triggers.push({trigger, delta: r.deltaKeys !== undefined, mismatches: r.desiredMismatches})
        },
      },
    })
    await loop.start()
    dp.objects.delete(ADDR1) // drift no notification reports
    await waitFor('the repair and a clean audit after it', () => addresses(dp).length === 1 && loop.audits >= 2, 5000)
    await loop.stop()
    const periodic = triggers.filter((t) => t.trigger === 'periodic')
    expect(periodic.length).to.be.greaterThan(0)
    expect(
      periodic.every((t) => t.delta),
      'periodic passes stay delta passes',
    ).to.equal(true)
    expect(periodic[0]!.mismatches, 'the self-check ran in the periodic pass').to.equal(0)
    expect(dp.audits).to.be.greaterThan(1)
    expect(
      triggers.some((t) => t.trigger === 'event' && t.delta),
      'the repair was an event pass',
    ).to.equal(true)
  })
})
