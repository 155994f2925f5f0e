// What a kernel notification means for the daemon (kernel/drift.ts): drift of the last desired
// state, or not, and which devices decide ownership. Pure, table-driven.
import {expect} from 'chai'

import type {MonitorEvent} from '../../../src/lib/kernel/monitor-parse.js'
import type {ObserveScope} from '../../../src/lib/kernel/types.js'

import {driftOf, ownershipDevice} from '../../../src/lib/kernel/drift.js'
import {objKey, objValue, type StateObj} from '../../../src/lib/planner/types.js'
import {linkInfo} from '../../helpers/kernel-links.js'

const scope: ObserveScope = {bgpNic: 'bgp-nic', bgpVrf: 'bgp-vrf', vrfTable: 10, bridges: [{name: 'br-ex', table: 200}]}
const addr: StateObj = {kind: 'address', dev: 'bgp-nic', cidr: '172.24.4.10/32'}
const neigh: StateObj = {kind: 'neigh', family: 4, ip: '172.24.4.10', dev: 'br-ex', mac: 'fa:16:3e:00:00:01'}
const route: StateObj = {kind: 'route', family: 4, table: 200, dst: '172.24.4.10/32', dev: 'br-ex', proto: 3}
const proxy: StateObj = {kind: 'ndp-proxy', ip: 'fd00::10', dev: 'br-ex'}
const vlan: StateObj = {kind: 'vlan', name: 'br-ex.100', link: 'br-ex', id: 100}
const desired = new Map([addr, neigh, route, proxy, vlan].map((o) => [objKey(o), objValue(o)]))

const link = (name: string, up: boolean, deleted = false): MonitorEvent => ({
  type: 'link',
  deleted,
  link: linkInfo(name, {up}),
})
const addrEvent = (cidr: string, deleted: boolean): MonitorEvent => ({
  type: 'addr',
  deleted,
  addr: {dev: 'bgp-nic', family: 4, cidr},
})
const neighEvent = (o: {mac?: string; permanent?: boolean; deleted?: boolean; proxy?: boolean; ip?: string}) =>
  ({
    type: 'neigh',
    deleted: o.deleted ?? false,
    proxy: o.proxy ?? false,
    neigh: {
      family: o.proxy ? 6 : 4,
      ip: o.ip ?? '172.24.4.10',
      dev: 'br-ex',
      mac: o.mac ?? 'fa:16:3e:00:00:01',
      permanent: o.permanent ?? true,
    },
  }) as MonitorEvent
const routeEvent = (dev: string, deleted = false): MonitorEvent => ({
  type: 'route',
  deleted,
  route: {
    family: 4,
    dst: '172.24.4.10/32',
    dev,
    via: undefined,
    proto: 3,
    scope: 0,
    type: 'unicast',
    multipath: false,
    table: 200,
  },
})

describe('kernel/drift: driftOf (a notification against the last desired state)', () => {
  const cases: Array<{name: string; e: MonitorEvent; wasUp?: boolean; want: string | undefined}> = [
    {
      name: 'a desired address deleted',
      e: addrEvent('172.24.4.10/32', true),
      want: 'address|bgp-nic|172.24.4.10/32 deleted',
    },
    {name: 'a desired address added (our own echo)', e: addrEvent('172.24.4.10/32', false), want: undefined},
    {name: 'an address nobody wants deleted', e: addrEvent('172.24.4.99/32', true), want: undefined},
    {
      name: 'a desired neighbour gone stale (no longer permanent)',
      e: neighEvent({permanent: false}),
      want: `${objKey(neigh)} no longer permanent`,
    },
    {
      name: 'a desired neighbour with another MAC',
      e: neighEvent({mac: 'fa:16:3e:00:00:02'}),
      want: `${objKey(neigh)} changed`,
    },
    {name: 'a desired neighbour as desired', e: neighEvent({}), want: undefined},
    {name: 'a desired neighbour deleted', e: neighEvent({deleted: true}), want: `${objKey(neigh)} deleted`},
    {name: 'a desired route through another device', e: routeEvent('eth0'), want: `${objKey(route)} changed`},
    {name: 'a desired route deleted', e: routeEvent('br-ex', true), want: `${objKey(route)} deleted`},
    {
      name: 'a desired NDP proxy deleted',
      e: neighEvent({proxy: true, ip: 'fd00::10', deleted: true}),
      want: `${objKey(proxy)} deleted`,
    },
    {name: 'the provider bridge set down', e: link('br-ex', false), wasUp: true, want: 'link br-ex down'},
    {name: 'the provider bridge deleted', e: link('br-ex', true, true), wasUp: true, want: 'link br-ex deleted'},
    {name: 'the provider bridge back up', e: link('br-ex', true), wasUp: false, want: 'link br-ex up'},
    {
      name: 'the provider bridge still up (another attribute changed)',
      e: link('br-ex', true),
      wasUp: true,
      want: undefined,
    },
    {name: 'a desired VLAN device set down', e: link('br-ex.100', false), wasUp: true, want: 'link br-ex.100 down'},
    {name: 'a foreign device set down', e: link('eth1', false), wasUp: true, want: undefined},
    {
      name: 'bgp-nic set down (not drift: ownership, handled by the model)',
      e: link('bgp-nic', false),
      wasUp: true,
      want: undefined,
    },
  ]
  for (const c of cases)
    it(`${c.name} -> ${c.want ?? 'no drift'}`, () => {
      expect(driftOf(c.e, c.wasUp ?? true, scope, desired)).to.equal(c.want)
    })

  it('nothing is drift before a scope is known', () => {
    expect(driftOf(addrEvent('172.24.4.10/32', true), true, undefined, desired)).to.equal(undefined)
  })
})

describe('kernel/drift: ownershipDevice', () => {
  for (const [name, want] of [
    ['bgp-nic', true],
    ['bgp-vrf', true],
    ['br-ex', true],
    ['br-ex.100', false],
    ['eth0', false],
  ] as const)
    it(`${name} -> ${want}`, () => {
      expect(ownershipDevice(scope, name)).to.equal(want)
    })

  it('any device before a scope is known', () => {
    expect(ownershipDevice(undefined, 'eth0')).to.equal(true)
  })
})
