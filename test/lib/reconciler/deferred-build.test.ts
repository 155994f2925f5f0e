// The planner's rebuild after a pass that put it off, in slices (the daemon's setting): the event
// loop gets a turn between slices, NB changes made meanwhile reach the next pass, a pass started
// mid-build completes the build first, and a markAll() mid-build abandons it. The real planner, an
// in-memory datapath, a hand-run queue in place of setImmediate, one port per slice.
import {expect} from 'chai'

import type {Reconciler} from '../../../src/lib/reconciler/reconcile.js'

import {insert, LS, LSP, pubNetworkWith, pubVm, update} from '../../helpers/nb-changes.js'
import {bgpNicAddresses as addresses, coldSlicedNode, slicedIp as ip} from '../../helpers/sliced-node.js'

const PORTS = 6

const coldNode = () => coldSlicedNode(PORTS)

const wanted = (...ips: string[]) => ips.map((a) => `${a}/32`).sort()

/** Binds a new port (vm9) and sets vm0 down: two changes the planner is told about. */
function change(nb: ReturnType<typeof pubNetworkWith>, rec: Reconciler): boolean[] {
  const ports = ['ln', ...Array.from({length: PORTS}, (_, i) => `uuid-vm${i}`)]
  return [
    insert(LSP, pubVm('vm9', '172.24.4.99', true)),
    update(LS, {uuid: 'ls-pub', name: 'neutron-pub', ports: [...ports, 'uuid-vm9']}, {ports}),
    update(LSP, pubVm('vm0', ip(0), false), {up: true}),
  ].map((c) => rec.markChanged(nb.applyChange(c)!))
}

describe('Reconciler: the deferred planner build in slices', () => {
  it('yields between slices and ends with the state a full computation gives', async () => {
    const {nb, dp, rec, queue, logged, drain} = await coldNode()
    expect(rec.buildDeferred()).to.equal(true)
    expect(queue, 'the first slice ran, the next one waits for its turn').to.have.length(1)
    expect(rec.buildDeferred(), 'under way: not started twice').to.equal(false)
    expect(logged('incremental state built after the pass')).to.have.length(0)
    expect(drain()).to.be.greaterThanOrEqual(PORTS - 1)
    const [built] = logged('incremental state built after the pass')
    expect(built).to.include({reason: 'first computation', pending: 0})
    expect(built!.slices).to.be.greaterThanOrEqual(PORTS)
    const full = await rec.pass(nb, {prune: true, fullRecompute: true})
    expect([full.desiredMismatches, full.changed]).to.deep.equal([0, false])
    expect(addresses(dp)).to.deep.equal(wanted(...Array.from({length: PORTS}, (_, i) => ip(i))))
  })

  it('NB changes between slices are marked (each may matter) and reach the next pass, a delta pass', async () => {
    const {nb, dp, rec, drain} = await coldNode()
    rec.buildDeferred()
    expect(change(nb, rec), 'mid-build every change may matter').to.deep.equal([true, true, true])
    drain()
    const next = await rec.pass(nb, {prune: true})
    expect(next.deltaKeys, 'a delta pass').to.be.a('number')
    const now = [...Array.from({length: PORTS - 1}, (_, i) => ip(i + 1)), '172.24.4.99']
    expect(addresses(dp)).to.deep.equal(wanted(...now))
    const full = await rec.pass(nb, {prune: true, fullRecompute: true})
    expect([full.desiredMismatches, full.changed]).to.deep.equal([0, false])
  })

  it('a pass started mid-build waits for the slices to end (its thread not held), then plans on the whole state', async () => {
    const {nb, dp, rec, queue, logged, drain} = await coldNode()
    rec.buildDeferred()
    change(nb, rec)
    let passed = false
    const pending = rec.pass(nb, {prune: true}).then((r) => {
      passed = true
      return r
    })
    await new Promise((resolve) => {
      setImmediate(resolve)
    })
    expect([passed, queue.length], 'the pass waits; the next slice is still queued').to.deep.equal([false, 1])
    expect(drain(), 'the rest of the build, slice by slice').to.be.greaterThanOrEqual(PORTS - 2)
    const next = await pending
    const [built] = logged('incremental state built after the pass')
    expect(built, 'built before the pass planned').to.not.equal(undefined)
    expect(next.deltaKeys, 'a delta pass').to.be.a('number')
    expect(logged('incremental state built after the pass'), 'once').to.have.length(1)
    const now = [...Array.from({length: PORTS - 1}, (_, i) => ip(i + 1)), '172.24.4.99']
    expect(addresses(dp)).to.deep.equal(wanted(...now))
    const full = await rec.pass(nb, {prune: true, fullRecompute: true})
    expect([full.desiredMismatches, full.changed]).to.deep.equal([0, false])
  })

  it('a markAll() mid-build abandons it: the next pass is full and correct', async () => {
    const {nb, dp, rec, logged, drain} = await coldNode()
    rec.buildDeferred()
    rec.markAll('NB resync')
    drain()
    expect(logged('incremental state build abandoned')[0]).to.include({reason: 'NB resync'})
    expect(logged('incremental state built after the pass')).to.have.length(0)
    change(nb, rec)
    const next = await rec.pass(nb, {prune: true})
    expect(next.deltaKeys, 'a full pass').to.equal(undefined)
    const now = [...Array.from({length: PORTS - 1}, (_, i) => ip(i + 1)), '172.24.4.99']
    expect(addresses(dp)).to.deep.equal(wanted(...now))
  })
})
