// The explain verdicts, pure: which layer is named broken for each kind of disagreement, that a
// not-exposed IP with nothing on the node agrees, and that a drained node's withdrawn routes are not
// drift. Also the splitting of vtysh's back-to-back JSON output.
import {expect} from 'chai'

import type {FrrView} from '../../../src/lib/frr/rib.js'

import {buildReport, deviceSysctls, type ExplainInputs} from '../../../src/lib/explain/report.js'
import {splitJsonDocuments} from '../../../src/lib/frr/json-stream.js'
import {NbState} from '../../../src/lib/nb/state.js'
import {computeDesired} from '../../../src/lib/planner/desired.js'
import {objKey, type StateObj} from '../../../src/lib/planner/types.js'
import {explainIp} from '../../../src/lib/planner/why.js'
import {localnet, ls, vm} from '../../helpers/nb-builders.js'
import {config, context} from '../planner/fixtures.js'

const ln1 = localnet('provnet-1', 'fake-network')
const IP = '172.24.4.226'
const P = `${IP}/32`

function inputs(opts: {
  here: boolean
  observed?: (objs: StateObj[]) => StateObj[]
  frr?: Partial<FrrView>
}): ExplainInputs {
  const port = vm({name: 'vm1', ips: [IP], net: 'neutron-ext', chassis: opts.here ? 'fake-chassis' : 'compute-2'})
  const nb = NbState.fromRows({lss: [ls('neutron-ext', [ln1])], lsps: [ln1, port]}, {})
  const desired = computeDesired(nb, context(), config())
  const frr: FrrView = {
    vrf: 'bgp-vrf',
    vrfRib: new Set(opts.here ? [P] : []),
    vrfBgp: new Set(opts.here ? [P] : []),
    leaked: new Set(opts.here ? [P] : []),
    neighbours: [
      {
        peer: '192.0.2.2',
        state: 'Established',
        established: true,
        shutdown: false,
        advertised: new Set(opts.here ? [P] : []),
      },
    ],
    leakMissing: [],
    gracefulShutdown: false,
    importBlocked: false,
    vtyshCalls: 3,
    warnings: [],
    ...opts.frr,
  }
  return {
    nb,
    target: {query: IP, kind: 'ip', row: null, ips: [IP]},
    desired,
    whys: [explainIp(nb, context(), config(), IP, desired)],
    chassis: {name: 'fake-chassis', id: 'fake-chassis-id'},
    bgpNic: 'bgp-nic',
    observed: (opts.observed ?? ((o) => o))(desired.state.objects),
    frr,
  }
}

