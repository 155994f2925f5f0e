// Test 6: the server's echo requests are answered (the connection survives the server's own
// inactivity probe), and our keepalive detects a stopped (SIGSTOP) server and reconnects.
import {expect} from 'chai'
import {mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {ConnectionError, OvsdbClient, type StateChange} from '../../../src/lib/ovsdb/index.js'
import {type OvsdbServer, startOvsdbServer} from '../../helpers/ovsdb-server.js'
import {requireTools} from '../../helpers/require.js'
import {waitFor} from '../../helpers/wait.js'
import {writeTestSchema} from './test-schema.js'

const until = (what: string, cond: () => boolean, timeoutMs: number): Promise<true> =>
  waitFor(what, cond, timeoutMs, 20)

describe('ovsdb echo and keepalive (real ovsdb-server)', function () {
  this.timeout(60_000)
  let server: OvsdbServer
  const clients: OvsdbClient[] = []

  before(async function () {
    requireTools(this, ['ovsdb-server', 'ovsdb-tool'])
    const dir = mkdtempSync(join(tmpdir(), 'ovsdb-echo-'))
    server = await startOvsdbServer({schema: writeTestSchema(dir), dir})
  })

  after(async () => {
    for (const c of clients) await c.close()
    await server?.stop()
  })

  it("answers the server's echo requests: an idle connection with our probe disabled survives", async () => {
    // ovsdb-server probes an idle TCP client every 5 s and drops it if the echo is not answered
    const c = new OvsdbClient({remotes: server.tcp, probeIntervalMs: 0})
    clients.push(c)
    await c.connect()
    await until('a server echo request', () => c.stats.echoRequestsAnswered >= 2, 25_000)
    expect(c.state).to.equal('ready')
    expect(c.stats.connects).to.equal(1)
    expect(c.stats.probesSent).to.equal(0)
  })

  it('detects a SIGSTOPped server with its own echo probe, reconnects after SIGCONT, keeps monitoring', async () => {
    const c = new OvsdbClient({remotes: server.unix, probeIntervalMs: 300, retry: () => 100})
    clients.push(c)
    const changes: StateChange[] = []
    c.on('state', (s: StateChange) => changes.push(s))
    await c.connect()
    const names: string[] = []
    const replica = await c.monitor('Test', {Other: {}}, {onChange: (ch) => names.push(String(ch.row.key))})
    await server.kill('SIGSTOP')
    const stoppedAt = Date.now()
    try {
      await until(
        'the keepalive to declare the connection dead',
        () => changes.some((s) => s.state === 'reconnecting'),
        5000,
      )
    } finally {
      await server.kill('SIGCONT')
    }

    const detectMs = Date.now() - stoppedAt
    const lost = changes.find((s) => s.state === 'reconnecting')?.error
    expect(lost).to.be.instanceOf(ConnectionError).with.property('code', 'timeout')
    // silent for one interval -> probe; silent for another -> dead: 2-3 intervals, plus scheduling on a loaded host
    expect(detectMs, 'dead within a few probe intervals').to.be.lessThan(2500)
    expect(c.stats.probesSent).to.be.greaterThanOrEqual(1)
    await until('ready again', () => c.state === 'ready', 10_000)
    await c.transact('Test', [{op: 'insert', table: 'Other', row: {key: 'after-stop'}}])
    await until('the write to be monitored', () => names.includes('after-stop'), 5000)
    expect(replica.size('Other')).to.equal(1)
  })
})
