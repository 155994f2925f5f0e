// The merged state (src/lib/planner/merged.ts) under random fragment churn: after every round its
// result equals what a full merge of the fragments in place gives (objects in sortObjs order, the
// last exposed entry per key in compareExposed order, conflicts named), whichever way the sorted
// lists were patched (a splice of a few keys located by key, or the merge of many), with keys
// shared by dozens of fragments (their conflicts found through the bag's value tally), exposed
// entries renamed in place (their order moves, their key does not), and `objects` read lazily.
import {expect} from 'chai'

import type {Contributor} from '../../../src/lib/planner/contributions.js'
import type {Problem} from '../../../src/lib/planner/problems.js'

import {compareExposed, sortObjs} from '../../../src/lib/planner/collector.js'
import {FragmentSink} from '../../../src/lib/planner/fragment.js'
import {MergedState} from '../../../src/lib/planner/merged.js'
import {
  type ExposedEntry,
  OBJECT_COUNT,
  objectCount,
  objKey,
  objValue,
  type StateObj,
} from '../../../src/lib/planner/types.js'

interface Frag {
  c: Contributor
  data: FragmentSink
}

const src = (i: number, name = `port-${i}`) => ({table: 'Logical_Switch_Port', uuid: `u-${i}`, name})

/** Fragment i: its address, a route and a neighbour shared with every fragment of its group, its exposed entry. */
function fragment(i: number, variant: {rename?: boolean; dissent?: boolean}): Frag {
  const data = new FragmentSink()
  const ip = `10.${i % 3}.${(i >> 8) & 255}.${i & 255}`
  const s = src(i, variant.rename ? `renamed-${i}` : `port-${i}`)
  data.add({kind: 'address', dev: 'bgp-nic', cidr: `${ip}/32`}, s)
  data.add({kind: 'route', family: 4, table: 200, dst: `10.${i % 3}.0.0/16`, dev: 'br-ex', proto: 3}, s)
  data.add(
    {
      kind: 'neigh',
      family: 4,
      ip: `172.24.${i % 3}.1`,
      dev: 'br-ex',
      mac: variant.dissent ? '00:00:00:00:00:99' : '00:00:00:00:00:01',
    },
    s,
  )
  const entry: ExposedEntry = {ip, kind: 'vm', bridge: 'br-ex', vlan: null, source: s}
  data.expose(entry)
  // a second row exposing the same IP (a FIP on it), so one IP has several entries to search
  if (i % 5 === 0) data.expose({...entry, kind: 'fip', source: {table: 'NAT', uuid: `n-${i}`, name: `nat-${i}`}})
  return {c: {id: `f${i}`, order: ['port', String(i).padStart(5, '0')]}, data}
}

/** The full merge of `frags`, as a Collector of the same fragments in order would give it. */
function reference(frags: Frag[]): {objects: StateObj[]; exposed: ExposedEntry[]; conflicts: number} {
  const inOrder = [...frags].sort((a, b) => (a.c.order.join('/') < b.c.order.join('/') ? -1 : 1))
  const objs = new Map<string, StateObj>()
  const exposed = new Map<string, ExposedEntry>()
  const lost = new Set<string>()
  for (const f of inOrder) {
    for (const a of f.data.adds) {
      const held = objs.get(a.key)
      if (!held) objs.set(a.key, a.obj)
      else if (objValue(held) !== a.value) lost.add(`${a.key} ${f.c.id}`)
    }

    for (const x of f.data.exposed) exposed.set(x.key, x.entry)
  }

  return {
    objects: sortObjs([...objs.values()]),
    exposed: [...exposed.values()].sort(compareExposed),
    conflicts: lost.size,
  }
}

const conflictsOf = (problems: Problem[]): number =>
  problems.filter((p) => p.reason.startsWith('conflicts with')).length

describe('planner/merged', () => {
  for (const churn of [1, 3, 40]) {
    it(`random rounds of ${churn} fragment change(s) each give the full merge's result`, () => {
      let seed = 11 + churn
      const rand = (n: number) => {
        seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648
        return seed % n
      }

      const merged = new MergedState()
      const held = new Map<number, Frag>()
      for (let i = 0; i < 120; i++) {
        const f = fragment(i, {})
        held.set(i, f)
        merged.add(f.c, f.data)
      }

      merged.settle()
      for (let round = 0; round < 60; round++) {
        for (let k = 0; k < churn; k++) {
          const i = rand(160)
          const old = held.get(i)
          if (old) {
            merged.remove(old.c, old.data)
            held.delete(i)
          }

          // put back most of the time, sometimes renamed (exposed order moves) or dissenting (conflict)
          if (!old || rand(4) > 0) {
            const f = fragment(i, {rename: rand(3) === 0, dissent: rand(7) === 0})
            held.set(i, f)
            merged.add(f.c, f.data)
          }
        }

        merged.settle()
        const want = reference([...held.values()])
        const {state, problems} = merged.result()
        // read lazily only in some rounds: the patch then spans the rounds in between
        if (round % 3 !== 1) {
          expect(objectCount(state), `round ${round}: count`).to.equal(want.objects.length)
          expect(state.objects.map(objKey), `round ${round}: objects`).to.deep.equal(want.objects.map(objKey))
          expect(state.objects, `round ${round}: winners`).to.deep.equal(want.objects)
        }

        expect(state.exposed, `round ${round}: exposed`).to.deep.equal(want.exposed)
        expect(conflictsOf(problems), `round ${round}: conflicts`).to.equal(want.conflicts)
      }
    })
  }

  it('a key shared by 60 fragments: one dissenting contributor is a conflict, and none once it leaves', () => {
    const merged = new MergedState()
    const frags = Array.from({length: 60}, (_, i) => fragment(i * 3, {}))
    for (const f of frags) merged.add(f.c, f.data)
    merged.settle()
    expect(conflictsOf(merged.result().problems)).to.equal(0)
    const odd = fragment(999, {dissent: true})
    merged.add(odd.c, odd.data)
    merged.settle()
    const problems = merged.result().problems.filter((p) => p.reason.startsWith('conflicts with'))
    expect(problems.map((p) => p.name)).to.deep.equal(['port-999'])
    expect(problems[0]!.reason).to.contain('neigh|br-ex|172.24.0.1 already wanted as')
    merged.remove(odd.c, odd.data)
    merged.settle()
    expect(conflictsOf(merged.result().problems)).to.equal(0)
  })

  it('objects is built when read, counted without it, and serialises as a plain list', () => {
    const merged = new MergedState()
    const f = fragment(1, {})
    merged.add(f.c, f.data)
    merged.settle()
    const {state} = merged.result()
    expect(Object.getOwnPropertyDescriptor(state, OBJECT_COUNT)?.enumerable).to.equal(false)
    expect(objectCount(state)).to.equal(3)
    const text = JSON.stringify(state)
    const json = JSON.parse(text) as {objects: StateObj[]; exposed: unknown[]}
    expect(Object.keys(json)).to.have.members(['objects', 'exposed'])
    expect(json.objects.map(objKey)).to.deep.equal(reference([f]).objects.map(objKey))
    // the same list object on every read
    expect(state.objects).to.equal(state.objects)
    // a state of plain arrays is counted by its length
    expect(objectCount({objects: [], exposed: []})).to.equal(0)
  })
})
