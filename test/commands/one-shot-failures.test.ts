// One-shot commands (sync, show-exposed, the ad-hoc verbs) against endpoints that will not work:
// errors that no wait can fix fail at once with their cause and fix (exit 4; 2 for unreadable SSL
// files), a silent peer fails after --timeout, and an unwritable state_dir is found before anything
// is applied. Real endpoints: an HTTP server, a closed port, a TCP server that never answers.
import {expect} from 'chai'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {createServer as createHttpServer, type Server as HttpServer} from 'node:http'
import {type AddressInfo, createServer, type Server, type Socket} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import type {OvsdbServer} from '../helpers/ovsdb-server.js'

import {requireTools} from '../helpers/require.js'
import {useTestRuntime} from '../helpers/runtime-fake.js'
import {MemoryKernel, nodeArgs, runAdhocCmd, startNb} from './adhoc-harness.js'

const listen = (s: Server | HttpServer): Promise<number> =>
  new Promise((resolve) => {
    s.listen(0, '127.0.0.1', () => resolve((s.address() as AddressInfo).port))
  })

describe('one-shot commands: permanent errors fail at once, --timeout bounds the rest', function () {
  this.timeout(60_000)
  let state: string
  let mem: MemoryKernel
  let baseCalls = 0
  let http: HttpServer
  let silent: Server
  const held: Socket[] = []
  const ports: Record<string, number> = {}
  let restoreRuntime: (() => void) | undefined

  before(async () => {
    http = createHttpServer((_q, r) => r.end('hello'))
    ports.http = await listen(http)
    silent = createServer((s) => held.push(s))
    ports.silent = await listen(silent)
    const closed = createServer()
    ports.closed = await listen(closed)
    await new Promise((r) => {
      closed.close(r)
    })
  })

  after(() => {
    for (const s of held) s.destroy()
    http.close()
    silent.close()
  })

  beforeEach(() => {
    state = mkdtempSync(join(tmpdir(), 'one-shot-'))
    mem = new MemoryKernel()
    baseCalls = 0
    restoreRuntime = useTestRuntime({ovsTimeoutMs: 50}, () => ({
      ...mem.parts(),
      async ensureBase() {
        baseCalls++
        return {changed: []}
      },
    }))
  })

  afterEach(() => {
    restoreRuntime?.()
    rmSync(state, {recursive: true, force: true})
  })

  async function run(id: string, nb: string, extra: string[] = [], stateDir = state) {
    const t0 = performance.now()
    const r = await runAdhocCmd(id, [...nodeArgs(nb, stateDir), ...extra, '--json'])
    return {...r, ms: performance.now() - t0, message: r.error?.message ?? ''}
  }

  const cases: Array<{
    cmd: string
    what: string
    nb: () => string
    extra?: () => string[]
    exit: number
    message: RegExp
  }> = [
    {
      cmd: 'sync',
      what: 'an HTTP server',
      nb: () => `tcp:127.0.0.1:${ports.http}`,
      exit: 4,
      message: /is not an OVSDB server .*unexpected byte 0x48/,
    },
    {
      cmd: 'show-exposed',
      what: 'a closed port',
      nb: () => `tcp:127.0.0.1:${ports.closed}`,
      extra: () => ['--source', 'nb'],
      exit: 4,
      message: /nothing accepts connections at tcp:127\.0\.0\.1:\d+ .*ECONNREFUSED/,
    },
    {
      cmd: 'expose-ip',
      what: 'an unresolvable name',
      nb: () => 'tcp:nb.invalid:6641',
      extra: () => ['--port', 'vm1'],
      exit: 4,
      message: /host name of tcp:nb\.invalid:6641 .*does not resolve/,
    },
    {
      cmd: 'sync',
      what: 'ssl: with a missing key file',
      nb: () => `ssl:127.0.0.1:${ports.silent}`,
      extra: () => [
        '--ovn-nb-private-key',
        join(state, 'missing.key'),
        '--ovn-nb-certificate',
        join(state, 'c.pem'),
        '--ovn-nb-ca-cert',
        join(state, 'ca.pem'),
      ],
      exit: 2,
      message: /cannot use the SSL files .*cannot read private key .*missing\.key/,
    },
  ]
  for (const c of cases) {
    it(`${c.cmd} with NB at ${c.what}: exit ${c.exit} at once`, async () => {
      const r = await run(c.cmd, c.nb(), c.extra?.() ?? [])
      console.log(`      exit ${r.exitCode} after ${r.ms.toFixed(0)} ms: ${r.message}`)
      expect(r.exitCode).to.equal(c.exit)
      expect(r.message).to.match(c.message)
      expect(r.ms).to.be.below(3000)
      expect(mem.applied).to.have.length(0)
      expect(baseCalls, 'no VRF or bgp-nic set up: NB never answered').to.equal(0)
    })
  }

  it('sync with an NB that accepts and never answers: exit 4 after --timeout', async () => {
    const r = await run('sync', `tcp:127.0.0.1:${ports.silent}`, ['--timeout', '2'])
    console.log(`      exit ${r.exitCode} after ${r.ms.toFixed(0)} ms: ${r.message}`)
    expect(r.exitCode).to.equal(4)
    expect(r.message).to.match(/cannot reach the OVN NB database/)
    expect(r.ms).to.be.within(1900, 6000)
    expect(baseCalls, 'no VRF or bgp-nic set up: NB never answered').to.equal(0)
  })

  describe('with a real NB', () => {
    let nb: OvsdbServer

    before(async function () {
      requireTools(this, ['ovsdb-server', 'ovsdb-tool'])
      nb = await startNb()
    })

    after(async () => nb?.stop())

    it('sync with an unwritable state_dir: exit 4 naming state_dir, before anything is applied', async () => {
      writeFileSync(join(state, 'plain-file'), '')
      const r = await run('sync', nb.unix, [], join(state, 'plain-file', 'state'))
      expect(r.exitCode).to.equal(4)
      expect(r.message).to.match(/^state_dir .*plain-file\/state is not writable/)
      expect(baseCalls, 'no base setup').to.equal(0)
      expect(mem.applied).to.have.length(0)
    })

    it('sync with a good state_dir converges (the check passes)', async () => {
      const r = await run('sync', nb.unix)
      expect(r.exitCode).to.equal(0)
      expect(baseCalls, 'VRF and bgp-nic ensured once').to.equal(1)
      expect(mem.has('address', '172.24.4.226/32')).to.equal(true)
    })
  })
})
