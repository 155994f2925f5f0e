// isRelevant: which changes can matter to this node (events matched, or something it uses touched).
import {expect} from 'chai'

import type {NbChange, NbRow} from '../../../src/lib/nb/model.js'
import type {RowChange} from '../../../src/lib/ovsdb/types.js'

import {isRelevant} from '../../../src/lib/driver/events.js'
import {
  decoded,
  type Fields,
  insert,
  LB,
  LR,
  LRP,
  LS,
  LSP,
  NAT,
  NB_GLOBAL,
  nbWith,
  remove,
  update,
} from '../../helpers/nb-changes.js'
import {CHASSIS, CHASSIS_ID, fakeView, type FakeViewOpts} from './fake-view.js'

const NET = 'neutron:network_name'
const port = (f: Fields = {}): Fields => ({
  name: 'vm',
  type: '',
  addresses: ['mac 172.24.4.50'],
  up: true,
  options: {'requested-chassis': 'compute-9'},
  externalIds: {[NET]: 'public'},
  ...f,
})
const rif = (router: string): Fields => ({
  name: 'rif',
  type: 'router',
  up: true,
  externalIds: {'neutron:device_owner': 'network:router_interface', 'neutron:device_id': router, [NET]: 'private'},
})
const lrp = (f: Fields = {}): Fields => ({
  name: 'lrp-gw',
  mac: 'm',
  networks: ['172.24.4.2/24'],
  status: {'hosting-chassis': 'other-id'},
  ...f,
})
const lb = (f: Fields = {}): Fields => ({
  name: 'lb',
  vips: {'10.0.0.50:80': 'm'},
  externalIds: {lr_ref: 'neutron-router9'},
  ...f,
})
const nat = (f: Fields = {}): Fields => ({
  type: 'dnat_and_snat',
  externalIp: '172.24.4.77',
  logicalIp: '10.0.0.7',
  logicalPort: 'vm-remote',
  externalIds: {},
  ...f,
})

const BASE: FakeViewOpts = {
  providerLs: ['public'],
  localRouters: ['router1'],
  localTenantNetworks: ['private1'],
  exposed: ['public|172.24.4.60', 'private1|10.0.0.9'],
}

