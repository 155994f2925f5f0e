// MultiIndex: key -> members, small keys as arrays and large ones as Sets, with the same answers.
import {expect} from 'chai'

import {MultiIndex, SET_FROM} from '../../../src/lib/nb/multi-index.js'

type Step =
  | {op: 'add'; key: string; v: string}
  | {op: 'delete'; key: string; v: string}
  | {op: 'update'; v: string; before: string[]; after: string[]}

/** The same steps on a plain Map<string, Set>: what every answer must equal. */
function reference(steps: readonly Step[]): Map<string, string[]> {
  const m = new Map<string, Set<string>>()
  const add = (k: string, v: string): void => {
    if (!m.has(k)) m.set(k, new Set())
    m.get(k)!.add(v)
  }

  const del = (k: string, v: string): void => {
    m.get(k)?.delete(v)
    if (m.get(k)?.size === 0) m.delete(k)
  }

  for (const s of steps) {
    if (s.op === 'add') add(s.key, s.v)
    else if (s.op === 'delete') del(s.key, s.v)
    else {
      for (const k of s.before) if (!s.after.includes(k)) del(k, s.v)
      for (const k of s.after) add(k, s.v)
    }
  }

  return new Map([...m].map(([k, v]) => [k, [...v]]))
}

function run(steps: readonly Step[]): MultiIndex {
  const ix = new MultiIndex()
  for (const s of steps) {
    if (s.op === 'add') ix.add(s.key, s.v)
    else if (s.op === 'delete') ix.delete(s.key, s.v)
    else ix.update(s.v, s.before, s.after)
  }

  return ix
}

const many = (n: number, from = 0): Step[] =>
  Array.from({length: n}, (_, i): Step => ({op: 'add', key: 'k', v: `m${from + i}`}))

describe('MultiIndex', () => {
  const cases: Array<[string, Step[]]> = [
    ['one member', [{op: 'add', key: 'k', v: 'a'}]],
    [
      'a member added twice is filed once',
      [
        {op: 'add', key: 'k', v: 'a'},
        {op: 'add', key: 'k', v: 'a'},
      ],
    ],
    [
      'the last member out forgets the key',
      [
        {op: 'add', key: 'k', v: 'a'},
        {op: 'delete', key: 'k', v: 'a'},
      ],
    ],
    [
      'deleting an absent member or key changes nothing',
      [
        {op: 'add', key: 'k', v: 'a'},
        {op: 'delete', key: 'k', v: 'b'},
        {op: 'delete', key: 'x', v: 'a'},
      ],
    ],
    [
      'insertion order is kept',
      [
        {op: 'add', key: 'k', v: 'c'},
        {op: 'add', key: 'k', v: 'a'},
        {op: 'add', key: 'k', v: 'b'},
        {op: 'delete', key: 'k', v: 'a'},
      ],
    ],
    ['up to SET_FROM members (array form)', many(SET_FROM)],
    ['one more than SET_FROM (set form)', many(SET_FROM + 1)],
    [
      'set form, added to and deleted from',
      [...many(SET_FROM + 3), {op: 'add', key: 'k', v: 'm0'}, {op: 'delete', key: 'k', v: 'm1'}],
    ],
    [
      'set form, a duplicate and deletes down to none',
      [
        ...many(SET_FROM + 3),
        {op: 'add', key: 'k', v: 'm0'},
        ...many(SET_FROM + 3).map((_, i): Step => ({op: 'delete', key: 'k', v: `m${i}`})),
      ],
    ],
    [
      'update moves a member between keys',
      [
        {op: 'update', v: 'u1', before: [], after: ['a', 'b']},
        {op: 'update', v: 'u1', before: ['a', 'b'], after: ['b', 'c']},
        {op: 'update', v: 'u2', before: [], after: ['b']},
      ],
    ],
  ]
  for (const [name, steps] of cases)
    it(name, () => {
      const ix = run(steps)
      const want = reference(steps)
      const keys = new Set([...want.keys(), 'k', 'x', 'a', 'b', 'c'])
      for (const k of keys) {
        expect([...ix.get(k)], k).to.deep.equal(want.get(k) ?? [])
        expect(ix.has(k), k).to.equal(want.has(k))
      }

      expect(ix.size).to.equal(want.size)
    })

  it('what get() returned for a small key stays as it was while the key changes', () => {
    const ix = new MultiIndex()
    ix.add('k', 'a')
    const seen = ix.get('k')
    ix.add('k', 'b')
    ix.delete('k', 'a')
    expect([...seen]).to.deep.equal(['a'])
    expect([...ix.get('k')]).to.deep.equal(['b'])
  })
})
