import {expect} from 'chai'

import type {StateObj} from '../../../src/lib/planner/types.js'

import {ValidationError} from '../../../src/lib/errors.js'
import {
  checkToken,
  deviceSysctlKey,
  ipOpFor,
  sysctlAssign,
  sysctlPath,
  vlanAddArgs,
  vlanDelArgs,
} from '../../../src/lib/kernel/commands.js'

type Row = {
  name: string
  op: 'add' | 'remove'
  obj: StateObj
  group: string
  args: string
  tolerates?: string
  rejects?: string
}

function build(op: 'add' | 'remove', o: StateObj) {
  const r = ipOpFor(op, o)
  if (!r) throw new Error('not an ip op')
  return r
}

const rows: Row[] = [
  {
    name: 'exposed /32',
    op: 'add',
    obj: {kind: 'address', dev: 'bgp-nic', cidr: '172.24.4.226/32'},
    group: 'ip4',
    args: 'address add 172.24.4.226/32 dev bgp-nic',
    tolerates: 'RTNETLINK answers: File exists',
  },
  {
    name: 'exposed /128 is nodad and canonical',
    op: 'add',
    obj: {kind: 'address', dev: 'bgp-nic', cidr: '2001:DB8:100:0::226/128'},
    group: 'ip6',
    args: 'address add 2001:db8:100::226/128 dev bgp-nic nodad',
  },
  {
    name: 'address delete tolerates absence',
    op: 'remove',
    obj: {kind: 'address', dev: 'bgp-nic', cidr: '172.24.4.226/32'},
    group: 'ip4',
    args: 'address del 172.24.4.226/32 dev bgp-nic',
    tolerates: 'RTNETLINK answers: Cannot assign requested address',
  },
  {
    name: 'rule add',
    op: 'add',
    obj: {kind: 'rule', family: 4, dst: '10.0.0.1/24', table: 200, priority: 32_000},
    group: 'ip4',
    args: 'rule add to 10.0.0.1/24 lookup 200 priority 32000',
    tolerates: 'RTNETLINK answers: File exists',
  },
  {
    name: 'rule del v6',
    op: 'remove',
    obj: {kind: 'rule', family: 6, dst: '2001:db8::1/128', table: 200, priority: 32_000},
    group: 'ip6',
    args: 'rule del to 2001:db8::1/128 lookup 200 priority 32000',
    tolerates: 'RTNETLINK answers: No such file or directory',
  },
  {
    name: 'v4 default route, scope link',
    op: 'add',
    obj: {kind: 'route', family: 4, table: 200, dst: 'default', dev: 'br-ex', scope: 'link', proto: 3},
    group: 'ip4',
    args: 'route replace default dev br-ex table 200 proto 3 scope link',
  },
  {
    name: 'v6 route ignores scope',
    op: 'add',
    obj: {kind: 'route', family: 6, table: 200, dst: 'default', dev: 'br-ex', scope: 'link', proto: 3},
    group: 'ip6',
    args: 'route replace default dev br-ex table 200 proto 3',
  },
  {
    name: 'subnet route via cr-lrp',
    op: 'add',
    obj: {kind: 'route', family: 4, table: 200, dst: '10.0.0.0/24', dev: 'br-ex.100', via: '172.24.4.10', proto: 3},
    group: 'ip4',
    args: 'route replace 10.0.0.0/24 via 172.24.4.10 dev br-ex.100 table 200 proto 3',
  },
  {
    name: 'route delete',
    op: 'remove',
    obj: {kind: 'route', family: 4, table: 200, dst: '172.24.4.226/32', dev: 'br-ex', scope: 'link', proto: 3},
    group: 'ip4',
    args: 'route del 172.24.4.226/32 dev br-ex table 200 proto 3',
    tolerates: 'RTNETLINK answers: No such process',
  },
  {
    name: 'neigh replace lower-cases the MAC',
    op: 'add',
    obj: {kind: 'neigh', family: 4, ip: '172.24.4.100', dev: 'br-ex.100', mac: 'FA:16:3E:00:00:64'},
    group: 'neigh',
    args: 'neigh replace 172.24.4.100 lladdr fa:16:3e:00:00:64 dev br-ex.100 nud permanent',
  },
  {
    name: 'neigh delete on its own device (upstream bug 1)',
    op: 'remove',
    obj: {kind: 'neigh', family: 6, ip: '2001:db8::64', dev: 'br-ex.100', mac: 'fa:16:3e:00:00:64'},
    group: 'neigh',
    args: 'neigh del 2001:db8::64 dev br-ex.100',
    tolerates: 'Cannot find device "br-ex.100"',
  },
  {
    name: 'ndp proxy add',
    op: 'add',
    obj: {kind: 'ndp-proxy', ip: '2001:db8:100::', dev: 'br-ex'},
    group: 'proxy',
    args: 'neigh add proxy 2001:db8:100:: dev br-ex',
  },
  {
    name: 'ndp proxy del',
    op: 'remove',
    obj: {kind: 'ndp-proxy', ip: '2001:db8:100::', dev: 'br-ex'},
    group: 'proxy',
    args: 'neigh del proxy 2001:db8:100:: dev br-ex',
  },
]

