// PassGate: background work gives way to passes (giveWay waits for the pass under way; a slicing's
// turns never run inside a pass).
import {expect} from 'chai'

import {PassGate} from '../../../src/lib/reconciler/pass-gate.js'

const tick = async (): Promise<void> =>
  new Promise((r) => {
    setImmediate(r)
  })

function heldPass(gate: PassGate) {
  let release!: () => void
  const held = new Promise<void>((r) => {
    release = r
  })
  const done = gate.run(async () => {
    await held
    return 'pass result'
  })
  return {release, done}
}

describe('PassGate', () => {
  it('giveWay waits for the pass under way, and only a turn when none runs', async () => {
    const gate = new PassGate()
    const order: string[] = []
    await gate.giveWay()
    order.push('free: one turn')
    const p = heldPass(gate)
    expect(gate.running).to.equal(true)
    const waiting = gate.giveWay().then(() => order.push('after the pass'))
    await tick()
    await tick()
    order.push('pass ends')
    p.release()
    expect(await p.done).to.equal('pass result')
    await waiting
    expect(order).to.deep.equal(['free: one turn', 'pass ends', 'after the pass'])
    expect(gate.running).to.equal(false)
  })

  it('a pass that throws still ends', async () => {
    const gate = new PassGate()
    let thrown = ''
    await gate
      .run(async () => {
        throw new Error('boom')
      })
      .catch((error: Error) => {
        thrown = error.message
      })
    expect([thrown, gate.running]).to.deep.equal(['boom', false])
  })

  it("a slicing's turn deferred during a pass runs after it; outside passes, as the slicing does", async () => {
    const gate = new PassGate()
    const queue: Array<() => void> = []
    const s = gate.slicing({defer: (fn) => queue.push(fn), sliceMs: 20})
    const ran: string[] = []
    s.defer(() => ran.push('outside'))
    queue.shift()!()
    expect(ran, 'no pass: at once').to.deep.equal(['outside'])
    const p = heldPass(gate)
    s.defer(() => ran.push('during'))
    queue.shift()!()
    expect(ran, 'held while the pass runs').to.deep.equal(['outside'])
    p.release()
    await p.done
    await tick()
    expect(queue, 'deferred again once the pass ended').to.have.length(1)
    queue.shift()!()
    expect(ran).to.deep.equal(['outside', 'during'])
  })
})
