// explainIp: the planner's "why" for one IP, table-driven over the situations operators ask about
// (bound elsewhere, tenant networks off, gateway elsewhere, address scopes, malformed rows, live
// migration, FIPs, LBs). Each case: NB rows, optional config, the IP, whether it is exposed and a
// fragment the reason must contain.
import {expect} from 'chai'

import type {AgentConfig} from '../../../src/lib/config/types.js'

import {type NbRows, NbState} from '../../../src/lib/nb/state.js'
import {computeDesired} from '../../../src/lib/planner/desired.js'
import {explainIp} from '../../../src/lib/planner/why.js'
import {lb, localnet, lrp, ls, nat, nbGlobal, routerIf, vm} from '../../helpers/nb-builders.js'
import {CHASSIS_ID, config, context} from './fixtures.js'

const ln1 = localnet('provnet-1', 'fake-network')
const ext = ls('neutron-ext', [ln1])
const gwHere = lrp({
  name: 'lrp-gw',
  networks: ['172.24.4.11/24'],
  net: 'neutron-ext',
  router: 'router1',
  hosting: CHASSIS_ID,
})
const gwAway = lrp({
  name: 'lrp-gw',
  networks: ['172.24.4.11/24'],
  net: 'neutron-ext',
  router: 'router1',
  hosting: 'chassis-2',
})
const rif1 = routerIf({name: 'rif1', router: 'router1', net: 'neutron-net1', cidrs: ['10.0.0.1/24']})
const vmHere = vm({name: 'vm1', ips: ['172.24.4.226'], net: 'neutron-ext', chassis: 'fake-chassis'})
const tenantVm = vm({name: 'vm5', ips: ['10.0.0.5'], net: 'neutron-net1', chassis: 'other'})

interface Case {
  name: string
  rows: NbRows
  cfg?: Partial<AgentConfig>
  ip: string
  exposed: boolean
  reason: string
  kind?: string
}

