// diff(desired, observed) -> Plan and restrictPlan, then full scenarios "NB before -> NB after":
// the withdraw side of docs/upstream-behaviour.md#driver-scenarios (10, 17, 21, 24, 29, 31, 34, 37, 38), the sync
// cleanup of 10.1.3
// and docs/upstream-behaviour.md#cleanup, and the docs/upstream-behaviour.md#watcher-scenarios delete events, expressed
// as plans between two desired states.
import {expect} from 'chai'

import type {NbRows} from '../../../src/lib/nb/state.js'
import type {Plan, StateObj} from '../../../src/lib/planner/types.js'

import {byKeys, diff, restrictPlan} from '../../../src/lib/planner/diff.js'
import {lb, localnet, lrp, ls, nat, routerIf, vm} from '../../helpers/nb-builders.js'
import {
  addr,
  BR,
  CHASSIS,
  CHASSIS_ID,
  host,
  hostRoute,
  ndp,
  neigh,
  NIC,
  nic,
  rule,
  run,
  sysctls,
  viaRoute,
  vlan,
} from './fixtures.js'

const MAC = 'fa:16:3e:00:00:01'
const GW_MAC = 'fa:16:3e:aa:00:01'

interface DiffCase {
  name: string
  desired: StateObj[]
  observed: StateObj[]
  expected: Plan
}

const diffCases: DiffCase[] = [
  {
    name: 'empty desired and observed: empty plan',
    desired: [],
    observed: [],
    expected: {add: [], remove: [], unchanged: 0},
  },
  {
    name: 'idempotent: diff(desired, desired) has nothing to do',
    desired: [...host('172.24.4.5', MAC), vlan('fake-bridg.10', 10), ...sysctls(BR)],
    observed: [...sysctls(BR), vlan('fake-bridg.10', 10), ...host('172.24.4.5', MAC)],
    expected: {add: [], remove: [], unchanged: 7},
  },
  {
    name: 'missing objects are added in KIND_ORDER (vlan, sysctl, address, rule, route, neigh, ndp-proxy, flow), then by key',
    desired: [
      {kind: 'flow', bridge: BR, inPort: 1, family: 4, mac: MAC},
      ndp('2001:db8::'),
      ...host('172.24.4.5', MAC),
      vlan('fake-bridg.10', 10),
      ...sysctls(BR),
    ],
    observed: [],
    expected: {
      add: [
        vlan('fake-bridg.10', 10),
        ...sysctls(BR),
        nic('172.24.4.5'),
        rule('172.24.4.5/32'),
        hostRoute('172.24.4.5/32'),
        neigh('172.24.4.5', MAC),
        ndp('2001:db8::'),
        {kind: 'flow', bridge: BR, inPort: 1, family: 4, mac: MAC},
      ],
      remove: [],
      unchanged: 0,
    },
  },
  {
    name: 'changed attributes are replaced (neighbour MAC, route device, flow MAC): add only, nothing removed',
    desired: [
      neigh('172.24.4.5', MAC),
      hostRoute('172.24.4.5/32', 'fake-bridg.10'),
      {kind: 'flow', bridge: BR, inPort: 1, family: 6, mac: MAC},
    ],
    observed: [
      neigh('172.24.4.5', 'fa:16:3e:00:00:99'),
      hostRoute('172.24.4.5/32'),
      {kind: 'flow', bridge: BR, inPort: 1, family: 6, mac: 'aa:aa:aa:aa:aa:aa'},
    ],
    expected: {
      add: [
        hostRoute('172.24.4.5/32', 'fake-bridg.10'),
        neigh('172.24.4.5', MAC),
        {kind: 'flow', bridge: BR, inPort: 1, family: 6, mac: MAC},
      ],
      remove: [],
      unchanged: 0,
    },
  },
  {
    name: 'a VLAN device whose id changed is removed and re-added (no in-place change)',
    desired: [vlan('fake-bridg.10', 10, BR)],
    observed: [vlan('fake-bridg.10', 10, 'br-old')],
    expected: {add: [vlan('fake-bridg.10', 10, BR)], remove: [vlan('fake-bridg.10', 10, 'br-old')], unchanged: 0},
  },
  {
    name: 'observed owned objects not desired are removed in reverse KIND_ORDER; sysctls are never removed',
    desired: [nic('172.24.4.5')],
    observed: [
      nic('172.24.4.5'),
      nic('172.24.4.6'),
      rule('172.24.4.6/32'),
      hostRoute('172.24.4.6/32'),
      neigh('172.24.4.6', MAC),
      vlan('fake-bridg.12', 12),
      ...sysctls('fake-bridg/12'),
    ],
    expected: {
      add: [],
      remove: [
        neigh('172.24.4.6', MAC),
        hostRoute('172.24.4.6/32'),
        rule('172.24.4.6/32'),
        nic('172.24.4.6'),
        vlan('fake-bridg.12', 12),
      ],
      unchanged: 1,
    },
  },
  {
    name: 'duplicate keys in an input count once',
    desired: [nic('172.24.4.5'), nic('172.24.4.5')],
    observed: [],
    expected: {add: [nic('172.24.4.5')], remove: [], unchanged: 0},
  },
]

