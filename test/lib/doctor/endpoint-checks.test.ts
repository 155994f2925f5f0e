import {expect} from 'chai'

import {compareVersions, daemonCheck, nbSchemaCheck} from '../../../src/lib/doctor/endpoint-checks.js'
import {gatherDaemonFacts, readyzUrl} from '../../../src/lib/doctor/facts.js'
import {AgentMetrics} from '../../../src/lib/metrics/agent-metrics.js'
import {ctxWith, NB} from './helpers.js'

describe('doctor: Northbound schema', () => {
  it('compares dotted versions numerically', () => {
    expect(compareVersions('7.1.0', '7.1.0')).to.equal(0)
    expect(compareVersions('7.0.4', '7.1.0')).to.equal(-1)
    expect(compareVersions('7.10.0', '7.9')).to.equal(1)
  })

  it('passes on 7.1.0 with the status column', async () => {
    const {ctx} = ctxWith()
    expect(await nbSchemaCheck.run(ctx)).to.deep.equal({
      status: 'pass',
      detail: 'tcp:192.0.2.10:6641: OVN_Northbound schema 7.1.0, Logical_Router_Port.status present',
    })
  })

  it('fails on OVN 23.03 (schema 7.0.0, no LRP status)', async () => {
    const {ctx} = ctxWith({facts: {nb: {ok: true, value: {...NB, schemaVersion: '7.0.0', lrpStatusColumn: false}}}})
    const r = await nbSchemaCheck.run(ctx)
    expect(r.status).to.equal('fail')
    expect(r.fix).to.equal('Upgrade OVN to 23.09 or later.')
  })

  it('accepts an older version string when the column is there (patched schema)', async () => {
    const {ctx} = ctxWith({facts: {nb: {ok: true, value: {...NB, schemaVersion: '7.0.0', lrpStatusColumn: true}}}})
    expect((await nbSchemaCheck.run(ctx)).status).to.equal('pass')
  })

  it('fails when unreachable, warns when not queried', async () => {
    const down = ctxWith({facts: {nb: {ok: false, error: 'tcp:192.0.2.10:6641: connection refused'}}})
    expect(await nbSchemaCheck.run(down.ctx)).to.deep.include({
      status: 'fail',
      detail: 'Northbound DB unreachable: tcp:192.0.2.10:6641: connection refused',
    })
    const skipped = ctxWith({facts: {}})
    expect((await nbSchemaCheck.run(skipped.ctx)).status).to.equal('warn')
  })
})

describe('doctor: the daemon through its /readyz', () => {
  it('builds the readyz URL, asking wildcard listeners on loopback', () => {
    expect(readyzUrl('0.0.0.0:9476')).to.equal('http://127.0.0.1:9476/readyz')
    expect(readyzUrl('[::]:9476')).to.equal('http://[::1]:9476/readyz')
    expect(readyzUrl('192.0.2.1:80')).to.equal('http://192.0.2.1:80/readyz')
  })

  it('passes without metrics_address (nothing to ask)', async () => {
    const {ctx} = ctxWith()
    expect((await daemonCheck.run(ctx)).status).to.equal('pass')
  })

  it('reads a real endpoint: warns before the first full reconcile, passes after', async () => {
    const metrics = new AgentMetrics()
    const server = await metrics.serve('127.0.0.1:0')
    try {
      const address = `127.0.0.1:${server.address().port}`
      const before = ctxWith({
        config: {metricsAddress: address},
        facts: {daemon: await gatherDaemonFacts(address, 2000)},
      })
      expect(await daemonCheck.run(before.ctx)).to.deep.include({
        status: 'warn',
        detail: `http://${address}/readyz: 503 not ready: waiting for the first full reconcile`,
      })
      metrics.recordPass({result: 'ok', durationSeconds: 0.1, full: true})
      const after = ctxWith({
        config: {metricsAddress: address},
        facts: {daemon: await gatherDaemonFacts(address, 2000)},
      })
      expect(await daemonCheck.run(after.ctx)).to.deep.equal({
        status: 'pass',
        detail: `http://${address}/readyz: ready`,
      })
    } finally {
      await server.close()
    }
  })

  it('warns when nothing answers', async () => {
    const metrics = new AgentMetrics()
    const server = await metrics.serve('127.0.0.1:0')
    const address = `127.0.0.1:${server.address().port}`
    await server.close()
    const facts = await gatherDaemonFacts(address, 2000)
    expect(facts.ok).to.equal(false)
    const {ctx} = ctxWith({config: {metricsAddress: address}, facts: {daemon: facts}})
    const r = await daemonCheck.run(ctx)
    expect(r.status).to.equal('warn')
    expect(r.detail).to.match(/^no answer from the daemon: http:\/\/127\.0\.0\.1:\d+\/readyz: connect ECONNREFUSED/)
  })

  it('warns when not queried (--offline)', async () => {
    const {ctx} = ctxWith({config: {metricsAddress: '127.0.0.1:9476'}, facts: {}})
    expect((await daemonCheck.run(ctx)).status).to.equal('warn')
  })
})
