// ownedAt (the owned objects under some keys, read from the watched model by key) == ownedObjects
// (the whole owned observation) restricted to those keys, ledger side effects included: table cases
// for the ownership rules, then a seeded property over random models, ledgers, desired states and
// key sets.
import {expect} from 'chai'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import type {KernelObj, ObserveScope} from '../../../src/lib/kernel/types.js'

import {Ledger} from '../../../src/lib/kernel/ledger.js'
import {KernelModel, type ModelDump} from '../../../src/lib/kernel/model.js'
import {ownedObjects} from '../../../src/lib/kernel/observe.js'
import {ownedAt} from '../../../src/lib/kernel/owned-view.js'
import {objKey, type StateObj} from '../../../src/lib/planner/types.js'
import {linkInfo} from '../../helpers/kernel-links.js'
import {rng} from '../../helpers/nb-random.js'

const scope: ObserveScope = {bgpNic: 'bgp-nic', bgpVrf: 'bgp-vrf', vrfTable: 10, bridges: [{name: 'br-ex', table: 200}]}

const link = linkInfo

function emptyDump(): ModelDump {
  return {links: [], addrs: [], rules: [], routes: [], neighs: [], proxies: [], netconf: new Map()}
}

/** Routes in the watched tables: owned (proto 3 unicast via a bridge or bgp-nic) and not. */
function randomRoutes(r: () => number): ModelDump['routes'] {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!
  const n = (k: number) => Math.floor(r() * k)
  return Array.from({length: 30}, () => {
    const v6 = r() < 0.3
    const v6dst = `2001:db8::${n(6)}/128`
    const dst = v6 ? v6dst : `10.0.0.${n(6)}/32`
    return {
      family: v6 ? (6 as const) : (4 as const),
      table: pick([200, 200, 10]),
      dst: r() < 0.1 ? 'default' : dst,
      dev: pick(['br-ex', 'bgp-nic', 'eth0', 'br-ex.10', undefined]),
      via: r() < 0.3 ? (v6 ? 'fe80::1' : '10.0.0.254') : undefined,
      proto: pick([3, 3, 4, undefined]),
      scope: pick([253, 0, undefined]),
      type: pick(['unicast', 'unicast', 'local']),
      multipath: r() < 0.1,
    }
  })
}

/** A random model drawn from small pools: owned and foreign devices, tables, protos, kinds. */
function randomDump(r: () => number): ModelDump {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!
  const n = (k: number) => Math.floor(r() * k)
  const d = emptyDump()
  d.links.push(link('bgp-nic', {kind: 'dummy'}), link('eth0'))
  if (r() < 0.85) d.links.push(link('br-ex', {kind: 'bridge', up: r() < 0.9}))
  if (r() < 0.7) d.links.push(link('br-ex.10', {kind: 'vlan', link: 'br-ex', vlanId: 10, up: r() < 0.6}))
  if (r() < 0.5) d.links.push(link('odd.11', {kind: 'vlan', link: 'br-ex', vlanId: 11}))
  if (r() < 0.5) d.links.push(link('eth0.12', {kind: 'vlan', link: 'eth0', vlanId: 12}))
  const devs = ['bgp-nic', 'br-ex', 'br-ex.10', 'eth0', 'odd.11']
  for (let i = 0; i < 30; i++) {
    const cidr = pick([
      `10.0.0.${n(6)}/32`,
      `10.0.0.${n(6)}/24`,
      `169.254.0.${n(4)}/32`,
      `fd53:d91e:400:7f17::${n(4)}/128`,
      `2001:db8::${n(4)}/128`,
      `2001:db8::${n(4)}/64`,
    ])
    d.addrs.push({dev: pick(devs), family: cidr.includes(':') ? 6 : 4, cidr})
  }

  for (let i = 0; i < 20; i++) {
    d.rules.push({
      family: 4,
      priority: pick([32_000, 32_000, 100]),
      dst: r() < 0.9 ? `10.0.0.${n(6)}/32` : undefined,
      table: pick([200, 200, 201, undefined]),
      plain: r() < 0.85,
    })
  }

  d.routes.push(...randomRoutes(r))
  for (let i = 0; i < 20; i++) {
    const v6 = r() < 0.3
    d.neighs.push({
      family: v6 ? 6 : 4,
      ip: v6 ? `2001:db8::${n(6)}` : `10.0.0.${n(6)}`,
      dev: pick(['br-ex', 'br-ex.10', 'eth0']),
      mac: r() < 0.9 ? `fa:16:3e:00:00:0${n(3)}` : undefined,
      permanent: r() < 0.8,
    })
  }

  for (let i = 0; i < 8; i++) d.proxies.push({ip: `2001:db8::${n(6)}`, dev: pick(['br-ex', 'br-ex.10', 'eth0'])})
  for (const dev of ['br-ex', 'br-ex.10', 'eth0', 'all'])
    for (const fam of [4, 6]) if (r() < 0.6) d.netconf.set(`${fam}|${dev}`, r() < 0.7)
  return d
}

