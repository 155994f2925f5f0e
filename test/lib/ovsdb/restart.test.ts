// Test 3: the server is SIGKILLed and restarted on the same db file while a writer keeps
// transacting; the replica converges, the consumer sees consistent changes (at most one resync per
// restart) and never a stale row. Also: connections dropped by a live standalone server (which
// keeps no transaction history, so monitor_cond_since answers found=false) are rebuilt by diff:
// exactly one resync per reconnect. (Resume with found=true is shown on a cluster: raft.test.ts.)
import {expect} from 'chai'
import {mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {ConnectionError, OvsdbClient, type Replica} from '../../../src/lib/ovsdb/index.js'
import {type OvsdbServer, startOvsdbServer} from '../../helpers/ovsdb-server.js'
import {requireTools} from '../../helpers/require.js'
import {sleep} from '../../helpers/wait.js'
import {expectSameContents, FoldingListener, RandomWriter, replicaContents, serverContents} from './fixtures.js'
import {writeTestSchema} from './test-schema.js'

const SPEC = {Parent: {}, Child: {}, Other: {}}
const fastRetry = (): number => 50

/**
 * `fn` tried again when the connection it went out on is closed under it: `ovsdb-server/reconnect`
 * answers before the server has closed its sessions, so the last drop can still take a request
 * sent after it (in flight on a closed connection: rejected, as it must be).
 */
async function onceConnected<T>(fn: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn()
    } catch (error) {
      if (!(error instanceof ConnectionError) || attempt >= 5) throw error
      await sleep(50)
    }
  }
}

async function converge(
  server: OvsdbServer,
  writer: OvsdbClient,
  reader: OvsdbClient,
  replica: Replica,
  fold: FoldingListener,
  tag: string,
): Promise<void> {
  // A barrier row that commits twice (its reply lost) changes nothing below: the server is the truth.
  const [res] = await onceConnected(async () =>
    writer.transact('Test', [{op: 'insert', table: 'Other', row: {key: tag}}]),
  )
  const barrier = (res?.uuid as [string, string])[1]
  for (let t = 0; !replica.get('Other', barrier); t++) {
    if (t > 1000) expect.fail(`barrier ${tag} never arrived`)
    await sleep(10)
  }

  const schema = await onceConnected(async () => reader.getSchema('Test'))
  const truth = await serverContents(
    server.unix,
    schema,
    'Test',
    Object.fromEntries(Object.keys(SPEC).map((t) => [t, replica.columns(t)])),
  )
  expectSameContents(replicaContents(replica), truth, `${tag} replica`)
  expectSameContents(fold.state, truth, `${tag} folded changes`)
  expect(fold.violations).to.deep.equal([])
}

describe('ovsdb client across server restarts and dropped connections (real ovsdb-server)', function () {
  this.timeout(120_000)
  let server: OvsdbServer
  const clients: OvsdbClient[] = []

  before(async function () {
    requireTools(this, ['ovsdb-server', 'ovsdb-tool', 'ovs-appctl'])
    const dir = mkdtempSync(join(tmpdir(), 'ovsdb-restart-'))
    server = await startOvsdbServer({schema: writeTestSchema(dir), dir})
  })

  after(async () => {
    for (const c of clients) await c.close()
    await server?.stop()
  })

  it('converges after two SIGKILL + restarts during a stream of writes', async () => {
    const reader = new OvsdbClient({remotes: server.unix, retry: fastRetry, probeIntervalMs: 1000})
    const writerClient = new OvsdbClient({remotes: server.tcp, retry: fastRetry, readyTimeoutMs: 20_000})
    clients.push(reader, writerClient)
    const states: string[] = []
    reader.on('state', (s: {state: string}) => states.push(s.state))
    await Promise.all([reader.connect(), writerClient.connect()])
    const fold = new FoldingListener()
    const replica = await reader.monitor('Test', SPEC, fold)
    const writer = new RandomWriter(writerClient, 42)
    const writing = writer.run(4000, 4)
    for (let k = 0; k < 2; k++) {
      await sleep(300)
      await server.kill('SIGKILL')
      await sleep(200)
      await server.start()
    }

    await writing
    expect(writer.ok, 'writes before, between and after the restarts').to.be.greaterThan(1000)
    await converge(server, writerClient, reader, replica, fold, 'after-restarts')
    expect(fold.snapshots[0]).to.deep.equal({resync: false})
    expect(fold.snapshots.length, 'at most one resync per restart').to.be.within(1, 3)
    expect(fold.snapshots.slice(1).every((s) => s.resync)).to.equal(true)
    expect(reader.stats.connects).to.be.greaterThanOrEqual(3)
    expect(states).to.include.members(['reconnecting', 'syncing', 'ready'])
  })

  it('rebuilds by diff, one resync per reconnect, when the server drops all connections and cannot resume', async () => {
    const reader = new OvsdbClient({remotes: server.unix, retry: fastRetry})
    const writerClient = new OvsdbClient({remotes: server.tcp, retry: fastRetry, readyTimeoutMs: 20_000})
    clients.push(reader, writerClient)
    await Promise.all([reader.connect(), writerClient.connect()])
    const fold = new FoldingListener()
    const replica = await reader.monitor('Test', SPEC, fold)
    const writer = new RandomWriter(writerClient, 7)
    const writing = writer.run(1500, 2)
    for (let k = 0; k < 3; k++) {
      await sleep(100)
      server.dropConnections()
    }

    await writing
    await converge(server, writerClient, reader, replica, fold, 'after-drops')
    expect(reader.stats.connects).to.be.greaterThanOrEqual(3)
    expect(reader.stats.resumes, 'a standalone server cannot resume').to.equal(0)
    expect(fold.snapshots.length).to.equal(reader.stats.connects)
    expect(fold.snapshots.map((x) => x.resync)).to.deep.equal([
      false,
      ...Array.from({length: reader.stats.connects - 1}).fill(true),
    ])
  })
})
