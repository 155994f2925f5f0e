// Connection failures a one-shot caller must not wait out: each is classified (permanent or
// transient) and, with connect({failFast}), rejected at once instead of after the timeout. Real
// endpoints: a real ovsdb-server behind TLS with a CA that did not sign it, an HTTP server (not
// OVSDB), a closed port, a missing Unix socket, an unresolvable name, unreadable key files; and a
// TCP server that accepts and hangs up (transient: retried until the timeout).
import {expect} from 'chai'
import {mkdtempSync} from 'node:fs'
import {createServer as createHttpServer, type Server as HttpServer} from 'node:http'
import {type AddressInfo, createServer, type Server} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {classifyConnectFailure, ConnectionError, OvsdbClient} from '../../../src/lib/ovsdb/index.js'
import {type OvsdbServer, startOvsdbServer, writeNbSchema} from '../../helpers/ovsdb-server.js'
import {requireTools} from '../../helpers/require.js'
import {makePki, type TestPki} from './certs.js'

const listen = (s: Server | HttpServer): Promise<number> =>
  new Promise((resolve) => {
    s.listen(0, '127.0.0.1', () => resolve((s.address() as AddressInfo).port))
  })

describe('ovsdb connect failures: classified, and fatal at once with failFast', function () {
  this.timeout(60_000)
  let dir: string
  let pki: TestPki
  let ovsdb: OvsdbServer
  let http: HttpServer
  let hangup: Server
  const ports: Record<string, number> = {}
  const clients: OvsdbClient[] = []

  before(async function () {
    requireTools(this, ['ovsdb-server', 'ovsdb-tool', 'openssl'])
    dir = mkdtempSync(join(tmpdir(), 'ovsdb-failfast-'))
    pki = makePki(dir)
    ovsdb = await startOvsdbServer({
      schema: writeNbSchema(dir),
      dir,
      ssl: {privateKey: pki.serverKey, certificate: pki.serverCert, caCert: pki.caCert},
    })
    http = createHttpServer((_req, res) => res.end('hello'))
    ports.http = await listen(http)
    hangup = createServer((sock) => sock.destroy())
    ports.hangup = await listen(hangup)
    const closed = createServer()
    ports.closed = await listen(closed)
    await new Promise((r) => {
      closed.close(r)
    })
  })

  after(async () => {
    for (const c of clients) await c.close()
    http?.close()
    hangup?.close()
    await ovsdb?.stop()
  })

  /** connect({failFast}) with a 20 s timeout: resolves with the error and how long it took. */
  async function attempt(opts: ConstructorParameters<typeof OvsdbClient>[0]): Promise<{err: unknown; ms: number}> {
    const c = new OvsdbClient({retry: () => 200, connectTimeoutMs: 5000, ...opts})
    clients.push(c)
    const t0 = performance.now()
    const err = await c.connect({timeoutMs: 20_000, failFast: true}).then(
      () => undefined,
      (error: unknown) => error,
    )
    const ms = performance.now() - t0
    await c.close()
    return {err, ms}
  }

  const cases: Array<{
    name: string
    kind: string
    message: RegExp
    opts: () => ConstructorParameters<typeof OvsdbClient>[0]
  }> = [
    {
      name: 'TLS server certificate signed by another CA',
      kind: 'tls-verify',
      message: /TLS handshake failed/,
      opts: () => ({
        remotes: ovsdb.ssl,
        ssl: {privateKey: pki.clientKey, certificate: pki.clientCert, caCert: pki.otherCaCert},
      }),
    },
    {
      name: 'our client certificate refused by the server',
      kind: 'tls-verify',
      message: /TLS|certificate|alert/i,
      opts: () => ({
        remotes: ovsdb.ssl,
        ssl: {privateKey: pki.rogueKey, certificate: pki.rogueCert, caCert: pki.caCert},
      }),
    },
    {
      name: 'unreadable private key file',
      kind: 'file',
      message: /cannot read private key .*no-such\.key/,
      opts: () => ({
        remotes: ovsdb.ssl,
        ssl: {privateKey: join(dir, 'no-such.key'), certificate: pki.clientCert, caCert: pki.caCert},
      }),
    },
    {
      name: 'an HTTP server, not OVSDB',
      kind: 'protocol',
      message: /unexpected byte 0x48/,
      opts: () => ({remotes: `tcp:127.0.0.1:${ports.http}`}),
    },
    {
      name: 'connection refused',
      kind: 'refused',
      message: /ECONNREFUSED/,
      opts: () => ({remotes: `tcp:127.0.0.1:${ports.closed}`}),
    },
    {
      name: 'a missing Unix socket',
      kind: 'refused',
      message: /ENOENT/,
      opts: () => ({remotes: `unix:${join(dir, 'absent.sock')}`}),
    },
    {
      name: 'a host name that does not resolve',
      kind: 'dns',
      message: /ENOTFOUND/,
      opts: () => ({remotes: 'tcp:ovsdb.invalid:6641'}),
    },
    {
      name: 'every member of a cluster refused',
      kind: 'refused',
      message: /ECONNREFUSED|ENOENT/,
      opts: () => ({remotes: `tcp:127.0.0.1:${ports.closed},unix:${join(dir, 'absent.sock')}`}),
    },
  ]

  for (const c of cases) {
    it(`${c.name}: ${c.kind}, rejected within 2 s`, async () => {
      const {err, ms} = await attempt(c.opts())
      expect(err).to.be.instanceOf(ConnectionError)
      expect((err as Error).message).to.match(c.message)
      expect(classifyConnectFailure(err)).to.deep.equal({kind: c.kind, permanent: true})
      expect(ms).to.be.below(2000)
    })
  }

  it('a server that accepts and hangs up is transient: retried until the timeout', async () => {
    const c = new OvsdbClient({remotes: `tcp:127.0.0.1:${ports.hangup}`, retry: () => 50})
    clients.push(c)
    const failures: Error[] = []
    c.on('attempt-failed', (e: Error) => failures.push(e))
    const t0 = performance.now()
    const err = await c.connect({timeoutMs: 600, failFast: true}).then(
      () => undefined,
      (error: unknown) => error,
    )
    expect(performance.now() - t0).to.be.at.least(590)
    expect((err as ConnectionError).code).to.equal('not-ready')
    expect(failures.length).to.be.greaterThan(2)
    expect(failures.map((f) => classifyConnectFailure(f).permanent)).to.not.include(true)
    await c.close()
  })

  it('a permanent failure of one member does not end the attempt while another member works', async () => {
    const c = new OvsdbClient({remotes: `tcp:127.0.0.1:${ports.closed},${ovsdb.tcp}`, retry: () => 50})
    clients.push(c)
    await c.connect({timeoutMs: 5000, failFast: true})
    expect(c.remote).to.equal(ovsdb.tcp)
    await c.close()
  })
})
