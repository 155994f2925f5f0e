// The NB pipeline against a real ovsdb-server: monitor -> NbState -> planner, and changes flowing
// through to the desired state; capabilities degrade on a schema without LRP `status`; a scoped
// source follows a change's new needs only once its gate opens (at most 2 s later).
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

  it('scoped: after a change the conditions wait for the gate (the pass first), at most its bound (2 s here)', async () => {
    server = await startOvsdbServer({schema: writeNbSchema(dir)})
    await transact(server.unix, topologyOps(true))
    source = new NbSource({
      remotes: server.unix,
      logger: new StreamLogger({write() {}}),
      scope: {chassisName: 'compute-1', chassisId: 'chassis-1'},
    })
    await source.start()
    let open!: () => void
    source.followScopeAfter(
      async () =>
        new Promise<void>((resolve) => {
          open = resolve
        }),
      2000,
    )
    // a port bound here and its FIP in one transaction: the port matches the chassis clauses at
    // once, its NAT only once the conditions ask for its logical_port
    const bind = (port: string, ip: string, fip: string): unknown[] => [
      'OVN_Northbound',
      {
        op: 'insert',
        table: 'Logical_Switch_Port',
        'uuid-name': 'p',
        row: {
          name: port,
          addresses: `fa:16:3e:00:02:0${port.at(-1)} ${ip}`,
          up: true,
          options: map({'requested-chassis': 'compute-1'}),
          external_ids: map({'neutron:network_name': 'neutron-pub'}),
        },
      },
      {
        op: 'mutate',
        table: 'Logical_Switch',
        where: [['name', '==', 'neutron-pub']],
        mutations: [['ports', 'insert', ['set', [['named-uuid', 'p']]]]],
      },
      {
        op: 'insert',
        table: 'NAT',
        'uuid-name': 'n',
        row: {type: 'dnat_and_snat', logical_ip: ip, external_ip: fip, logical_port: port},
      },
      {
        op: 'mutate',
        table: 'Logical_Router',
        where: [['name', '==', 'neutron-r1']],
        mutations: [['nat', 'insert', ['set', [['named-uuid', 'n']]]]],
      },
    ]
    const nats = (): string[] => [...source!.nb.allNats()].map((n) => n.logicalPort ?? '').sort()
    await transact(server.unix, bind('vm2', '10.0.0.2', '172.24.4.100'))
    for (let i = 0; i < 100 && !source.nb.lspByName('vm2'); i++) await sleep(20)
    expect(source.nb.lspByName('vm2'), 'the port, at once').to.not.equal(undefined)
    await sleep(500)
    expect(nats(), 'no NAT while the gate is closed').to.deep.equal([])
    open()
    for (let i = 0; i < 100 && nats().length === 0; i++) await sleep(20)
    expect(nats(), 'its NAT once the gate opened').to.deep.equal(['vm2'])

    // a gate that never opens holds the conditions back for the bound given with it, no longer
    source.followScopeAfter(async () => new Promise<void>(() => {}), 2000)
    const t0 = performance.now()
    await transact(server.unix, bind('vm3', '10.0.0.3', '172.24.4.101'))
    for (let i = 0; i < 250 && nats().length < 2; i++) await sleep(20)
    expect(nats()).to.deep.equal(['vm2', 'vm3'])
    expect(performance.now() - t0).to.be.within(1900, 4500)
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
