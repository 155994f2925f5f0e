// Test 2: thousands of random transactions against a real ovsdb-server; the replica and the folded
// RowChange stream must both equal the server's content read back independently. Run once per
// monitor protocol (update3 via monitor_cond_since, update2 via monitor_cond, update via monitor).
import {expect} from 'chai'
import {mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {MONITOR_METHODS, OvsdbClient, type Replica} from '../../../src/lib/ovsdb/index.js'
import {type OvsdbServer, startOvsdbServer} from '../../helpers/ovsdb-server.js'
import {requireTools} from '../../helpers/require.js'
import {sleep} from '../../helpers/wait.js'
import {expectSameContents, FoldingListener, RandomWriter, replicaContents, serverContents} from './fixtures.js'
import {writeTestSchema} from './test-schema.js'

const SPEC = {Parent: {}, Child: {}, Other: {}}

describe('ovsdb replica under random transactions (real ovsdb-server)', function () {
  this.timeout(120_000)
  let server: OvsdbServer
  const clients: OvsdbClient[] = []

  before(async function () {
    requireTools(this, ['ovsdb-server', 'ovsdb-tool'])
    const dir = mkdtempSync(join(tmpdir(), 'ovsdb-random-'))
    server = await startOvsdbServer({schema: writeTestSchema(dir), dir})
  })

  after(async () => {
    for (const c of clients) await c.close()
    await server?.stop()
  })

  for (const [i, method] of MONITOR_METHODS.entries()) {
    it(`${method}: replica and folded changes equal the server after 2000 random transactions`, async () => {
      const reader = new OvsdbClient({remotes: server.unix, monitorMethod: method})
      const writerClient = new OvsdbClient({remotes: server.tcp})
      clients.push(reader, writerClient)
      await Promise.all([reader.connect(), writerClient.connect()])
      const fold = new FoldingListener()
      const replica: Replica = await reader.monitor('Test', SPEC, fold)
      const writer = new RandomWriter(writerClient, 1000 + i)
      await writer.run(2000)
      expect(writer.ok, 'most random transactions succeed').to.be.greaterThan(1200)
      // a barrier: one more write that the reader must observe before comparing
      const [res] = await writerClient.transact('Test', [
        {op: 'insert', table: 'Other', row: {key: `barrier-${method}`}},
      ])
      const barrier = (res?.uuid as [string, string])[1]
      for (let t = 0; !replica.get('Other', barrier); t++) {
        if (t > 500) expect.fail('barrier row never arrived')
        await sleep(10)
      }

      const schema = await reader.getSchema('Test')
      const cols = Object.fromEntries(Object.keys(SPEC).map((t) => [t, replica.columns(t)]))
      const truth = await serverContents(server.unix, schema, 'Test', cols)
      expect(truth.get('Parent')?.size, 'the test produced parents').to.be.greaterThan(10)
      expect(truth.get('Child')?.size, 'the test produced children').to.be.greaterThan(5)
      expectSameContents(replicaContents(replica), truth, 'replica')
      expectSameContents(fold.state, truth, 'folded changes')
      expect(fold.violations).to.deep.equal([])
      expect(fold.snapshots).to.deep.equal([{resync: false}])
      expect(reader.stats.snapshots).to.equal(1)
    })
  }
})
