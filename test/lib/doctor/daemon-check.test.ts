import {expect} from 'chai'

import {daemonCheck} from '../../../src/lib/doctor/daemon-check.js'
import {gatherDaemonFacts, readyzUrl} from '../../../src/lib/doctor/facts.js'
import {AgentMetrics} from '../../../src/lib/metrics/agent-metrics.js'
import {ctxWith} from './helpers.js'

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
      const before = ctxWith({config: {metricsAddress: address}, facts: {daemon: await gatherDaemonFacts(address, 2000)}})
      expect(await daemonCheck.run(before.ctx)).to.deep.include({status: 'warn', detail: `http://${address}/readyz: 503 not ready: waiting for the first full reconcile`})
      metrics.recordPass({result: 'ok', durationSeconds: 0.1, full: true})
      const after = ctxWith({config: {metricsAddress: address}, facts: {daemon: await gatherDaemonFacts(address, 2000)}})
      expect(await daemonCheck.run(after.ctx)).to.deep.equal({status: 'pass', detail: `http://${address}/readyz: ready`})
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