// ---- scenarios: NB before -> NB after ----
const ln1 = localnet('provnet-1', 'fake-network')
const ln2 = localnet('provnet-2', 'fake-network', 10)
const ext = ls('neutron-ext', [ln1])
const gw = lrp({
  name: 'lrp-gw',
  mac: GW_MAC,
  networks: ['172.24.4.11/24'],
  net: 'neutron-ext',
  router: 'router1',
  hosting: CHASSIS_ID,
})
const rif1 = routerIf({name: 'rif1', router: 'router1', net: 'neutron-net1', cidrs: ['10.0.0.1/24']})
const vm1 = vm({
  name: 'vm1',
  ips: ['172.24.4.5', '2001:db8::5'],
  net: 'neutron-ext',
  chassis: CHASSIS,
  cidrs: ['172.24.4.5/24', '2001:db8::5/64'],
})
const vm2 = vm({
  name: 'vm2',
  mac: 'fa:16:3e:00:00:02',
  ips: ['2001:db8::6'],
  net: 'neutron-ext',
  chassis: CHASSIS,
  cidrs: ['2001:db8::6/64'],
})
const tvm = vm({name: 'tvm', ips: ['10.0.0.5'], net: 'neutron-net1', chassis: 'other'})
const vipPort = vm({name: 'vip-port', ips: ['10.0.0.100'], net: 'neutron-net1', up: false})
const lb1 = lb({
  name: 'lb1',
  vips: {'10.0.0.100:80': 'm', '172.24.4.100:80': 'm'},
  ext: {
    lr_ref: 'neutron-router1',
    'neutron:vip': '10.0.0.100',
    'neutron:vip_fip': '172.24.4.100',
    'neutron:vip_port_id': 'vip-port',
  },
})
const pf = lb({
  name: 'pf-floatingip-x-tcp',
  vips: {'172.24.4.60:22': 'm'},
  ext: {'neutron:router_name': 'neutron-router1'},
})
const tenantNet = ls('neutron-tenant')

const desiredOf = (rows: NbRows): StateObj[] => run({name: '', rows, objects: []}).state.objects

interface Transition {
  name: string
  before: NbRows
  after: NbRows
  add: StateObj[]
  remove: StateObj[]
}

