import {expect} from 'chai'
import {Agent, request, type Server} from 'node:http'

import {ConfigError, DependencyError} from '../../../src/lib/errors.js'
import {Readiness} from '../../../src/lib/metrics/readiness.js'
import {EXPOSITION_CONTENT_TYPE, Registry} from '../../../src/lib/metrics/registry.js'
import {KEEP_ALIVE_MS, MetricsServer, parseListenAddress} from '../../../src/lib/metrics/server.js'

interface Reply {
  status: number
  type: string | undefined
  body: string
}

function get(base: string, path: string, method = 'GET'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}${path}`, {method, agent: false}, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (d: string) => {
        body += d
      })
      res.on('end', () => resolve({status: res.statusCode ?? 0, type: res.headers['content-type'], body}))
    })
    req.on('error', reject)
    req.end()
  })
}

describe('metrics HTTP server (real socket on 127.0.0.1)', () => {
  let server: MetricsServer
  let base: string
  const registry = new Registry()
  const readiness = new Readiness()
  const hits = registry.counter({name: 'test_hits_total', help: 'Hits.'})

  before(async () => {
    server = await MetricsServer.start({address: '127.0.0.1:0', registry, readiness})
    base = server.url()
  })

  after(async () => {
    await server.close()
  })

  it('listens on a kernel-chosen port', () => {
    expect(server.address().host).to.equal('127.0.0.1')
    expect(server.address().port).to.be.greaterThan(0)
    expect(base).to.match(/^http:\/\/127\.0\.0\.1:\d+$/)
  })

  it('serves /metrics in the text format with its content type', async () => {
    hits.inc({}, 2)
    const r = await get(base, '/metrics')
    expect(r.status).to.equal(200)
    expect(r.type).to.equal(EXPOSITION_CONTENT_TYPE)
    expect(r.body).to.equal('# HELP test_hits_total Hits.\n# TYPE test_hits_total counter\ntest_hits_total 2\n')
  })

  it('answers /healthz with 200 at any time', async () => {
    expect(await get(base, '/healthz')).to.include({status: 200, body: 'ok\n'})
  })

  it('flips /readyz from 503 (with the reason) to 200, and back with a new reason', async () => {
    const before = await get(base, '/readyz')
    expect(before).to.include({status: 503, body: 'not ready: waiting for the first full reconcile\n'})
    readiness.markReady()
    expect(await get(base, '/readyz?verbose=1')).to.include({status: 200, body: 'ready\n'})
    readiness.markNotReady('shutting\ndown')
    expect(await get(base, '/readyz')).to.include({status: 503, body: 'not ready: shutting down\n'})
  })

  it('answers 404 for unknown paths, 405 for other methods, empty bodies for HEAD', async () => {
    expect((await get(base, '/nope')).status).to.equal(404)
    expect((await get(base, '/metrics', 'POST')).status).to.equal(405)
    expect(await get(base, '/healthz', 'HEAD')).to.include({status: 200, body: ''})
  })

  it('keeps a connection alive 30 s between probes (one connection for several), and close() does not wait for it', async () => {
    const s = await MetricsServer.start({address: '127.0.0.1:0', registry, readiness})
    let connections = 0
    ;(s as unknown as {server: Server}).server.on('connection', () => connections++)
    const agent = new Agent({keepAlive: true})
    try {
      for (let i = 0; i < 3; i++) {
        const r = await new Promise<{status: number; keepAlive: string | undefined}>((resolve, reject) => {
          const req = request(`${s.url()}/healthz`, {agent}, (res) => {
            res.resume()
            res.on('end', () =>
              resolve({status: res.statusCode ?? 0, keepAlive: res.headers['keep-alive']?.toString()}),
            )
          })
          req.on('error', reject)
          req.end()
        })
        // what clients read to decide how long to keep it: probes every few seconds (and scrapes
        // every 15 s) reuse it
        expect(KEEP_ALIVE_MS).to.be.at.least(20_000)
        expect(r).to.deep.equal({status: 200, keepAlive: `timeout=${KEEP_ALIVE_MS / 1000}`})
        await new Promise((r) => {
          setTimeout(r, 200)
        })
      }

      expect(connections, 'connections for 3 probes').to.equal(1)
      const t0 = performance.now()
      await s.close() // the idle keep-alive connection is still open here
      expect(performance.now() - t0).to.be.below(1000)
    } finally {
      agent.destroy()
    }
  })

  it('rejects with DependencyError when the port is taken', async () => {
    const {port} = server.address()
    let err: unknown
    try {
      await MetricsServer.start({address: {host: '127.0.0.1', port}, registry, readiness})
    } catch (error) {
      err = error
    }

    expect(err).to.be.instanceOf(DependencyError)
  })
})

describe('parseListenAddress', () => {
  it('accepts host:port and [ipv6]:port', () => {
    expect(parseListenAddress('0.0.0.0:9100')).to.deep.equal({host: '0.0.0.0', port: 9100})
    expect(parseListenAddress('[::1]:9100')).to.deep.equal({host: '::1', port: 9100})
    expect(parseListenAddress('localhost:0')).to.deep.equal({host: 'localhost', port: 0})
  })

  it('rejects malformed addresses with a ConfigError', () => {
    for (const bad of ['9100', ':9100', '::1:9100', 'host:99999', 'host:port', '']) {
      expect(() => parseListenAddress(bad), bad).to.throw(ConfigError)
    }
  })
})
