// NodeContextSource: which bridges exist is the only thing the planner learns from the host's link
// list. A link that is not a mapped bridge (a VM's tap device on a compute node) or another order
// of the list leaves the context, and so the incremental planner's state, as it was: no rebuild of
// the desired state and no full pass per VM boot. A mapped bridge appearing does change it.
import {expect} from 'chai'

import {defaultConfig} from '../../../src/lib/config/index.js'
import {IncrementalPlanner} from '../../../src/lib/planner/incremental.js'
import {NodeContextSource, type OvsFacts} from '../../../src/lib/reconciler/local-context.js'
import {insert, LS, LSP, nbWith} from '../../helpers/nb-changes.js'

const cfg = {
  ...defaultConfig(),
  driver: 'nb_ovn_bgp_driver',
  chassisId: 'chassis-1',
  chassisName: 'compute-1',
  bridgeMappings: [
    {physnet: 'physnet1', bridge: 'br-ex', index: 1},
    {physnet: 'physnet2', bridge: 'br-vlan', index: 2},
  ],
}

const ovs: OvsFacts = {
  identity: () => ({systemId: 'chassis-1', hostname: 'compute-1', bridgeMappings: [], nbRemote: undefined}),
  bridgeMac: () => 'fa:16:3e:00:00:01',
  patchPorts: () => [{name: 'patch-provnet-1-to-br-int', ofport: 2}],
}

function source(links: () => string[]): NodeContextSource {
  return new NodeContextSource({
    cfg,
    ovs,
    createTables: false,
    tables: {tables: async (bridges) => Object.fromEntries(bridges.map((b, i) => [b, 200 + i]))},
    links: async () => links(),
  })
}

describe('reconciler/local-context: existing bridges', () => {
  const cases: Array<{name: string; links: string[]; want: string[]}> = [
    {name: 'only the mapped bridges, sorted', links: ['tap1', 'br-vlan', 'lo', 'br-ex'], want: ['br-ex', 'br-vlan']},
    {name: 'a missing mapped bridge is absent', links: ['br-ex', 'tap9'], want: ['br-ex']},
    {name: 'no mapped bridge at all', links: ['lo', 'eth0'], want: []},
  ]
  for (const c of cases)
    it(c.name, async () => {
      expect((await source(() => c.links).context()).existingBridges).to.deep.equal(c.want)
    })

  it('a tap device or another order does not make the incremental planner rebuild; a bridge appearing does', async () => {
    const nb = nbWith(
      [
        LSP,
        {uuid: 'ln', name: 'provnet-1', type: 'localnet', addresses: ['unknown'], options: {network_name: 'physnet1'}},
      ],
      [LS, {uuid: 'ls-pub', name: 'neutron-pub', ports: ['ln']}],
    )
    let links = ['lo', 'br-ex', 'br-int']
    const src = source(() => links)
    const planner = new IncrementalPlanner()
    planner.desired(nb, await src.context(), cfg)
    expect(planner.stats.full).to.equal(true)
    for (const next of [
      ['lo', 'br-ex', 'br-int', 'tap0a1b2c3d-4e'],
      ['tap0a1b2c3d-4e', 'br-int', 'br-ex', 'lo', 'tapffeeddcc-bb'],
    ]) {
      links = next
      planner.desired(nb, await src.context(), cfg)
      expect(planner.stats.full, next.join(',')).to.equal(false)
    }

    links = ['lo', 'br-ex', 'br-vlan']
    planner.desired(nb, await src.context(), cfg)
    expect(planner.stats.full, 'br-vlan appeared').to.equal(true)
    // An unrelated row change is still applied incrementally afterwards.
    planner.markChanged(nb.applyChange(insert(LSP, {uuid: 'x', name: 'x', addresses: ['fa:16:3e:00:00:09 10.0.0.9']}))!)
    planner.desired(nb, await src.context(), cfg)
    expect(planner.stats.full).to.equal(false)
  })
})