const transitions: Transition[] = [
  {
    name: '10.1.10/17 withdraw provider VM (port down): its objects go, the NDP proxy shared with vm2 stays',
    before: {lss: [ext], lsps: [ln1, vm1, vm2]},
    after: {lss: [ext], lsps: [ln1, {...vm1, up: false}, vm2]},
    add: [],
    remove: [
      neigh('172.24.4.5', MAC),
      neigh('2001:db8::5', MAC),
      hostRoute('172.24.4.5/32'),
      hostRoute('2001:db8::5/128'),
      rule('172.24.4.5/32'),
      rule('2001:db8::5/128'),
      nic('172.24.4.5'),
      nic('2001:db8::5'),
    ],
  },
  {
    name: '10.1.17 (ours, upstream bug 8) the last port of the IPv6 subnet leaves: the NDP proxy goes with it',
    before: {lss: [ext], lsps: [ln1, vm2]},
    after: {lss: [ext], lsps: [ln1, {...vm2, options: {'requested-chassis': 'other'}}]},
    add: [],
    remove: [
      ndp('2001:db8::'),
      neigh('2001:db8::6', 'fa:16:3e:00:00:02'),
      hostRoute('2001:db8::6/128'),
      rule('2001:db8::6/128'),
      nic('2001:db8::6'),
    ],
  },
  {
    name: '10.2 ProviderDelete: went down during live migration (requested-chassis "fake-chassis,other" keeps it; "other" alone withdraws)',
    before: {lss: [ext], lsps: [ln1, {...vm2, options: {'requested-chassis': `other,${CHASSIS}`}}]},
    after: {lss: [ext], lsps: [ln1, {...vm2, options: {'requested-chassis': `other,${CHASSIS}`}}]},
    add: [],
    remove: [],
  },
  {
    name: 'ours, upstream bug 9: port IP change on an exposed port: old IP withdrawn, new IP exposed',
    before: {lss: [ext], lsps: [ln1, vm({name: 'vm1', ips: ['172.24.4.5'], net: 'neutron-ext', chassis: CHASSIS})]},
    after: {lss: [ext], lsps: [ln1, vm({name: 'vm1', ips: ['172.24.4.7'], net: 'neutron-ext', chassis: CHASSIS})]},
    add: host('172.24.4.7', MAC),
    remove: [neigh('172.24.4.5', MAC), hostRoute('172.24.4.5/32'), rule('172.24.4.5/32'), nic('172.24.4.5')],
  },
  {
    name: 'ours, upstream bug 1: withdrawing a VM of a VLAN network removes the neighbour from the VLAN device',
    before: {
      lss: [ls('neutron-vlan', [ln2])],
      lsps: [ln2, vm({name: 'vm1', ips: ['172.24.5.5'], net: 'neutron-vlan', chassis: CHASSIS})],
    },
    after: {lss: [ls('neutron-vlan', [ln2])], lsps: [ln2]},
    add: [],
    remove: [
      neigh('172.24.5.5', MAC, 'fake-bridg.10'),
      hostRoute('172.24.5.5/32', 'fake-bridg.10'),
      rule('172.24.5.5/32'),
      nic('172.24.5.5'),
    ],
  },
  {
    name: 'ours, upstream bug 12: provider LS deleted (localnet gone): the VM objects are withdrawn anyway',
    before: {lss: [ext], lsps: [ln1, vm({name: 'vm1', ips: ['172.24.4.5'], net: 'neutron-ext', chassis: CHASSIS})]},
    after: {lsps: [vm({name: 'vm1', ips: ['172.24.4.5'], net: 'neutron-ext', chassis: CHASSIS})]},
    add: [],
    remove: [neigh('172.24.4.5', MAC), hostRoute('172.24.4.5/32'), rule('172.24.4.5/32'), nic('172.24.4.5')],
  },
  {
    name: '10.1.21 withdraw FIP (neutron:port_fip removed from the port)',
    before: {
      lss: [ext, tenantNet],
      lsps: [ln1, vm({name: 'vm1', ips: ['10.0.0.5'], net: 'neutron-tenant', chassis: CHASSIS, fip: '172.24.4.100'})],
      nats: [
        nat({
          uuid: 'n1',
          externalIp: '172.24.4.100',
          externalMac: 'fa:16:3e:ff:00:01',
          logicalPort: 'vm1',
          fipNet: 'ext',
        }),
      ],
    },
    after: {
      lss: [ext, tenantNet],
      lsps: [ln1, vm({name: 'vm1', ips: ['10.0.0.5'], net: 'neutron-tenant', chassis: CHASSIS})],
    },
    add: [],
    remove: [
      neigh('172.24.4.100', 'fa:16:3e:ff:00:01'),
      hostRoute('172.24.4.100/32'),
      rule('172.24.4.100/32'),
      nic('172.24.4.100'),
    ],
  },
  {
    name: '10.1.24/29/31 withdraw_subnet (router interface down): subnet rule/route and tenant IPs withdrawn',
    before: {lss: [ext], lsps: [ln1, rif1, tvm], lrps: [gw]},
    after: {lss: [ext], lsps: [ln1, {...rif1, up: false}, tvm], lrps: [gw]},
    add: [],
    remove: [viaRoute('10.0.0.0/24', '172.24.4.11'), rule('10.0.0.1/24'), nic('10.0.0.5')],
  },
  {
    name: '10.1.34/37 LB deleted: tenant VIP address and LB FIP withdrawn (FIP neighbour on the device it was created on)',
    before: {lss: [ext], lsps: [ln1, rif1, vipPort], lrps: [gw], lbs: [lb1]},
    after: {lss: [ext], lsps: [ln1, rif1, vipPort], lrps: [gw]},
    add: [],
    remove: [
      neigh('172.24.4.100', GW_MAC),
      hostRoute('172.24.4.100/32'),
      rule('172.24.4.100/32'),
      nic('10.0.0.100'),
      nic('172.24.4.100'),
    ],
  },
  {
    name: '10.1.38 PF LB deleted: PF FIP withdrawn (no neighbour to delete, ours, upstream bug 1)',
    before: {lss: [ext], lsps: [ln1], lrps: [gw], lbs: [pf]},
    after: {lss: [ext], lsps: [ln1], lrps: [gw]},
    add: [],
    remove: [hostRoute('172.24.4.60/32'), rule('172.24.4.60/32'), nic('172.24.4.60')],
  },
  {
    name: '10.2 ChassisRedirectDelete: cr-lrp moved to another chassis: cr-lrp, its subnets, tenant IPs and LBs withdrawn',
    before: {lss: [ext], lsps: [ln1, rif1, tvm, vipPort], lrps: [gw], lbs: [lb1, pf]},
    after: {
      lss: [ext],
      lsps: [ln1, rif1, tvm, vipPort],
      lrps: [{...gw, status: {'hosting-chassis': 'other-id'}}],
      lbs: [lb1, pf],
    },
    add: [],
    remove: [
      neigh('172.24.4.100', GW_MAC),
      neigh('172.24.4.11', GW_MAC),
      viaRoute('10.0.0.0/24', '172.24.4.11'),
      hostRoute('172.24.4.100/32'),
      hostRoute('172.24.4.11/32'),
      hostRoute('172.24.4.60/32'),
      rule('10.0.0.1/24'),
      rule('172.24.4.100/32'),
      rule('172.24.4.11/32'),
      rule('172.24.4.60/32'),
      nic('10.0.0.100'),
      nic('10.0.0.5'),
      nic('172.24.4.100'),
      nic('172.24.4.11'),
      nic('172.24.4.60'),
    ],
  },
  {
    name: '10.1.3 / sync cleanup: VLAN 12 no longer in NB (per bridge, ours, upstream bug 14) removed with its helper addresses; its sysctls stay',
    before: {
      lss: [ls('neutron-vlan', [ln2]), ls('neutron-v12', ['lsp-provnet-12'])],
      lsps: [ln2, localnet('provnet-12', 'fake-network', 12)],
    },
    after: {lss: [ls('neutron-vlan', [ln2])], lsps: [ln2]},
    add: [],
    remove: [
      addr('fake-bridg.12', '169.254.1.12/32'),
      addr('fake-bridg.12', 'fd53:d91e:400:7f17::1:c/128'),
      vlan('fake-bridg.12', 12),
    ],
  },
]