const cases: Array<{name: string; change: RowChange; view?: FakeViewOpts; relevant: boolean}> = [
  {
    name: 'provider port bound elsewhere changes -> irrelevant',
    change: update(LSP, port(), {externalIds: {}}),
    relevant: false,
  },
  {name: 'provider port bound elsewhere deleted -> irrelevant', change: remove(LSP, port()), relevant: false},
  {
    name: 'port bound here, down, external_ids change -> relevant',
    change: update(LSP, port({up: false, options: {'requested-chassis': CHASSIS}}), {externalIds: {}}),
    relevant: true,
  },
  {
    name: 'port moved away from here -> relevant',
    change: update(LSP, port(), {options: {'requested-chassis': CHASSIS}}),
    relevant: true,
  },
  {
    name: 'port second binding here (live migration) -> relevant',
    change: update(LSP, port({options: {'requested-chassis': `compute-9,${CHASSIS}`}}), {up: false}),
    relevant: true,
  },
  {
    name: 'port whose IP is exposed -> relevant',
    change: update(LSP, port({addresses: ['mac 172.24.4.60']}), {externalIds: {}}),
    relevant: true,
  },
  {
    name: 'port on a local tenant network -> relevant',
    change: update(LSP, port({externalIds: {[NET]: 'private1'}}), {up: false}),
    relevant: true,
  },
  {
    name: 'port on a remote tenant network -> irrelevant',
    change: update(LSP, port({externalIds: {[NET]: 'private2'}}), {up: false}),
    relevant: false,
  },
  {
    name: 'router interface of a local router -> relevant',
    change: update(LSP, rif('router1'), {externalIds: {}}),
    relevant: true,
  },
  {
    name: 'router interface of a remote router -> irrelevant',
    change: update(LSP, rif('router2'), {up: false}),
    relevant: false,
  },
  {
    name: 'any localnet port change -> relevant',
    change: update(LSP, {name: 'ln', type: 'localnet', externalIds: {a: 'b'}}, {externalIds: {}}),
    relevant: true,
  },
  {
    name: 'gateway hosted elsewhere, unrelated change -> irrelevant',
    change: update(LRP, lrp(), {mac: 'n'}),
    relevant: false,
  },
  {
    name: 'gateway moved here -> relevant',
    change: update(LRP, lrp({status: {'hosting-chassis': CHASSIS_ID}}), {status: {}}),
    relevant: true,
  },
  {
    name: 'gateway of a local router changes networks -> relevant',
    change: update(LRP, lrp({externalIds: {'neutron:router_name': 'router1'}}), {networks: []}),
    relevant: true,
  },
  {name: 'LB of a remote router -> irrelevant', change: update(LB, lb(), {vips: {}}), relevant: false},
  {
    name: 'LB of a local router, no VIPs (no event) -> relevant',
    change: update(LB, lb({vips: {}, externalIds: {lr_ref: 'neutron-router1'}}), {name: 'x'}),
    relevant: true,
  },
  {
    name: 'LB whose VIP is exposed -> relevant',
    change: update(LB, lb({vips: {'10.0.0.9:80': 'm'}}), {name: 'x'}),
    relevant: true,
  },
  {name: 'NAT of a remote port on a remote gateway -> irrelevant', change: insert(NAT, nat()), relevant: false},
  {
    name: 'NAT of a port bound here -> relevant',
    change: insert(NAT, nat({logicalPort: 'vm-here'})),
    view: {nb: nbWith([LSP, port({name: 'vm-here', options: {'requested-chassis': CHASSIS}})])},
    relevant: true,
  },
  {name: 'NAT whose FIP is exposed -> relevant', change: remove(NAT, nat({externalIp: '172.24.4.60'})), relevant: true},
  {
    name: 'snat NAT with tenant exposure -> relevant (SNAT check)',
    change: insert(NAT, nat({type: 'snat'})),
    relevant: true,
  },
  {
    name: 'snat NAT without tenant exposure -> irrelevant',
    change: insert(NAT, nat({type: 'snat'})),
    view: {tenantExposure: false},
    relevant: false,
  },
  {
    name: 'NB_Global unrelated key -> irrelevant',
    change: update(NB_GLOBAL, {externalIds: {a: '1'}}, {externalIds: {a: '0'}}),
    relevant: false,
  },
  {
    name: 'NB_Global in a mode other than ours -> relevant',
    change: update(NB_GLOBAL, {externalIds: {'neutron:fip-distributed': 'False'}}, {externalIds: {}}),
    relevant: true,
  },
  {
    name: 'provider switch changes -> relevant',
    change: update(LS, {name: 'public', ports: ['a']}, {ports: []}),
    relevant: true,
  },
  {
    name: 'unrelated switch gains a VM port -> irrelevant',
    change: update(LS, {name: 'private2', ports: ['a']}, {ports: []}),
    relevant: false,
  },
  {
    name: 'switch gains a localnet port -> relevant',
    change: update(LS, {name: 'private2', ports: ['ln-uuid']}, {ports: []}),
    view: {nb: nbWith([LSP, {uuid: 'ln-uuid', name: 'ln', type: 'localnet'}])},
    relevant: true,
  },
  {
    name: 'local router changes -> relevant',
    change: update(LR, {name: 'neutron-router1', nat: ['n']}, {nat: []}),
    relevant: true,
  },
  {
    name: 'remote router changes -> irrelevant',
    change: update(LR, {name: 'neutron-router2', nat: ['n']}, {nat: []}),
    relevant: false,
  },
]

describe('isRelevant', () => {
  for (const c of cases) {
    it(c.name, () => {
      const view = fakeView({...BASE, ...c.view})
      expect(isRelevant(decoded(c.change, view.nb.capabilities), view)).to.equal(c.relevant)
    })
  }

  it('unknown table -> relevant', () => {
    const change: NbChange = {
      table: 'DHCP_Options',
      kind: 'insert',
      uuid: 'd',
      row: {uuid: 'd'} as NbRow,
      old: undefined,
    }
    expect(isRelevant(change, fakeView(BASE))).to.equal(true)
  })

  it('a view that throws makes the change relevant', () => {
    const view = {
      ...fakeView(BASE),
      isExposedAnywhere(): boolean {
        throw new Error('boom')
      },
    }
    expect(isRelevant(decoded(update(LSP, port(), {externalIds: {}})), view)).to.equal(true)
  })
})
