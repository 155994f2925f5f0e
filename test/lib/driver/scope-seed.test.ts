// A chassis-scoped NB source seeded from the scope its last run saved (state_dir/nb-scope.json),
// against a real ovsdb-server. From nothing the scope takes several rounds (bound port and gateway,
// then switch, router and NAT, then the router's tenant network); seeded, the start changes no
// condition and holds the same rows. A seed wider than needed is narrowed after the gate (the
// first pass); a seed that misses rows (NB changed since) still reaches the fixed point.
import {expect} from 'chai'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import type {ConditionUpdate} from '../../../src/lib/ovsdb/types.js'

import {NbSource} from '../../../src/lib/driver/nb-source.js'
import {SCOPE_CACHE_FILE, ScopeCacheFile} from '../../../src/lib/driver/scope-cache.js'
import {StreamLogger} from '../../../src/lib/log.js'
import {type OvsdbServer, startOvsdbServer, transact, writeNbSchema} from '../../helpers/ovsdb-server.js'
import {requireTools} from '../../helpers/require.js'
import {sleep} from '../../helpers/wait.js'

const SCOPE = {chassisName: 'compute-1', chassisId: 'chassis-1'}
const map = (o: Record<string, string>) => ['map', Object.entries(o)]
const set = (...names: string[]) => ['set', names.map((n) => ['named-uuid', n])]

const port = (name: string, net: string, o: Record<string, string> = {}, ids: Record<string, string> = {}) => ({
  name,
  addresses: 'fa:16:3e:00:01:e2 172.24.4.226',
  up: true,
  options: map(o),
  external_ids: map({'neutron:network_name': net, ...ids}),
})

/** A port bound here (named `ref` in the transaction) and its switch. */
const bound = (name: string, net: string, ref: string): unknown[] => [
  {
    op: 'insert',
    table: 'Logical_Switch_Port',
    'uuid-name': ref,
    row: port(name, net, {'requested-chassis': 'compute-1'}),
  },
  {op: 'insert', table: 'Logical_Switch', row: {name: net, ports: set(ref)}},
]

/** A VM bound here with a FIP, a gateway hosted here whose router has a tenant network, a remote VM. */
const topology = (): unknown[] => [
  'OVN_Northbound',
  ...bound('vm1', 'neutron-pub', 'vm'),
  {
    op: 'insert',
    table: 'Logical_Router_Port',
    'uuid-name': 'gw',
    row: {
      name: 'lrp-gw',
      mac: 'fa:16:3e:00:00:0a',
      networks: '172.24.4.10/24',
      status: map({'hosting-chassis': 'chassis-1'}),
      external_ids: map({'neutron:network_name': 'neutron-pub', 'neutron:router_name': 'r1'}),
    },
  },
  {
    op: 'insert',
    table: 'Logical_Router_Port',
    'uuid-name': 'rif',
    row: {
      name: 'lrp-rif',
      mac: 'fa:16:3e:00:00:0b',
      networks: '10.0.0.1/24',
      external_ids: map({'neutron:network_name': 'neutron-t1', 'neutron:router_name': 'r1'}),
    },
  },
  {
    op: 'insert',
    table: 'NAT',
    'uuid-name': 'fip',
    row: {type: 'dnat_and_snat', logical_ip: '10.0.0.5', external_ip: '172.24.4.50', logical_port: 'vm1'},
  },
  {op: 'insert', table: 'Logical_Router', row: {name: 'neutron-r1', ports: set('gw', 'rif'), nat: set('fip')}},
  {
    op: 'insert',
    table: 'Logical_Switch_Port',
    'uuid-name': 'rifp',
    row: {
      ...port(
        'rif-port',
        'neutron-t1',
        {'router-port': 'lrp-rif'},
        {'neutron:device_id': 'r1', 'neutron:device_owner': 'network:router_interface'},
      ),
      type: 'router',
    },
  },
  {
    op: 'insert',
    table: 'Logical_Switch_Port',
    'uuid-name': 'tvm',
    row: port('tenant-vm', 'neutron-t1', {'requested-chassis': 'compute-2'}),
  },
  {
    op: 'insert',
    table: 'Logical_Switch_Port',
    'uuid-name': 'other',
    row: port('other-vm', 'neutron-other', {'requested-chassis': 'compute-2'}),
  },
  {op: 'insert', table: 'Logical_Switch', row: {name: 'neutron-t1', ports: set('rifp', 'tvm')}},
  {op: 'insert', table: 'Logical_Switch', row: {name: 'neutron-other', ports: set('other')}},
]

/** The names of every LSP, LS and NAT (by logical port) the source holds. */
const held = (s: NbSource): string[] =>
  [
    ...[...s.nb.allLsps()].map((p) => `lsp ${p.name}`),
    ...[...s.nb.allNats()].map((n) => `nat ${n.logicalPort ?? ''}`),
    ...['neutron-pub', 'neutron-t1', 'neutron-other'].filter((n) => s.nb.lsByName(n)).map((n) => `ls ${n}`),
  ].sort()

