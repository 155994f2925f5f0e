// computeDesired, tenant side: subnets and tenant VM IPs behind a local cr-lrp
// (docs/upstream-behaviour.md#tenant-vm-ips, docs/upstream-behaviour.md#expose_subnet,
// docs/upstream-behaviour.md#withdraw_subnet,
// docs/upstream-behaviour.md#ipv6-gua-tenant-exposure, docs/upstream-behaviour.md#snat-check-and-address-scopes), after
// docs/upstream-behaviour.md#driver-scenarios scenarios 16, 22, 25-32 and the
// docs/upstream-behaviour.md#watcher-scenarios subnet/tenant events.
import {expect} from 'chai'

import {localnet, lr, lrp, ls, nat, routerIf, vm} from '../../helpers/nb-builders.js'
import {
  BASE,
  BR,
  type Case,
  CHASSIS_ID,
  type Ex,
  host,
  ndp,
  NIC,
  nic,
  rule,
  run,
  runCases,
  viaRoute,
  vlanBase,
  VRF_TABLE,
} from './fixtures.js'

const GW_MAC = 'fa:16:3e:aa:00:01'
const ln1 = localnet('provnet-1', 'fake-network')
const ext = ls('neutron-ext', [ln1])
const gw = lrp({
  name: 'lrp-gw',
  mac: GW_MAC,
  networks: ['172.24.4.11/24'],
  net: 'neutron-ext',
  router: 'router1',
  hosting: CHASSIS_ID,
})
const gwDual = lrp({
  name: 'lrp-gw',
  mac: GW_MAC,
  networks: ['172.24.4.11/24', '2001:db8:ff::11/64'],
  net: 'neutron-ext',
  router: 'router1',
  hosting: CHASSIS_ID,
})
const CR = host('172.24.4.11', GW_MAC)
const CR_DUAL = [...CR, ...host('2001:db8:ff::11', GW_MAC), ndp('2001:db8:ff::')]
const CR_EX: Ex = ['172.24.4.11', 'cr-lrp', BR, null, 'Logical_Router_Port:lrp-gw']
const CR6_EX: Ex = ['2001:db8:ff::11', 'cr-lrp', BR, null, 'Logical_Router_Port:lrp-gw']

const rif1 = routerIf({name: 'rif1', router: 'router1', net: 'neutron-net1', cidrs: ['10.0.0.1/24']})
const vm5 = vm({name: 'vm5', ips: ['10.0.0.5'], net: 'neutron-net1', chassis: 'other', cidrs: ['10.0.0.5/24']})
const vm6 = vm({name: 'vm6', type: 'virtual', ips: ['10.0.0.6'], net: 'neutron-net1', hostId: 'other'})
const sub = (cidr: string): Ex => [cidr, 'subnet', BR, null, 'Logical_Switch_Port:rif1']
const tip = (ip: string, name: string): Ex => [ip, 'tenant-ip', BR, null, `Logical_Switch_Port:${name}`]

