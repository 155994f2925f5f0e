// The daemon's periodic self-check in the background (reconciler/background-check.ts): a full pass
// whose NB changed starts the check and applies the incremental result without computing the whole
// node; the reference is built in slices with NB changes in between; once built, the next pass,
// whatever its trigger, compares; a difference is reported with its subjects and the reference is
// applied in a full pass; an NB resync voids a check under way; an unchanged NB reuses the last
// check. The real planner, an in-memory datapath, a hand-run queue in place of setImmediate.
import {expect} from 'chai'

import {insert, LS, LSP, pubVm, update} from '../../helpers/nb-changes.js'
import {bgpNicAddresses as addresses, coldSlicedNode, slicedIp as ip} from '../../helpers/sliced-node.js'

const PORTS = 6
const ports = (extra: string[] = []) => ['ln', ...Array.from({length: PORTS}, (_, i) => `uuid-vm${i}`), ...extra]

/** A node whose planner is built (cold pass, deferred build drained), with the check enabled. */
async function builtNode() {
  const node = await coldSlicedNode(PORTS, {backgroundCheck: true})
  let ready = 0
  node.rec.onSelfCheckReady(() => ready++)
  node.rec.buildDeferred()
  node.drain()
  return {...node, ready: () => ready}
}

describe('Reconciler: the periodic self-check in the background', () => {
  it('a full pass starts it and applies the incremental result; NB changes between slices; the next pass compares', async () => {
    const {nb, dp, rec, queue, drain, logged, ready} = await builtNode()
    const full = await rec.pass(nb, {prune: true, fullRecompute: true})
    expect(full.desiredMismatches, 'not compared in the pass').to.equal(undefined)
    expect(queue, 'the reference waits for its first slice').to.have.length(1)
    queue.shift()!()
    queue.shift()!()
    // a port bound and another set down while the reference is half built, both told
    for (const c of [
      insert(LSP, pubVm('vm9', '172.24.4.99', true)),
      update(LS, {uuid: 'ls-pub', name: 'neutron-pub', ports: ports(['uuid-vm9'])}, {ports: ports()}),
      update(LSP, pubVm('vm0', ip(0), false), {up: true}),
    ])
      rec.markChanged(nb.applyChange(c)!)
    const ev = await rec.pass(nb, {prune: true}) // an event pass while the check is under way
    expect(ev.desiredMismatches).to.equal(undefined)
    expect(ready(), 'not built yet').to.equal(0)
    expect(drain()).to.be.greaterThanOrEqual(PORTS - 2)
    expect(ready()).to.equal(1)
    expect(logged('self-check reference built in the background')).to.have.length(1)
    const next = await rec.pass(nb, {prune: true}) // the pass the ready check asked for
    expect(next.desiredMismatches).to.equal(0)
    expect(next.changed).to.equal(false)
    expect(addresses(dp)).to.deep.equal(
      ['172.24.4.99', ...Array.from({length: PORTS - 1}, (_, i) => ip(i + 1))].map((a) => `${a}/32`).sort(),
    )
    // nothing written since the check: the next full pass reuses it and starts none
    const again = await rec.pass(nb, {prune: true, fullRecompute: true})
    expect([again.desiredMismatches, queue.length]).to.deep.equal([0, 0])
  })

  it('finds a change the kept planner was not told about: reported with its subjects, the reference applied in a full pass', async () => {
    const {nb, dp, rec, drain, logged, ready} = await builtNode()
    nb.applyChange(update(LSP, pubVm('vm1', ip(1), false), {up: true})) // not marked
    await rec.pass(nb, {prune: true, fullRecompute: true})
    expect(addresses(dp), 'the kept state still has the port').to.include(`${ip(1)}/32`)
    drain()
    expect(ready()).to.equal(1)
    const next = await rec.pass(nb, {prune: true})
    expect(next.desiredMismatches).to.be.greaterThan(0)
    expect(next.deltaKeys, 'a full pass, not a delta one').to.equal(undefined)
    expect(addresses(dp), 'the reference was applied').to.not.include(`${ip(1)}/32`)
    const [err] = logged('incremental desired state differs from a full computation; using the full one')
    expect(err).to.include({level: 'error', background: true})
    expect(err!.subjects as string[]).to.include('port uuid-vm1')
    // the kept planner starts over; a later full pass, once it is built, checks again and agrees
    const rebuilt = await rec.pass(nb, {prune: true, fullRecompute: true})
    expect(rebuilt.desiredMismatches).to.equal(undefined)
    rec.buildDeferred()
    drain()
    await rec.pass(nb, {prune: true, fullRecompute: true})
    drain()
    const after = await rec.pass(nb, {prune: true})
    expect(after.desiredMismatches).to.equal(0)
  })

  it('an NB resync (markAll) voids a check under way: no ready signal, nothing compared', async () => {
    const {nb, rec, queue, drain, logged, ready} = await builtNode()
    await rec.pass(nb, {prune: true, fullRecompute: true})
    queue.shift()!()
    rec.markAll('NB resync')
    drain()
    expect(ready()).to.equal(0)
    expect(logged('background self-check abandoned')[0]).to.include({reason: 'NB resync'})
    const next = await rec.pass(nb, {prune: true})
    expect(next.desiredMismatches).to.equal(undefined)
  })

  it('stopBackground() ends the slices at once', async () => {
    const {nb, rec, queue, ready} = await builtNode()
    await rec.pass(nb, {prune: true, fullRecompute: true})
    rec.stopBackground()
    const steps = queue.length
    while (queue.length > 0) queue.shift()!()
    expect(steps, 'the pending step runs once and stops').to.equal(1)
    expect(ready()).to.equal(0)
  })

  describe('compared between passes (the daemon: compareWhenReady)', () => {
    /** builtNode with the daemon's wiring: the passes the comparison asks for are counted. */
    async function daemonNode() {
      const node = await builtNode()
      const asked: string[] = []
      node.rec.compareWhenReady(
        () => node.nb,
        (why) => asked.push(why),
      )
      const settle = async () => {
        for (let i = 0; i < 5; i++)
          await new Promise((r) => {
            setImmediate(r)
          })
      }

      return {...node, asked, settle}
    }

    it('no difference, nothing pending: compared without a pass, and the next pass has nothing to compare', async () => {
      const {nb, rec, drain, logged, asked, settle} = await daemonNode()
      rec.markChanged(nb.applyChange(update(LSP, pubVm('vm2', ip(2), false), {up: true}))!)
      await rec.pass(nb, {prune: true, fullRecompute: true})
      drain()
      await settle()
      expect(asked, 'no pass asked for').to.deep.equal([])
      expect(logged('incremental desired state differs from a full computation; using the full one')).to.deep.equal([])
      const next = await rec.pass(nb, {prune: true})
      expect(next.desiredMismatches, 'compared already').to.equal(undefined)
      const periodic = await rec.pass(nb, {prune: true, selfCheck: true})
      expect(periodic.desiredMismatches, 'answered by that check').to.equal(0)
    })

    it('a change the planner was not told about: reported between passes, and the next pass is full with the reference', async () => {
      const {nb, dp, rec, drain, logged, asked, settle} = await daemonNode()
      nb.applyChange(update(LSP, pubVm('vm1', ip(1), false), {up: true})) // not marked
      await rec.pass(nb, {prune: true, fullRecompute: true})
      drain()
      await settle()
      expect(asked).to.deep.equal(['self-check found differences'])
      const [err] = logged('incremental desired state differs from a full computation; using the full one')
      expect(err).to.include({level: 'error', background: true, outsidePass: true})
      const next = await rec.pass(nb, {prune: true})
      expect(next.deltaKeys, 'a full pass').to.equal(undefined)
      expect(addresses(dp), 'the scratch state applied').to.not.include(`${ip(1)}/32`)
    })

    it('an NB change not yet passed: its keys go to the pass it asks for', async () => {
      const {nb, dp, rec, drain, asked, settle} = await daemonNode()
      await rec.pass(nb, {prune: true, fullRecompute: true})
      drain()
      rec.markChanged(nb.applyChange(update(LSP, pubVm('vm3', ip(3), false), {up: true}))!)
      await settle()
      expect(asked).to.deep.equal(['self-check: work for a pass'])
      const next = await rec.pass(nb, {prune: true})
      expect(next.deltaKeys, 'a delta pass').to.be.a('number')
      expect(addresses(dp)).to.not.include(`${ip(3)}/32`)
    })
  })
})
