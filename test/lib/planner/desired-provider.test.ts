// computeDesired, provider side: base wiring (docs/upstream-behaviour.md#base-wiring-per-bridge), local VM/virtual
// ports (docs/upstream-behaviour.md#expose_ip, docs/upstream-behaviour.md#local-ports),
// FIPs (docs/upstream-behaviour.md#expose_fip, docs/upstream-behaviour.md#logicalswitchportfipcreateevent,
// docs/upstream-behaviour.md#natmacaddedevent, docs/upstream-behaviour.md#centralized-fip-events) and cr-lrps
// (docs/upstream-behaviour.md#local-cr-lrps), after docs/upstream-behaviour.md#driver-scenarios /
// docs/upstream-behaviour.md#watcher-scenarios scenarios.
import {expect} from 'chai'

import {localnet, lrp, ls, nat, nbGlobal, vm} from '../../helpers/nb-builders.js'
import {
  addr,
  BASE,
  BR,
  type Case,
  CHASSIS,
  CHASSIS_ID,
  defaults,
  flows,
  host,
  ndp,
  run,
  runCases,
  sysctls,
  vlan,
  vlanBase,
} from './fixtures.js'

const MAC = 'fa:16:3e:00:00:01'
const ln1 = localnet('provnet-1', 'fake-network')
const ln2 = localnet('provnet-2', 'fake-network', 10)
/** Provider network 'neutron-ext' (flat on fake-bridge); FIP networks are named neutron-<fip_network_id>. */
const ext = ls('neutron-ext', [ln1])
const vlanNet = ls('neutron-vlan', [ln2])
const tenant = ls('neutron-tenant')