describe('planner diff', () => {
  for (const c of diffCases) {
    it(c.name, () => expect(diff(c.desired, c.observed)).to.deep.equal(c.expected))
  }

  for (const t of transitions) {
    it(t.name, () => {
      const plan = diff(desiredOf(t.after), desiredOf(t.before))
      expect({add: plan.add, remove: plan.remove}).to.deep.equal({add: t.add, remove: t.remove})
    })
  }

  it('10.1.3 sync: stale bgp-nic addresses, rules and routes observed but not desired are removed; the rest is unchanged', () => {
    const rows: NbRows = {
      lss: [ext],
      lsps: [ln1, vm({name: 'vm1', ips: ['172.24.4.5'], net: 'neutron-ext', chassis: CHASSIS})],
    }
    const desired = desiredOf(rows)
    const stale = [
      nic('192.0.2.1'),
      nic('2001:db8:dead::1'),
      rule('192.0.2.1/32'),
      rule('2001:db8:dead::1/128'),
      hostRoute('192.0.2.1/32'),
      {
        kind: 'route' as const,
        family: 4 as const,
        table: 10,
        dst: '10.9.0.0/24',
        dev: NIC,
        via: '172.24.4.11',
        proto: 3,
      },
    ]
    const plan = diff(desired, [...desired, ...stale])
    expect(plan).to.deep.equal({
      add: [],
      remove: [stale[4], stale[5], stale[2], stale[3], stale[0], stale[1]],
      unchanged: desired.length,
    })
  })

  it('restrictPlan + contributions: expose-ip of one address applies only its objects', () => {
    const r = run({name: '', rows: {lss: [ext], lsps: [ln1, vm1, vm2]}, objects: []})
    const plan = diff(r.state.objects, [])
    const only = restrictPlan(plan, byKeys(r.contributions['2001:db8::6'] ?? []))
    expect(only).to.deep.equal({
      add: [
        nic('2001:db8::6'),
        rule('2001:db8::6/128'),
        hostRoute('2001:db8::6/128'),
        neigh('2001:db8::6', 'fa:16:3e:00:00:02'),
        ndp('2001:db8::'),
        {kind: 'flow', bridge: BR, inPort: 1, family: 4, mac: 'aa:bb:cc:00:00:01'},
        {kind: 'flow', bridge: BR, inPort: 1, family: 6, mac: 'aa:bb:cc:00:00:01'},
      ],
      remove: [],
      unchanged: 0,
    })
  })

  it('restrictPlan keeps the unchanged count and filters both sides with the action', () => {
    const plan: Plan = {add: [nic('172.24.4.5')], remove: [nic('172.24.4.6')], unchanged: 3}
    expect(restrictPlan(plan, (_o, action) => action === 'remove')).to.deep.equal({
      add: [],
      remove: [nic('172.24.4.6')],
      unchanged: 3,
    })
  })
})