describe('explain report', () => {
  it('exposed and everything in place: all layers ok, nothing broken', () => {
    const r = buildReport(inputs({here: true}))
    expect(r.ok).to.equal(true)
    expect(r.ips[0]!.layers.map((l) => l.status)).to.deep.equal(['ok', 'ok', 'ok', 'ok', 'ok'])
  })

  it('a missing rule: kernel', () => {
    const r = buildReport(inputs({here: true, observed: (o) => o.filter((x) => x.kind !== 'rule')}))
    expect(r.ips[0]!.broken).to.equal('kernel')
    expect(r.ips[0]!.layers[2]!.reason).to.match(/^rule to 172\.24\.4\.226\/32 lookup 100 priority 32000: missing/)
  })

  it('a neighbour with another MAC: kernel, "different", with what the node has', () => {
    const r = buildReport(
      inputs({here: true, observed: (o) => o.map((x) => (x.kind === 'neigh' ? {...x, mac: 'fa:16:3e:99:99:99'} : x))}),
    )
    expect(r.ips[0]!.broken).to.equal('kernel')
    expect(r.ips[0]!.layers[2]!.items.find((i) => i.status === 'different')!.detail).to.include('fa:16:3e:99:99:99')
  })

  it('a missing flow: ovs', () => {
    const r = buildReport(inputs({here: true, observed: (o) => o.filter((x) => x.kind !== 'flow')}))
    expect(r.ips[0]!.broken).to.equal('ovs')
  })

  it('not leaked because the import line is gone: frr, naming the line', () => {
    const line = 'router bgp 64999 > address-family ipv4 unicast > import vrf bgp-vrf'
    const r = buildReport(
      inputs({
        here: true,
        frr: {
          leaked: new Set(),
          leakMissing: [line],
          neighbours: [
            {peer: '192.0.2.2', state: 'Established', established: true, shutdown: false, advertised: new Set()},
          ],
        },
      }),
    )
    expect(r.ips[0]!.broken).to.equal('frr')
    expect(r.ips[0]!.layers[4]!.reason).to.include(`missing ${line}`)
  })

  it('a neighbour down: frr, with the session state', () => {
    const r = buildReport(
      inputs({
        here: true,
        frr: {
          neighbours: [{peer: '192.0.2.2', state: 'Idle', established: false, shutdown: true, advertised: new Set()}],
        },
      }),
    )
    expect(r.ips[0]!.layers[4]!.reason).to.equal('advertised to 192.0.2.2: missing (session Idle (admin shutdown))')
  })

  it('not exposed and nothing on the node: every layer agrees (exit 0)', () => {
    const r = buildReport(inputs({here: false}))
    expect(r.ok).to.equal(true)
    expect(r.ips[0]!.layers[1]!.reason).to.match(/^not exposed: .*bound to compute-2, not here \(fake-chassis\)/)
  })

  it('not exposed but the address is still on bgp-nic and in FRR: kernel "unexpected"', () => {
    const stale: StateObj = {kind: 'address', dev: 'bgp-nic', cidr: P}
    const r = buildReport(inputs({here: false, observed: (o) => [...o, stale], frr: {vrfRib: new Set([P])}}))
    expect(r.ips[0]!.broken).to.equal('kernel')
    expect(r.ips[0]!.layers[2]!.items.map((i) => [i.what, i.status])).to.deep.include([
      'address bgp-nic 172.24.4.226/32',
      'unexpected',
    ])
    expect(r.ips[0]!.layers[4]!.status).to.equal('unexpected')
  })

  it('drained: withdrawn routes are not drift', () => {
    const r = buildReport(
      inputs({
        here: true,
        frr: {
          leaked: new Set(),
          importBlocked: true,
          gracefulShutdown: true,
          neighbours: [
            {peer: '192.0.2.2', state: 'Established', established: true, shutdown: false, advertised: new Set()},
          ],
        },
      }),
    )
    expect(r.ok).to.equal(true)
    expect(r.drained).to.equal(true)
    expect(r.ips[0]!.layers[4]!.reason).to.include('drained')
  })

  it('the kernel layer lists the sysctl of the device the IP is wired through', () => {
    const r = buildReport(inputs({here: true}))
    expect(r.ips[0]!.layers[2]!.items.map((i) => [i.what, i.status])).to.deep.include([
      'sysctl net.ipv4.conf.fake-bridge.proxy_arp=1',
      'ok',
    ])
  })

  it('proxy_arp off on the bridge: kernel, naming the sysctl', () => {
    const r = buildReport(inputs({here: true, observed: (o) => o.filter((x) => x.kind !== 'sysctl')}))
    expect(r.ips[0]!.broken).to.equal('kernel')
    expect(r.ips[0]!.layers[2]!.reason).to.equal('sysctl net.ipv4.conf.fake-bridge.proxy_arp=1: missing')
  })

  it('not exposed: no sysctl is asked of the node for it', () => {
    const r = buildReport(inputs({here: false, observed: () => []}))
    expect(r.ok).to.equal(true)
    expect(r.ips[0]!.layers[2]!.items).to.deep.equal([])
  })

  it('offline: node layers skipped', () => {
    const inp = inputs({here: true})
    const r = buildReport({...inp, observed: undefined, frr: undefined, offline: 'offline: --nb-file'})
    expect(r.ips[0]!.layers.slice(2).map((l) => [l.status, l.reason])).to.deep.equal([
      ['skipped', 'offline: --nb-file'],
      ['skipped', 'offline: --nb-file'],
      ['skipped', 'offline: --nb-file'],
    ])
    expect(objKey({kind: 'address', dev: 'bgp-nic', cidr: P})).to.equal(`address|bgp-nic|${P}`)
  })

  describe('per-device sysctls an IP depends on', () => {
    const sysctl = (key: string): StateObj => ({kind: 'sysctl', key, value: '1'})
    const planned = [
      sysctl('net.ipv4.conf.br-ex.proxy_arp'),
      sysctl('net.ipv6.conf.br-ex.proxy_ndp'),
      sysctl('net.ipv4.conf.br-ex/100.proxy_arp'),
      sysctl('net.ipv6.conf.br-ex/100.proxy_ndp'),
    ]
    const byKey = new Map(planned.map((o) => [objKey(o), o]))
    const route = (dev: string): StateObj => ({kind: 'route', family: 4, table: 1, dst: 'x', dev, proto: 3})
    const cases: Array<[string, string, StateObj[], string[]]> = [
      ['IPv4 on the bridge', '172.24.4.5', [route('br-ex')], ['net.ipv4.conf.br-ex.proxy_arp']],
      [
        'IPv6 on a VLAN device (dot written as /)',
        '2001:db8::5',
        [
          {kind: 'ndp-proxy', ip: '2001:db8::', dev: 'br-ex.100'},
          {kind: 'vlan', name: 'br-ex.100', link: 'br-ex', id: 100},
        ],
        ['net.ipv6.conf.br-ex/100.proxy_ndp'],
      ],
      [
        'neighbour and route on the same device: listed once',
        '172.24.4.6',
        [route('br-ex'), {kind: 'neigh', family: 4, ip: '172.24.4.6', dev: 'br-ex', mac: 'fa:16:3e:00:00:01'}],
        ['net.ipv4.conf.br-ex.proxy_arp'],
      ],
      [
        'only bgp-nic (no sysctl planned for it)',
        '172.24.4.7',
        [{kind: 'address', dev: 'bgp-nic', cidr: '172.24.4.7/32'}],
        [],
      ],
      ['a device the planner gives no sysctl', '172.24.4.8', [route('br-other')], []],
    ]
    for (const [name, ip, own, keys] of cases)
      it(name, () => {
        expect(deviceSysctls(ip, own, byKey).map((o) => (o as {key: string}).key)).to.deep.equal(keys)
      })
  })
})

describe('vtysh JSON stream', () => {
  it('splits back-to-back documents, keeps braces inside strings, marks unparsable ones', () => {
    const text = '{\n "a": {"b": "x}{y"}\n}  } \n{ "warning": "No such neighbor" }\n[1,2]{"bad": }'
    expect(splitJsonDocuments(text)).to.deep.equal([{a: {b: 'x}{y'}}, {warning: 'No such neighbor'}, [1, 2], undefined])
  })
})