export const cases: Case[] = [
  {
    name: '10.1.25 expose_subnet: rule to 10.0.0.1/24 + route via the cr-lrp; IPs of the network\'s "" and virtual ports on bgp-nic (any chassis)',
    rows: {lss: [ext], lsps: [ln1, rif1, vm5, vm6], lrps: [gw]},
    objects: [...CR, rule('10.0.0.1/24'), viaRoute('10.0.0.0/24', '172.24.4.11'), nic('10.0.0.5'), nic('10.0.0.6')],
    exposed: [sub('10.0.0.1/24'), tip('10.0.0.5', 'vm5'), tip('10.0.0.6', 'vm6'), CR_EX],
    check(r) {
      expect(r.tenantNetworks).to.deep.equal([
        {
          network: 'neutron-net1',
          router: 'router1',
          routerPort: {table: 'Logical_Switch_Port', uuid: 'lsp-rif1', name: 'rif1'},
          cidrs: ['10.0.0.1/24'],
        },
      ])
      expect(r.routers.map((x) => x.router)).to.deep.equal(['router1'])
      expect(r.contributions['10.0.0.1/24']).to.deep.equal(['route|4|100|10.0.0.0/24', 'rule|4|32000|10.0.0.1/24|100'])
    },
  },
  {
    name: '10.1.26 router interfaces of a non-local router, or without router: nothing beyond the cr-lrp',
    rows: {
      lss: [ext],
      lsps: [
        ln1,
        routerIf({name: 'rif2', router: 'router2', net: 'neutron-net2', cidrs: ['10.0.2.1/24']}),
        vm({name: 'vm', ips: ['10.0.2.5'], net: 'neutron-net2'}),
      ],
      lrps: [
        gw,
        lrp({
          name: 'lrp-gw2',
          networks: ['172.24.4.12/24'],
          net: 'neutron-ext',
          router: 'router2',
          hosting: 'other-id',
        }),
      ],
    },
    objects: CR,
    exposed: [CR_EX],
  },
  {
    name: '10.1.27 subnet mode: prefix rule, route via cr-lrp in the bridge table and on bgp-nic in the VRF table; no per-port IPs',
    cfg: {advertisementMethodTenantNetworks: 'subnet'},
    rows: {lss: [ext], lsps: [ln1, rif1, vm5, vm6], lrps: [gw]},
    objects: [
      ...CR,
      rule('10.0.0.0/24'),
      viaRoute('10.0.0.0/24', '172.24.4.11'),
      viaRoute('10.0.0.0/24', '172.24.4.11', NIC, VRF_TABLE),
    ],
    exposed: [sub('10.0.0.0/24'), CR_EX],
  },
  {
    name: '10.1.28 require_snat_disabled: IPv4 subnet under an snat NAT dropped, IPv6 subnet wired, tenant IPs still exposed',
    cfg: {requireSnatDisabledForTenantNetworks: true},
    rows: {
      lss: [ext],
      lsps: [
        ln1,
        routerIf({name: 'rif1', router: 'router1', net: 'neutron-net1', cidrs: ['10.0.0.1/24', '2001:db8:1::1/64']}),
        vm5,
      ],
      lrps: [gwDual],
      lrs: [
        lr('neutron-router1', [
          nat({uuid: 'snat1', type: 'snat', externalIp: '172.24.4.11', logicalIp: '10.0.0.0/24'}),
        ]),
      ],
      nats: [nat({uuid: 'snat1', type: 'snat', externalIp: '172.24.4.11', logicalIp: '10.0.0.0/24'})],
    },
    objects: [...CR_DUAL, rule('2001:db8:1::1/64'), viaRoute('2001:db8:1::/64', '2001:db8:ff::11'), nic('10.0.0.5')],
    exposed: [tip('10.0.0.5', 'vm5'), CR_EX, sub('2001:db8:1::1/64'), CR6_EX],
  },
  {
    name: '10.1.28 require_snat_disabled: every subnet under SNAT -> nothing, not even tenant IPs; router row missing -> problem',
    cfg: {requireSnatDisabledForTenantNetworks: true},
    rows: {
      lss: [ext],
      lsps: [ln1, rif1, vm5, routerIf({name: 'rif9', router: 'router9', net: 'neutron-net9', cidrs: ['10.9.0.1/24']})],
      lrps: [
        gw,
        lrp({
          name: 'lrp-gw9',
          mac: 'fa:16:3e:aa:00:09',
          networks: ['172.24.4.19/24'],
          net: 'neutron-ext',
          router: 'router9',
          hosting: CHASSIS_ID,
        }),
      ],
      lrs: [
        lr('neutron-router1', [
          nat({uuid: 'snat1', type: 'snat', externalIp: '172.24.4.11', logicalIp: '10.0.0.0/24'}),
        ]),
      ],
      nats: [nat({uuid: 'snat1', type: 'snat', externalIp: '172.24.4.11', logicalIp: '10.0.0.0/24'})],
    },
    objects: [...CR, ...host('172.24.4.19', 'fa:16:3e:aa:00:09')],
    exposed: [CR_EX, ['172.24.4.19', 'cr-lrp', BR, null, 'Logical_Router_Port:lrp-gw9']],
    problems: ['Logical_Switch_Port:rif9: router neutron-router9 not found: SNAT check impossible, subnet not exposed'],
  },
  {
    name: '10.1.30 tenant exposure disabled: router interfaces and tenant ports ignored',
    cfg: {exposeTenantNetworks: false},
    rows: {lss: [ext], lsps: [ln1, rif1, vm5, vm6], lrps: [gw]},
    objects: CR,
    exposed: [CR_EX],
  },
  {
    name: '10.1.30 GUA-only, subnet mode, [10.0.0.1/24, 2a00:1::1/64]: only 2a00:1::/64 wired (upstream test: 2002::/64 with a mocked GUA check; 2002::/16 is 6to4, not a GUA)',
    cfg: {exposeTenantNetworks: false, exposeIpv6GuaTenantNetworks: true, advertisementMethodTenantNetworks: 'subnet'},
    rows: {
      lss: [ext],
      lsps: [
        ln1,
        routerIf({name: 'rif1', router: 'router1', net: 'neutron-net1', cidrs: ['10.0.0.1/24', '2a00:1::1/64']}),
      ],
      lrps: [gwDual],
    },
    objects: [
      ...CR_DUAL,
      rule('2a00:1::/64'),
      viaRoute('2a00:1::/64', '2001:db8:ff::11'),
      viaRoute('2a00:1::/64', '2001:db8:ff::11', NIC, VRF_TABLE),
    ],
    exposed: [CR_EX, CR6_EX, sub('2a00:1::/64')],
  },
  {
    name: '10.1.22 GUA-only, host mode: only IPv6 GUA subnets and tenant IPs (ULA and IPv4 skipped)',
    cfg: {exposeTenantNetworks: false, exposeIpv6GuaTenantNetworks: true},
    rows: {
      lss: [ext],
      lsps: [
        ln1,
        routerIf({name: 'rif1', router: 'router1', net: 'neutron-net1', cidrs: ['10.0.0.1/24', '2a00:1::1/64']}),
        vm({name: 'vm5', ips: ['10.0.0.5', '2a00:1::5', 'fd00::5'], net: 'neutron-net1'}),
      ],
      lrps: [gwDual],
    },
    objects: [...CR_DUAL, rule('2a00:1::1/64'), viaRoute('2a00:1::/64', '2001:db8:ff::11'), nic('2a00:1::5')],
    exposed: [CR_EX, CR6_EX, sub('2a00:1::1/64'), tip('2a00:1::5', 'vm5')],
  },
  {
    name: '10.1.22 GUA-only with an IPv4-only router interface: no subnet wired, GUA tenant IPs still exposed (as upstream)',
    cfg: {exposeTenantNetworks: false, exposeIpv6GuaTenantNetworks: true},
    rows: {
      lss: [ext],
      lsps: [ln1, rif1, vm({name: 'vm5', ips: ['10.0.0.5', '2a00:1::5'], net: 'neutron-net1'})],
      lrps: [gw],
    },
    objects: [...CR, nic('2a00:1::5')],
    exposed: [CR_EX, tip('2a00:1::5', 'vm5')],
    check: (r) => expect(r.tenantNetworks).to.deep.equal([]),
  },
  {
    name: '10.1.32 address scopes [scope4]: IPv4 subnet and IPs kept, IPv6 dropped',
    cfg: {addressScopes: ['scope4']},
    rows: {
      lss: [ext],
      lsps: [
        ln1,
        routerIf({
          name: 'rif1',
          router: 'router1',
          net: 'neutron-net1',
          cidrs: ['10.0.0.1/24', '2001:db8:1::1/64'],
          scope4: 'scope4',
          scope6: 'scope6',
        }),
        vm({name: 'vm5', ips: ['10.0.0.5', '2001:db8:1::5'], net: 'neutron-net1'}),
      ],
      lrps: [gwDual],
    },
    objects: [...CR_DUAL, rule('10.0.0.1/24'), viaRoute('10.0.0.0/24', '172.24.4.11'), nic('10.0.0.5')],
    exposed: [sub('10.0.0.1/24'), tip('10.0.0.5', 'vm5'), CR_EX, CR6_EX],
  },
  {
    name: '10.1.32 address scopes configured, router interface without scopes: denied, no tenant IPs either',
    cfg: {addressScopes: ['scope4']},
    rows: {lss: [ext], lsps: [ln1, rif1, vm5], lrps: [gw]},
    objects: CR,
    exposed: [CR_EX],
  },
  {
    name: '10.2 SubnetAttach/TenantCreate: a router interface that is down is not exposed; tenant ports that are down are not exposed',
    rows: {
      lss: [ext],
      lsps: [
        ln1,
        rif1,
        routerIf({name: 'rif2', router: 'router1', net: 'neutron-net2', cidrs: ['10.0.2.1/24'], up: false}),
        vm({name: 'vm5', ips: ['10.0.0.5'], net: 'neutron-net1', up: false}),
        vm({name: 'vm7', ips: ['10.0.2.7'], net: 'neutron-net2'}),
      ],
      lrps: [gw],
    },
    objects: [...CR, rule('10.0.0.1/24'), viaRoute('10.0.0.0/24', '172.24.4.11')],
    exposed: [sub('10.0.0.1/24'), CR_EX],
  },
  {
    name: 'gateway on a VLAN provider network: the subnet route uses the VLAN device',
    rows: {
      lss: [ls('neutron-ext', ['lsp-provnet-2'])],
      lsps: [localnet('provnet-2', 'fake-network', 10), rif1],
      lrps: [gw],
    },
    base: [...BASE, ...vlanBase(10)],
    objects: [
      ...host('172.24.4.11', GW_MAC, 'fake-bridg.10'),
      rule('10.0.0.1/24'),
      viaRoute('10.0.0.0/24', '172.24.4.11', 'fake-bridg.10'),
    ],
    exposed: [
      [...sub('10.0.0.1/24').slice(0, 3), 10, 'Logical_Switch_Port:rif1'] as Ex,
      ['172.24.4.11', 'cr-lrp', BR, 10, 'Logical_Router_Port:lrp-gw'],
    ],
  },
  {
    name: 'IPv6 subnet behind an IPv4-only gateway: rule only, as upstream, reported',
    rows: {
      lss: [ext],
      lsps: [ln1, routerIf({name: 'rif1', router: 'router1', net: 'neutron-net1', cidrs: ['2001:db8:1::1/64']})],
      lrps: [gw],
    },
    objects: [...CR, rule('2001:db8:1::1/64')],
    exposed: [CR_EX, sub('2001:db8:1::1/64')],
    problems: [
      'Logical_Switch_Port:rif1: router gateway has no IPv6 address: 2001:db8:1::1/64 gets a rule but no route',
    ],
  },
  {
    name: 'overlapping tenant CIDRs of two local routers: the shared rule is one object, the second route is a conflict',
    rows: {
      lss: [ext],
      lsps: [ln1, rif1, routerIf({name: 'rif2', router: 'router2', net: 'neutron-net2', cidrs: ['10.0.0.1/24']})],
      lrps: [
        gw,
        lrp({
          name: 'lrp-gw2',
          mac: 'fa:16:3e:aa:00:02',
          networks: ['172.24.4.12/24'],
          net: 'neutron-ext',
          router: 'router2',
          hosting: CHASSIS_ID,
        }),
      ],
    },
    objects: [
      ...CR,
      ...host('172.24.4.12', 'fa:16:3e:aa:00:02'),
      rule('10.0.0.1/24'),
      viaRoute('10.0.0.0/24', '172.24.4.11'),
    ],
    exposed: [
      sub('10.0.0.1/24'),
      ['10.0.0.1/24', 'subnet', BR, null, 'Logical_Switch_Port:rif2'],
      CR_EX,
      ['172.24.4.12', 'cr-lrp', BR, null, 'Logical_Router_Port:lrp-gw2'],
    ],
    problems: [
      'Logical_Switch_Port:rif2: conflicts with Logical_Switch_Port rif1: route|4|100|10.0.0.0/24 already wanted as route|4|100|10.0.0.0/24|fake-bridge|172.24.4.11||3',
    ],
  },
]

describe('planner computeDesired: tenant networks', () => {
  runCases(cases)

  it('a router interface without neutron:network_name is a problem; other interfaces are still planned', () => {
    const bad = {
      ...routerIf({name: 'rif0', router: 'router1', net: 'x', cidrs: ['10.1.0.1/24']}),
      externalIds: {
        'neutron:device_owner': 'network:router_interface',
        'neutron:device_id': 'router1',
        'neutron:cidrs': '10.1.0.1/24',
      },
    }
    const r = run({name: '', rows: {lss: [ext], lsps: [ln1, bad, rif1], lrps: [gw]}, objects: []})
    expect(r.problems.map((p) => p.reason)).to.deep.equal([
      'router interface without external_ids:neutron:network_name',
    ])
    expect(r.tenantNetworks.map((t) => t.network)).to.deep.equal(['neutron-net1'])
  })
})
