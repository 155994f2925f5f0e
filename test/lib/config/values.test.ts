import {expect} from 'chai'

import * as v from '../../../src/lib/config/values.js'

/** A case either converts to `out` or is rejected with an "expected ..." text matching `err`. */
type Case<T> = {in: string; out: T} | {in: string; err: RegExp}

function table<T>(title: string, fn: (raw: string) => T, cases: Array<Case<T>>): void {
  describe(title, () => {
    for (const c of cases) {
      if ('out' in c) {
        it(`${JSON.stringify(c.in)} -> ${JSON.stringify(c.out)}`, () => expect(fn(c.in)).to.deep.equal(c.out))
      } else {
        it(`${JSON.stringify(c.in)} is rejected`, () => {
          expect(() => fn(c.in)).to.throw(v.InvalidValue, c.err)
        })
      }
    }
  })
}

describe('config/values', () => {
  table('parseBool (oslo Boolean)', v.parseBool, [
    ...['true', 'True', 'TRUE', 'yes', 'Yes', 'on', 'ON', '1'].map((s) => ({in: s, out: true})),
    ...['false', 'False', 'no', 'NO', 'off', 'Off', '0'].map((s) => ({in: s, out: false})),
    {in: '', err: /expected a boolean/},
    {in: 'y', err: /expected a boolean/},
    {in: '2', err: /expected a boolean/},
    {in: 'enabled', err: /expected a boolean/},
  ])

  table('parseInteger', (s) => v.parseInteger(s, {min: 1}), [
    {in: '300', out: 300},
    {in: ' 15 ', out: 15},
    {in: '+7', out: 7},
    {in: '0', err: /an integer >= 1/},
    {in: '-5', err: /an integer >= 1/},
    {in: '', err: /an integer/},
    {in: '1.5', err: /an integer/},
    {in: '0x10', err: /an integer/},
    {in: '99999999999999999999', err: /an integer/},
  ])

  table(
    'parseInteger with reserved values',
    (s) => v.parseInteger(s, {min: 1, max: 300, reserved: new Map([[254, 'main']])}),
    [
      {in: '10', out: 10},
      {in: '300', out: 300},
      {in: '301', err: /between 1 and 300/},
      {in: '254', err: /not 254 \(main\)/},
    ],
  )

  table('parseList (oslo ListOpt)', v.parseList, [
    {in: '', out: []},
    {in: '   ', out: []},
    {in: 'a', out: ['a']},
    {in: 'a, b ,c', out: ['a', 'b', 'c']},
    {in: 'a,,b', out: ['a', '', 'b']},
    {in: 'a,', out: ['a', '']},
  ])

  table('parseChoice', (s) => v.parseChoice(s, ['host', 'subnet'] as const), [
    {in: 'host', out: 'host'},
    {in: 'subnet', out: 'subnet'},
    {in: 'Host', err: /one of host, subnet/},
    {in: '', err: /one of host, subnet/},
  ])

  table('parseConnection', v.parseConnection, [
    {in: 'unix:/run/openvswitch/db.sock', out: 'unix:/run/openvswitch/db.sock'},
    {in: 'tcp:192.0.2.1:6641', out: 'tcp:192.0.2.1:6641'},
    {in: 'ssl:[2001:db8::1]:6641', out: 'ssl:[2001:db8::1]:6641'},
    {in: 'ssl:10.0.0.1:6641, ssl:10.0.0.2:6641', out: 'ssl:10.0.0.1:6641,ssl:10.0.0.2:6641'},
    {in: '', err: /OVSDB remote/},
    {in: 'tcp:', err: /OVSDB remote/},
    {in: 'ptcp:6641', err: /OVSDB remote/},
    {in: '/run/openvswitch/db.sock', err: /OVSDB remote/},
    {in: 'tcp:10.0.0.1:6641,10.0.0.2:6641', err: /OVSDB remote/},
    {in: 'tcp:10.0.0.1:6641,', err: /OVSDB remote/},
  ])

  table('parseOptionalConnection', v.parseOptionalConnection, [
    {in: '', out: undefined},
    {in: 'tcp:a:1', out: 'tcp:a:1'},
    {in: 'bogus', err: /OVSDB remote/},
  ])

  table('parseAsn', v.parseAsn, [
    {in: '64999', out: '64999'},
    {in: '4294967295', out: '4294967295'},
    {in: '1.10', out: '1.10'},
    {in: '0', err: /AS number/},
    {in: '4294967296', err: /AS number/},
    {in: '65536.1', err: /AS number/},
    {in: '64999 vrf x', err: /AS number/},
    {in: '', err: /AS number/},
  ])

  table('parseRouterId', v.parseRouterId, [
    {in: '', out: undefined},
    {in: '192.0.2.1', out: '192.0.2.1'},
    {in: '2001:db8::1', err: /IPv4/},
    {in: 'router1', err: /IPv4/},
  ])

  table('parseIfName', v.parseIfName, [
    {in: 'bgp-nic', out: 'bgp-nic'},
    {in: 'bgp-vrf', out: 'bgp-vrf'},
    {in: '', err: /interface name/},
    {in: 'a-very-long-name-x', err: /interface name/},
    {in: 'a b', err: /interface name/},
    {in: '-x', err: /interface name/},
  ])

  table('parseBridgeMappings (parsed as upstream does, errors instead of skipping)', v.parseBridgeMappings, [
    {in: '', out: undefined},
    {in: 'physnet1:br-ex', out: [{physnet: 'physnet1', bridge: 'br-ex', index: 1}]},
    {
      in: ' physnet1:br-ex , physnet2:br-vlan ',
      out: [
        {physnet: 'physnet1', bridge: 'br-ex', index: 1},
        {physnet: 'physnet2', bridge: 'br-vlan', index: 2},
      ],
    },
    {in: 'physnet1:br-ex,physnet2', err: /element 2 \("physnet2"\)/},
    {in: 'a:b:c', err: /element 1/},
    {in: 'physnet1:br-ex,', err: /element 2/},
    {in: ':br-ex', err: /element 1/},
    {in: 'p:', err: /element 1/},
    {in: 'p:a-very-long-bridge', err: /bridge name/},
    {in: 'p:br-a,p:br-b', err: /mapped twice/},
  ])

  table('parseEnvList', v.parseEnvList, [
    {in: '', out: {}},
    {in: 'OVS_RUNDIR=/run/openvswitch', out: {OVS_RUNDIR: '/run/openvswitch'}},
    {in: 'A=1, B=x=y ,C=', out: {A: '1', B: 'x=y', C: ''}},
    {in: 'A', err: /KEY=VALUE/},
    {in: '1A=2', err: /KEY=VALUE/},
    {in: 'A=1,,B=2', err: /KEY=VALUE/},
  ])

  table('parseListenAddress', v.parseListenAddress, [
    {in: '', out: undefined},
    {in: '127.0.0.1:9100', out: '127.0.0.1:9100'},
    {in: 'localhost:9100', out: 'localhost:9100'},
    {in: '[::1]:9100', out: '[::1]:9100'},
    {in: '9100', err: /host:port/},
    {in: ':9100', err: /host:port/},
    {in: '::1:9100', err: /host:port/},
    {in: 'h:0', err: /host:port/},
    {in: 'h:70000', err: /host:port/},
  ])

  table('parseNonEmpty / parseOptional', (s) => [v.parseNonEmpty(s), v.parseOptional(s)], [
    {in: '/usr/bin/vtysh', out: ['/usr/bin/vtysh', '/usr/bin/vtysh']},
    {in: ' ', err: /non-empty/},
  ])
})
