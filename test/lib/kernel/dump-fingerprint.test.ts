// When the watched model may skip a full reload (dump-fingerprint.ts): the fingerprint of a dump's
// text, blind only to the fields that move on an unchanged node, and the generations of the model
// and the ledger, which must move with every change (else a reload would be skipped wrongly).
import {expect} from 'chai'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import type {MonitorEvent} from '../../../src/lib/kernel/monitor-parse.js'
import type {KernelDumpText} from '../../../src/lib/kernel/observe.js'
import type {LinkInfo, RouteInfo} from '../../../src/lib/kernel/parse.js'

import {dumpFingerprint, LoadedDump, sameDump} from '../../../src/lib/kernel/dump-fingerprint.js'
import {Ledger} from '../../../src/lib/kernel/ledger.js'
import {KernelModel, type ModelDump} from '../../../src/lib/kernel/model.js'
import {address, dumpText, link} from '../../helpers/kernel-dump-text.js'

describe('kernel/dump-fingerprint', () => {
  const base = dumpFingerprint(dumpText())
  const cases: Array<{name: string; text: KernelDumpText; other?: KernelDumpText; same: boolean}> = [
    {name: 'the same text', text: dumpText(), same: true},
    {name: "a bridge's timers moved", text: dumpText({links: `[${link('br-ex', '99.01')}]`}), same: true},
    {
      name: "an address's remaining lifetimes counted down",
      text: dumpText({addrs: `[${address('10.0.0.1/32', 299, 119)}]`}),
      other: dumpText({addrs: `[${address('10.0.0.1/32', 300, 120)}]`}),
      same: true,
    },
    {
      name: 'an address given a lifetime (forever -> 300 s: the kernel changed)',
      text: dumpText({addrs: `[${address('10.0.0.1/32', 300, 300)}]`}),
      same: false,
    },
    {
      name: 'an address added',
      text: dumpText({addrs: `[${address('10.0.0.1/32', 1, 1)},${address('10.0.0.2/32', 1, 1)}]`}),
      same: false,
    },
    {
      name: 'another address, same lifetimes',
      text: dumpText({addrs: `[${address('10.0.0.9/32', 4_294_967_295, 4_294_967_295)}]`}),
      same: false,
    },
    {name: 'a link renamed', text: dumpText({links: `[${link('br-ex2')}]`}), same: false},
    {name: 'a rule changed', text: dumpText({rules4: '[]'}), same: false},
    {
      name: 'a route added to a table',
      text: dumpText({route4: '[{"dst":"10.0.0.1","dev":"br-ex","protocol":"boot"}]'}),
      same: false,
    },
    {name: 'other tables, same texts', text: dumpText({tables: [201, 10]}), same: false},
    {name: 'the VRF table read in full, same texts', text: dumpText({markedOnly: []}), same: false},
    {
      name: 'a part moved from IPv4 to IPv6',
      text: {
        ...dumpText(),
        fam4: ['[]', '[]', '[]'].map((p) => Buffer.from(p)),
        fam6: ['[{"priority":32000,"dst":"10.0.0.1","table":"200"}]', '[]', '[]'].map((p) => Buffer.from(p)),
      },
      same: false,
    },
  ]
  for (const c of cases) {
    it(`${c.name}: ${c.same ? 'the same' : 'another'} fingerprint`, () => {
      expect(sameDump(dumpFingerprint(c.text), c.other ? dumpFingerprint(c.other) : base)).to.equal(c.same)
    })
  }

  // The fingerprint scans bytes for the volatile fields; its reference is this expression over the
  // text: a lifetime other than forever, or any timer, with its comma.
  const VOLATILE = /"(?:(?:valid|preferred)_life_time":(?!4294967295(?![\d.]))|[a-z_]+_timer":)[\d.]+,?/g

  it('is blind to exactly the volatile fields: random texts against the reference expression', () => {
    let seed = 7
    const rnd = (n: number): number => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648
      return seed % n
    }

    const keys = [
      'valid_life_time',
      'preferred_life_time',
      'gc_timer',
      'hello_timer',
      '_timer',
      'ageing_time',
      'x_time',
    ]
    const values = ['4294967295', '42949672950', '299', '12.34', '0.00', '"s"', '']
    const field = (): string => `"${keys[rnd(keys.length)]}":${values[rnd(values.length)]}`
    for (let round = 0; round < 300; round++) {
      const parts = Array.from({length: 1 + rnd(12)}, () => (rnd(4) === 0 ? `{"n":${rnd(9)}}` : field()))
      const text = `[{${parts.join(',')}}]`
      const stripped = text.replaceAll(VOLATILE, '')
      const fp = (addrs: string) => dumpFingerprint(dumpText({addrs}))
      expect(sameDump(fp(text), fp(stripped)), `${text} vs ${stripped}`).to.equal(true)
      // and not blind to the rest: one more byte outside the volatile fields is another dump
      expect(sameDump(fp(text), fp(`${text} `)), text).to.equal(false)
    }
  })

  it('LoadedDump says why a dump must be loaded: nothing recorded, the model changed, or which parts differ', () => {
    const m = new LoadedDump()
    const fp = dumpFingerprint(dumpText())
    expect(m.differs(fp, 1)).to.equal('no dump recorded since the last load')
    m.record(fp, 1)
    expect(m.differs(fp, 2)).to.equal('the model changed since it was loaded')
    const other = dumpFingerprint(dumpText({rules4: '[]', route4: '[{"dst":"10.0.0.1","dev":"br-ex"}]'}))
    expect(m.differs(other, 1)).to.equal("the kernel's IPv4 rules, IPv4 routes of table 200 differ")
    expect(m.differs(dumpFingerprint(dumpText({tables: [201, 10]})), 1)).to.equal('other tables or parts')
  })

  it('LoadedDump holds only for the fingerprint and the generation it recorded', () => {
    const m = new LoadedDump()
    const a = dumpFingerprint(dumpText())
    const b = dumpFingerprint(dumpText({rules4: '[]'}))
    expect(m.holds(a, 1)).to.equal(false)
    m.record(a, 1)
    expect(m.holds(a, 1)).to.equal(true)
    expect(m.holds(dumpFingerprint(dumpText()), 1)).to.equal(true)
    expect(m.holds(a, 2)).to.equal(false)
    expect(m.holds(b, 1)).to.equal(false)
    m.forget()
    expect(m.holds(a, 1)).to.equal(false)
  })
})

