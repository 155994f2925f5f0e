// diffKeys (an event pass's diff of the changed keys only) == diff (the full diff) restricted to
// those keys: table cases for each rule, then a seeded property over random desired/observed
// states and random key sets. diffInTurns (the periodic audit's) == diff, whatever its chunk.
import {expect} from 'chai'

import {diff, diffInTurns, diffKeys} from '../../../src/lib/planner/diff.js'
import {objKey, objValue, type Plan, type StateObj} from '../../../src/lib/planner/types.js'
import {rng} from '../../helpers/nb-random.js'

const addr = (ip: string): StateObj => ({kind: 'address', dev: 'bgp-nic', cidr: `${ip}/32`})
const route = (ip: string, dev = 'br-ex'): StateObj => ({
  kind: 'route',
  family: 4,
  table: 200,
  dst: `${ip}/32`,
  dev,
  scope: 'link',
  proto: 3,
})
const neigh = (ip: string, mac: string): StateObj => ({kind: 'neigh', family: 4, ip, dev: 'br-ex', mac})
const vlan = (id: number, link = 'br-ex'): StateObj => ({kind: 'vlan', name: `br-ex.10`, link, id})
const sysctl = (value: string): StateObj => ({kind: 'sysctl', key: 'net.ipv4.conf.br-ex.proxy_arp', value})

/** The full diff restricted to `keys`, as diffKeys must return it (unchanged counted over the keys). */
function restricted(desired: StateObj[], observed: StateObj[], keys: Set<string>): Plan {
  const full = diff(desired, observed)
  const inKeys = (o: StateObj) => keys.has(objKey(o))
  const want = new Map<string, StateObj>()
  for (const o of desired) if (!want.has(objKey(o))) want.set(objKey(o), o)
  const have = new Map<string, StateObj>()
  for (const o of observed) if (!have.has(objKey(o))) have.set(objKey(o), o)
  let unchanged = 0
  for (const k of keys) if (want.has(k) && have.has(k) && objValue(want.get(k)!) === objValue(have.get(k)!)) unchanged++
  return {add: full.add.filter((o) => inKeys(o)), remove: full.remove.filter((o) => inKeys(o)), unchanged}
}

function byKeys(desired: StateObj[], observed: StateObj[], keys: Iterable<string>): Plan {
  const first = (objs: StateObj[]) => {
    const m = new Map<string, StateObj>()
    for (const o of objs) if (!m.has(objKey(o))) m.set(objKey(o), o)
    return m
  }

  const want = first(desired)
  const have = first(observed)
  return diffKeys(
    keys,
    (k) => want.get(k),
    (k) => have.get(k),
  )
}

const cases: Array<{name: string; desired: StateObj[]; observed: StateObj[]; keys: string[]; expected: Plan}> = [
  {
    name: 'a key desired and missing: added',
    desired: [addr('10.0.0.1'), addr('10.0.0.2')],
    observed: [addr('10.0.0.2')],
    keys: [objKey(addr('10.0.0.1'))],
    expected: {add: [addr('10.0.0.1')], remove: [], unchanged: 0},
  },
  {
    name: 'a key no longer desired but observed: removed',
    desired: [],
    observed: [addr('10.0.0.1'), addr('10.0.0.2')],
    keys: [objKey(addr('10.0.0.1'))],
    expected: {add: [], remove: [addr('10.0.0.1')], unchanged: 0},
  },
  {
    name: 'other attributes: replaced by an add, nothing removed',
    desired: [neigh('10.0.0.1', 'fa:16:3e:00:00:02'), route('10.0.0.1', 'br-ex')],
    observed: [neigh('10.0.0.1', 'fa:16:3e:00:00:01'), route('10.0.0.1', 'br-vlan')],
    keys: [objKey(neigh('10.0.0.1', '')), objKey(route('10.0.0.1'))],
    expected: {add: [route('10.0.0.1', 'br-ex'), neigh('10.0.0.1', 'fa:16:3e:00:00:02')], remove: [], unchanged: 0},
  },
  {
    name: 'a VLAN device with another id: removed and added',
    desired: [vlan(10)],
    observed: [vlan(11)],
    keys: [objKey(vlan(10))],
    expected: {add: [vlan(10)], remove: [vlan(11)], unchanged: 0},
  },
  {
    name: 'sysctls are never removed',
    desired: [],
    observed: [sysctl('1')],
    keys: [objKey(sysctl('1'))],
    expected: {add: [], remove: [], unchanged: 0},
  },
  {
    name: 'keys outside the set are left alone, whatever their state',
    desired: [addr('10.0.0.1'), addr('10.0.0.3')],
    observed: [addr('10.0.0.1'), addr('10.0.0.2')],
    keys: [objKey(addr('10.0.0.1'))],
    expected: {add: [], remove: [], unchanged: 1},
  },
  {
    name: 'a key neither desired nor observed: nothing; a repeated key counts once',
    desired: [addr('10.0.0.1')],
    observed: [],
    keys: ['address|bgp-nic|10.9.9.9/32', objKey(addr('10.0.0.1')), objKey(addr('10.0.0.1'))],
    expected: {add: [addr('10.0.0.1')], remove: [], unchanged: 0},
  },
]

