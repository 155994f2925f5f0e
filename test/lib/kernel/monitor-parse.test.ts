import {expect} from 'chai'
import {readFileSync} from 'node:fs'

import {KernelModel} from '../../../src/lib/kernel/model.js'
import {type MonitorEvent, parseMonitorLine} from '../../../src/lib/kernel/monitor-parse.js'
import {listening} from '../../../src/lib/kernel/monitor.js'

// Lines of `ip -o -d -N monitor link address route rule neigh netconf` captured in the qemu guest
// (iproute2 6.1) while the commands in the comments ran.
const captured = readFileSync(new URL('fixtures/monitor.txt', import.meta.url), 'utf8')
  .split('\n')
  .filter(Boolean)

const cases: Array<[string, string, MonitorEvent | undefined]> = [
  [
    'address add 172.24.4.10/32 dev bgp-nic',
    captured[0]!,
    {type: 'addr', deleted: false, addr: {dev: 'bgp-nic', family: 4, cidr: '172.24.4.10/32'}},
  ],
  [
    'the local route of that address',
    captured[1]!,
    {
      type: 'route',
      deleted: false,
      route: {
        family: 4,
        dst: '172.24.4.10/32',
        dev: 'bgp-nic',
        via: undefined,
        proto: 2,
        scope: 254,
        type: 'local',
        multipath: false,
        table: 10,
      },
    },
  ],
  [
    'address add fd00::10/128 nodad',
    captured[3]!,
    {type: 'addr', deleted: false, addr: {dev: 'bgp-nic', family: 6, cidr: 'fd00::10/128'}},
  ],
  [
    'rule add to X/32 lookup 200 priority 32000',
    captured[7]!,
    {type: 'rule', deleted: false, rule: {family: 4, priority: 32_000, dst: '172.24.4.10/32', table: 200, plain: true}},
  ],
  [
    '-6 rule add (family from the address)',
    captured[8]!,
    {type: 'rule', deleted: false, rule: {family: 6, priority: 32_000, dst: 'fd00::10/128', table: 200, plain: true}},
  ],
  [
    'a rule with a from selector is not plain',
    captured[9]!,
    {
      type: 'rule',
      deleted: false,
      rule: {family: 4, priority: 32_000, dst: '172.24.4.10/32', table: 200, plain: false},
    },
  ],
  [
    'IPv4 default, proto 3, scope link',
    captured[11]!,
    {
      type: 'route',
      deleted: false,
      route: {
        family: 4,
        dst: 'default',
        dev: 'br-ex',
        via: undefined,
        proto: 3,
        scope: 253,
        type: 'unicast',
        multipath: false,
        table: 200,
      },
    },
  ],
  [
    'route via a gateway',
    captured[13]!,
    {
      type: 'route',
      deleted: false,
      route: {
        family: 4,
        dst: '10.1.0.0/24',
        dev: 'br-ex',
        via: '172.24.4.10',
        proto: 3,
        scope: 0,
        type: 'unicast',
        multipath: false,
        table: 200,
      },
    },
  ],
  [
    'an operator proto static route',
    captured[14]!,
    {
      type: 'route',
      deleted: false,
      route: {
        family: 4,
        dst: '172.24.4.11/32',
        dev: 'br-ex',
        via: undefined,
        proto: 4,
        scope: 253,
        type: 'unicast',
        multipath: false,
        table: 200,
      },
    },
  ],
  [
    'IPv6 default: family from "pref"',
    captured[15]!,
    {
      type: 'route',
      deleted: false,
      route: {
        family: 6,
        dst: 'default',
        dev: 'br-ex',
        via: undefined,
        proto: 3,
        scope: 0,
        type: 'unicast',
        multipath: false,
        table: 200,
      },
    },
  ],
  [
    'permanent neighbour',
    captured[18]!,
    {
      type: 'neigh',
      deleted: false,
      proxy: false,
      neigh: {family: 4, ip: '10.0.0.5', dev: 'br-ex', mac: '00:11:22:33:44:55', permanent: true},
    },
  ],
  [
    'the same neighbour replaced as stale',
    captured[21]!,
    {
      type: 'neigh',
      deleted: false,
      proxy: false,
      neigh: {family: 4, ip: '10.0.0.5', dev: 'br-ex', mac: '00:11:22:33:44:58', permanent: false},
    },
  ],
  [
    'netconf of a new device',
    captured[22]!,
    {type: 'netconf', deleted: false, family: 4, dev: 'br-ex.100', proxyNeigh: false},
  ],
  [
    'bridge link, up',
    captured[24]!,
    {
      type: 'link',
      deleted: false,
      link: {
        name: 'br-ex',
        kind: 'bridge',
        master: undefined,
        link: undefined,
        vlanId: undefined,
        vrfTable: undefined,
        up: true,
      },
    },
  ],
  [
    'VLAN device created down',
    captured[25]!,
    {
      type: 'link',
      deleted: false,
      link: {
        name: 'br-ex.100',
        kind: 'vlan',
        master: undefined,
        link: 'br-ex',
        vlanId: 100,
        vrfTable: undefined,
        up: false,
      },
    },
  ],
  [
    'sysctl proxy_arp=1 (netconf)',
    captured[34]!,
    {type: 'netconf', deleted: false, family: 4, dev: 'br-ex', proxyNeigh: true},
  ],
  [
    'address deleted',
    captured[37]!,
    {type: 'addr', deleted: true, addr: {dev: 'bgp-nic', family: 4, cidr: '172.24.4.10/32'}},
  ],
  [
    'rule deleted',
    captured[39]!,
    {type: 'rule', deleted: true, rule: {family: 4, priority: 32_000, dst: '172.24.4.10/32', table: 200, plain: true}},
  ],
  [
    'VLAN device deleted',
    captured.at(-1)!,
    {
      type: 'link',
      deleted: true,
      link: {
        name: 'br-ex.100',
        kind: 'vlan',
        master: undefined,
        link: 'br-ex',
        vlanId: 100,
        vrfTable: undefined,
        up: false,
      },
    },
  ],
  [
    'dummy enslaved to a VRF',
    String.raw`4: bgp-nic: <BROADCAST,NOARP,UP,LOWER_UP> mtu 1500 qdisc noqueue master bgp-vrf state UNKNOWN group 0 \    link/[1] 6e:1e:a3:0b:7e:41 brd ff:ff:ff:ff:ff:ff promiscuity 0 \    dummy addrgenmode eui64`,
    {
      type: 'link',
      deleted: false,
      link: {
        name: 'bgp-nic',
        kind: 'dummy',
        master: 'bgp-vrf',
        link: undefined,
        vlanId: undefined,
        vrfTable: undefined,
        up: true,
      },
    },
  ],
  [
    'proxy entry',
    'proxy fd00::5 dev br-ex ',
    {
      type: 'neigh',
      deleted: false,
      proxy: true,
      neigh: {family: 6, ip: 'fd00::5', dev: 'br-ex', mac: undefined, permanent: false},
    },
  ],
  [
    'an IPv4 route with an IPv6 gateway',
    '1 10.2.0.0/24 via inet6 fe80::1 dev br-ex table 200 proto 3 scope 0 ',
    {
      type: 'route',
      deleted: false,
      route: {
        family: 4,
        dst: '10.2.0.0/24',
        dev: 'br-ex',
        via: 'fe80::1',
        proto: 3,
        scope: 0,
        type: 'unicast',
        multipath: false,
        table: 200,
      },
    },
  ],
  [
    'a route of the main table (no table word)',
    '1 10.3.0.0/24 dev br-ex proto 2 scope 253 ',
    {
      type: 'route',
      deleted: false,
      route: {
        family: 4,
        dst: '10.3.0.0/24',
        dev: 'br-ex',
        via: undefined,
        proto: 2,
        scope: 253,
        type: 'unicast',
        multipath: false,
        table: 254,
      },
    },
  ],
  ['a rule without addresses has no family: ignored', '0:\tfrom all lookup 255 proto 0', undefined],
  ['timestamps and blank lines', 'Timestamp: Wed Dec  2 00:57:10 2026 584546 usec', undefined],
  ['garbage', 'something else entirely', undefined],
]