const cases: Case[] = [
  {
    name: 'VM bound here and up',
    rows: {lss: [ext], lsps: [ln1, vmHere]},
    ip: '172.24.4.226',
    exposed: true,
    kind: 'vm',
    reason: 'bound here (fake-chassis) and up; provider network neutron-ext on fake-bridge',
  },
  {
    name: 'VM bound elsewhere',
    rows: {lss: [ext], lsps: [ln1, vm({name: 'vm1', ips: ['172.24.4.226'], net: 'neutron-ext', chassis: 'compute-2'})]},
    ip: '172.24.4.226',
    exposed: false,
    reason: 'bound to compute-2, not here (fake-chassis)',
  },
  {
    name: 'VM down',
    rows: {
      lss: [ext],
      lsps: [ln1, vm({name: 'vm1', ips: ['172.24.4.226'], net: 'neutron-ext', chassis: 'fake-chassis', up: false})],
    },
    ip: '172.24.4.226',
    exposed: false,
    reason: 'port is down (up=false)',
  },
  {
    name: 'live migration, up here',
    rows: {
      lss: [ext],
      lsps: [ln1, vm({name: 'vm1', ips: ['172.24.4.226'], net: 'neutron-ext', chassis: 'compute-2,fake-chassis'})],
    },
    ip: '172.24.4.226',
    exposed: true,
    reason: 'live migration: requested-chassis lists compute-2, fake-chassis; exposed where the port is up',
  },
  {
    name: 'malformed MAC',
    rows: {
      lss: [ext],
      lsps: [ln1, vm({name: 'vm1', mac: 'zz:zz', ips: ['172.24.4.226'], net: 'neutron-ext', chassis: 'fake-chassis'})],
    },
    ip: '172.24.4.226',
    exposed: false,
    reason: 'malformed row: invalid MAC "zz:zz" in addresses',
  },
  {
    name: 'tenant networks off',
    cfg: {exposeTenantNetworks: false},
    rows: {lss: [ext], lsps: [ln1, rif1, tenantVm], lrps: [gwHere]},
    ip: '10.0.0.5',
    exposed: false,
    reason: 'tenant networks are off (expose_tenant_networks=False)',
  },
  {
    name: 'tenant IP behind a local gateway',
    rows: {lss: [ext], lsps: [ln1, rif1, tenantVm], lrps: [gwHere]},
    ip: '10.0.0.5',
    exposed: true,
    kind: 'tenant-ip',
    reason: 'behind router router1, whose gateway is hosted here',
  },
  {
    name: 'tenant IP, gateway elsewhere',
    rows: {lss: [ext], lsps: [ln1, rif1, tenantVm], lrps: [gwAway]},
    ip: '10.0.0.5',
    exposed: false,
    reason: `router gateway of router1 hosted on chassis-2, not here (${CHASSIS_ID})`,
  },
  {
    name: 'address scope not configured',
    cfg: {addressScopes: ['scope-a']},
    rows: {
      lss: [ext],
      lsps: [
        ln1,
        {...rif1, externalIds: {...rif1.externalIds, 'neutron:subnet_pool_addr_scope4': 'scope-b'}},
        tenantVm,
      ],
      lrps: [gwHere],
    },
    ip: '10.0.0.5',
    exposed: false,
    reason: 'address scope scope-b not in address_scopes (scope-a)',
  },
  {
    name: 'subnet mode',
    cfg: {advertisementMethodTenantNetworks: 'subnet'},
    rows: {lss: [ext], lsps: [ln1, rif1, tenantVm], lrps: [gwHere]},
    ip: '10.0.0.5',
    exposed: false,
    reason: 'the subnet is advertised, not host IPs',
  },
  {
    name: 'cr-lrp hosted here',
    rows: {lss: [ext], lsps: [ln1], lrps: [gwHere]},
    ip: '172.24.4.11',
    exposed: true,
    kind: 'cr-lrp',
    reason: `router gateway hosted here (${CHASSIS_ID})`,
  },
  {
    name: 'cr-lrp hosted elsewhere',
    rows: {lss: [ext], lsps: [ln1], lrps: [gwAway]},
    ip: '172.24.4.11',
    exposed: false,
    reason: `router gateway hosted on chassis-2, not here (${CHASSIS_ID})`,
  },
  {
    name: 'distributed FIP of a port bound elsewhere',
    rows: {
      lss: [ext],
      lsps: [
        ln1,
        rif1,
        vm({name: 'vm5', ips: ['10.0.0.5'], net: 'neutron-net1', chassis: 'compute-2', fip: '172.24.4.200'}),
      ],
      nats: [
        nat({
          uuid: 'n1',
          externalIp: '172.24.4.200',
          externalMac: 'fa:16:3e:00:02:c8',
          logicalPort: 'vm5',
          fipNet: 'ext',
        }),
      ],
    },
    ip: '172.24.4.200',
    exposed: false,
    reason: 'distributed FIP of port vm5: bound to compute-2, not here (fake-chassis)',
  },
  {
    name: 'distributed FIP without external_mac',
    rows: {
      lss: [ext],
      lsps: [
        ln1,
        vm({name: 'vm5', ips: ['10.0.0.5'], net: 'neutron-net1', chassis: 'fake-chassis', fip: '172.24.4.200'}),
      ],
      nats: [nat({uuid: 'n1', externalIp: '172.24.4.200', logicalPort: 'vm5', fipNet: 'ext'})],
    },
    ip: '172.24.4.200',
    exposed: false,
    reason: 'NAT has no external_mac',
  },
  {
    name: 'distributed FIP bound here',
    rows: {
      lss: [ext],
      lsps: [
        ln1,
        vm({name: 'vm5', ips: ['10.0.0.5'], net: 'neutron-net1', chassis: 'fake-chassis', fip: '172.24.4.200'}),
      ],
      nats: [
        nat({
          uuid: 'n1',
          externalIp: '172.24.4.200',
          externalMac: 'fa:16:3e:00:02:c8',
          logicalPort: 'vm5',
          fipNet: 'ext',
        }),
      ],
    },
    ip: '172.24.4.200',
    exposed: true,
    kind: 'fip',
    reason: 'distributed FIP of port vm5, bound here and up',
  },
  {
    name: 'centralized FIP, gateway elsewhere',
    rows: {
      lss: [ext],
      lsps: [ln1],
      lrps: [gwAway],
      nbGlobal: nbGlobal('False'),
      nats: [
        nat({uuid: 'n1', externalIp: '172.24.4.200', logicalPort: 'vm5', fipNet: 'ext', gatewayPort: 'lrp-lrp-gw'}),
      ],
    },
    ip: '172.24.4.200',
    exposed: false,
    reason: 'centralized FIP: router gateway lrp-gw hosted on chassis-2',
  },
  {
    name: 'LB VIP on a router whose gateway is elsewhere',
    rows: {
      lss: [ext],
      lsps: [ln1],
      lrps: [gwAway],
      lbs: [
        lb({
          name: 'lb1',
          vips: {'172.24.4.50:80': '10.0.0.5:80'},
          ext: {lr_ref: 'neutron-router1', 'neutron:vip': '172.24.4.50', 'neutron:vip_port_id': 'p'},
        }),
      ],
    },
    ip: '172.24.4.50',
    exposed: false,
    reason: 'router gateway of router1 hosted on chassis-2',
  },
  {name: 'no row carries the IP', rows: {lss: [ext], lsps: [ln1]}, ip: '192.0.2.1', exposed: false, reason: ''},
]

describe('planner: explainIp (why is one IP exposed or not)', () => {
  for (const c of cases) {
    it(c.name, () => {
      const nb = NbState.fromRows(c.rows, {})
      const cfg = config(c.cfg)
      const ctx = context()
      const why = explainIp(nb, ctx, cfg, c.ip, computeDesired(nb, ctx, cfg))
      expect(why.exposed, JSON.stringify(why.steps)).to.equal(c.exposed)
      const reasons = why.steps.map((s) => s.reason).join(' | ')
      expect(reasons).to.include(c.reason)
      if (c.kind) expect(why.kinds).to.include(c.kind)
      if (c.reason === '') expect(why.steps).to.deep.equal([])
    })
  }

  it('does not change what computeDesired returns (the normal pass is untouched)', () => {
    const nb = NbState.fromRows({lss: [ext], lsps: [ln1, vmHere]}, {})
    const before = computeDesired(nb, context(), config())
    explainIp(nb, context(), config(), '172.24.4.226', before)
    expect(computeDesired(nb, context(), config())).to.deep.equal(before)
  })
})