describe('NB source seeded from a saved scope, against a real ovsdb-server', function () {
  this.timeout(30_000)
  let dir: string
  let server: OvsdbServer | undefined
  const sources: NbSource[] = []
  let warnings: string[]

  before(function () {
    requireTools(this, ['ovsdb-server', 'ovsdb-tool'])
  })

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'scope-seed-'))
    server = await startOvsdbServer({schema: writeNbSchema(dir)})
    await transact(server.unix, topology())
    warnings = []
  })

  afterEach(async () => {
    for (const s of sources.splice(0)) await s.close()
    await server?.stop()
    server = undefined
    rmSync(dir, {recursive: true, force: true})
  })

  /** A started source with the state dir's store; `changes` counts its condition changes during start(). */
  async function start(): Promise<{source: NbSource; changes: number}> {
    const logger = new StreamLogger({json: true, level: 'debug', write: (l) => warnings.push(l)})
    const source = new NbSource({
      remotes: server!.unix,
      logger,
      scope: SCOPE,
      scopeStore: new ScopeCacheFile(join(dir, 'state'), SCOPE, logger),
    })
    sources.push(source)
    let changes = 0
    const change = source.client.changeConditions.bind(source.client)
    source.client.changeConditions = async (r, c: ConditionUpdate) => {
      changes++
      return change(r, c)
    }

    await source.start()
    const during = changes
    return {source, changes: during}
  }

  it('from nothing: several rounds, the fixed point saved; seeded: no condition changed, the same rows held', async () => {
    const first = await start()
    expect(first.changes, 'rounds from nothing').to.be.at.least(2)
    const rows = held(first.source)
    expect(rows).to.include.members(['lsp vm1', 'lsp rif-port', 'lsp tenant-vm', 'nat vm1', 'ls neutron-pub'])
    expect(rows).to.not.include('lsp other-vm')
    await first.source.close() // flushes the save
    const second = await start()
    expect(second.changes, 'seeded start').to.equal(0)
    expect(held(second.source)).to.deep.equal(rows)
    expect(second.source.startedWide, 'the seed was the fixed point itself').to.equal(false)
    const computations = warnings.filter((l) => l.includes('NB scope followed at start'))
    expect(computations, 'one computation from nothing per round, then one seeded').to.have.length(first.changes + 2)
    expect(warnings.filter((l) => /"level":"(warn|error)"/.test(l))).to.deep.equal([])
  })

  it('a seed wider than needed: its extra rows until the gate opens, then narrowed, nothing needed lost', async () => {
    const first = await start()
    const rows = held(first.source)
    await first.source.close()
    // the saved scope also asks for a port of another chassis (a port that moved away since)
    const path = join(dir, 'state', SCOPE_CACHE_FILE)
    const saved = (await new ScopeCacheFile(join(dir, 'state'), SCOPE, new StreamLogger({write() {}})).load())!
    saved.Logical_Switch_Port = [...saved.Logical_Switch_Port!, ['name', '==', 'other-vm']]
    writeFileSync(path, JSON.stringify({version: 1, chassis: {name: 'compute-1', id: 'chassis-1'}, conditions: saved}))
    const second = await start()
    expect(second.changes).to.equal(0)
    expect(held(second.source)).to.deep.equal([...rows, 'lsp other-vm'].sort())
    expect(second.source.startedWide).to.equal(true)
    let open!: () => void
    second.source.followScopeAfter(
      async () =>
        new Promise<void>((resolve) => {
          open = resolve
        }),
    )
    await sleep(300)
    expect(held(second.source), 'held until the gate opens').to.include('lsp other-vm')
    open()
    for (let i = 0; i < 100 && held(second.source).includes('lsp other-vm'); i++) await sleep(20)
    expect(held(second.source)).to.deep.equal(rows)
  })

  it('a seed that misses rows (a port bound here on a new network since): the rounds go on to the fixed point', async () => {
    const first = await start()
    await first.source.close()
    await transact(server!.unix, ['OVN_Northbound', ...bound('vm9', 'neutron-new', 'p')])
    const second = await start()
    expect(second.changes).to.be.at.least(1)
    expect(second.source.nb.lsByName('neutron-new'), "the new port's switch").to.not.equal(undefined)
    expect(held(second.source)).to.include.members(['lsp vm1', 'lsp vm9', 'lsp tenant-vm', 'nat vm1'])
  })

  it('a damaged saved scope: one warning, then a start from nothing that reaches the same rows', async () => {
    const first = await start()
    const rows = held(first.source)
    await first.source.close()
    writeFileSync(join(dir, 'state', SCOPE_CACHE_FILE), '{"version":1,"chassis":')
    const second = await start()
    expect(second.changes).to.be.at.least(2)
    expect(held(second.source)).to.deep.equal(rows)
    expect(warnings.filter((l) => l.includes('saved NB scope ignored'))).to.have.length(1)
  })
})
