// scopeConditions (pure): which clauses each held row adds. The end-to-end property (scoped plans
// == full plans on a real server) is scope.test.ts; this pins the clause shapes and the supersets.
import {expect} from 'chai'

import type {ConditionClause} from '../../../src/lib/ovsdb/types.js'

import {scopeConditions} from '../../../src/lib/nb/scope.js'
import {NbState} from '../../../src/lib/nb/state.js'
import {lb, localnet, lr, lrp, ls, nat, routerIf, vm} from '../../helpers/nb-builders.js'

const SCOPE = {chassisName: 'c1', chassisId: 'c1-id'}
const uuidOf = (n: number): string => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`
const has = (m: Record<string, string>, column: string): ConditionClause => [
  column,
  'includes',
  ['map', Object.entries(m)],
]
const texts = (cs: readonly ConditionClause[] | undefined): string[] => (cs ?? []).map((c) => JSON.stringify(c))

describe('nb scopeConditions', () => {
  it('with nothing held: the chassis rows, every localnet, migrating ports, NB_Global; no switch, router, NAT or LB', () => {
    const c = scopeConditions(new NbState(), SCOPE)
    expect(texts(c.Logical_Switch_Port)).to.have.members(
      texts([
        ['type', '==', 'localnet'],
        has({'requested-chassis': 'c1'}, 'options'),
        has({'neutron:host_id': 'c1'}, 'external_ids'),
        has({'activation-strategy': 'rarp'}, 'options'),
      ]),
    )
    expect(c.Logical_Router_Port).to.deep.equal([has({'hosting-chassis': 'c1-id'}, 'status')])
    for (const t of ['Logical_Switch', 'Logical_Router', 'NAT', 'Load_Balancer'] as const)
      expect(c[t], t).to.deep.equal([])
    expect(c.NB_Global).to.equal(undefined)
  })

  it('a bound port adds its network switch and its NATs by logical_port', () => {
    const nb = NbState.fromRows({
      lsps: [vm({name: 'p1', net: 'neutron-ext', chassis: 'c1'}), vm({name: 'p2', net: 'neutron-x', chassis: 'other'})],
    })
    const c = scopeConditions(nb, SCOPE)
    expect(c.Logical_Switch).to.deep.equal([['name', '==', 'neutron-ext']])
    expect(c.NAT).to.deep.equal([['logical_port', '==', 'p1']])
  })

  it('a port migrating here (rarp, "other,c1") adds its needs; one migrating between two other chassis does not', () => {
    const here = vm({name: 'm1', net: 'neutron-a', chassis: 'other,c1'})
    const elsewhere = vm({name: 'm2', net: 'neutron-b', chassis: 'x,y'})
    const rarp = (p: typeof here) => ({...p, options: {...p.options, 'activation-strategy': 'rarp'}})
    const c = scopeConditions(NbState.fromRows({lsps: [rarp(here), rarp(elsewhere)]}), SCOPE)
    expect(c.Logical_Switch).to.deep.equal([['name', '==', 'neutron-a']])
  })

  it('a local gateway port adds its router: interfaces, tenant networks, LR by name, its NATs, LBs (both key spellings), VIP ports', () => {
    const gw = {
      ...lrp({name: 'gw', networks: ['172.24.4.1/24'], net: 'neutron-ext', router: 'r1', hosting: 'c1-id'}),
      uuid: uuidOf(1),
    }
    const snat = nat({uuid: uuidOf(2), type: 'snat', externalIp: '172.24.4.1', logicalIp: '10.0.0.0/24'})
    const lb1 = lb({name: 'lb1', ext: {lr_ref: 'neutron-r1', 'neutron:vip_port_id': 'vip1'}})
    const nb = NbState.fromRows({
      lrps: [gw],
      lrs: [lr('neutron-r1', [snat])],
      nats: [snat],
      lsps: [
        routerIf({name: 'rif1', router: 'r1', net: 'neutron-t1', cidrs: ['10.0.0.1/24']}),
        vm({name: 'vip1', net: 'neutron-t1', up: false}),
      ],
      lbs: [lb1],
      lss: [ls('neutron-ext', [localnet('ln', 'physnet')])],
    })
    const c = scopeConditions(nb, SCOPE)
    expect(texts(c.Logical_Switch_Port)).to.include.members(
      texts([
        has({'neutron:device_id': 'r1'}, 'external_ids'),
        has({'neutron:network_name': 'neutron-t1'}, 'external_ids'),
        ['name', '==', 'vip1'],
      ]),
    )
    expect(c.Logical_Router).to.deep.equal([['name', '==', 'neutron-r1']])
    expect(texts(c.NAT)).to.have.members(
      texts([
        ['gateway_port', 'includes', ['uuid', uuidOf(1)]],
        ['_uuid', '==', ['uuid', uuidOf(2)]],
        ['logical_port', '==', 'vip1'],
      ]),
    )
    expect(texts(c.Load_Balancer)).to.have.members(
      texts([
        has({lr_ref: 'r1'}, 'external_ids'),
        has({lr_ref: 'neutron-r1'}, 'external_ids'),
        has({'neutron:router_name': 'r1'}, 'external_ids'),
        has({'neutron:router_name': 'neutron-r1'}, 'external_ids'),
      ]),
    )
    expect(texts(c.Logical_Switch)).to.have.members(
      texts([
        ['name', '==', 'neutron-ext'],
        ['name', '==', 'neutron-t1'],
      ]),
    )
  })

  it('is deterministic: the same rows in another order give the same request text', () => {
    const a = [vm({name: 'p1', net: 'n1', chassis: 'c1'}), vm({name: 'p2', net: 'n2', hostId: 'c1'})]
    const one = JSON.stringify(scopeConditions(NbState.fromRows({lsps: a}), SCOPE))
    const two = JSON.stringify(scopeConditions(NbState.fromRows({lsps: [...a].reverse()}), SCOPE))
    expect(two).to.equal(one)
  })
})
