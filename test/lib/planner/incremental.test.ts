// The incremental planner's change -> subject mapping (table-driven), and which subjects a change
// actually replays on a small topology (the cost side: "only their contributions are recomputed").
// Equality with computeDesired is asserted after every change here too; the random, server-backed
// property test is incremental-property.test.ts.
import {expect} from 'chai'

import type {NbState} from '../../../src/lib/nb/state.js'
import type {RowChange} from '../../../src/lib/ovsdb/types.js'

import {defaultConfig} from '../../../src/lib/config/index.js'
import {computeDesired} from '../../../src/lib/planner/desired.js'
import {IncrementalPlanner} from '../../../src/lib/planner/incremental.js'
import {diffDesired} from '../../../src/lib/planner/self-check.js'
import {type ChangeMarks, changeMarks} from '../../../src/lib/planner/tracking.js'
import {
  brExNode,
  decoded,
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

const vm = (name: string, extra: Record<string, unknown> = {}) => ({
  uuid: `u-${name}`,
  name,
  addresses: ['fa:16:3e:00:00:01 172.24.4.10'],
  up: true,
  options: {'requested-chassis': 'compute-1'},
  externalIds: {'neutron:network_name': 'neutron-pub', 'neutron:cidrs': '172.24.4.10/24'},
  ...extra,
})

describe('changeMarks: NB row change -> subjects', () => {
  const cases: Array<[string, RowChange, Partial<ChangeMarks>, string[]]> = [
    [
      'port bound here (insert)',
      insert(LSP, vm('p1')),
      {lsp: {networks: ['neutron-pub'], routers: []}},
      ['lsp:u-p1', 'lspName:p1', 'lspNet:neutron-pub', 'lspChassis:compute-1'],
    ],
    [
      'port moves chassis and network: both sides',
      update(
        LSP,
        vm('p1', {options: {'requested-chassis': 'compute-2'}, externalIds: {'neutron:network_name': 'neutron-b'}}),
        {options: {'requested-chassis': 'compute-1'}, externalIds: {'neutron:network_name': 'neutron-a'}},
      ),
      {lsp: {networks: ['neutron-a', 'neutron-b'], routers: []}},
      ['lspChassis:compute-1', 'lspChassis:compute-2', 'lspNet:neutron-a', 'lspNet:neutron-b'],
    ],
    [
      'router interface: its router',
      insert(LSP, {
        uuid: 'rif',
        name: 'rif',
        type: 'router',
        externalIds: {
          'neutron:device_owner': 'network:router_interface',
          'neutron:device_id': 'r1',
          'neutron:network_name': 'neutron-t',
        },
      }),
      {lsp: {networks: ['neutron-t'], routers: ['r1']}},
      ['rif:r1'],
    ],
    [
      'localnet port: base wiring and every switch reclassified',
      insert(LSP, {uuid: 'ln', name: 'ln', type: 'localnet', options: {network_name: 'physnet1'}}),
      {reclassify: 'all'},
      ['physnet:physnet1', 'lsAny'],
    ],
    [
      'switch rename: both names reclassified',
      update(LS, {uuid: 'ls', name: 'neutron-b', ports: []}, {name: 'neutron-a'}),
      {reclassify: ['neutron-b', 'neutron-a']},
      ['lsAny'],
    ],
    [
      'router: by uuid and name (SNAT check)',
      update(LR, {uuid: 'lr', name: 'neutron-r1', nat: ['n1']}, {nat: []}),
      {},
      ['lr:lr', 'lrName:neutron-r1'],
    ],
    [
      'gateway moves chassis: both hosting keys',
      update(
        LRP,
        {uuid: 'gw', name: 'lrp-gw', status: {'hosting-chassis': 'chassis-2'}},
        {status: {'hosting-chassis': 'chassis-1'}},
      ),
      {lrp: true},
      ['lrp:gw', 'hosting:chassis-1', 'hosting:chassis-2'],
    ],
    [
      'NAT: by port name and gateway',
      insert(NAT, {uuid: 'n1', type: 'dnat_and_snat', logicalPort: 'p1', gatewayPort: 'gw'}),
      {},
      ['nat:n1', 'natPort:p1', 'natGw:gw'],
    ],
    [
      'LB re-homed: both routers',
      update(
        LB,
        {uuid: 'lb1', name: 'lb1', externalIds: {lr_ref: 'neutron-r2'}},
        {externalIds: {lr_ref: 'neutron-r1'}},
      ),
      {lb: {routers: ['r2', 'r1']}},
      ['lb:lb1', 'lbRouter:r1', 'lbRouter:r2'],
    ],
    [
      'port deleted: its last values',
      remove(LSP, vm('p1')),
      {lsp: {networks: ['neutron-pub'], routers: []}},
      ['lsp:u-p1', 'lspChassis:compute-1'],
    ],
    [
      'NB_Global',
      update(NB_GLOBAL, {uuid: 'g', externalIds: {'neutron:liveness_check_at': '2'}}, {externalIds: {}}),
      {},
      ['nbGlobal'],
    ],
  ]
  for (const [name, change, marks, keys] of cases) {
    it(name, () => {
      const m = changeMarks(decoded(change))
      for (const [k, v] of Object.entries(marks)) {
        const got = m[k as keyof ChangeMarks]
        if (Array.isArray(v)) expect(got).to.have.members(v)
        else if (v && typeof v === 'object')
          for (const [kk, vv] of Object.entries(v))
            expect((got as Record<string, unknown>)[kk]).to.have.members(vv as string[])
        else expect(got).to.equal(v)
      }

      expect(m.keys).to.include.members([...keys, 'all'])
    })
  }
})

const ctx = brExNode()
const cfg = {...defaultConfig(), driver: 'nb_ovn_bgp_driver', exposeTenantNetworks: true}

/** 20 local VMs on a provider network, a local gateway of router r1 with a tenant network of 10 VMs and an LB. */
function topology(): NbState {
  const rows: Array<[string, Record<string, unknown>]> = [
    [
      LSP,
      {uuid: 'ln', name: 'provnet-1', type: 'localnet', addresses: ['unknown'], options: {network_name: 'physnet1'}},
    ],
  ]
  const pub = ['ln']
  for (let i = 0; i < 20; i++) {
    rows.push([
      LSP,
      vm(`p${i}`, {
        addresses: [`fa:16:3e:00:01:${(16 + i).toString(16)} 172.24.4.${20 + i}`],
        externalIds: {
          'neutron:network_name': 'neutron-pub',
          'neutron:cidrs': `172.24.4.${20 + i}/24 2001:db8::${20 + i}/64`,
        },
      }),
    ])
    pub.push(`u-p${i}`)
  }

  const ten = ['rif']
  rows.push([
    LSP,
    {
      uuid: 'rif',
      name: 'rif',
      type: 'router',
      addresses: ['router'],
      up: true,
      externalIds: {
        'neutron:device_owner': 'network:router_interface',
        'neutron:device_id': 'r1',
        'neutron:network_name': 'neutron-t',
        'neutron:cidrs': '10.0.0.1/24',
      },
    },
  ])
  for (let i = 0; i < 10; i++) {
    rows.push([
      LSP,
      vm(`t${i}`, {
        addresses: [`fa:16:3e:00:02:${(16 + i).toString(16)} 10.0.0.${20 + i}`],
        options: {'requested-chassis': 'compute-2'},
        externalIds: {'neutron:network_name': 'neutron-t'},
      }),
    ])
    ten.push(`u-t${i}`)
  }

  rows.push(
    [LS, {uuid: 'ls-pub', name: 'neutron-pub', ports: pub}],
    [LS, {uuid: 'ls-t', name: 'neutron-t', ports: ten}],
    [
      LRP,
      {
        uuid: 'gw',
        name: 'lrp-gw',
        mac: 'fa:16:3e:aa:00:01',
        networks: ['172.24.4.5/24'],
        status: {'hosting-chassis': 'chassis-1'},
        externalIds: {'neutron:network_name': 'neutron-pub', 'neutron:router_name': 'r1'},
      },
    ],
    [LR, {uuid: 'lr1', name: 'neutron-r1', nat: []}],
    [
      LB,
      {
        uuid: 'lb1',
        name: 'lb1',
        vips: {'10.0.0.99:80': 'x'},
        externalIds: {lr_ref: 'neutron-r1', 'neutron:vip': '10.0.0.99', 'neutron:vip_port_id': 't0'},
      },
    ],
  )
  return nbWith(...rows)
}

describe('IncrementalPlanner: what a change replays', () => {
  // [case, change, [replayed, dropped] | 'full']
  const cases: Array<[string, (nb: NbState) => RowChange, [number, number] | 'full']> = [
    [
      'a local port goes down: that port only',
      (nb) => update(LSP, {...nb.lsp('u-p3')!, up: false}, {up: true}),
      [1, 0],
    ],
    [
      'a remote port on a network nobody exposes: nothing',
      () =>
        insert(
          LSP,
          vm('x', {options: {'requested-chassis': 'compute-2'}, externalIds: {'neutron:network_name': 'neutron-x'}}),
        ),
      [0, 0],
    ],
    [
      'a tenant port behind the local gateway: its tenant fragment only',
      (nb) => update(LSP, {...nb.lsp('u-t4')!, up: false}, {up: true}),
      [1, 0],
    ],
    [
      'the LB VIP port leaves the tenant network: the LB, and its tenant fragment goes',
      (nb) =>
        update(
          LSP,
          {...nb.lsp('u-t0')!, externalIds: {'neutron:network_name': 'neutron-pub'}},
          {externalIds: {'neutron:network_name': 'neutron-t'}},
        ),
      [1, 1],
    ],
    [
      'the gateway moves away: cr-lrp, router interface, the 11 ports of its network (the interface is one), the LB go',
      (nb) =>
        update(
          LRP,
          {...nb.lrp('gw')!, status: {'hosting-chassis': 'chassis-2'}},
          {status: {'hosting-chassis': 'chassis-1'}},
        ),
      [0, 14],
    ],
    [
      'NB_Global liveness bump: nothing',
      () => insert(NB_GLOBAL, {uuid: 'g', externalIds: {'neutron:liveness_check_at': 'x'}}),
      [0, 0],
    ],
    [
      'fip-distributed flag flips: full rebuild',
      () => insert(NB_GLOBAL, {uuid: 'g', externalIds: {'neutron:fip-distributed': 'False'}}),
      'full',
    ],
  ]
  for (const [name, make, expected] of cases) {
    it(name, () => {
      const nb = topology()
      const planner = new IncrementalPlanner()
      planner.desired(nb, ctx, cfg)
      expect(planner.stats.full).to.equal(true)
      const c = make(nb)
      planner.markChanged(nb.applyChange(c)!)
      const inc = planner.desired(nb, ctx, cfg)
      if (expected === 'full') expect(planner.stats.full).to.equal(true)
      else
        expect([planner.stats.full, planner.stats.replayed, planner.stats.dropped]).to.deep.equal([false, ...expected])
      expect(diffDesired(inc, computeDesired(nb, ctx, cfg))).to.deep.equal([])
    })
  }

  it('a shared NDP proxy stays while another port still wants it', () => {
    const nb = topology()
    const planner = new IncrementalPlanner()
    const key = 'ndp-proxy|br-ex|2001:db8::'
    expect(planner.desired(nb, ctx, cfg).state.objects.filter((o) => o.kind === 'ndp-proxy')).to.have.length(1)
    expect(planner.subjectsOf(key)).to.have.length(20)
    for (let i = 0; i < 19; i++) {
      const c = update(LSP, {...nb.lsp(`u-p${i}`)!, up: false}, {up: true})
      planner.markChanged(nb.applyChange(c)!)
      expect(
        planner.desired(nb, ctx, cfg).state.objects.some((o) => o.kind === 'ndp-proxy'),
        `after ${i + 1} ports down`,
      ).to.equal(true)
    }

    const last = update(LSP, {...nb.lsp('u-p19')!, up: false}, {up: true})
    planner.markChanged(nb.applyChange(last)!)
    expect(planner.desired(nb, ctx, cfg).state.objects.some((o) => o.kind === 'ndp-proxy')).to.equal(false)
  })

  it('another NbView, context or config: full rebuild; markAll too', () => {
    const nb = topology()
    const planner = new IncrementalPlanner()
    planner.desired(nb, ctx, cfg)
    planner.desired(nb, {...ctx, bridgeTables: {'br-ex': 201}}, cfg)
    expect(planner.stats).to.include({full: true})
    planner.desired(nb, {...ctx, bridgeTables: {'br-ex': 201}}, cfg)
    expect(planner.stats).to.include({full: false, replayed: 0})
    planner.markAll('test')
    planner.desired(nb, {...ctx, bridgeTables: {'br-ex': 201}}, cfg)
    expect(planner.stats).to.include({full: true, reason: 'test'})
    planner.desired(topology(), ctx, cfg)
    expect(planner.stats).to.include({full: true, reason: 'another NB view'})
  })

  // The signature is memoised per (view, capabilities object, row-write count): a pass asks for it
  // up to three times. What it covers must still be seen without any other call in between.
  const sigCases: Array<[string, (nb: NbState) => void]> = [
    [
      'the capabilities object replaced (a new schema after a reconnect), no row written',
      (nb) => {
        nb.capabilities = {...nb.capabilities, lrpStatus: false}
      },
    ],
    [
      'fip-distributed flips by a row write',
      (nb) => {
        nb.applyChange(insert(NB_GLOBAL, {uuid: 'g', externalIds: {'neutron:fip-distributed': 'False'}}))
      },
    ],
  ]
  for (const [name, change] of sigCases) {
    it(`rebuildReason right after a pass still sees ${name}`, () => {
      const nb = topology()
      const planner = new IncrementalPlanner()
      planner.desired(nb, ctx, cfg)
      expect(planner.rebuildReason(nb, ctx, cfg)).to.equal(undefined)
      change(nb)
      expect(planner.rebuildReason(nb, ctx, cfg)).to.match(/capabilities or fip-distributed/)
      const inc = planner.desired(nb, ctx, cfg)
      expect(planner.stats.full).to.equal(true)
      expect(diffDesired(inc, computeDesired(nb, ctx, cfg))).to.deep.equal([])
    })
  }
})

describe('IncrementalPlanner: the kept result is patched in place of a sort, in the same order', () => {
  // The sorted objects and exposed entries are patched for the keys a pass changed (merged.ts,
  // patchSorted, spliceSorted for a few keys); the self-check compares by key, so the order is checked
  // here: element for element the order computeDesired gives, after rounds of ports added, changed
  // and removed.
  it('objects, exposed entries and contributions equal computeDesired in order after each round', () => {
    const nb = topology()
    const planner = new IncrementalPlanner()
    planner.desired(nb, ctx, cfg)
    const port = (i: number) =>
      vm(`b${i}`, {
        addresses: [`fa:16:3e:00:03:${(i & 255).toString(16).padStart(2, '0')} 172.24.${5 + (i >> 8)}.${i & 255}`],
        externalIds: {'neutron:network_name': 'neutron-pub', 'neutron:cidrs': `172.24.${5 + (i >> 8)}.${i & 255}/16`},
      })
    const rounds: Array<(r: number) => RowChange[]> = [
      (r) => Array.from({length: 40}, (_, i) => insert(LSP, port(r * 100 + i))),
      (r) =>
        Array.from({length: 15}, (_, i) => update(LSP, {...nb.lsp(`u-b${(r - 1) * 100 + i}`)!, up: false}, {up: true})),
      (r) => Array.from({length: 10}, (_, i) => remove(LSP, port((r - 2) * 100 + 20 + i))),
      () => [update(LSP, {...nb.lsp('u-p3')!, up: false}, {up: true})],
      // a few keys at once (one port in, one out): patched by splicing, not by the merge
      (r) => [insert(LSP, port(r * 100 + 50)), remove(LSP, port(35))],
    ]
    for (const [r, make] of rounds.entries()) {
      for (const c of make(r)) planner.markChanged(nb.applyChange(c)!)
      const inc = planner.desired(nb, ctx, cfg)
      const scratch = computeDesired(nb, ctx, cfg)
      expect(inc.state.objects, `objects after round ${r}`).to.deep.equal(scratch.state.objects)
      expect(inc.state.exposed, `exposed after round ${r}`).to.deep.equal(scratch.state.exposed)
      expect(Object.keys(inc.contributions), `contributions after round ${r}`).to.deep.equal(
        Object.keys(scratch.contributions),
      )
    }
  })
})

describe('IncrementalPlanner.selfCheck: an idle node does not recompute what it already verified', () => {
  it('nothing changed since a clean check: reused, same result, no difference', () => {
    const nb = topology()
    const planner = new IncrementalPlanner()
    const first = planner.selfCheck(nb, ctx, cfg)
    expect([first.reused, first.differences]).to.deep.equal([false, []])
    const again = planner.selfCheck(nb, ctx, cfg)
    expect(again.reused).to.equal(true)
    expect(again.differences).to.deep.equal([])
    expect(diffDesired(again.scratch, computeDesired(nb, ctx, cfg))).to.deep.equal([])
    expect(planner.reusedChecks).to.equal(1)
  })

  it('an NB write the planner was not told about: recomputed, and the difference found', () => {
    const nb = topology()
    const planner = new IncrementalPlanner()
    expect(planner.selfCheck(nb, ctx, cfg).differences).to.deep.equal([])
    // a contract violation (no markChanged): the view's own write count still forces a real check
    nb.applyChange(update(LSP, {...nb.lsp('u-p3')!, up: false}, {up: true}))
    const r = planner.selfCheck(nb, ctx, cfg)
    expect(r.reused).to.equal(false)
    expect(r.differences.length).to.be.greaterThan(0)
    expect(r.differences.flatMap((d) => d.subjects).join(' ')).to.include('p3')
  })

  const changes: Array<[string, (nb: NbState) => {nb: NbState; c: typeof ctx; cf: typeof cfg}]> = [
    [
      'a port change told to the planner',
      (nb) => {
        planner0.markChanged(nb.applyChange(update(LSP, {...nb.lsp('u-p4')!, up: false}, {up: true}))!)
        return {nb, c: ctx, cf: cfg}
      },
    ],
    ['another local context', (nb) => ({nb, c: {...ctx, bridgeMacs: {'br-ex': 'fa:16:3e:ff:ff:01'}}, cf: cfg})],
    ['another config', (nb) => ({nb, c: ctx, cf: {...cfg, exposeTenantNetworks: !cfg.exposeTenantNetworks}})],
    ['another NB view with the same rows', () => ({nb: topology(), c: ctx, cf: cfg})],
  ]
  let planner0: IncrementalPlanner
  for (const [name, change] of changes) {
    it(`${name}: a real check, still without difference`, () => {
      const nb = topology()
      planner0 = new IncrementalPlanner()
      expect(planner0.selfCheck(nb, ctx, cfg).differences).to.deep.equal([])
      const next = change(nb)
      const r = planner0.selfCheck(next.nb, next.c, next.cf)
      expect(r.reused).to.equal(false)
      expect(r.differences).to.deep.equal([])
      expect(planner0.reusedChecks).to.equal(0)
    })
  }
})