/** A random object from a small pool, so keys collide and values differ. */
function randomObj(r: () => number): StateObj {
  const ip = `10.0.0.${Math.floor(r() * 12)}`
  const mac = `fa:16:3e:00:00:0${Math.floor(r() * 3)}`
  switch (Math.floor(r() * 6)) {
    case 0: {
      return addr(ip)
    }

    case 1: {
      return route(ip, r() < 0.5 ? 'br-ex' : 'br-vlan')
    }

    case 2: {
      return neigh(ip, mac)
    }

    case 3: {
      return vlan(10 + Math.floor(r() * 2), r() < 0.8 ? 'br-ex' : 'br-vlan')
    }

    case 4: {
      return sysctl(r() < 0.5 ? '1' : '0')
    }

    default: {
      return {kind: 'flow', bridge: 'br-ex', inPort: Math.floor(r() * 3), family: 4, mac}
    }
  }
}

describe('planner diffKeys: the full diff restricted to the changed keys', () => {
  for (const c of cases) {
    it(c.name, () => {
      expect(byKeys(c.desired, c.observed, c.keys)).to.deep.equal(c.expected)
      expect(byKeys(c.desired, c.observed, c.keys)).to.deep.equal(restricted(c.desired, c.observed, new Set(c.keys)))
    })
  }

  it('equals diff restricted to the keys on 2,000 random states and key sets (seeded)', () => {
    const r = rng(8)
    for (let i = 0; i < 2000; i++) {
      const desired = Array.from({length: Math.floor(r() * 25)}, () => randomObj(r))
      const observed = Array.from({length: Math.floor(r() * 25)}, () => randomObj(r))
      const pool = [...desired, ...observed, ...Array.from({length: 3}, () => randomObj(r))].map((o) => objKey(o))
      const keys = new Set(pool.filter(() => r() < 0.4))
      expect(byKeys(desired, observed, keys), `case ${i}`).to.deep.equal(restricted(desired, observed, keys))
    }
  })

  it('over every key of both sides it is the full diff', () => {
    const r = rng(9)
    for (let i = 0; i < 300; i++) {
      const desired = Array.from({length: Math.floor(r() * 25)}, () => randomObj(r))
      const observed = Array.from({length: Math.floor(r() * 25)}, () => randomObj(r))
      const keys = [...desired, ...observed].map((o) => objKey(o))
      expect(byKeys(desired, observed, keys), `case ${i}`).to.deep.equal(diff(desired, observed))
    }
  })
})

describe('planner diffInTurns: the full diff, the event loop given turns', () => {
  for (const chunk of [1, 3, 7, 1000]) {
    it(`equals diff on 300 random states (seeded), chunk ${chunk}`, async () => {
      const r = rng(10 + chunk)
      let turns = 0
      const between = async (): Promise<void> => {
        turns++
      }

      for (let i = 0; i < 300; i++) {
        const desired = Array.from({length: Math.floor(r() * 25)}, () => randomObj(r))
        const observed = Array.from({length: Math.floor(r() * 25)}, () => randomObj(r))
        expect(await diffInTurns(desired, observed, between, chunk), `case ${i}`).to.deep.equal(diff(desired, observed))
      }

      if (chunk < 25) expect(turns, 'it gave turns').to.be.greaterThan(0)
      else expect(turns, 'none needed').to.equal(0)
    })
  }
})
