// computeDesired, load balancers of local routers (docs/upstream-behaviour.md#load-balancer-methods,
// docs/upstream-behaviour.md#load-balancer-events), after docs/upstream-behaviour.md#driver-scenarios scenarios
// 16, 33, 35, 36 and the docs/upstream-behaviour.md#watcher-scenarios LB/PF events; includes the upstream LB bugs we
// fix (docs/upstream-behaviour.md#bug-4-lbs-without-vips, docs/upstream-behaviour.md#bug-5-ipv6-lb-vips,
// docs/upstream-behaviour.md#bug-6-lb-vip-removal, docs/upstream-behaviour.md#bug-7-lb-fip-bookkeeping).
import {lb, localnet, lrp, ls, nat, nbGlobal, routerIf, vm} from '../../helpers/nb-builders.js'
import {BR, type Case, CHASSIS_ID, type Ex, host, nic, rule, runCases, viaRoute} from './fixtures.js'

const GW_MAC = 'fa:16:3e:aa:00:01'
const ln1 = localnet('provnet-1', 'fake-network')
const ext = ls('neutron-ext', [ln1])
const gw = lrp({
  name: 'lrp-gw',
  mac: GW_MAC,
  networks: ['172.24.4.11/24', '2001:db8:ff::11/64'],
  net: 'neutron-ext',
  router: 'router1',
  hosting: CHASSIS_ID,
})
const CR = [
  ...host('172.24.4.11', GW_MAC),
  ...host('2001:db8:ff::11', GW_MAC),
  {kind: 'ndp-proxy' as const, ip: '2001:db8:ff::', dev: BR},
]
const CR_EX: Ex[] = [
  ['172.24.4.11', 'cr-lrp', BR, null, 'Logical_Router_Port:lrp-gw'],
  ['2001:db8:ff::11', 'cr-lrp', BR, null, 'Logical_Router_Port:lrp-gw'],
]
const rif1 = routerIf({name: 'rif1', router: 'router1', net: 'neutron-net1', cidrs: ['10.0.0.1/24']})
const SUBNET = [rule('10.0.0.1/24'), viaRoute('10.0.0.0/24', '172.24.4.11')]
const SUBNET_EX: Ex = ['10.0.0.1/24', 'subnet', BR, null, 'Logical_Switch_Port:rif1']
/** OVN LB VIP ports are unbound and down. */
const vipPort = vm({name: 'vip-port', ips: ['10.0.0.100'], net: 'neutron-net1', up: false})
const vipPortProvider = vm({name: 'vip-port-p', ips: ['172.24.4.50', '2001:db8:ff::50'], net: 'neutron-ext', up: false})
const vipNat = nat({
  uuid: 'nat-vip',
  externalIp: '172.24.4.100',
  logicalPort: 'vip-port',
  fipNet: 'ext',
  gatewayPort: 'lrp-lrp-gw',
})

function ovnLb(name: string, vips: Record<string, string>, ext: Record<string, string>) {
  return lb({name, vips, ext: {lr_ref: 'neutron-router1', ...ext}})
}

const lb1 = ovnLb(
  'lb1',
  {'10.0.0.100:80': '10.0.0.5:8080', '172.24.4.100:80': '10.0.0.5:8080'},
  {
    'neutron:vip': '10.0.0.100',
    'neutron:vip_fip': '172.24.4.100',
    'neutron:vip_port_id': 'vip-port',
  },
)
const base = {lss: [ext], lrps: [gw]}

