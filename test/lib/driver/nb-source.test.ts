// The NB pipeline against a real ovsdb-server: monitor -> NbState -> planner, and changes flowing
// through to the desired state; capabilities degrade on a schema without LRP `status`.
import {expect} from 'chai'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import type {NbChange} from '../../../src/lib/nb/model.js'

import {defaultConfig} from '../../../src/lib/config/index.js'
import {NbSource} from '../../../src/lib/driver/nb-source.js'
import {StreamLogger} from '../../../src/lib/log.js'
import {computeDesired} from '../../../src/lib/planner/desired.js'
import {brExNode} from '../../helpers/nb-changes.js'
import {
  NB_SCHEMA_SOURCE,
  type OvsdbServer,
  startOvsdbServer,
  transact,
  writeNbSchema,
} from '../../helpers/ovsdb-server.js'
import {requireTools} from '../../helpers/require.js'
import {sleep} from '../../helpers/wait.js'

const ctx = brExNode({name: 'patch-provnet-1-to-br-int', ofport: 3})
const cfg = {...defaultConfig(), driver: 'nb_ovn_bgp_driver'}
const map = (o: Record<string, string>) => ['map', Object.entries(o)]

function topologyOps(withStatus: boolean): unknown[] {
  const vm = {
    name: 'vm1',
    addresses: 'fa:16:3e:00:01:e2 172.24.4.226 2001:db8:100::226',
    up: true,
    options: map({'requested-chassis': 'compute-1'}),
    external_ids: map({'neutron:network_name': 'neutron-pub', 'neutron:cidrs': '172.24.4.226/24 2001:db8:100::226/64'}),
  }
  const lrp: Record<string, unknown> = {
    name: 'lrp-gw',
    mac: 'fa:16:3e:00:00:0a',
    networks: '172.24.4.10/24',
    external_ids: map({'neutron:network_name': 'neutron-pub', 'neutron:router_name': 'r1'}),
  }
  if (withStatus) lrp.status = map({'hosting-chassis': 'chassis-1'})
  return [
    'OVN_Northbound',
    {
      op: 'insert',
      table: 'Logical_Switch_Port',
      'uuid-name': 'ln',
      row: {
        name: 'provnet-1',
        type: 'localnet',
        addresses: 'unknown',
        tag: 100,
        options: map({network_name: 'physnet1'}),
      },
    },
    {op: 'insert', table: 'Logical_Switch_Port', 'uuid-name': 'vm', row: vm},
    {
      op: 'insert',
      table: 'Logical_Switch',
      row: {
        name: 'neutron-pub',
        ports: [
          'set',
          [
            ['named-uuid', 'ln'],
            ['named-uuid', 'vm'],
          ],
        ],
      },
    },
    {op: 'insert', table: 'Logical_Router_Port', 'uuid-name': 'gw', row: lrp},
    {op: 'insert', table: 'Logical_Router', row: {name: 'neutron-r1', ports: ['named-uuid', 'gw']}},
  ]
}

describe('NB source against a real ovsdb-server', function () {
  this.timeout(30_000)
  let dir: string
  let server: OvsdbServer | undefined
  let source: NbSource | undefined

  before(function () {
    requireTools(this, ['ovsdb-server', 'ovsdb-tool'])
    dir = mkdtempSync(join(tmpdir(), 'nb-source-'))
  })

  afterEach(async () => {
    await source?.close()
    await server?.stop()
    source = undefined
    server = undefined
  })

  after(() => rmSync(dir, {recursive: true, force: true}))

  it('builds the NB view the planner exposes from, and follows changes', async () => {
    server = await startOvsdbServer({schema: writeNbSchema(dir)})
    await transact(server.unix, topologyOps(true))
    const changes: NbChange[] = []
    const lines: string[] = []
    source = new NbSource(
      {remotes: server.unix, logger: new StreamLogger({write: (l) => lines.push(l)})},
      {onChange: (c) => changes.push(c)},
    )
    await source.start()
    expect(source.nb.capabilities).to.deep.equal({lrpStatus: true, natGatewayPort: true})
    const first = computeDesired(source.nb, ctx, cfg)
    expect(first.state.exposed.map((e) => `${e.kind} ${e.ip}`)).to.have.members([
      'vm 172.24.4.226',
      'vm 2001:db8:100::226',
      'cr-lrp 172.24.4.10',
    ])

    // The VM goes down: the change arrives, already applied to the view.
    await transact(server.unix, [
      'OVN_Northbound',
      {op: 'update', table: 'Logical_Switch_Port', where: [['name', '==', 'vm1']], row: {up: false}},
    ])
    for (let i = 0; i < 100 && !changes.some((c) => c.kind === 'update'); i++) await sleep(20)
    const upd = changes.find((c) => c.kind === 'update' && c.table === 'Logical_Switch_Port')
    expect(upd?.old, 'old carries only the changed column').to.have.keys(['up'])
    const second = computeDesired(source.nb, ctx, cfg)
    expect(second.state.exposed.map((e) => `${e.kind} ${e.ip}`)).to.deep.equal(['cr-lrp 172.24.4.10'])
  })

  it('degrades with one warning on a schema without Logical_Router_Port.status (OVN 23.03)', async () => {
    server = await startOvsdbServer({schema: NB_SCHEMA_SOURCE})
    await transact(server.unix, topologyOps(false))
    const lines: string[] = []
    source = new NbSource({remotes: server.unix, logger: new StreamLogger({write: (l) => lines.push(l)})})
    await source.start()
    expect(source.nb.capabilities.lrpStatus).to.equal(false)
    expect(lines.filter((l) => l.includes('Logical_Router_Port.status'))).to.have.length(1)
    const d = computeDesired(source.nb, ctx, cfg)
    expect(d.state.exposed.map((e) => e.kind)).to.deep.equal(['vm', 'vm'])
  })
})
