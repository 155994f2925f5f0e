// Client behaviour against a real ovsdb-server: state machine, close() leaving nothing behind,
// column-restricted monitors, schema awareness (OVN 23.03 schema without LRP.status), fallback
// to older monitor methods, and rebuilding after a lost update (via an RPC proxy).
import {expect} from 'chai'
import {mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {
  type Condition,
  ConnectionError,
  type Operation,
  OvsdbClient,
  OvsdbError,
  type OvsdbLogger,
  type StateChange,
  wire,
} from '../../../src/lib/ovsdb/index.js'
import {NB_SCHEMA_SOURCE, type OvsdbServer, startOvsdbServer, writeNbSchema} from '../../helpers/ovsdb-server.js'
import {requireTools} from '../../helpers/require.js'
import {sleep} from '../../helpers/wait.js'
import {expectSameContents, FoldingListener, RandomWriter, replicaContents, serverContents} from './fixtures.js'
import {RpcProxy} from './rpc-proxy.js'
import {writeTestSchema} from './test-schema.js'

function recordingLogger(): OvsdbLogger & {warnings: string[]} {
  const warnings: string[] = []
  return {warnings, debug() {}, info() {}, error() {}, warn: (m, f) => warnings.push(`${m} ${JSON.stringify(f)}`)}
}

function handles(): string[] {
  return process.getActiveResourcesInfo().filter((r) => r !== 'TTYWrap' && r !== 'FSReqCallback')
}

describe('ovsdb client behaviour (real ovsdb-server)', function () {
  this.timeout(60_000)
  let nb: OvsdbServer
  let old: OvsdbServer
  let test: OvsdbServer
  const clients: OvsdbClient[] = []
  const proxies: RpcProxy[] = []

  before(async function () {
    requireTools(this, ['ovsdb-server', 'ovsdb-tool', 'ovs-appctl'])
    const dir = mkdtempSync(join(tmpdir(), 'ovsdb-client-'))
    nb = await startOvsdbServer({schema: writeNbSchema(dir), dir})
    old = await startOvsdbServer({schema: NB_SCHEMA_SOURCE})
    // the schema file only needs to live until `ovsdb-tool create`; `dir` is removed with nb
    test = await startOvsdbServer({schema: writeTestSchema(dir)})
  })

  after(async () => {
    for (const c of clients) await c.close()
    for (const p of proxies) await p.close()
    for (const s of [nb, old, test]) await s?.stop()
  })

  it('goes idle -> connecting -> syncing -> ready -> closed, and close() leaves no socket or timer', async () => {
    await sleep(50)
    const before = handles()
    const c = new OvsdbClient({remotes: nb.unix, probeIntervalMs: 1000})
    const seen: string[] = [c.state]
    c.on('state', (s: StateChange) => seen.push(s.state))
    const monitoring = c.monitor('OVN_Northbound', {NB_Global: {}}, {onChange() {}})
    await c.connect()
    await monitoring
    expect(handles().length).to.be.greaterThan(before.length)
    await c.close()
    await c.close()
    await sleep(50)
    expect(seen).to.deep.equal(['idle', 'connecting', 'syncing', 'ready', 'closed'])
    expect(handles()).to.deep.equal(before)
    const err = await c.transact('OVN_Northbound', []).then(
      () => undefined,
      (error: unknown) => error,
    )
    expect((err as Error).message).to.contain('client closed')
  })

  it('rejects a monitor the server refuses (unknown database) without dropping the session', async () => {
    const c = new OvsdbClient({remotes: nb.unix})
    clients.push(c)
    await c.connect()
    const err = await c.monitor('No_Such_Db', {T: {}}, {onChange() {}}).then(
      () => undefined,
      (error: unknown) => error,
    )
    expect(err).to.be.instanceOf(OvsdbError).with.property('error', 'unknown database')
    const before = c.stats.connects
    const early = new OvsdbClient({remotes: nb.unix})
    clients.push(early)
    const refused = early.monitor('No_Such_Db', {T: {}}, {onChange() {}}).then(
      () => undefined,
      (error: unknown) => error,
    )
    const fine = early.monitor('OVN_Northbound', {NB_Global: {}}, {onChange() {}})
    await early.connect()
    expect(await refused).to.be.instanceOf(OvsdbError)
    await fine
    expect(c.state).to.equal('ready')
    expect(c.stats.connects).to.equal(before)
    expect(early.stats.connects).to.equal(1)
  })

  it('cancelMonitor stops the changes of that monitor only, also after a reconnect', async () => {
    const c = new OvsdbClient({remotes: test.unix, retry: () => 50})
    clients.push(c)
    await c.connect()
    const a: string[] = []
    const b: string[] = []
    const ra = await c.monitor('Test', {Other: {}}, {onChange: (ch) => a.push(String(ch.row.key))})
    await c.monitor('Test', {Other: {}}, {onChange: (ch) => b.push(String(ch.row.key))})
    await c.cancelMonitor(ra)
    await c.transact('Test', [{op: 'insert', table: 'Other', row: {key: 'after-cancel'}}])
    test.dropConnections()
    await sleep(200)
    await c.connect()
    await c.transact('Test', [{op: 'insert', table: 'Other', row: {key: 'after-reconnect'}}])
    await sleep(200)
    expect(b).to.include.members(['after-cancel', 'after-reconnect'])
    expect(a).to.not.include('after-cancel')
    expect(a).to.not.include('after-reconnect')
  })

  it('transact: wait (met and timed out), comment, uuid-name/named-uuid references', async () => {
    const c = new OvsdbClient({remotes: test.unix})
    clients.push(c)
    await c.connect()
    const res = await c.transact('Test', [
      {op: 'comment', comment: 'ovsdb client test'},
      {op: 'insert', table: 'Child', row: {name: 'kid'}, 'uuid-name': 'kid'},
      {
        op: 'insert',
        table: 'Parent',
        row: {name: 'waiter', children: wire.set([wire.namedUuid('kid')]), best: wire.namedUuid('kid')},
      },
    ])
    const parent = res[2]?.uuid?.[1] as string
    const where: Condition[] = [['_uuid', '==', wire.uuid(parent)]]
    await c.transact('Test', [
      {op: 'wait', table: 'Parent', where, columns: ['name'], until: '==', rows: [{name: 'waiter'}], timeout: 0},
    ])
    const err = await c
      .transact('Test', [
        {op: 'wait', table: 'Parent', where, columns: ['name'], until: '==', rows: [{name: 'other'}], timeout: 0},
      ])
      .then(
        () => undefined,
        (error: unknown) => error,
      )
    expect(err).to.be.instanceOf(OvsdbError).with.property('error', 'timed out')
    const [sel] = await c.transact('Test', [{op: 'select', table: 'Parent', where, columns: ['children', 'best']}])
    const kid = res[1]?.uuid?.[1]
    expect(sel?.rows?.[0]).to.deep.equal({children: ['uuid', kid], best: ['uuid', kid]})
  })

  it('transact timeoutMs: a transaction the server holds is given up on, the session stays, a late reply is ignored', async () => {
    const c = new OvsdbClient({remotes: test.unix})
    clients.push(c)
    await c.connect()
    const [ins] = await c.transact('Test', [{op: 'insert', table: 'Parent', row: {name: 'held'}}])
    const where: Condition[] = [['_uuid', '==', wire.uuid(ins?.uuid?.[1] as string)]]
    // a wait without a timeout: the server answers once the row reads "released", not before
    const held: Operation = {
      op: 'wait',
      table: 'Parent',
      where,
      columns: ['name'],
      until: '==',
      rows: [{name: 'released'}],
    }
    const t0 = performance.now()
    const err = await c.transact('Test', [held], {timeoutMs: 300}).then(
      () => undefined,
      (error: unknown) => error,
    )
    const ms = performance.now() - t0
    expect(err).to.be.instanceOf(ConnectionError).with.property('code', 'timeout')
    expect((err as Error).message).to.match(/no reply to transact within 300 ms \(its outcome is unknown\)/)
    expect(ms).to.be.within(250, 5000)
    // the same session goes on: the row is released, which lets the held wait finish (a reply
    // to a forgotten request), and the next transaction is answered as usual
    await c.transact('Test', [{op: 'update', table: 'Parent', where, row: {name: 'released'}}])
    const [sel] = await c.transact('Test', [{op: 'select', table: 'Parent', where, columns: ['name']}], {
      timeoutMs: 5000,
    })
    expect(sel?.rows?.[0]).to.deep.equal({name: 'released'})
    expect(c.state).to.equal('ready')
    expect(c.stats.connects).to.equal(1)
  })

  it('monitors only the columns asked (plus _uuid)', async () => {
    const c = new OvsdbClient({remotes: nb.unix})
    clients.push(c)
    await c.connect()
    await c.transact('OVN_Northbound', [
      {
        op: 'insert',
        table: 'Logical_Switch',
        row: {name: 'ls-cols', other_config: wire.map([['k', 'v']])},
        'uuid-name': 'ls',
      },
      {
        op: 'insert',
        table: 'Logical_Switch_Port',
        row: {
          name: 'lsp-cols',
          addresses: wire.set(['fa:16:3e:00:00:01 10.0.0.1']),
          external_ids: wire.map([['neutron:cidrs', '10.0.0.1/24']]),
        },
        'uuid-name': 'p',
      },
      {
        op: 'mutate',
        table: 'Logical_Switch',
        where: [['name', '==', 'ls-cols']],
        mutations: [['ports', 'insert', wire.set([wire.namedUuid('p')])]],
      },
    ])
    const replica = await c.monitor(
      'OVN_Northbound',
      {Logical_Switch_Port: {columns: ['name', 'addresses', 'external_ids']}},
      {onChange() {}},
    )
    const rows = [...replica.rows('Logical_Switch_Port')]
    expect(rows).to.have.length(1)
    expect(Object.keys(rows[0] ?? {}).sort()).to.deep.equal(['_uuid', 'addresses', 'external_ids', 'name'])
    expect(rows[0]?.external_ids).to.deep.equal(new Map([['neutron:cidrs', '10.0.0.1/24']]))
    expect(replica.columns('Logical_Switch_Port')).to.deep.equal(['name', 'addresses', 'external_ids'])
  })

  it('drops a column the server lacks (LRP.status on the OVN 23.03 schema) with one warning, across reconnects', async () => {
    const logger = recordingLogger()
    const c = new OvsdbClient({remotes: old.unix, logger, retry: () => 50})
    clients.push(c)
    await c.connect()
    await c.transact('OVN_Northbound', [
      {
        op: 'insert',
        table: 'Logical_Router_Port',
        row: {name: 'lrp-old', mac: '00:00:00:00:00:01', networks: wire.set(['10.0.0.1/24'])},
        'uuid-name': 'lrp',
      },
      {op: 'insert', table: 'Logical_Router', row: {name: 'lr-old', ports: wire.set([wire.namedUuid('lrp')])}},
    ])
    const replica = await c.monitor(
      'OVN_Northbound',
      {Logical_Router_Port: {columns: ['name', 'status', 'networks']}},
      {onChange() {}},
    )
    expect(replica.hasColumn('Logical_Router_Port', 'status')).to.equal(false)
    expect(replica.hasColumn('Logical_Router_Port', 'networks')).to.equal(true)
    const row = [...replica.rows('Logical_Router_Port')][0]
    expect(row).to.deep.include({name: 'lrp-old', networks: ['10.0.0.1/24']})
    expect(row).to.not.have.property('status')
    old.dropConnections()
    await sleep(300)
    await c.connect()
    expect(c.stats.connects).to.equal(2)
    expect(logger.warnings.filter((w) => w.includes('status'))).to.have.length(1)
  })

  it('asks for a schema again on another session when the member answers "database not available" (still joining)', async () => {
    const proxy = await RpcProxy.start(test.unix.slice(5), {notAvailable: {method: 'get_schema', times: 2}})
    proxies.push(proxy)
    const c = new OvsdbClient({remotes: proxy.remote, retry: () => 10})
    clients.push(c)
    await c.connect()
    const schema = await c.getSchema('Test')
    expect(schema.tables.has('Parent')).to.equal(true)
    expect(proxy.refused, 'refused twice, then forwarded').to.deep.equal(['get_schema Test', 'get_schema Test'])
    expect(c.stats.connects, 'one session per refusal, and the one that got it').to.equal(3)
  })

  it('falls back to monitor_cond, then monitor, when the server answers "unknown method"', async () => {
    const proxy = await RpcProxy.start(test.unix.slice(5), {refuse: ['monitor_cond_since', 'monitor_cond']})
    proxies.push(proxy)
    const c = new OvsdbClient({remotes: proxy.remote})
    const w = new OvsdbClient({remotes: test.unix})
    clients.push(c, w)
    await Promise.all([c.connect(), w.connect()])
    const fold = new FoldingListener()
    const replica = await c.monitor('Test', {Parent: {}, Child: {}}, fold)
    // the _Server watch falls back to a select; the user monitor to `monitor`
    expect(proxy.refused).to.deep.equal(['monitor_cond _Server', 'monitor_cond_since Test', 'monitor_cond Test'])
    await new RandomWriter(w, 3).run(300)
    await w.transact('Test', [{op: 'insert', table: 'Parent', row: {name: 'last'}}])
    for (let t = 0; ![...replica.rows('Parent')].some((r) => r.name === 'last'); t++) {
      if (t > 300) expect.fail('last write not seen')
      await sleep(10)
    }

    const truth = await serverContents(test.unix, await w.getSchema('Test'), 'Test', {
      Parent: replica.columns('Parent'),
      Child: replica.columns('Child'),
    })
    expectSameContents(replicaContents(replica), truth, 'v1 replica')
    expect(fold.violations).to.deep.equal([])
  })

  it('rebuilds the replica (diff + one resync) when an update was lost, never keeping a stale row', async () => {
    let dropNext = false
    const proxy = await RpcProxy.start(test.unix.slice(5), {
      dropFromServer(m) {
        if (dropNext && (m.method === 'update2' || m.method === 'update3')) {
          dropNext = false
          return true
        }

        return false
      },
    })
    proxies.push(proxy)
    const logger = recordingLogger()
    const c = new OvsdbClient({remotes: proxy.remote, retry: () => 50, logger})
    const w = new OvsdbClient({remotes: test.unix})
    clients.push(c, w)
    await Promise.all([c.connect(), w.connect()])
    const fold = new FoldingListener()
    const replica = await c.monitor('Test', {Parent: {}}, fold)
    dropNext = true
    const [ins] = await w.transact('Test', [{op: 'insert', table: 'Parent', row: {name: 'lost-insert'}}])
    const uuid = (ins?.uuid as [string, string])[1]
    await sleep(100)
    expect(proxy.dropped).to.equal(1)
    expect(replica.get('Parent', uuid), 'the insert was lost on the way').to.equal(undefined)
    await w.transact('Test', [{op: 'update', table: 'Parent', where: [['_uuid', '==', wire.uuid(uuid)]], row: {n: 42}}])
    for (let t = 0; replica.get('Parent', uuid)?.n !== 42; t++) {
      if (t > 300) expect.fail('replica never rebuilt')
      await sleep(10)
    }

    expect(logger.warnings.some((x) => x.includes('inconsistent'))).to.equal(true)
    expect(fold.snapshots).to.deep.equal([{resync: false}, {resync: true}])
    const truth = await serverContents(test.unix, await w.getSchema('Test'), 'Test', {
      Parent: replica.columns('Parent'),
    })
    expectSameContents(fold.state, truth, 'folded after rebuild')
    expect(fold.violations).to.deep.equal([])
  })
})
