import {expect} from 'chai'

import {runSliced} from '../../../src/lib/reconciler/sliced-run.js'

// A fake clock that advances one ms per slice call, and a queue standing in for setImmediate.
function harness(work: number, sliceMs: number, portsPerLook = 1) {
  const queue: Array<() => void> = []
  let t = 0
  let left = work
  const calls: number[] = []
  return {
    calls,
    queue,
    drain(): number {
      let turns = 0
      while (queue.length > 0) {
        queue.shift()!()
        turns++
      }

      return turns
    },
    run(r: {alive?: () => boolean; first: 'deferred' | 'now'; onDone: (turns: number) => void}) {
      runSliced({
        slicing: {defer: (fn) => queue.push(fn), sliceMs, portsPerLook},
        now: () => t,
        slice(n) {
          calls.push(n)
          t++
          left -= n
          return left <= 0
        },
        alive: r.alive ?? (() => true),
        onDone: r.onDone,
        first: r.first,
      })
    },
  }
}

describe('runSliced', () => {
  const cases = [
    {name: 'first turn inside the call', first: 'now' as const, work: 10, sliceMs: 3, queuedAtOnce: 1, turns: 4},
    {name: 'first turn deferred', first: 'deferred' as const, work: 10, sliceMs: 3, queuedAtOnce: 1, turns: 4},
    {name: 'all in one turn', first: 'now' as const, work: 2, sliceMs: 100, queuedAtOnce: 0, turns: 1},
    {name: 'one unit a turn with no time', first: 'deferred' as const, work: 3, sliceMs: 0, queuedAtOnce: 1, turns: 3},
  ]
  for (const c of cases) {
    it(c.name, () => {
      const h = harness(c.work, c.sliceMs)
      let done: number | undefined
      h.run({
        first: c.first,
        onDone(turns) {
          done = turns
        },
      })
      expect(h.queue.length, 'turns queued right after the call').to.equal(c.queuedAtOnce)
      h.drain()
      expect(done).to.equal(c.turns)
      expect(h.calls.reduce((a, b) => a + b, 0)).to.be.at.least(c.work)
    })
  }

  it('stops without a word once alive() is false', () => {
    const h = harness(10, 1)
    let alive = true
    let done = false
    h.run({
      alive: () => alive,
      first: 'now',
      onDone() {
        done = true
      },
    })
    const before = h.calls.length
    alive = false
    h.drain()
    expect(h.calls.length).to.equal(before)
    expect(done).to.equal(false)
  })

  it('hands portsPerLook to every slice call', () => {
    const h = harness(9, 100, 3)
    h.run({first: 'now', onDone() {}})
    expect(h.calls).to.deep.equal([3, 3, 3])
  })
})
