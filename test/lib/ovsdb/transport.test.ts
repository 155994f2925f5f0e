// Test 5 and transports: tcp (IPv4 and IPv6), unix, and ssl against a real ovsdb-server with
// --private-key/--certificate/--ca-cert. The right CA works; a wrong CA is refused with an error
// naming the remote and the TLS reason.
import {expect} from 'chai'
import {mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {ConnectionError, OvsdbClient, OvsdbError} from '../../../src/lib/ovsdb/index.js'
import {type OvsdbServer, startOvsdbServer, writeNbSchema} from '../../helpers/ovsdb-server.js'
import {requireTools} from '../../helpers/require.js'
import {makePki, type TestPki} from './certs.js'

describe('ovsdb transports (real ovsdb-server)', function () {
  this.timeout(60_000)
  let v4: OvsdbServer
  let v6: OvsdbServer
  let pki: TestPki
  const clients: OvsdbClient[] = []
  const client = (opts: ConstructorParameters<typeof OvsdbClient>[0]): OvsdbClient => {
    const c = new OvsdbClient({retry: () => 100, ...opts})
    clients.push(c)
    return c
  }

  before(async function () {
    requireTools(this, ['ovsdb-server', 'ovsdb-tool', 'openssl'])
    const dir = mkdtempSync(join(tmpdir(), 'ovsdb-transport-'))
    pki = makePki(dir)
    const schema = writeNbSchema(dir)
    v4 = await startOvsdbServer({
      schema,
      dir,
      ssl: {privateKey: pki.serverKey, certificate: pki.serverCert, caCert: pki.caCert},
    })
    v6 = await startOvsdbServer({schema, tcpHost: '::1'})
  })

  after(async () => {
    for (const c of clients) await c.close()
    await v6?.stop()
    await v4?.stop()
  })

  const remotes = (): Array<[string, string]> => [
    ['tcp IPv4', v4.tcp],
    ['tcp IPv6', v6.tcp],
    ['unix', v4.unix],
  ]
  for (const i of [0, 1, 2]) {
    it(`${['tcp IPv4', 'tcp IPv6', 'unix'][i]}: connects, lists databases, reads the patched NB schema, transacts`, async () => {
      const [, remote] = remotes()[i] as [string, string]
      const c = client({remotes: remote})
      await c.connect({timeoutMs: 5000})
      expect(c.remote).to.equal(remote)
      expect(await c.listDbs()).to.include('OVN_Northbound')
      const schema = await c.getSchema('OVN_Northbound')
      expect(schema.version).to.equal('7.1.0')
      expect(schema.tables.get('Logical_Router_Port')?.columns.get('status')?.kind).to.equal('map')
      const [res] = await c.transact('OVN_Northbound', [
        {op: 'insert', table: 'Logical_Switch', row: {name: `ls-${i}`}},
      ])
      expect(res?.uuid?.[0]).to.equal('uuid')
    })
  }

  it('ssl with the right CA: connects and monitors', async () => {
    expect(v4.ssl).to.match(/^ssl:127\.0\.0\.1:\d+$/)
    const c = client({
      remotes: v4.ssl,
      ssl: {privateKey: pki.clientKey, certificate: pki.clientCert, caCert: pki.caCert},
    })
    const rows: string[] = []
    const monitoring = c.monitor(
      'OVN_Northbound',
      {Logical_Switch: {columns: ['name']}},
      {onChange: (ch) => rows.push(String(ch.row.name))},
    )
    await c.connect({timeoutMs: 5000})
    await monitoring
    expect(rows).to.include.members(['ls-0', 'ls-2'])
  })

  it('ssl with a wrong CA: refused with a TLS error naming the remote', async () => {
    const c = client({
      remotes: v4.ssl,
      ssl: {privateKey: pki.clientKey, certificate: pki.clientCert, caCert: pki.otherCaCert},
    })
    const failures: ConnectionError[] = []
    c.on('attempt-failed', (e: ConnectionError) => failures.push(e))
    const err = await c.connect({timeoutMs: 1500}).then(
      () => undefined,
      (error: unknown) => error,
    )
    expect(err).to.be.instanceOf(ConnectionError)
    expect(failures.length).to.be.greaterThan(0)
    const first = failures[0] as ConnectionError
    expect(first.code).to.equal('tls')
    expect(first.remote).to.equal(v4.ssl)
    expect(first.message)
      .to.contain(v4.ssl)
      .and.match(/TLS handshake failed: .*(certificate|verify)/i)
    expect((err as Error).message).to.contain('TLS handshake failed')
  })

  it('ssl with a client certificate the server does not trust: refused with the TLS reason', async () => {
    const c = client({remotes: v4.ssl, ssl: {privateKey: pki.rogueKey, certificate: pki.rogueCert, caCert: pki.caCert}})
    const failures: ConnectionError[] = []
    c.on('attempt-failed', (e: ConnectionError) => failures.push(e))
    const err = await c.connect({timeoutMs: 1500}).then(
      () => undefined,
      (error: unknown) => error,
    )
    expect(err).to.be.instanceOf(ConnectionError)
    expect(c.stats.connects, 'never reported ready').to.equal(0)
    const first = failures[0] as ConnectionError
    expect(first.code).to.equal('tls')
    expect(first.message)
      .to.contain(v4.ssl)
      .and.match(/TLS error: .*unknown ca/i)
  })

  it('ssl without key files: a clear error', async () => {
    const c = client({
      remotes: v4.ssl,
      ssl: {privateKey: '/nonexistent/key.pem', certificate: pki.clientCert, caCert: pki.caCert},
    })
    const err = await c.connect({timeoutMs: 500}).then(
      () => undefined,
      (error: unknown) => error,
    )
    expect((err as Error).message).to.contain('cannot read private key /nonexistent/key.pem')
  })

  it('a failed operation rejects with OvsdbError naming the op and the server error', async () => {
    const c = client({remotes: v4.unix})
    await c.connect()
    const err = await c
      .transact('OVN_Northbound', [
        {op: 'comment', comment: 'x'},
        {op: 'insert', table: 'Logical_Switch', row: {no_such_column: 1}},
      ])
      .then(
        () => undefined,
        (error: unknown) => error,
      )
    expect(err).to.be.instanceOf(OvsdbError).with.property('opIndex', 1)
    expect((err as OvsdbError).error)
      .to.be.a('string')
      .and.not.equal('')
    const rpcErr = await c.getSchema('No_Such_Db').then(
      () => undefined,
      (error: unknown) => error,
    )
    expect(rpcErr).to.be.instanceOf(OvsdbError).with.property('error', 'unknown database')
  })
})
