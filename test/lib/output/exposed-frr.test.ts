// show-exposed's FRR columns, pure: which prefix each entry is looked up as in FRR's view (host
// routes, subnet-mode network prefixes, nothing for host-mode subnets), and what counts as FRR drift.
import {expect} from 'chai'

import type {FrrView} from '../../../src/lib/frr/rib.js'
import type {ShowExposedResult} from '../../../src/lib/output/exposed.js'

import {annotateFrr, frrPrefixOf} from '../../../src/lib/output/exposed-frr.js'

type ExposedRow = ShowExposedResult['entries'][number]

const row = (ip: string, kind: ExposedRow['kind'], state: ExposedRow['state'] = 'ok'): ExposedRow => ({
  ip,
  kind,
  bridge: 'br-ex',
  vlan: null,
  source: {table: 'Logical_Switch_Port', uuid: 'u', name: 'n'},
  state,
  frr: null,
})

const result = (entries: ExposedRow[]): ShowExposedResult => ({
  source: 'node',
  entries,
  drift: {missing: 0, unexpected: 0, frr: 0},
  frr: null,
  drain: null,
})

function view(carried: string[], over: Partial<FrrView> = {}): FrrView {
  return {
    vrf: 'bgp-vrf',
    vrfRib: new Set(carried),
    vrfBgp: new Set(carried),
    leaked: new Set(carried),
    neighbours: [
      {peer: '192.0.2.2', state: 'Established', established: true, shutdown: false, advertised: new Set(carried)},
      {peer: '192.0.2.6', state: 'Active', established: false, shutdown: false, advertised: new Set()},
    ],
    leakMissing: [],
    gracefulShutdown: false,
    importBlocked: false,
    vtyshCalls: 3,
    warnings: [],
    ...over,
  }
}

describe('show-exposed FRR columns', () => {
  describe('the prefix FRR keys an entry by', () => {
    const cases: Array<[string, string, ExposedRow['kind'], 'host' | 'subnet', string | undefined]> = [
      ['IPv4 address', '172.24.4.226', 'vm', 'host', '172.24.4.226/32'],
      ['IPv6 address, canonical', '2001:DB8:100:0::A', 'cr-lrp', 'host', '2001:db8:100::a/128'],
      ['host-mode subnet: not in FRR', '10.0.0.1/24', 'subnet', 'host', undefined],
      ['subnet-mode subnet: the network prefix', '10.0.0.1/24', 'subnet', 'subnet', '10.0.0.0/24'],
      ['subnet-mode IPv6 subnet', '2001:db8:200::1/64', 'subnet', 'subnet', '2001:db8:200::/64'],
      ['not an address', 'garbage', 'vm', 'host', undefined],
    ]
    for (const [name, ip, kind, mode, want] of cases)
      it(name, () => expect(frrPrefixOf({ip, kind}, mode)).to.equal(want))
  })

  it('host mode: the tenant subnet has no FRR columns and is not drift; its VM is carried', () => {
    const r = annotateFrr(result([row('10.0.0.1/24', 'subnet'), row('10.0.0.5', 'tenant-ip')]), view(['10.0.0.5/32']), {
      tenant: 'host',
    })
    expect(r.entries.map((e) => e.frr)).to.deep.equal([null, {vrf: true, leaked: true, advertised: 1, established: 1}])
    expect(r.drift.frr).to.equal(0)
  })

  it('subnet mode: the subnet is looked up as its network prefix; absent = drift', () => {
    const absent = annotateFrr(result([row('10.0.0.1/24', 'subnet')]), view([]), {tenant: 'subnet'})
    expect(absent.entries[0]!.frr).to.deep.equal({vrf: false, leaked: false, advertised: 0, established: 1})
    expect(absent.drift.frr).to.equal(1)
    const carried = annotateFrr(result([row('10.0.0.1/24', 'subnet')]), view(['10.0.0.0/24']), {tenant: 'subnet'})
    expect(carried.drift.frr).to.equal(0)
  })

  it('drift: not leaked, or advertised to fewer than the established neighbours; missing entries are kernel drift only', () => {
    const v = view(['172.24.4.1/32', '172.24.4.2/32'], {leaked: new Set(['172.24.4.1/32'])})
    v.neighbours[0]!.advertised = new Set(['172.24.4.1/32'])
    const r = annotateFrr(
      result([row('172.24.4.1', 'vm'), row('172.24.4.2', 'vm'), row('172.24.4.3', 'vm', 'missing')]),
      v,
      {tenant: 'host'},
    )
    expect(r.entries.map((e) => e.frr?.advertised)).to.deep.equal([1, 0, 0])
    expect(r.drift.frr).to.equal(1)
  })

  it('drained (import blocked): withdrawn routes are not drift', () => {
    const r = annotateFrr(result([row('172.24.4.1', 'vm')]), view([], {importBlocked: true, gracefulShutdown: true}), {
      tenant: 'host',
    })
    expect(r.drift.frr).to.equal(0)
    expect(r.frr?.drained).to.equal(true)
  })

  it('FRR not read: the reason, no columns, no FRR drift', () => {
    const r = annotateFrr(result([row('172.24.4.1', 'vm')]), undefined, {tenant: 'host', error: 'vtysh: no socket'})
    expect(r.frr).to.deep.include({read: false, error: 'vtysh: no socket'})
    expect(r.entries[0]!.frr).to.equal(null)
    expect(r.drift.frr).to.equal(0)
  })
})