export const cases: Case[] = [
  {
    name: '10.1.3 sync: per-bridge tables, VLAN devices of each bridge, helper addresses, flows per patch port; only VM-like ports exposed',
    ctx: {
      bridgeMappings: [
        {physnet: 'net0', bridge: 'bridge0', index: 1},
        {physnet: 'net1', bridge: 'bridge1', index: 2},
      ],
      bridgeTables: {bridge0: 100, bridge1: 200},
      bridgeMacs: {bridge0: 'aa:00:00:00:00:00', bridge1: 'aa:00:00:00:00:01'},
      patchPorts: {
        bridge0: [{name: 'patch-provnet-a-to-br-int', ofport: 1}],
        bridge1: [{name: 'patch-provnet-b-to-br-int', ofport: 2}],
      },
    },
    rows: {
      lss: [ls('net-0', ['lsp-provnet-a']), ls('net-1', ['lsp-provnet-b'])],
      lsps: [
        localnet('provnet-a', 'net0', 10),
        localnet('provnet-b', 'net1', 11),
        vm({name: 'vm1', ips: ['192.168.0.10'], net: 'net-0', chassis: CHASSIS}),
        vm({name: 'crp', ips: ['192.168.0.11'], net: 'net-0', chassis: CHASSIS, type: 'chassisredirect'}),
      ],
    },
    base: [
      ...sysctls('bridge0'),
      ...sysctls('bridge1'),
      ...sysctls('bridge0/10'),
      ...sysctls('bridge1/11'),
      vlan('bridge0.10', 10, 'bridge0'),
      vlan('bridge1.11', 11, 'bridge1'),
      addr('bridge0', '169.254.1.1/32'),
      addr('bridge0', 'fd53:d91e:400:7f17::1:1/128'),
      addr('bridge0.10', '169.254.1.10/32'),
      addr('bridge0.10', 'fd53:d91e:400:7f17::1:a/128'),
      addr('bridge1', '169.254.2.2/32'),
      addr('bridge1', 'fd53:d91e:400:7f17::2:2/128'),
      addr('bridge1.11', '169.254.2.11/32'),
      addr('bridge1.11', 'fd53:d91e:400:7f17::2:b/128'),
      ...defaults('bridge0', 100),
      ...defaults('bridge1', 200),
      ...flows(1, 'bridge0', 'aa:00:00:00:00:00'),
      ...flows(2, 'bridge1', 'aa:00:00:00:00:01'),
    ],
    objects: host('192.168.0.10', MAC, 'bridge0.10', 100),
    exposed: [['192.168.0.10', 'vm', 'bridge0', 10, 'Logical_Switch_Port:vm1']],
  },
  {
    name: '10.1.4 port with neutron:port_fip: its FIP is exposed with the NAT external_mac, not its own IPs',
    rows: {
      lss: [ext, tenant],
      lsps: [ln1, vm({name: 'vm1', ips: ['10.0.0.5'], net: 'neutron-tenant', chassis: CHASSIS, fip: '172.24.4.100'})],
      nats: [
        nat({
          uuid: 'nat1',
          externalIp: '172.24.4.100',
          externalMac: 'FA:16:3E:FF:00:01',
          logicalPort: 'vm1',
          fipNet: 'ext',
        }),
      ],
    },
    objects: host('172.24.4.100', 'fa:16:3e:ff:00:01'),
    exposed: [['172.24.4.100', 'fip', BR, null, 'NAT:vm1']],
  },
  {
    name: '10.1.4 (ours) port with a FIP per fixed IP: every dnat_and_snat NAT of the port is exposed (upstream: the first only)',
    rows: {
      lss: [ext, tenant],
      lsps: [
        ln1,
        vm({name: 'vm1', ips: ['10.0.0.5', '10.0.1.5'], net: 'neutron-tenant', chassis: CHASSIS, fip: '172.24.4.100'}),
      ],
      nats: [
        nat({
          uuid: 'nat1',
          externalIp: '172.24.4.100',
          externalMac: 'fa:16:3e:ff:00:01',
          logicalPort: 'vm1',
          fipNet: 'ext',
        }),
        nat({
          uuid: 'nat2',
          externalIp: '172.24.4.101',
          externalMac: 'fa:16:3e:ff:00:01',
          logicalIp: '10.0.1.5',
          logicalPort: 'vm1',
          fipNet: 'ext',
        }),
        nat({uuid: 'nat3', type: 'snat', externalIp: '172.24.4.102', logicalPort: 'vm1', fipNet: 'ext'}),
      ],
    },
    objects: [...host('172.24.4.100', 'fa:16:3e:ff:00:01'), ...host('172.24.4.101', 'fa:16:3e:ff:00:01')],
    exposed: [
      ['172.24.4.100', 'fip', BR, null, 'NAT:vm1'],
      ['172.24.4.101', 'fip', BR, null, 'NAT:vm1'],
    ],
  },
  {
    name: '10.1.5 port on a tenant LS (no localnet mapped here): nothing',
    rows: {lss: [tenant], lsps: [vm({name: 'vm1', ips: ['10.0.0.5'], net: 'neutron-tenant', chassis: CHASSIS})]},
    objects: [],
  },
  {
    name: '10.1.6 VM on a VLAN provider network: route, neighbour, NDP proxy on fake-bridg.10 (ours: neighbour on the VLAN device, upstream bug 1)',
    rows: {
      lss: [vlanNet],
      lsps: [
        ln2,
        vm({
          name: 'vm1',
          ips: ['192.168.0.10', '2001:db8:10::10'],
          net: 'neutron-vlan',
          chassis: CHASSIS,
          cidrs: ['192.168.0.10/24', '2001:db8:10::10/64'],
        }),
      ],
    },
    base: [...BASE, ...vlanBase(10)],
    objects: [
      ...host('192.168.0.10', MAC, 'fake-bridg.10'),
      ...host('2001:db8:10::10', MAC, 'fake-bridg.10'),
      ndp('2001:db8:10::', 'fake-bridg.10'),
    ],
    exposed: [
      ['192.168.0.10', 'vm', BR, 10, 'Logical_Switch_Port:vm1'],
      ['2001:db8:10::10', 'vm', BR, 10, 'Logical_Switch_Port:vm1'],
    ],
    check: (r) => expect(r.contributions['192.168.0.10']).to.include('vlan|fake-bridg.10'),
  },
  {
    name: '10.1.7 local cr-lrp 172.24.16.2/24: exposed with the LRP MAC',
    rows: {
      lss: [ext],
      lsps: [ln1],
      lrps: [
        lrp({
          name: 'lrp-gw',
          mac: 'fa:16:3e:aa:00:02',
          networks: ['172.24.16.2/24'],
          net: 'neutron-ext',
          hosting: CHASSIS_ID,
        }),
      ],
    },
    objects: host('172.24.16.2', 'fa:16:3e:aa:00:02'),
    exposed: [['172.24.16.2', 'cr-lrp', BR, null, 'Logical_Router_Port:lrp-gw']],
    check: (r) => expect(r.routers).to.deep.equal([]), // no neutron:router_name: exposed, but no router to hang subnets on
  },
  {
    name: '10.1.8 cr-lrp without networks, without neutron:network_name, on a non-provider network, or hosted elsewhere: nothing',
    rows: {
      lss: [ext, tenant],
      lsps: [ln1],
      lrps: [
        lrp({name: 'a-no-networks', networks: [], net: 'neutron-ext', hosting: CHASSIS_ID}),
        lrp({name: 'b-no-net', networks: ['172.24.16.3/24'], hosting: CHASSIS_ID}),
        lrp({name: 'c-tenant', networks: ['172.24.16.4/24'], net: 'neutron-tenant', hosting: CHASSIS_ID}),
        lrp({name: 'd-elsewhere', networks: ['172.24.16.5/24'], net: 'neutron-ext', hosting: 'other-id'}),
        lrp({name: 'e-no-status', networks: ['172.24.16.6/24'], net: 'neutron-ext', hosting: null}),
      ],
    },
    objects: [],
    problems: [
      'Logical_Router_Port:b-no-net: cr-lrp without external_ids:neutron:network_name',
      'Logical_Router_Port:c-tenant: gateway network neutron-tenant is not a provider network on this chassis',
    ],
  },
  {
    name: '10.1.9 bridge without a routing table: nothing wired, no bgp-nic address (upstream: wire fails, no announce)',
    ctx: {bridgeTables: {}},
    rows: {lss: [ext], lsps: [ln1, vm({name: 'vm1', ips: ['172.24.4.5'], net: 'neutron-ext', chassis: CHASSIS})]},
    base: [],
    objects: [],
    problems: ['local:fake-bridge: bridge fake-bridge has no routing table (rt_tables)'],
  },
  {
    name: '10.1.11 localnet whose network_name is not mapped here: the LS is not a provider network',
    rows: {
      lss: [ls('neutron-other', ['lsp-provnet-x'])],
      lsps: [
        localnet('provnet-x', 'other-physnet', 30),
        vm({name: 'vm1', ips: ['172.24.4.5'], net: 'neutron-other', chassis: CHASSIS}),
      ],
    },
    objects: [],
  },
  {
    name: '10.1.13 VM with cidrs [] and an IPv4 address: no NDP proxy',
    rows: {
      lss: [ext],
      lsps: [ln1, vm({name: 'vm1', ips: ['172.24.4.5'], net: 'neutron-ext', chassis: CHASSIS, cidrs: []})],
    },
    objects: host('172.24.4.5', MAC),
    exposed: [['172.24.4.5', 'vm', BR, null, 'Logical_Switch_Port:vm1']],
  },
  {
    name: '10.1.14 virtual port bound by neutron:host_id, IPv6 cidr: NDP proxy for the network address',
    rows: {
      lss: [ext],
      lsps: [
        ln1,
        vm({
          name: 'vip1',
          type: 'virtual',
          ips: ['2001:db8::10'],
          net: 'neutron-ext',
          hostId: CHASSIS,
          chassis: 'ignored-for-virtual',
          cidrs: ['2001:db8::10/64'],
        }),
      ],
    },
    objects: [...host('2001:db8::10', MAC), ndp('2001:db8::')],
    exposed: [['2001:db8::10', 'vm', BR, null, 'Logical_Switch_Port:vip1']],
  },
  {
    name: '10.1.15 VM without neutron:network_name: nothing',
    rows: {lss: [ext], lsps: [ln1, vm({name: 'vm1', ips: ['172.24.4.5'], chassis: CHASSIS})]},
    objects: [],
  },
  {
    name: '10.1.17 (ours, upstream bug 8) NDP proxy shared by two ports of one IPv6 subnet: one object, kept while any port wants it',
    rows: {
      lss: [ext],
      lsps: [
        ln1,
        vm({
          name: 'vm1',
          mac: 'fa:16:3e:00:00:01',
          ips: ['172.24.4.5', '2001:db8::5'],
          net: 'neutron-ext',
          chassis: CHASSIS,
          cidrs: ['172.24.4.5/24', '2001:db8::5/64'],
        }),
        vm({
          name: 'vm2',
          mac: 'fa:16:3e:00:00:02',
          ips: ['2001:db8::6'],
          net: 'neutron-ext',
          chassis: CHASSIS,
          cidrs: ['2001:db8::6/64'],
        }),
      ],
    },
    objects: [
      ...host('172.24.4.5', MAC),
      ...host('2001:db8::5', MAC),
      ...host('2001:db8::6', 'fa:16:3e:00:00:02'),
      ndp('2001:db8::'),
    ],
    exposed: [
      ['172.24.4.5', 'vm', BR, null, 'Logical_Switch_Port:vm1'],
      ['2001:db8::5', 'vm', BR, null, 'Logical_Switch_Port:vm1'],
      ['2001:db8::6', 'vm', BR, null, 'Logical_Switch_Port:vm2'],
    ],
    check: (r) => expect(r.contributions['2001:db8::6']).to.include('ndp-proxy|fake-bridge|2001:db8::'),
  },
  {
    name: '10.1.18 the first localnet port (uuid order) of the LS decides bridge and VLAN',
    rows: {
      lss: [ls('neutron-ext', ['lsp-provnet-2', 'lsp-provnet-1'])],
      lsps: [ln1, ln2, vm({name: 'vm1', ips: ['172.24.4.5'], net: 'neutron-ext', chassis: CHASSIS})],
    },
    base: [...BASE, ...vlanBase(10)],
    objects: host('172.24.4.5', MAC),
    exposed: [['172.24.4.5', 'vm', BR, null, 'Logical_Switch_Port:vm1']],
  },
  {
    name: '10.1.19 FIP whose NAT lacks neutron:fip_network_id, or has no NAT at all: problem, nothing exposed',
    rows: {
      lss: [ext, tenant],
      lsps: [
        ln1,
        vm({name: 'vm1', ips: ['10.0.0.5'], net: 'neutron-tenant', chassis: CHASSIS, fip: '172.24.4.100'}),
        vm({name: 'vm2', ips: ['10.0.0.6'], net: 'neutron-tenant', chassis: CHASSIS, fip: '172.24.4.101'}),
      ],
      nats: [nat({uuid: 'nat1', externalIp: '172.24.4.100', externalMac: 'fa:16:3e:ff:00:01', logicalPort: 'vm1'})],
    },
    objects: [],
    problems: [
      'Logical_Switch_Port:vm2: neutron:port_fip set but no dnat_and_snat NAT for the port',
      'NAT:vm1: NAT without external_ids:neutron:fip_network_id',
    ],
  },
  {
    name: '10.1.20 FIP on a network that is not a provider network here: problem, nothing',
    rows: {
      lss: [ext, tenant],
      lsps: [ln1, vm({name: 'vm1', ips: ['10.0.0.5'], net: 'neutron-tenant', chassis: CHASSIS, fip: '172.24.4.100'})],
      nats: [
        nat({
          uuid: 'nat1',
          externalIp: '172.24.4.100',
          externalMac: 'fa:16:3e:ff:00:01',
          logicalPort: 'vm1',
          fipNet: 'tenant',
        }),
      ],
    },
    objects: [],
    problems: ['NAT:vm1: FIP network neutron-tenant is not a provider network on this chassis'],
  },
  {
    name: '10.1.39 centralized (fip-distributed "False"): NATs of a local gateway port exposed with the gateway LRP MAC; VM-host FIPs are not',
    rows: {
      nbGlobal: nbGlobal('False'),
      lss: [ext, tenant],
      lsps: [ln1, vm({name: 'vm1', ips: ['10.0.0.5'], net: 'neutron-tenant', chassis: CHASSIS, fip: '172.24.4.100'})],
      lrps: [
        lrp({
          name: 'lrp-gw',
          mac: 'fa:16:3e:aa:00:02',
          networks: ['172.24.4.11/24'],
          net: 'neutron-ext',
          router: 'router1',
          hosting: CHASSIS_ID,
        }),
        lrp({
          name: 'lrp-other',
          mac: 'fa:16:3e:aa:00:03',
          networks: ['172.24.4.12/24'],
          net: 'neutron-ext',
          router: 'router2',
          hosting: 'other-id',
        }),
      ],
      nats: [
        nat({
          uuid: 'nat1',
          externalIp: '172.24.4.100',
          externalMac: 'fa:16:3e:ff:00:01',
          logicalPort: 'vm1',
          fipNet: 'ext',
          gatewayPort: 'lrp-lrp-other',
        }),
        nat({uuid: 'nat2', externalIp: '172.24.4.101', logicalPort: 'vm2', fipNet: 'ext', gatewayPort: 'lrp-lrp-gw'}),
        nat({
          uuid: 'nat3',
          type: 'snat',
          externalIp: '172.24.4.11',
          logicalIp: '10.0.0.0/24',
          gatewayPort: 'lrp-lrp-gw',
        }),
      ],
    },
    cfg: {exposeTenantNetworks: false},
    objects: [...host('172.24.4.11', 'fa:16:3e:aa:00:02'), ...host('172.24.4.101', 'fa:16:3e:aa:00:02')],
    exposed: [
      ['172.24.4.101', 'fip', BR, null, 'NAT:vm2'],
      ['172.24.4.11', 'cr-lrp', BR, null, 'Logical_Router_Port:lrp-gw'],
    ],
    check(r) {
      expect(r.distributed).to.equal(false)
      expect(r.routers).to.deep.equal([
        {
          router: 'router1',
          lrp: {table: 'Logical_Router_Port', uuid: 'lrp-lrp-gw', name: 'lrp-gw'},
          mac: 'fa:16:3e:aa:00:02',
          ips: ['172.24.4.11'],
          providerLs: 'neutron-ext',
          bridge: BR,
          vlan: null,
        },
      ])
    },
  },
  {
    name: '10.2 ProviderCreate: bound via requested-chassis list (live migration), via neutron:host_id; skipped: down, other chassis, no IP, no addresses',
    rows: {
      lss: [ext],
      lsps: [
        ln1,
        vm({name: 'a-migrating', ips: ['172.24.4.1'], net: 'neutron-ext', chassis: `other,${CHASSIS}`}),
        vm({name: 'b-host-id', ips: ['172.24.4.2'], net: 'neutron-ext', hostId: CHASSIS}),
        vm({name: 'c-down', ips: ['172.24.4.3'], net: 'neutron-ext', chassis: CHASSIS, up: false}),
        vm({name: 'd-up-unset', ips: ['172.24.4.4'], net: 'neutron-ext', chassis: CHASSIS, up: undefined}),
        vm({name: 'e-other', ips: ['172.24.4.5'], net: 'neutron-ext', chassis: 'other'}),
        vm({name: 'f-other-first', ips: ['172.24.4.6'], net: 'neutron-ext', chassis: 'other', hostId: CHASSIS}),
        vm({name: 'g-no-ip', net: 'neutron-ext', chassis: CHASSIS}),
        {...vm({name: 'h-no-addresses', net: 'neutron-ext', chassis: CHASSIS}), addresses: []},
        {...vm({name: 'i-unknown', net: 'neutron-ext', chassis: CHASSIS}), addresses: ['unknown']},
        vm({name: 'j-router-type', type: 'router', ips: ['172.24.4.7'], net: 'neutron-ext', chassis: CHASSIS}),
      ],
    },
    objects: [...host('172.24.4.1', MAC), ...host('172.24.4.2', MAC)],
    exposed: [
      ['172.24.4.1', 'vm', BR, null, 'Logical_Switch_Port:a-migrating'],
      ['172.24.4.2', 'vm', BR, null, 'Logical_Switch_Port:b-host-id'],
    ],
  },
  {
    name: '10.2 FIPCreate/NATMACAdded: FIP waits for port up here and for the NAT external_mac; comma-list requested-chassis accepted (ours, upstream bug 10)',
    rows: {
      lss: [ext, tenant],
      lsps: [
        ln1,
        vm({name: 'vm1', ips: ['10.0.0.5'], net: 'neutron-tenant', chassis: `${CHASSIS},other`, fip: '172.24.4.100'}),
        vm({name: 'vm2', ips: ['10.0.0.6'], net: 'neutron-tenant', chassis: CHASSIS, fip: '172.24.4.101', up: false}),
        vm({name: 'vm3', ips: ['10.0.0.7'], net: 'neutron-tenant', chassis: CHASSIS, fip: '172.24.4.102'}),
      ],
      nats: [
        nat({
          uuid: 'nat1',
          externalIp: '172.24.4.100',
          externalMac: 'fa:16:3e:ff:00:01',
          logicalPort: 'vm1',
          fipNet: 'ext',
        }),
        nat({
          uuid: 'nat2',
          externalIp: '172.24.4.101',
          externalMac: 'fa:16:3e:ff:00:02',
          logicalPort: 'vm2',
          fipNet: 'ext',
        }),
        nat({uuid: 'nat3', externalIp: '172.24.4.102', logicalPort: 'vm3', fipNet: 'ext'}),
      ],
    },
    cfg: {exposeTenantNetworks: false},
    objects: host('172.24.4.100', 'fa:16:3e:ff:00:01'),
    exposed: [['172.24.4.100', 'fip', BR, null, 'NAT:vm1']],
    problems: ['NAT:vm3: NAT has no external_mac: distributed FIP not exposed yet'],
  },
  {
    name: '10.2 DistributedFlagChanged: "True", other values and a missing key all mean distributed',
    rows: {
      nbGlobal: nbGlobal('maybe'),
      lss: [ext, tenant],
      lsps: [ln1, vm({name: 'vm1', ips: ['10.0.0.5'], net: 'neutron-tenant', chassis: CHASSIS, fip: '172.24.4.100'})],
      nats: [
        nat({
          uuid: 'nat1',
          externalIp: '172.24.4.100',
          externalMac: 'fa:16:3e:ff:00:01',
          logicalPort: 'vm1',
          fipNet: 'ext',
        }),
      ],
    },
    objects: host('172.24.4.100', 'fa:16:3e:ff:00:01'),
    exposed: [['172.24.4.100', 'fip', BR, null, 'NAT:vm1']],
    check: (r) => expect(r.distributed).to.equal(true),
  },
  {
    name: 'ours, upstream bug 13: IPv6 and MAC values are canonicalised (compressed, lower case)',
    rows: {
      lss: [ext],
      lsps: [
        ln1,
        vm({
          name: 'vm1',
          mac: 'FA:16:3E:00:00:0A',
          ips: ['2001:DB8:0:0::0010'],
          net: 'neutron-ext',
          chassis: CHASSIS,
          cidrs: ['2001:0db8::10/64'],
        }),
      ],
    },
    objects: [...host('2001:db8::10', 'fa:16:3e:00:00:0a'), ndp('2001:db8::')],
    exposed: [['2001:db8::10', 'vm', BR, null, 'Logical_Switch_Port:vm1']],
  },
  {
    name: 'ours: malformed values are problems; the rest of the row and of the snapshot is still planned',
    rows: {
      lss: [ext],
      lsps: [
        ln1,
        vm({
          name: 'vm1',
          ips: ['172.24.4.5', '300.1.1.1'],
          net: 'neutron-ext',
          chassis: CHASSIS,
          cidrs: ['172.24.4.5/24', 'nonsense'],
        }),
        vm({name: 'vm2', mac: 'not-a-mac', ips: ['172.24.4.6'], net: 'neutron-ext', chassis: CHASSIS}),
      ],
    },
    objects: host('172.24.4.5', MAC),
    exposed: [['172.24.4.5', 'vm', BR, null, 'Logical_Switch_Port:vm1']],
    problems: [
      'Logical_Switch_Port:vm1: invalid CIDR "nonsense" in neutron:cidrs',
      'Logical_Switch_Port:vm1: invalid IP "300.1.1.1" in addresses',
      'Logical_Switch_Port:vm2: invalid MAC "not-a-mac" in addresses',
    ],
  },
  {
    name: 'ours: two ports claiming one IP with different MACs: the first (name order) wins, the other is a problem',
    rows: {
      lss: [ext],
      lsps: [
        ln1,
        vm({name: 'vm-a', mac: 'fa:16:3e:00:00:0a', ips: ['172.24.4.5'], net: 'neutron-ext', chassis: CHASSIS}),
        vm({name: 'vm-b', mac: 'fa:16:3e:00:00:0b', ips: ['172.24.4.5'], net: 'neutron-ext', chassis: CHASSIS}),
      ],
    },
    objects: host('172.24.4.5', 'fa:16:3e:00:00:0a'),
    exposed: [
      ['172.24.4.5', 'vm', BR, null, 'Logical_Switch_Port:vm-a'],
      ['172.24.4.5', 'vm', BR, null, 'Logical_Switch_Port:vm-b'],
    ],
    problems: [
      'Logical_Switch_Port:vm-b: conflicts with Logical_Switch_Port vm-a: neigh|fake-bridge|172.24.4.5 already wanted as neigh|fake-bridge|172.24.4.5|fa:16:3e:00:00:0a',
    ],
  },
  {
    name: 'ours, upstream bug 15: a mapped bridge missing on the host is reported, never created, and carries nothing',
    ctx: {existingBridges: ['br-other']},
    rows: {lss: [ext], lsps: [ln1, vm({name: 'vm1', ips: ['172.24.4.5'], net: 'neutron-ext', chassis: CHASSIS})]},
    base: [],
    objects: [],
    problems: [
      'local:fake-bridge: bridge fake-bridge does not exist on this host (not created: it must be the OVS bridge)',
    ],
  },
  {
    name: 'ours: unknown bridge MAC -> no flows (problem); a localnet patch port missing -> exposure planned, problem',
    ctx: {bridgeMacs: {}, patchPorts: {[BR]: [{name: 'patch-provnet-9-to-br-int', ofport: 9}]}},
    rows: {
      lss: [ls('neutron-ext', ['lsp-physnet-port'])],
      lsps: [
        localnet('physnet-port', 'fake-network'),
        vm({name: 'vm1', ips: ['172.24.4.5'], net: 'neutron-ext', chassis: CHASSIS}),
      ],
    },
    base: [...sysctls(BR), addr(BR, '169.254.1.1/32'), addr(BR, 'fd53:d91e:400:7f17::1:1/128'), ...defaults()],
    objects: host('172.24.4.5', MAC),
    exposed: [['172.24.4.5', 'vm', BR, null, 'Logical_Switch_Port:vm1']],
    problems: [
      'Logical_Switch_Port:vm1: patch port patch-physnet-port-to-br-int not found on bridge fake-bridge: no MAC-tweak flows for it',
      'local:fake-bridge: MAC of bridge fake-bridge unknown or invalid: no MAC-tweak flows',
    ],
  },
  {
    name: 'ours: the localnet patch port patch-<localnet>-to-br-int gets flows while an exposure uses it',
    ctx: {patchPorts: {[BR]: [{name: 'patch-physnet-port-to-br-int', ofport: 7}]}},
    rows: {
      lss: [ls('neutron-ext', ['lsp-physnet-port'])],
      lsps: [
        localnet('physnet-port', 'fake-network'),
        vm({name: 'vm1', ips: ['172.24.4.5'], net: 'neutron-ext', chassis: CHASSIS}),
      ],
    },
    base: [...sysctls(BR), addr(BR, '169.254.1.1/32'), addr(BR, 'fd53:d91e:400:7f17::1:1/128'), ...defaults()],
    objects: [...host('172.24.4.5', MAC), ...flows(7)],
    exposed: [['172.24.4.5', 'vm', BR, null, 'Logical_Switch_Port:vm1']],
  },
  {
    name: 'ours: a patch port without a valid ofport (not assigned yet) gets no flows and is reported',
    ctx: {
      patchPorts: {
        [BR]: [
          {name: 'patch-provnet-1-to-br-int', ofport: 1},
          {name: 'patch-provnet-2-to-br-int', ofport: -1},
        ],
      },
    },
    rows: {},
    base: [
      ...sysctls(BR),
      addr(BR, '169.254.1.1/32'),
      addr(BR, 'fd53:d91e:400:7f17::1:1/128'),
      ...defaults(),
      ...flows(1),
    ],
    objects: [],
    problems: ['local:fake-bridge: patch port patch-provnet-2-to-br-int has no valid ofport (-1)'],
  },
  {
    name: 'ours: one bridge mapped from two physnets gets the helper addresses of both mapping indexes',
    ctx: {
      bridgeMappings: [
        {physnet: 'fake-network', bridge: BR, index: 1},
        {physnet: 'other-network', bridge: BR, index: 3},
      ],
    },
    rows: {},
    objects: [addr(BR, '169.254.3.3/32'), addr(BR, 'fd53:d91e:400:7f17::3:3/128')],
  },
  {
    name: 'helper addresses: mapping index 511, VLAN 11 -> 169.254.255.11 and fd53:d91e:400:7f17::1ff:b on fake-bridg.11',
    ctx: {bridgeMappings: [{physnet: 'fake-network', bridge: BR, index: 511}]},
    rows: {lss: [ls('neutron-v11', ['lsp-provnet-11'])], lsps: [localnet('provnet-11', 'fake-network', 11)]},
    base: [
      ...sysctls(BR),
      ...sysctls('fake-bridg/11'),
      vlan('fake-bridg.11', 11),
      addr(BR, '169.254.255.255/32'),
      addr(BR, 'fd53:d91e:400:7f17::1ff:1ff/128'),
      addr('fake-bridg.11', '169.254.255.11/32'),
      addr('fake-bridg.11', 'fd53:d91e:400:7f17::1ff:b/128'),
      ...defaults(),
      ...flows(1),
      ...flows(2),
    ],
    objects: [],
  },
  {
    name: 'ours: NB without LRP status column (OVN < 23.09): no cr-lrps, reported once',
    caps: {lrpStatus: false},
    rows: {
      lss: [ext],
      lsps: [ln1],
      lrps: [
        lrp({name: 'lrp-gw', networks: ['172.24.4.11/24'], net: 'neutron-ext', router: 'router1', hosting: CHASSIS_ID}),
      ],
    },
    objects: [],
    problems: [
      'Logical_Router_Port:: NB schema has no Logical_Router_Port.status (OVN < 23.09): cr-lrps, tenant networks, OVN load balancers and centralized FIPs are not exposed',
    ],
  },
  {
    name: 'ours: unsupported exposing method: nothing planned, problem',
    cfg: {exposingMethod: 'vrf'},
    rows: {lss: [ext], lsps: [ln1, vm({name: 'vm1', ips: ['172.24.4.5'], net: 'neutron-ext', chassis: CHASSIS})]},
    base: [],
    objects: [],
    problems: ['config:exposing_method: exposing method vrf is not supported (only underlay)'],
  },
]

describe('planner computeDesired: provider networks, FIPs, cr-lrps', () => {
  runCases(cases)

  it('10.1.12/23 is_ip_exposed / _get_exposed_ip: answered by state.exposed (ip -> kind, bridge, vlan, source)', () => {
    const r = run(cases.find((c) => c.name.startsWith('10.1.39'))!)
    const find = (ip: string) => r.state.exposed.filter((e) => e.ip === ip)
    expect(find('172.24.4.101')).to.deep.equal([
      {ip: '172.24.4.101', kind: 'fip', bridge: BR, vlan: null, source: {table: 'NAT', uuid: 'nat2', name: 'vm2'}},
    ])
    expect(find('172.24.4.100')).to.deep.equal([])
  })

  it('is deterministic: row order does not change the output', () => {
    const {rows} = cases[0]!
    const a = run({...cases[0]!, rows})
    const b = run({
      ...cases[0]!,
      rows: {...rows, lsps: [...(rows.lsps ?? [])].reverse(), lss: [...(rows.lss ?? [])].reverse()},
    })
    expect(b).to.deep.equal(a)
  })
})