/** The keys worth asking about: every model entry's, the ledger's and some that match nothing. */
function candidateKeys(m: KernelModel, ledger: readonly string[]): string[] {
  const raw = m.raw()
  return [
    ...raw.addrs.map((a) => `address|${a.dev}|${a.cidr}`),
    ...raw.rules.map((x) => `rule|${x.family}|${x.priority}|${x.dst}|${x.table}`),
    ...raw.routes.map((x) => `route|${x.family}|${x.table}|${x.dst}`),
    ...raw.neighs.map((x) => `neigh|${x.dev}|${x.ip}`),
    ...raw.proxies.map((x) => `ndp-proxy|${x.dev}|${x.ip}`),
    ...raw.links.map((l) => `vlan|${l.name}`),
    ...[...raw.sysctls.keys()].map((k) => `sysctl|${k}`),
    ...ledger,
    'address|bgp-nic|10.9.9.9/32',
    'flow|br-ex|2|4',
    'route|4|200|10.9.9.9/32',
  ]
}

/** Desired objects under some of the keys: the observed twin (adoptable) or one with other values. */
function randomDesired(r: () => number, owned: readonly KernelObj[]): StateObj[] {
  const out: StateObj[] = []
  for (const o of owned) {
    if (r() < 0.5) continue
    if (o.kind === 'neigh' && r() < 0.3) out.push({...o, mac: 'fa:16:3e:ff:ff:ff'})
    else out.push(o)
  }

  if (r() < 0.5) out.push({kind: 'vlan', name: 'br-ex.10', link: 'br-ex', id: 10})
  if (r() < 0.3) out.push({kind: 'neigh', family: 4, ip: '10.0.0.1', dev: 'br-ex', mac: 'fa:16:3e:00:00:01'})
  // A desired state holds one object per key (the planner's winner): keep the first.
  const seen = new Set<string>()
  return out.filter((o) => !seen.has(objKey(o)) && Boolean(seen.add(objKey(o))))
}

