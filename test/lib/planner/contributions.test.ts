// A key's contributors (src/lib/planner/contributions.ts): whatever the order of adds and removes,
// first(), last() and inOrder() are what a sorted list of the same entries gives, and a remove
// takes out exactly the item (fragment, seq) named.
import {expect} from 'chai'

import {Contributions, type Contributor} from '../../../src/lib/planner/contributions.js'

const frag = (id: string, ...order: string[]): Contributor => ({id, order})

/** Reference: the entries sorted by fragment order, then seq. */
function sorted(entries: Array<{frag: Contributor; seq: number}>): string[] {
  return [...entries]
    .sort((a, b) => {
      const x = a.frag.order.join('\u0000')
      const y = b.frag.order.join('\u0000')
      return x < y ? -1 : x > y ? 1 : a.seq - b.seq
    })
    .map((e) => `${e.frag.id}#${e.seq}`)
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
      const bag = new Contributions<string>()
      let ref: Array<{frag: Contributor; seq: number}> = []
      for (const [op, f, seq] of steps) {
        if (op === 'add') {
          bag.add({frag: f, seq, item: `${f.id}#${seq}`})
          ref.push({frag: f, seq})
        } else {
          const had = ref.some((e) => e.frag === f && e.seq === seq)
          expect(bag.remove(f, seq), `remove ${f.id}#${seq}`).to.equal(had)
          ref = ref.filter((e) => !(e.frag === f && e.seq === seq))
        }

        const want = sorted(ref)
        expect(bag.size).to.equal(want.length)
        expect(bag.first()?.item).to.equal(want[0])
        expect(bag.last()?.item).to.equal(want.at(-1))
        expect(bag.inOrder().map((e) => e.item)).to.deep.equal(want)
      }
    })
  }

  it('random adds and removes of 2,000 entries agree with a sorted list at every step', () => {
    let seed = 7
    const rand = (n: number) => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648
      return seed % n
    }

    const frags = Array.from({length: 400}, (_, i) =>
      frag(`f${i}`, 'port', String(rand(1000)).padStart(4, '0'), `f${i}`),
    )
    const bag = new Contributions<string>()
    const ref = new Map<string, {frag: Contributor; seq: number}>()
    for (let step = 0; step < 2000; step++) {
      const f = frags[rand(frags.length)]!
      const seq = rand(3)
      const k = `${f.id}#${seq}`
      if (ref.has(k)) {
        expect(bag.remove(f, seq)).to.equal(true)
        ref.delete(k)
      } else {
        bag.add({frag: f, seq, item: k})
        ref.set(k, {frag: f, seq})
      }

      const want = sorted([...ref.values()])
      expect([bag.first()?.item, bag.last()?.item], `step ${step}`).to.deep.equal([want[0], want.at(-1)])
    }
  })
})