const rejects: Array<{name: string; obj: StateObj; match: RegExp}> = [
  {name: 'device name starting with -', obj: {kind: 'address', dev: '-bad', cidr: '10.0.0.1/32'}, match: /device name/},
  {
    name: 'device name over 15 characters',
    obj: {kind: 'address', dev: 'br-provider-long', cidr: '10.0.0.1/32'},
    match: /device name/,
  },
  {
    name: 'device name with a quote',
    obj: {kind: 'neigh', family: 4, ip: '10.0.0.1', dev: 'br"x', mac: 'fa:16:3e:00:00:01'},
    match: /unsafe device name/,
  },
  {name: 'device name with #', obj: {kind: 'address', dev: 'br#x', cidr: '10.0.0.1/32'}, match: /unsafe device name/},
  {name: 'bad CIDR', obj: {kind: 'address', dev: 'bgp-nic', cidr: '10.0.0.1/33'}, match: /invalid CIDR/},
  {
    name: 'rule family mismatch',
    obj: {kind: 'rule', family: 4, dst: '2001:db8::1/128', table: 200, priority: 32_000},
    match: /not an IPv4 prefix/,
  },
  {
    name: 'route via of the wrong family',
    obj: {kind: 'route', family: 4, table: 200, dst: '10.0.0.0/24', dev: 'br-ex', via: '2001:db8::1', proto: 3},
    match: /invalid IPv4 address/,
  },
  {
    name: 'table 0',
    obj: {kind: 'rule', family: 4, dst: '10.0.0.1/32', table: 0, priority: 32_000},
    match: /routing table/,
  },
  {name: 'bad MAC', obj: {kind: 'neigh', family: 4, ip: '10.0.0.1', dev: 'br-ex', mac: 'fa:16:3e:00:00'}, match: /MAC/},
  {name: 'NDP proxy for IPv4', obj: {kind: 'ndp-proxy', ip: '10.0.0.1', dev: 'br-ex'}, match: /IPv6/},
]

describe('kernel/commands', () => {
  for (const r of rows) {
    it(`${r.op} ${r.name}`, () => {
      const op = build(r.op, r.obj)
      expect(op.group).to.equal(r.group)
      expect(op.args.join(' ')).to.equal(r.args)
      for (const a of op.args) expect(a.startsWith('-'), a).to.equal(false)
      if (r.tolerates) expect(op.tolerate?.test(r.tolerates), 'tolerated').to.equal(true)
    })
  }

  for (const r of rejects) {
    it(`rejects ${r.name}`, () => {
      expect(() => build('add', r.obj)).to.throw(ValidationError, r.match)
    })
  }

  it('route add never tolerates an error', () => {
    const op = build('add', {kind: 'route', family: 4, table: 200, dst: 'default', dev: 'br-ex', proto: 3})
    expect(op.tolerate).to.equal(undefined)
  })

  it('builds VLAN link commands', () => {
    const v = {kind: 'vlan' as const, name: 'br-ex.100', link: 'br-ex', id: 100}
    expect(vlanAddArgs(v)).to.deep.equal([
      'link',
      'add',
      'link',
      'br-ex',
      'name',
      'br-ex.100',
      'type',
      'vlan',
      'id',
      '100',
    ])
    expect(vlanDelArgs(v)).to.deep.equal(['link', 'del', 'dev', 'br-ex.100'])
    expect(() => vlanAddArgs({...v, id: 4095})).to.throw(ValidationError)
  })

  const sysctls: Array<[string, string, string]> = [
    ['net.ipv4.conf.br-ex.proxy_arp', '1', '/proc/sys/net/ipv4/conf/br-ex/proxy_arp'],
    ['net.ipv6.conf.br-ex/100.proxy_ndp', '1', '/proc/sys/net/ipv6/conf/br-ex.100/proxy_ndp'],
  ]
  for (const [key, value, path] of sysctls) {
    it(`sysctl ${key}`, () => {
      expect(sysctlAssign({kind: 'sysctl', key, value})).to.equal(`${key}=${value}`)
      expect(sysctlPath(key)).to.equal(path)
    })
  }

  it('writes dots in device names as / in sysctl keys', () => {
    expect(deviceSysctlKey(4, 'br-ex.100', 'proxy_arp')).to.equal('net.ipv4.conf.br-ex/100.proxy_arp')
    expect(deviceSysctlKey(6, 'br-ex', 'proxy_ndp')).to.equal('net.ipv6.conf.br-ex.proxy_ndp')
  })

  for (const [key, value] of [
    ['-w', '1'],
    ['net.ipv4.conf.a b.proxy_arp', '1'],
    ['net.ipv4.conf.x.proxy_arp', '1 2'],
    ['net..x', '1'],
  ]) {
    it(`rejects sysctl ${JSON.stringify(key)}=${JSON.stringify(value)}`, () => {
      expect(() => sysctlAssign({kind: 'sysctl', key: key!, value: value!})).to.throw(ValidationError)
    })
  }

  it('checkToken rejects whitespace, quotes, comments and options', () => {
    for (const bad of ['a b', 'a\nb', "a'", 'a"', '#a', '-a', String.raw`a\b`, ''])
      expect(() => checkToken(bad, 'x'), bad).to.throw(ValidationError)
    expect(checkToken('2001:db8::/64', 'x')).to.equal('2001:db8::/64')
  })
})