describe('kernel ownedAt: ownedObjects restricted to the asked keys', () => {
  let dir: string

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'owned-view-'))
  })

  after(() => rmSync(dir, {recursive: true, force: true}))

  /** Two ledgers with the same entries (unsaved, so load() keeps them), one per side. */
  function ledgers(tag: string, entries: readonly string[]): [Ledger, Ledger] {
    const pair = [Ledger.inDir(join(dir, `${tag}-full`)), Ledger.inDir(join(dir, `${tag}-keys`))] as [Ledger, Ledger]
    for (const l of pair) for (const e of entries) l.add(e)
    return pair
  }

  async function both(tag: string, c: {dump: ModelDump; ledger: string[]; desired: StateObj[]; keys: string[]}) {
    const {dump, ledger, desired, keys} = c
    const m = new KernelModel()
    m.load(dump, [200, 10])
    const [lf, lk] = ledgers(tag, ledger)
    const full = await ownedObjects({ledger: lf}, m.raw(), {...scope, adopt: desired})
    const want = new Map(desired.map((o) => [objKey(o), o]))
    const got = await ownedAt({ledger: lk, model: m}, scope, keys, (k) => want.get(k))
    const fullByKey = new Map(full.map((o) => [objKey(o), o]))
    const expected = new Map(keys.filter((k) => fullByKey.has(k)).map((k) => [k, fullByKey.get(k)!]))
    return {got, expected, lf, lk, full, m}
  }

  const table: Array<{
    name: string
    dump: () => ModelDump
    ledger?: string[]
    desired?: StateObj[]
    keys: string[]
    owned: string[]
  }> = [
    {
      name: 'a /32 on bgp-nic is owned; a /24 there and a /32 elsewhere are not',
      dump: () => ({
        ...emptyDump(),
        links: [link('bgp-nic'), link('br-ex', {kind: 'bridge'})],
        addrs: [
          {dev: 'bgp-nic', family: 4, cidr: '10.0.0.1/32'},
          {dev: 'bgp-nic', family: 4, cidr: '10.0.0.2/24'},
          {dev: 'eth0', family: 4, cidr: '10.0.0.3/32'},
        ],
      }),
      keys: ['address|bgp-nic|10.0.0.1/32', 'address|bgp-nic|10.0.0.2/24', 'address|eth0|10.0.0.3/32'],
      owned: ['address|bgp-nic|10.0.0.1/32'],
    },
    {
      name: 'a permanent neighbour on a bridge is owned only through the ledger or by adoption',
      dump: () => ({
        ...emptyDump(),
        links: [link('br-ex', {kind: 'bridge'})],
        neighs: [
          {family: 4, ip: '10.0.0.1', dev: 'br-ex', mac: 'fa:16:3e:00:00:01', permanent: true},
          {family: 4, ip: '10.0.0.2', dev: 'br-ex', mac: 'fa:16:3e:00:00:02', permanent: true},
          {family: 4, ip: '10.0.0.3', dev: 'br-ex', mac: 'fa:16:3e:00:00:03', permanent: true},
        ],
      }),
      ledger: ['neigh|br-ex|10.0.0.1', 'neigh|br-ex|10.0.0.9'],
      desired: [{kind: 'neigh', family: 4, ip: '10.0.0.2', dev: 'br-ex', mac: 'fa:16:3e:00:00:02'}],
      keys: ['neigh|br-ex|10.0.0.1', 'neigh|br-ex|10.0.0.2', 'neigh|br-ex|10.0.0.3', 'neigh|br-ex|10.0.0.9'],
      owned: ['neigh|br-ex|10.0.0.1', 'neigh|br-ex|10.0.0.2'],
    },
    {
      name: 'a desired VLAN device that is down is missing; an undesired one is owned',
      dump: () => ({
        ...emptyDump(),
        links: [
          link('br-ex', {kind: 'bridge'}),
          link('br-ex.10', {kind: 'vlan', link: 'br-ex', vlanId: 10, up: false}),
          link('br-ex.11', {kind: 'vlan', link: 'br-ex', vlanId: 11, up: false}),
        ],
      }),
      desired: [{kind: 'vlan', name: 'br-ex.10', link: 'br-ex', id: 10}],
      keys: ['vlan|br-ex.10', 'vlan|br-ex.11'],
      owned: ['vlan|br-ex.11'],
    },
    {
      name: 'proto-3 routes in a bridge table and on bgp-nic in the VRF table; not proto 4, not another table',
      dump: () => ({
        ...emptyDump(),
        links: [link('br-ex', {kind: 'bridge'}), link('bgp-nic')],
        routes: [
          {
            family: 4,
            table: 200,
            dst: '10.0.0.1/32',
            dev: 'br-ex',
            via: undefined,
            proto: 3,
            scope: 253,
            type: 'unicast',
            multipath: false,
          },
          {
            family: 4,
            table: 200,
            dst: '10.0.0.2/32',
            dev: 'br-ex',
            via: undefined,
            proto: 4,
            scope: 253,
            type: 'unicast',
            multipath: false,
          },
          {
            family: 4,
            table: 10,
            dst: '10.0.0.3/32',
            dev: 'bgp-nic',
            via: undefined,
            proto: 3,
            scope: 253,
            type: 'unicast',
            multipath: false,
          },
          {
            family: 4,
            table: 10,
            dst: '10.0.0.4/32',
            dev: 'eth0',
            via: undefined,
            proto: 3,
            scope: 253,
            type: 'unicast',
            multipath: false,
          },
        ],
      }),
      keys: ['route|4|200|10.0.0.1/32', 'route|4|200|10.0.0.2/32', 'route|4|10|10.0.0.3/32', 'route|4|10|10.0.0.4/32'],
      owned: ['route|4|200|10.0.0.1/32', 'route|4|10|10.0.0.3/32'],
    },
    {
      name: 'proxy_arp of a mapped bridge set to 1 is owned; of another device or set to 0 is not',
      dump: () => ({
        ...emptyDump(),
        links: [link('br-ex', {kind: 'bridge'}), link('eth0')],
        netconf: new Map([
          ['4|br-ex', true],
          ['6|br-ex', false],
          ['4|eth0', true],
        ]),
      }),
      keys: [
        'sysctl|net.ipv4.conf.br-ex.proxy_arp',
        'sysctl|net.ipv6.conf.br-ex.proxy_ndp',
        'sysctl|net.ipv4.conf.eth0.proxy_arp',
      ],
      owned: ['sysctl|net.ipv4.conf.br-ex.proxy_arp'],
    },
  ]

  for (const [i, c] of table.entries()) {
    it(c.name, async () => {
      const {got, expected, lf, lk} = await both(`t${i}`, {
        dump: c.dump(),
        ledger: c.ledger ?? [],
        desired: c.desired ?? [],
        keys: c.keys,
      })
      expect([...got.keys()].sort()).to.deep.equal([...c.owned].sort())
      expect(got).to.deep.equal(expected)
      for (const k of c.keys) expect(lk.has(k), `ledger ${k}`).to.equal(lf.has(k))
    })
  }

  it('equals ownedObjects restricted to the keys on 250 random models, ledgers, desired states and key sets (seeded)', async () => {
    const r = rng(11)
    let owned = 0
    for (let i = 0; i < 250; i++) {
      const dump = randomDump(r)
      const probe = new KernelModel()
      probe.load(dump, [200, 10])
      const ledgerAll = candidateKeys(probe, []).filter((k) => k.startsWith('neigh|') || k.startsWith('ndp-proxy|'))
      const ledger = [...ledgerAll.filter(() => r() < 0.5), 'neigh|br-ex|10.0.0.250']
      const pre = await ownedObjects({ledger: Ledger.inDir(join(dir, `pre-${i}`))}, probe.raw(), {...scope, adopt: []})
      const desired = randomDesired(r, pre)
      const keys = candidateKeys(probe, ledger).filter(() => r() < 0.6)
      const {got, expected, lf, lk} = await both(`p${i}`, {dump, ledger, desired, keys})
      expect(got, `case ${i}`).to.deep.equal(expected)
      for (const k of keys) expect(lk.has(k), `case ${i}: ledger ${k}`).to.equal(lf.has(k))
      owned += got.size
    }

    expect(owned / 250, 'owned objects per case').to.be.greaterThan(3)
  })
})

