// Registration rules (docs/upstream-behaviour.md#plumbing-and-registration), the MatchedEvent envelope, and matcher
// errors as problems.
import {expect} from 'chai'

import type {NbRow} from '../../../src/lib/nb/model.js'

import {
  activeEvents,
  ALL_EVENTS,
  classifyChange,
  EVENT_NAMES,
  type MatcherProblem,
  needsFullSync,
} from '../../../src/lib/driver/events.js'
import {decoded, insert, LSP, NB_GLOBAL, update} from '../../helpers/nb-changes.js'
import {CHASSIS, fakeView} from './fake-view.js'

const ALWAYS = [
  'LogicalSwitchPortProviderCreateEvent',
  'LogicalSwitchPortProviderDeleteEvent',
  'LogicalSwitchPortIPsChangedEvent',
  'OVNLBCreateEvent',
  'OVNLBDeleteEvent',
  'OVNPFCreateEvent',
  'OVNPFDeleteEvent',
  'ChassisRedirectCreateEvent',
  'ChassisRedirectDeleteEvent',
  'DistributedFlagChangedEvent',
]
const DISTRIBUTED = ['NATMACAddedEvent', 'LogicalSwitchPortFIPCreateEvent', 'LogicalSwitchPortFIPDeleteEvent']
const CENTRALIZED = [
  'ExposeFIPOnCRLRP',
  'WithdrawFIPOnCRLRP',
  'CrLrpChassisChangeExposeEvent',
  'CrLrpChassisChangeWithdrawEvent',
]
const SUBNET = ['LogicalSwitchPortSubnetAttachEvent', 'LogicalSwitchPortSubnetDetachEvent']
const TENANT_HOST = ['LogicalSwitchPortTenantCreateEvent', 'LogicalSwitchPortTenantDeleteEvent']

describe('activeEvents (upstream registration rules)', () => {
  const cases: Array<{name: string; view: Parameters<typeof fakeView>[0]; expected: string[]}> = [
    {
      name: 'underlay, no tenant exposure, distributed',
      view: {tenantExposure: false},
      expected: [...ALWAYS, 'LocalnetCreateDeleteEvent', ...DISTRIBUTED],
    },
    {
      name: 'underlay, no tenant exposure, centralized',
      view: {tenantExposure: false, distributed: false},
      expected: [...ALWAYS, 'LocalnetCreateDeleteEvent', ...CENTRALIZED],
    },
    {
      name: 'tenant exposure with host advertisement',
      view: {tenantExposure: true, advertisement: 'host'},
      expected: [...ALWAYS, 'LocalnetCreateDeleteEvent', ...SUBNET, ...TENANT_HOST, ...DISTRIBUTED],
    },
    {
      name: 'tenant exposure with subnet advertisement: no per-VM tenant events',
      view: {tenantExposure: true, advertisement: 'subnet'},
      expected: [...ALWAYS, 'LocalnetCreateDeleteEvent', ...SUBNET, ...DISTRIBUTED],
    },
    {
      name: 'vrf exposing method: no LocalnetCreateDeleteEvent (LogicalSwitchUpdateEvent is out of scope)',
      view: {tenantExposure: false, exposingMethod: 'vrf'},
      expected: [...ALWAYS, ...DISTRIBUTED],
    },
  ]
  for (const c of cases) {
    it(c.name, () => {
      expect(activeEvents(fakeView(c.view)).sort()).to.deep.equal([...c.expected].sort())
    })
  }

  it('every class name has exactly one spec', () => {
    expect(ALL_EVENTS.map((s) => s.name).sort()).to.deep.equal([...EVENT_NAMES].sort())
  })
})

describe('classifyChange envelope', () => {
  it('reports subject, action, fullSync and calls', () => {
    const change = insert(LSP, {uuid: 'ln-1', name: 'provnet', type: 'localnet', addresses: ['unknown']})
    const [ev, ...rest] = classifyChange(decoded(change), fakeView())
    expect(rest).to.deep.equal([])
    expect(ev).to.deep.equal({
      name: 'LocalnetCreateDeleteEvent',
      action: 'sync',
      fullSync: true,
      subject: {table: LSP, uuid: 'ln-1', name: 'provnet', ips: []},
      calls: [{fn: 'sync', ips: [], info: {}}],
    })
    expect(needsFullSync([ev!])).to.equal(true)
  })

  it('subject lists the port IPs, canonical', () => {
    const change = update(
      LSP,
      {
        uuid: 'p1',
        name: 'vm',
        addresses: ['mac 10.0.0.5 2001:DB8:0::5'],
        up: true,
        options: {'requested-chassis': CHASSIS},
        externalIds: {'neutron:network_name': 'pub'},
      },
      {up: false},
    )
    const [ev] = classifyChange(decoded(change), fakeView({providerLs: true}))
    expect(ev?.subject).to.deep.equal({table: LSP, uuid: 'p1', name: 'vm', ips: ['10.0.0.5', '2001:db8::5']})
    expect(needsFullSync([ev!])).to.equal(false)
  })

  it('a matcher that throws is a no-match reported as a problem, other matchers still run', () => {
    const view = {
      ...fakeView(),
      isProviderLs() {
        throw new Error('boom')
      },
    }
    const problems: MatcherProblem[] = []
    const change = update(
      LSP,
      {
        name: 'vm',
        addresses: ['mac 10.0.0.5'],
        up: true,
        options: {'requested-chassis': CHASSIS},
        externalIds: {'neutron:network_name': 'pub', 'neutron:port_fip': '172.24.4.9'},
      },
      {up: false},
    )
    const names = classifyChange(decoded(change), view, (p) => problems.push(p)).map((e) => e.name)
    expect(names).to.deep.equal(['LogicalSwitchPortFIPCreateEvent'])
    expect(problems.map((p) => [p.name, p.message])).to.deep.equal([
      ['LogicalSwitchPortProviderCreateEvent', 'match: boom'],
    ])
  })

  it('changes of tables without events classify to nothing', () => {
    expect(classifyChange(decoded(insert(NB_GLOBAL, {externalIds: {}})), fakeView())).to.deep.equal([])
    expect(
      classifyChange(
        {table: 'DHCP_Options', kind: 'insert', uuid: 'd', row: {uuid: 'd'} as NbRow, old: undefined},
        fakeView(),
      ),
    ).to.deep.equal([])
  })
})
