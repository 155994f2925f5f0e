// A key's contributors (src/lib/planner/contributions.ts): whatever the order of adds and removes,
// first(), last() and inOrder() are what a sorted list of the same entries gives, and a remove
// takes out exactly the item (fragment, seq) named.
import {expect} from 'chai'

import {Contributions, type Contributor, INDEX_FROM} from '../../../src/lib/planner/contributions.js'

const frag = (id: string, ...order: string[]): Contributor => ({id, order})

/** A bag beside a reference list: every add and remove goes to both, and they are compared. */
class Checked {
  readonly bag = new Contributions<string>()
  private readonly ref = new Map<string, {frag: Contributor; seq: number}>()

  has(f: Contributor, seq: number): boolean {
    return this.ref.has(`${f.id}#${seq}`)
  }

  add(f: Contributor, seq: number): void {
    this.bag.add({frag: f, seq, item: `${f.id}#${seq}`})
    this.ref.set(`${f.id}#${seq}`, {frag: f, seq})
  }

  /** The bag's remove reports whether the item was there, as the reference says. */
  remove(f: Contributor, seq: number): void {
    expect(this.bag.remove(f, seq), `remove ${f.id}#${seq}`).to.equal(this.has(f, seq))
    this.ref.delete(`${f.id}#${seq}`)
  }

  /** first() and last() (and with `all`, size and inOrder()) are the reference's, sorted by fragment order, then seq. */
  agrees(label: string, all: boolean): void {
    const want = [...this.ref.values()]
      .sort((a, b) => {
        const x = a.frag.order.join('\u0000')
        const y = b.frag.order.join('\u0000')
        return x < y ? -1 : x > y ? 1 : a.seq - b.seq
      })
      .map((e) => `${e.frag.id}#${e.seq}`)
    expect([this.bag.first()?.item, this.bag.last()?.item], label).to.deep.equal([want[0], want.at(-1)])
    if (!all) return
    expect(this.bag.size, label).to.equal(want.length)
    expect(
      this.bag.inOrder().map((e) => e.item),
      label,
    ).to.deep.equal(want)
  }
}

describe('planner/contributions', () => {
  const a = frag('a', 'port', 'a')
  const b = frag('b', 'port', 'b')
  const c = frag('c', 'port', 'c')
  const base = frag('base', 'base')
  type Step = ['add' | 'remove', Contributor, number]
  const cases: Array<[string, Step[]]> = [
    [
      'adds in order',
      [
        ['add', a, 0],
        ['add', b, 0],
        ['add', c, 0],
      ],
    ],
    [
      'adds in reverse order',
      [
        ['add', c, 0],
        ['add', b, 0],
        ['add', a, 0],
      ],
    ],
    [
      'the first removed: searched again',
      [
        ['add', b, 0],
        ['add', a, 0],
        ['add', c, 0],
        ['remove', a, 0],
      ],
    ],
    [
      'the last removed: searched again',
      [
        ['add', a, 0],
        ['add', c, 0],
        ['add', b, 0],
        ['remove', c, 0],
      ],
    ],
    [
      'the moved entry keeps its rank',
      [
        ['add', b, 0],
        ['add', a, 0],
        ['add', c, 0],
        ['remove', b, 0],
        ['add', base, 0],
      ],
    ],
    [
      'two items of one fragment: seq orders them',
      [
        ['add', a, 1],
        ['add', a, 0],
        ['add', b, 0],
        ['remove', a, 0],
      ],
    ],
    [
      'everything removed, then added again',
      [
        ['add', a, 0],
        ['add', b, 0],
        ['remove', a, 0],
        ['remove', b, 0],
        ['add', c, 0],
      ],
    ],
    [
      'a remove of an item never added changes nothing',
      [
        ['add', a, 0],
        ['remove', b, 0],
        ['remove', a, 1],
      ],
    ],
  ]
  for (const [name, steps] of cases) {
    it(name, () => {
      const c = new Checked()
      for (const [op, f, seq] of steps) {
        if (op === 'add') c.add(f, seq)
        else c.remove(f, seq)
        c.agrees(`after ${op} ${f.id}#${seq}`, true)
      }
    })
  }

  it(`a bag grown past ${INDEX_FROM} entries (indexed by fragment) and emptied again agrees at every step`, () => {
    const frags = Array.from({length: INDEX_FROM * 2}, (_, i) => frag(`g${i}`, 'port', String((i * 7) % 11), `g${i}`))
    const c = new Checked()
    for (const [i, f] of frags.entries()) {
      c.add(f, 0)
      if (i % 3 === 0) c.add(f, 1)
      c.agrees(`after add ${f.id}`, true)
    }

    // Removes from the middle, the ends, the last added, and of items never added.
    for (const i of [5, 0, frags.length - 1, 17, 3, 9, 31, 2, 30, 1]) {
      c.remove(frags[i]!, 0)
      c.remove(frags[i]!, 2)
      c.agrees(`after remove g${i}#0`, true)
    }

    for (const [i, f] of frags.entries()) {
      c.remove(f, 0)
      c.remove(f, 1)
      c.agrees(`after remove g${i}`, true)
    }

    expect(c.bag.size).to.equal(0)
  })

  it('random adds and removes of 2,000 entries agree with a sorted list at every step', () => {
    let seed = 7
    const rand = (n: number) => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648
      return seed % n
    }

    const frags = Array.from({length: 400}, (_, i) =>
      frag(`f${i}`, 'port', String(rand(1000)).padStart(4, '0'), `f${i}`),
    )
    const c = new Checked()
    for (let step = 0; step < 2000; step++) {
      const f = frags[rand(frags.length)]!
      const seq = rand(3)
      if (c.has(f, seq)) c.remove(f, seq)
      else c.add(f, seq)
      c.agrees(`step ${step}`, false)
    }
  })

  it('oneValue() tells a large bag whose entries agree from one with a dissenter, through adds and removes', () => {
    const bag = new Contributions<{v: string}>((i) => i.v)
    const agree = (n: number) => {
      for (let i = 0; i < n; i++) bag.add({frag: frag(`a${i}`, 'port', `a${i}`), seq: 0, item: {v: 'same'}})
    }

    expect(bag.oneValue(), 'empty').to.equal(true)
    agree(1)
    expect(bag.oneValue(), 'one entry').to.equal(true)
    bag.add({frag: frag('b', 'port', 'b'), seq: 0, item: {v: 'same'}})
    // a small bag keeps no tally: the caller walks it
    expect(bag.oneValue(), 'two entries, not indexed yet').to.equal(false)
    agree(INDEX_FROM * 3)
    expect(bag.oneValue(), `${bag.size} agreeing entries`).to.equal(true)
    const odd = frag('odd', 'port', 'odd')
    bag.add({frag: odd, seq: 0, item: {v: 'other'}})
    expect(bag.oneValue(), 'one dissenter').to.equal(false)
    expect(bag.remove(odd, 0)).to.equal(true)
    expect(bag.oneValue(), 'dissenter removed').to.equal(true)
    // a bag without valueOf never claims agreement past one entry
    const plain = new Contributions<string>()
    for (let i = 0; i < INDEX_FROM * 2; i++) plain.add({frag: frag(`p${i}`, 'port', `p${i}`), seq: 0, item: 'x'})
    expect(plain.oneValue()).to.equal(false)
  })
})