const lnk = (name: string, kind: string, up: boolean): LinkInfo => ({
  name,
  kind,
  up,
  master: undefined,
  link: undefined,
  vlanId: undefined,
  vrfTable: undefined,
})

/** A route of a table, as a dump or a notification gives it. */
const route = (table: number, dst: string, dev: string, proto: number): RouteInfo & {table: number} => ({
  family: 4,
  table,
  dst,
  dev,
  via: undefined,
  proto,
  scope: 253,
  type: 'unicast',
  multipath: false,
})

describe('kernel/model: generation', () => {
  const dump = (): ModelDump => ({
    links: [lnk('br-ex', 'bridge', true), lnk('bgp-nic', 'dummy', true)],
    addrs: [{dev: 'bgp-nic', family: 4, cidr: '10.0.0.1/32'}],
    rules: [{family: 4, priority: 32_000, dst: '10.0.0.1/32', table: 200, plain: true}],
    routes: [route(200, '10.0.0.1/32', 'br-ex', 3), route(10, '10.1.0.0/24', 'bgp-nic', 3)],
    neighs: [{family: 4, ip: '10.0.0.1', dev: 'br-ex', mac: 'fa:16:3e:00:00:01', permanent: true}],
    proxies: [],
    netconf: new Map(),
  })
  const loaded = (): KernelModel => {
    const m = new KernelModel()
    m.load({...dump(), markedOnly: [10]}, [200, 10])
    return m
  }

  const events: Array<{name: string; e: MonitorEvent; moves: boolean}> = [
    {
      name: 'an address added',
      e: {type: 'addr', deleted: false, addr: {dev: 'bgp-nic', family: 4, cidr: '10.0.0.2/32'}},
      moves: true,
    },
    {
      name: 'an address deleted',
      e: {type: 'addr', deleted: true, addr: {dev: 'bgp-nic', family: 4, cidr: '10.0.0.1/32'}},
      moves: true,
    },
    {
      name: 'an address notified again as it is (an echo)',
      e: {type: 'addr', deleted: false, addr: {dev: 'bgp-nic', family: 4, cidr: '10.0.0.1/32'}},
      moves: false,
    },
    {
      name: 'a route reinstalled as it was',
      e: {
        type: 'route',
        deleted: false,
        route: route(200, '10.0.0.1/32', 'br-ex', 3),
      },
      moves: false,
    },
    {
      name: 'an absent address deleted',
      e: {type: 'addr', deleted: true, addr: {dev: 'bgp-nic', family: 4, cidr: '10.0.0.9/32'}},
      moves: false,
    },
    {
      name: 'a route in a watched table',
      e: {
        type: 'route',
        deleted: false,
        route: route(200, '10.0.0.2/32', 'br-ex', 3),
      },
      moves: true,
    },
    {
      name: 'a route in a table not watched',
      e: {
        type: 'route',
        deleted: false,
        route: route(254, '10.9.0.0/24', 'eth0', 2),
      },
      moves: false,
    },
    {
      name: "the kernel's local route of a bgp-nic address, in the VRF table (marked-only)",
      e: {type: 'route', deleted: false, route: {...route(10, '10.0.0.1', 'bgp-nic', 2), type: 'local', scope: 254}},
      moves: false,
    },
    {
      name: 'a marked route in the VRF table',
      e: {type: 'route', deleted: false, route: route(10, '10.2.0.0/24', 'bgp-nic', 3)},
      moves: true,
    },
    {
      name: "a foreign route put under our VRF route's key (a replace)",
      e: {type: 'route', deleted: false, route: route(10, '10.1.0.0/24', 'bgp-nic', 4)},
      moves: true,
    },
    {
      name: "a foreign route deleted under our VRF route's key",
      e: {type: 'route', deleted: true, route: route(10, '10.1.0.0/24', 'bgp-nic', 4)},
      moves: false,
    },
    {
      name: 'a rule without a destination',
      e: {type: 'rule', deleted: false, rule: {family: 4, priority: 100, dst: undefined, table: 5, plain: false}},
      moves: false,
    },
    {
      name: 'a reachable (not permanent) neighbour that was never in the model',
      e: {
        type: 'neigh',
        deleted: false,
        proxy: false,
        neigh: {family: 4, ip: '10.0.0.50', dev: 'br-ex', mac: 'fa:16:3e:00:00:50', permanent: false},
      },
      moves: false,
    },
    {
      name: 'a permanent neighbour no longer permanent',
      e: {
        type: 'neigh',
        deleted: false,
        proxy: false,
        neigh: {family: 4, ip: '10.0.0.1', dev: 'br-ex', mac: 'fa:16:3e:00:00:01', permanent: false},
      },
      moves: true,
    },
    {
      name: 'a link set down (its routes and neighbours flushed)',
      e: {type: 'link', deleted: false, link: lnk('br-ex', 'bridge', false)},
      moves: true,
    },
  ]
  for (const c of events) {
    it(`${c.name}: ${c.moves ? 'moves on' : 'stays'}`, () => {
      const m = loaded()
      const g = m.generation
      m.apply(c.e)
      expect(m.generation !== g).to.equal(c.moves)
    })
  }

  it('moves on with a load, an own op, and a resync that found a difference; not with one that found none', () => {
    const m = loaded()
    let g = m.generation
    m.applyOwn('add', {kind: 'address', dev: 'bgp-nic', cidr: '10.0.0.3/32'})
    expect(m.generation).to.not.equal(g)
    g = m.generation
    const same = loaded()
    same.applyOwn('add', {kind: 'address', dev: 'bgp-nic', cidr: '10.0.0.3/32'})
    m.syncFrom(same)
    expect(m.generation, 'nothing differed').to.equal(g)
    const other = loaded()
    m.syncFrom(other)
    expect(m.generation, 'the own address is gone in the dump').to.not.equal(g)
    g = m.generation
    m.load(dump(), [200, 10])
    expect(m.generation).to.not.equal(g)
  })
})

describe('kernel/ledger: generation', () => {
  it('moves on with each change of the keys, and with a load that reads changed files; not otherwise', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ovnbgp-ledger-gen-'))
    try {
      const path = join(dir, 'kernel-ledger.json')
      const l = new Ledger(path)
      await l.load()
      let g = l.generation
      l.add('neigh|br-ex|10.0.0.1')
      expect(l.generation).to.not.equal(g)
      g = l.generation
      l.add('neigh|br-ex|10.0.0.1')
      l.delete('neigh|br-ex|10.0.0.9')
      expect(l.generation, 'no-op add and delete').to.equal(g)
      await l.save()
      await l.load()
      expect(l.generation, 'files as saved').to.equal(g)
      // Another process (an ad-hoc command) saves: the next load reads it.
      writeFileSync(path, JSON.stringify({version: 1, keys: ['neigh|br-ex|10.0.0.2']}))
      rmSync(l.journalPath, {force: true})
      await l.load()
      expect(l.generation).to.not.equal(g)
      expect(l.has('neigh|br-ex|10.0.0.2')).to.equal(true)
    } finally {
      rmSync(dir, {recursive: true, force: true})
    }
  })
})