describe('kernel/monitor-parse (captured ip monitor lines)', () => {
  for (const [what, line, want] of cases) {
    it(what, () => {
      expect(parseMonitorLine(line)).to.deep.equal(want)
    })
  }

  it('parses every captured line', () => {
    expect(captured.map((l) => parseMonitorLine(l) !== undefined)).to.not.include(false)
  })
})

describe('kernel/model (fed by the captured notifications)', () => {
  it('ends in the state the commands left', () => {
    const m = new KernelModel()
    m.load({links: [], addrs: [], rules: [], routes: [], neighs: [], proxies: [], netconf: new Map()}, [200, 10])
    for (const l of captured) {
      const e = parseMonitorLine(l)
      if (e) m.apply(e)
    }

    expect([...m.addrs.keys()].sort()).to.deep.equal(['bgp-nic|fd00::10/128', 'br-ex|169.254.0.1/32'])
    expect([...m.rules.keys()].sort()).to.deep.equal(['4|1000|172.24.4.12/32|201', '6|32000|fd00::10/128|200'])
    // Only the watched tables (main/local routes are never kept); the deleted via-route is gone.
    expect([...m.routes.keys()].sort()).to.deep.equal([
      '4|200|172.24.4.10/32',
      '4|200|172.24.4.11/32',
      '4|200|default',
      '6|10|fd00::10/128',
      '6|200|default',
      '6|200|fd00::10/128',
      '6|200|fd01::/64',
    ])
    // 10.0.0.5 was replaced as stale: no longer a permanent neighbour.
    expect([...m.neighs.keys()]).to.deep.equal(['br-ex|fd00::5'])
    expect(m.links.has('br-ex.100')).to.equal(false)
    expect(m.links.get('br-ex')?.up).to.equal(true)
    expect(m.netconf.get('4|br-ex')).to.equal(false)
    expect(m.netconf.get('6|br-ex')).to.equal(true)
    expect(m.raw().sysctls.get('net.ipv6.conf.br-ex.proxy_ndp')).to.equal('1')
  })

  it('drops what the kernel flushes with a device set down: routes, neighbours, NDP proxies through it', () => {
    // IPv4 routes and NDP proxies go without a notification; IPv6 routes and neighbours with
    // notifications that follow the link's own, too late for the pass the link message triggers.
    const m = new KernelModel()
    m.load({links: [], addrs: [], rules: [], routes: [], neighs: [], proxies: [], netconf: new Map()}, [200])
    m.applyOwn('add', {kind: 'route', family: 4, table: 200, dst: 'default', dev: 'br-ex', scope: 'link', proto: 3})
    m.applyOwn('add', {kind: 'route', family: 6, table: 200, dst: 'default', dev: 'br-ex', proto: 3})
    m.applyOwn('add', {kind: 'route', family: 4, table: 200, dst: '10.0.0.0/24', dev: 'br-x', proto: 3})
    m.applyOwn('add', {kind: 'neigh', family: 4, ip: '10.0.0.5', dev: 'br-ex', mac: 'fa:16:3e:00:00:05'})
    m.applyOwn('add', {kind: 'neigh', family: 4, ip: '10.0.0.6', dev: 'br-x', mac: 'fa:16:3e:00:00:06'})
    m.applyOwn('add', {kind: 'ndp-proxy', ip: 'fd00::1', dev: 'br-ex'})
    const flushed = m.apply(parseMonitorLine(captured[24]!.replace('UP,LOWER_UP', 'LOWER_UP'))!)
    expect([...m.routes.keys()].sort()).to.deep.equal(['4|200|10.0.0.0/24'])
    expect([...m.neighs.keys()]).to.deep.equal(['br-x|10.0.0.6'])
    expect(m.proxies.size).to.equal(0)
    expect(flushed.sort()).to.deep.equal([
      'ndp-proxy|br-ex|fd00::1',
      'neigh|br-ex|10.0.0.5',
      'route|4|200|default',
      'route|6|200|default',
    ])
    // the IPv6 route's own deletion notice, arriving later, changes nothing
    m.apply({type: 'route', deleted: true, route: {family: 6, table: 200, dst: 'default', dev: 'br-ex'}} as never)
    expect([...m.routes.keys()]).to.deep.equal(['4|200|10.0.0.0/24'])
    // A neighbour given to the device while it is down stays through further messages of the
    // still-down link: only the up -> down transition (or a deletion) flushes.
    m.applyOwn('add', {kind: 'neigh', family: 4, ip: '10.0.0.7', dev: 'br-ex', mac: 'fa:16:3e:00:00:07'})
    expect(m.apply(parseMonitorLine(captured[24]!.replace('UP,LOWER_UP', 'LOWER_UP'))!)).to.deep.equal([])
    expect([...m.neighs.keys()].sort()).to.deep.equal(['br-ex|10.0.0.7', 'br-x|10.0.0.6'])
  })

  it('takes a link message without a master as released (nomaster), not as "master unchanged"', () => {
    const m = new KernelModel()
    const enslaved = String.raw`4: bgp-nic: <BROADCAST,NOARP,UP,LOWER_UP> mtu 1500 qdisc noqueue master bgp-vrf state UNKNOWN group 0 \    link/[1] 6e:1e:a3:0b:7e:41 brd ff:ff:ff:ff:ff:ff promiscuity 0 \    dummy addrgenmode eui64`
    const released = enslaved.replace(' master bgp-vrf', '')
    for (const line of [enslaved, released]) m.apply(parseMonitorLine(line)!)
    expect(m.links.get('bgp-nic')?.master).to.equal(undefined)
    m.apply(parseMonitorLine(enslaved)!)
    expect(m.links.get('bgp-nic')?.master).to.equal('bgp-vrf')
  })

  it('records its own ops ahead of their notifications', () => {
    const m = new KernelModel()
    m.load({links: [], addrs: [], rules: [], routes: [], neighs: [], proxies: [], netconf: new Map()}, [200])
    m.applyOwn('add', {
      kind: 'route',
      family: 4,
      table: 200,
      dst: '10.0.0.0/24',
      dev: 'br-ex',
      via: '172.24.4.1',
      proto: 3,
    })
    m.applyOwn('add', {kind: 'route', family: 4, table: 300, dst: '10.0.0.0/24', dev: 'br-ex', proto: 3})
    m.applyOwn('add', {kind: 'ndp-proxy', ip: 'fd00::1', dev: 'br-ex'})
    m.applyOwn('add', {kind: 'sysctl', key: 'net.ipv4.conf.br-ex/100.proxy_arp', value: '1'})
    expect([...m.routes.keys()]).to.deep.equal(['4|200|10.0.0.0/24'])
    expect([...m.proxies.keys()]).to.deep.equal(['br-ex|fd00::1'])
    expect(m.netconf.get('4|br-ex.100')).to.equal(true)
    m.applyOwn('remove', {kind: 'ndp-proxy', ip: 'fd00::1', dev: 'br-ex'})
    expect(m.proxies.size).to.equal(0)
  })
})

describe('kernel/monitor readiness', () => {
  const text = [
    'sk               Eth Pid        Groups   Rmem     Wmem     Dump  Locks    Drops    Inode',
    '0000000019e2a334 0   131        158405d5 0        0        0     2        0        10869',
    '000000004e23e433 0   2966084017 00000000 0        0        0     2        0        10870',
    '00000000cbd7044f 4   0          00000000 0        0        0     2        0        284',
  ].join('\n')

  it('sees a route socket of the pid with groups joined', () => {
    expect(listening(text, 131)).to.equal(true)
    expect(listening(text, 132)).to.equal(false)
    expect(listening(text.replace('158405d5', '00000000'), 131)).to.equal(false)
  })
})
