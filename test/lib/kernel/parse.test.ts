import {expect} from 'chai'

import {
  parseAddrs,
  parseLinks,
  parseNeighs,
  parseProxies,
  parseRoutes,
  parseRules,
  parseSysctl,
} from '../../../src/lib/kernel/parse.js'

describe('kernel/parse', () => {
  const routeCases: Array<{name: string; family: 4 | 6; json: unknown[]; want: unknown}> = [
    {
      name: 'numeric (-N) fields, host route without length',
      family: 4,
      json: [{type: '1', dst: '172.24.4.226', dev: 'br-ex', protocol: '3', scope: '253'}],
      want: {
        family: 4,
        dst: '172.24.4.226/32',
        dev: 'br-ex',
        via: undefined,
        proto: 3,
        scope: 253,
        type: 'unicast',
        multipath: false,
      },
    },
    {
      name: 'named fields (no -N)',
      family: 4,
      json: [
        {type: 'unicast', dst: '10.0.0.0/24', gateway: '172.24.4.10', dev: 'br-ex', protocol: 'boot', scope: 'global'},
      ],
      want: {
        family: 4,
        dst: '10.0.0.0/24',
        dev: 'br-ex',
        via: '172.24.4.10',
        proto: 3,
        scope: 0,
        type: 'unicast',
        multipath: false,
      },
    },
    {
      name: 'IPv6 canonicalised, default kept',
      family: 6,
      json: [
        {dst: '2001:DB8:0:0::1', dev: 'br-ex', protocol: 'bgp'},
        {type: '1', dst: 'default', dev: 'br-ex', protocol: '3', scope: '0'},
      ],
      want: {
        family: 6,
        dst: '2001:db8::1/128',
        dev: 'br-ex',
        via: undefined,
        proto: 186,
        scope: undefined,
        type: 'unicast',
        multipath: false,
      },
    },
    {
      name: 'multipath and local routes are flagged',
      family: 4,
      json: [
        {type: '2', dst: '10.0.0.1', dev: 'bgp-nic', protocol: '2', scope: '254'},
        {dst: '10.1.0.0/16', nexthops: [{gateway: '10.0.0.2'}]},
      ],
      want: {
        family: 4,
        dst: '10.0.0.1/32',
        dev: 'bgp-nic',
        via: undefined,
        proto: 2,
        scope: 254,
        type: 'local',
        multipath: false,
      },
    },
  ]
  for (const c of routeCases) {
    it(`routes: ${c.name}`, () => {
      const got = parseRoutes(JSON.stringify(c.json), c.family)
      expect(got[0]).to.deep.equal(c.want)
      if (c.name.startsWith('multipath')) expect(got[1]?.multipath).to.equal(true)
    })
  }

  it('routes of the other family or without dst are skipped', () => {
    expect(parseRoutes(JSON.stringify([{dst: '2001:db8::1', dev: 'x'}, {dev: 'x'}]), 4)).to.deep.equal([])
  })

  it('rules: dstlen only when not a host prefix; other selectors make a rule not plain', () => {
    const got = parseRules(
      JSON.stringify([
        {priority: 32_000, src: 'all', dst: '10.0.0.1', dstlen: 24, table: '200'},
        {priority: 32_000, src: 'all', dst: '10.0.0.5', table: '200'},
        {priority: 32_000, src: '10.9.9.9', dst: '10.0.0.2', table: '200'},
        {priority: 32_000, src: 'all', iif: 'br-ex', dst: '10.0.0.3', table: '200'},
        {priority: 1000, src: 'all', l3mdev: null},
      ]),
      4,
    )
    expect(got.map((r) => [r.dst, r.table, r.plain])).to.deep.equal([
      ['10.0.0.1/24', 200, true],
      ['10.0.0.5/32', 200, true],
      ['10.0.0.2/32', 200, false],
      ['10.0.0.3/32', 200, false],
      [undefined, undefined, false],
    ])
  })

  it('links: kind, master, parent, VLAN id, VRF table, up', () => {
    const got = parseLinks(
      JSON.stringify([
        {ifname: 'bgp-vrf', flags: ['UP'], linkinfo: {info_kind: 'vrf', info_data: {table: 10}}},
        {
          ifname: 'br-ex.100',
          link: 'br-ex',
          flags: [],
          linkinfo: {info_kind: 'vlan', info_data: {protocol: '802.1Q', id: 100}},
        },
      ]),
    )
    expect(got).to.deep.equal([
      {name: 'bgp-vrf', kind: 'vrf', master: undefined, link: undefined, vlanId: undefined, vrfTable: 10, up: true},
      {name: 'br-ex.100', kind: 'vlan', master: undefined, link: 'br-ex', vlanId: 100, vrfTable: undefined, up: false},
    ])
  })

  it('addresses, neighbours and proxies are canonical', () => {
    expect(
      parseAddrs(
        JSON.stringify([
          {
            ifname: 'bgp-nic',
            addr_info: [
              {local: '2001:DB8::0:226', prefixlen: 128},
              {local: 'junk', prefixlen: 1},
            ],
          },
        ]),
      ),
    ).to.deep.equal([{dev: 'bgp-nic', family: 6, cidr: '2001:db8::226/128'}])
    expect(
      parseNeighs(
        JSON.stringify([
          {dst: '10.0.0.1', dev: 'br-ex', lladdr: 'FA:16:3E:00:00:01', state: ['PERMANENT']},
          {dst: '10.0.0.2', dev: 'br-ex', state: ['FAILED']},
        ]),
      ),
    ).to.deep.equal([
      {family: 4, ip: '10.0.0.1', dev: 'br-ex', mac: 'fa:16:3e:00:00:01', permanent: true},
      {family: 4, ip: '10.0.0.2', dev: 'br-ex', mac: undefined, permanent: false},
    ])
    expect(
      parseProxies(
        JSON.stringify([
          {dst: '2001:db8:100:0::', dev: 'br-ex', proxy: null},
          {dst: '2001:db8::1', dev: 'br-ex'},
        ]),
      ),
    ).to.deep.equal([{ip: '2001:db8:100::', dev: 'br-ex'}])
  })

  it('empty output is an empty list; sysctl lines become a map', () => {
    expect(parseRoutes('', 4)).to.deep.equal([])
    expect([...parseSysctl('net.ipv4.conf.br-ex/100.proxy_arp = 1\nnoise\n')]).to.deep.equal([
      ['net.ipv4.conf.br-ex/100.proxy_arp', '1'],
    ])
  })
})