describe('kernel model resync: syncFrom', () => {
  let dir: string

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'kernel-resync-'))
  })

  afterEach(() => {
    rmSync(dir, {recursive: true, force: true})
  })

  const sorted = (m: KernelModel) => {
    const raw = m.raw()
    const s = <T>(xs: readonly T[]) => xs.map((x) => JSON.stringify(x)).sort()
    return {
      links: s(raw.links),
      addrs: s(raw.addrs),
      rules: s(raw.rules),
      routes: s(raw.routes),
      neighs: s(raw.neighs),
      proxies: s(raw.proxies),
      sysctls: [...raw.sysctls].sort(),
    }
  }

  it('an unchanged dump reports nothing; a changed entry of each kind is reported by its objKey', () => {
    const d = emptyDump()
    d.links.push(link('br-ex', {kind: 'bridge'}), link('bgp-nic', {kind: 'dummy'}))
    d.addrs.push({dev: 'bgp-nic', family: 4, cidr: '10.0.0.1/32'})
    d.routes.push({
      family: 4,
      table: 200,
      dst: '10.0.0.1/32',
      dev: 'br-ex',
      proto: 3,
      scope: 253,
      type: 'unicast',
      multipath: false,
      via: undefined,
    })
    d.neighs.push({family: 4, ip: '10.0.0.1', dev: 'br-ex', mac: 'fa:16:3e:00:00:01', permanent: true})
    const a = new KernelModel()
    a.load(d, [200, 10])
    const same = new KernelModel()
    same.load(d, [200, 10])
    expect(a.syncFrom(same)).to.deep.equal({keys: [], links: []})
    const e = emptyDump()
    e.links.push(link('br-ex', {kind: 'bridge', up: false}), link('bgp-nic', {kind: 'dummy'}))
    e.addrs.push({dev: 'bgp-nic', family: 4, cidr: '10.0.0.2/32'})
    e.rules.push({family: 4, priority: 32_000, dst: '10.0.0.2/32', table: 200, plain: true})
    e.routes.push({
      family: 4,
      table: 200,
      dst: '10.0.0.1/32',
      dev: 'br-ex',
      proto: 3,
      scope: 253,
      type: 'unicast',
      multipath: false,
      via: '10.0.0.254',
    })
    e.neighs.push({family: 4, ip: '10.0.0.1', dev: 'br-ex', mac: 'fa:16:3e:00:00:01', permanent: true})
    e.proxies.push({ip: '2001:db8::1', dev: 'br-ex'})
    e.netconf.set('4|br-ex', true)
    const b = new KernelModel()
    b.load(e, [200, 10])
    expect(a.syncFrom(b)).to.deep.equal({
      keys: [
        'address|bgp-nic|10.0.0.1/32',
        'address|bgp-nic|10.0.0.2/32',
        'rule|4|32000|10.0.0.2/32|200',
        'route|4|200|10.0.0.1/32',
        'ndp-proxy|br-ex|2001:db8::1',
        'sysctl|net.ipv4.conf.br-ex.proxy_arp',
      ],
      links: ['br-ex'],
    })
    expect(sorted(a)).to.deep.equal(sorted(b))
  })

  it('on 250 random pairs of models: equal afterwards, and every key whose ownership differs is reported (seeded)', async () => {
    const r = rng(23)
    let reported = 0
    for (let i = 0; i < 250; i++) {
      const da = randomDump(r)
      const db = r() < 0.2 ? da : randomDump(r)
      // Same links (a link change makes the next observation full anyway): only entries differ.
      db.links = da.links
      const a = new KernelModel()
      a.load(da, [200, 10])
      const before = new KernelModel()
      before.load(da, [200, 10])
      const b = new KernelModel()
      b.load(db, [200, 10])
      const {keys, links} = a.syncFrom(b)
      expect(links, `case ${i}`).to.deep.equal([])
      expect(sorted(a), `case ${i}`).to.deep.equal(sorted(b))
      reported += keys.length
      // Outside the reported keys, ownership reads the same in the old and the new model.
      const changed = new Set(keys)
      const ledger = candidateKeys(before, []).filter((k) => k.startsWith('neigh|') || k.startsWith('ndp-proxy|'))
      const rest = [...new Set([...candidateKeys(before, ledger), ...candidateKeys(b, ledger)])].filter(
        (k) => !changed.has(k),
      )
      const la = Ledger.inDir(join(dir, `a-${i}`))
      const lb = Ledger.inDir(join(dir, `b-${i}`))
      for (const k of ledger) la.add(k)
      for (const k of ledger) lb.add(k)
      const old = await ownedAt({ledger: la, model: before}, scope, rest, () => undefined)
      const now = await ownedAt({ledger: lb, model: a}, scope, rest, () => undefined)
      expect(now, `case ${i}`).to.deep.equal(old)
    }

    expect(reported / 250, 'keys reported per case').to.be.greaterThan(10)
  })
})