export const cases: Case[] = [
  {
    name: '10.1.16 cr-lrp router1: subnet 10.0.0.1/24, tenant LB VIP on bgp-nic, LB FIP with the gateway MAC (ours: NAT has no external_mac, upstream bug 7)',
    rows: {...base, lsps: [ln1, rif1, vipPort], lbs: [lb1], nats: [vipNat]},
    objects: [...CR, ...SUBNET, nic('10.0.0.100'), ...host('172.24.4.100', GW_MAC)],
    exposed: [
      SUBNET_EX,
      ['10.0.0.100', 'lb-vip', BR, null, 'Load_Balancer:lb1'],
      ['172.24.4.100', 'lb-fip', BR, null, 'Load_Balancer:lb1'],
      ...CR_EX,
    ],
  },
  {
    name: '10.1.33 LB VIP on a provider network: rule + route + bgp-nic address, no neighbour (ours, upstream bug 1); IPv6 "[addr]:port" VIP matched (ours, upstream bug 5)',
    rows: {
      ...base,
      lsps: [ln1, vipPortProvider],
      lbs: [
        ovnLb(
          'lb4',
          {'172.24.4.50:443': '10.0.0.5:443'},
          {'neutron:vip': '172.24.4.50', 'neutron:vip_port_id': 'vip-port-p'},
        ),
        ovnLb(
          'lb6',
          {'[2001:db8:ff::50]:443': '[2001:db8:1::5]:443'},
          {'neutron:vip': '2001:db8:ff::50', 'neutron:vip_port_id': 'vip-port-p'},
        ),
      ],
    },
    objects: [...CR, ...host('172.24.4.50'), ...host('2001:db8:ff::50')],
    exposed: [
      CR_EX[0]!,
      ['172.24.4.50', 'lb-vip', BR, null, 'Load_Balancer:lb4'],
      CR_EX[1]!,
      ['2001:db8:ff::50', 'lb-vip', BR, null, 'Load_Balancer:lb6'],
    ],
  },
  {
    name: '10.1.33 VIP port missing, or LB without neutron:vip / neutron:vip_port_id: problem, nothing (upstream aborted the sync: upstream bug 4)',
    rows: {
      ...base,
      lsps: [ln1, rif1],
      lbs: [
        ovnLb('lb-a', {'10.0.0.100:80': 'x'}, {'neutron:vip': '10.0.0.100', 'neutron:vip_port_id': 'gone'}),
        ovnLb('lb-b', {'10.0.0.101:80': 'x'}, {'neutron:vip_port_id': 'gone'}),
        ovnLb('lb-c', {'10.0.0.102:80': 'x'}, {'neutron:vip': '10.0.0.102'}),
      ],
    },
    objects: [...CR, ...SUBNET],
    exposed: [SUBNET_EX, ...CR_EX],
    problems: [
      'Load_Balancer:lb-a: VIP port gone missing or without neutron:network_name',
      'Load_Balancer:lb-b: LB without external_ids:neutron:vip',
      'Load_Balancer:lb-c: LB without external_ids:neutron:vip_port_id',
    ],
  },
  {
    name: '10.1.35 PF LB pf-floatingip-*: FIP on the gateway provider network, no neighbour; IPv6 "[addr]:port" key parsed (ours, upstream bug 5)',
    rows: {
      ...base,
      lsps: [ln1],
      lbs: [
        lb({
          name: 'pf-floatingip-uuid-tcp',
          vips: {'172.24.4.60:2222': '10.0.0.5:22'},
          ext: {'neutron:router_name': 'neutron-router1'},
        }),
        lb({
          name: 'pf-floatingip-uuid6-tcp',
          vips: {'[2001:db8:ff::60]:2222': '[2001:db8:1::5]:22'},
          ext: {'neutron:router_name': 'neutron-router1'},
        }),
      ],
    },
    objects: [...CR, ...host('172.24.4.60'), ...host('2001:db8:ff::60')],
    exposed: [
      CR_EX[0]!,
      ['172.24.4.60', 'lb-fip', BR, null, 'Load_Balancer:pf-floatingip-uuid-tcp'],
      CR_EX[1]!,
      ['2001:db8:ff::60', 'lb-fip', BR, null, 'Load_Balancer:pf-floatingip-uuid6-tcp'],
    ],
  },
  {
    name: '10.1.35/38 PF LB of a non-local router, or without router: nothing',
    rows: {
      ...base,
      lsps: [ln1],
      lbs: [
        lb({
          name: 'pf-floatingip-a-tcp',
          vips: {'172.24.4.60:2222': 'x'},
          ext: {'neutron:router_name': 'neutron-router2'},
        }),
        lb({name: 'pf-floatingip-b-tcp', vips: {'172.24.4.61:2222': 'x'}}),
      ],
    },
    objects: CR,
    exposed: CR_EX,
  },
  {
    name: '10.1.36 LB FIP through the VIP port NAT with external_mac (distributed): neighbour with that MAC on the FIP network',
    rows: {...base, lsps: [ln1, rif1, vipPort], lbs: [lb1], nats: [{...vipNat, externalMac: 'fa:16:3e:ff:00:09'}]},
    objects: [...CR, ...SUBNET, nic('10.0.0.100'), ...host('172.24.4.100', 'fa:16:3e:ff:00:09')],
    exposed: [
      SUBNET_EX,
      ['10.0.0.100', 'lb-vip', BR, null, 'Load_Balancer:lb1'],
      ['172.24.4.100', 'lb-fip', BR, null, 'Load_Balancer:lb1'],
      ...CR_EX,
    ],
  },
  {
    name: '10.1.36 centralized mode: LB FIP and the NAT scan agree (gateway MAC, one set of objects, two sources) (ours, upstream bug 7)',
    rows: {
      ...base,
      nbGlobal: nbGlobal('False'),
      lsps: [ln1, rif1, vipPort],
      lbs: [lb1],
      nats: [{...vipNat, externalMac: 'fa:16:3e:ff:00:09'}],
    },
    objects: [...CR, ...SUBNET, nic('10.0.0.100'), ...host('172.24.4.100', GW_MAC)],
    exposed: [
      SUBNET_EX,
      ['10.0.0.100', 'lb-vip', BR, null, 'Load_Balancer:lb1'],
      ['172.24.4.100', 'fip', BR, null, 'NAT:vip-port'],
      ['172.24.4.100', 'lb-fip', BR, null, 'Load_Balancer:lb1'],
      ...CR_EX,
    ],
  },
  {
    name: '10.2 OVNLBCreate: LB without vips is not exposed, even with neutron:vip/vip_fip set (ours, upstream bug 4)',
    rows: {...base, lsps: [ln1, rif1, vipPort], lbs: [{...lb1, vips: {}}], nats: [vipNat]},
    objects: [...CR, ...SUBNET],
    exposed: [SUBNET_EX, ...CR_EX],
  },
  {
    name: '10.2 OVNLBDelete: VIP removed from vips (FIP kept) -> VIP no longer exposed (ours, upstream bug 6)',
    rows: {
      ...base,
      lsps: [ln1, rif1, vipPort],
      lbs: [{...lb1, vips: {'172.24.4.100:80': '10.0.0.5:8080'}}],
      nats: [vipNat],
    },
    objects: [...CR, ...SUBNET, ...host('172.24.4.100', GW_MAC)],
    exposed: [SUBNET_EX, ['172.24.4.100', 'lb-fip', BR, null, 'Load_Balancer:lb1'], ...CR_EX],
  },
  {
    name: '10.2 OVNLBCreate: LB of a non-local router (lr_ref) is not exposed',
    rows: {
      ...base,
      lsps: [ln1, rif1, vipPort],
      lbs: [{...lb1, externalIds: {...lb1.externalIds, lr_ref: 'neutron-router2'}}],
      nats: [vipNat],
    },
    objects: [...CR, ...SUBNET],
    exposed: [SUBNET_EX, ...CR_EX],
  },
  {
    name: 'subnet mode: tenant LB VIP needs no bgp-nic address (the prefix is advertised); LB FIP still wired',
    cfg: {advertisementMethodTenantNetworks: 'subnet'},
    rows: {...base, lsps: [ln1, rif1, vipPort], lbs: [lb1], nats: [vipNat]},
    objects: [
      ...CR,
      rule('10.0.0.0/24'),
      viaRoute('10.0.0.0/24', '172.24.4.11'),
      viaRoute('10.0.0.0/24', '172.24.4.11', 'bgp-nic', 10),
      ...host('172.24.4.100', GW_MAC),
    ],
    exposed: [
      ['10.0.0.0/24', 'subnet', BR, null, 'Logical_Switch_Port:rif1'],
      ['172.24.4.100', 'lb-fip', BR, null, 'Load_Balancer:lb1'],
      ...CR_EX,
    ],
  },
  {
    name: 'OVN LB attached only through neutron:router_name (no lr_ref, not a PF LB): problem, not exposed (upstream: KeyError aborted the sync)',
    rows: {
      ...base,
      lsps: [ln1, vipPortProvider],
      lbs: [
        lb({
          name: 'lb-x',
          vips: {'172.24.4.50:443': 'm'},
          ext: {
            'neutron:router_name': 'neutron-router1',
            'neutron:vip': '172.24.4.50',
            'neutron:vip_port_id': 'vip-port-p',
          },
        }),
      ],
    },
    objects: CR,
    exposed: CR_EX,
    problems: ['Load_Balancer:lb-x: LB without external_ids:lr_ref'],
  },
  {
    name: 'unparsable vips keys are problems; the parsable ones still count',
    rows: {
      ...base,
      lsps: [ln1, vipPortProvider],
      lbs: [
        ovnLb(
          'lb4',
          {'not-an-ip:80': 'x', '172.24.4.50:443': 'y'},
          {'neutron:vip': '172.24.4.50', 'neutron:vip_port_id': 'vip-port-p'},
        ),
      ],
    },
    objects: [...CR, ...host('172.24.4.50')],
    exposed: [CR_EX[0]!, ['172.24.4.50', 'lb-vip', BR, null, 'Load_Balancer:lb4'], CR_EX[1]!],
    problems: ['Load_Balancer:lb4: unparsable vips key "not-an-ip:80"'],
  },
]

describe('planner computeDesired: load balancers', () => {
  runCases(cases)
})
