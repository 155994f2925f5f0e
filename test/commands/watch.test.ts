// `ovn-bgp watch` in-process against a real NB ovsdb-server: converges at start, follows NB changes
// through the event path, serves metrics, stops on SIGTERM leaving the datapath as it is, and rides
// out an NB server restart without withdrawing anything. Node side: the in-memory kernel of the
// ad-hoc harness (the real-kernel version is test/kernel/e2e-watch.ktest.ts).
import {expect} from 'chai'
import {mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {get} from 'node:http'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {freePort, type OvsdbServer} from '../helpers/ovsdb-server.js'
import {requireTools} from '../helpers/require.js'
import {useTestRuntime} from '../helpers/runtime-fake.js'
import {sleep, waitFor} from '../helpers/wait.js'
import {missingDefaults, namingProblems, parseExposition} from '../lib/metrics/conventions.js'
import {MemoryKernel, nodeArgs, runAdhocCmd, startNb, updatePort} from './adhoc-harness.js'

const until = (what: string, ok: () => boolean, timeoutMs = 20_000): Promise<true> => waitFor(what, ok, timeoutMs, 25)

describe('watch command (real NB)', function () {
  this.timeout(90_000)
  let nb: OvsdbServer
  let state: string
  let mem: MemoryKernel
  let restoreRuntime = (): void => {}

  beforeEach(async function () {
    requireTools(this, ['ovsdb-server', 'ovsdb-tool'])
    nb = await startNb()
    state = mkdtempSync(join(tmpdir(), 'watch-cmd-'))
    mem = new MemoryKernel()
    restoreRuntime = useTestRuntime({ovsTimeoutMs: 50}, () => mem.parts())
  })

  // A test that fails before its SIGTERM leaves its watch running, and with it the capture of
  // stdout, which would swallow the rest of the run's report: it is stopped here.
  let live: Promise<void> | undefined
  const startWatch = (args: string[]): ReturnType<typeof runAdhocCmd> => {
    const run = runAdhocCmd('watch', args)
    live = run.then(
      () => {
        live = undefined
      },
      () => {
        live = undefined
      },
    )
    return run
  }

  afterEach(async () => {
    if (live) {
      process.emit('SIGTERM')
      await live
    }

    restoreRuntime()
    await nb?.stop()
    rmSync(state, {recursive: true, force: true})
  })

  it('converges, follows NB, and stops on SIGTERM without withdrawing anything', async () => {
    const port = await freePort()
    const args = [
      ...nodeArgs(nb.unix, state),
      '--frr-vty-socket',
      join(state, 'no-frr'),
      '--bgp-router-id',
      '192.0.2.1',
      '--metrics-address',
      `127.0.0.1:${port}`,
      '--json',
    ]
    const running = startWatch(args)
    await until('the first pass', () => mem.has('address', '172.24.4.226/32'))
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`)
    expect(ready.status, '/readyz after the first full reconcile').to.equal(200)
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()
    expect(metrics).to.match(/^ovn_bgp_reconcile_passes_total\{result="ok"\} [1-9]/m)
    expect(metrics).to.match(/^ovn_bgp_exposed_ips\{kind="vm"\} [1-9]/m)
    expect(metrics).to.match(/^ovn_bgp_nb_connection_state\{state="ready"\} 1$/m)
    // the whole scrape against the Prometheus naming conventions, and against the documented set
    const families = parseExposition(metrics)
    const ours = [...families.values()].filter((f) => f.name.startsWith('ovn_bgp_'))
    expect(
      ours.flatMap((f) => namingProblems(f)),
      'naming conventions',
    ).to.deep.equal([])
    expect(missingDefaults(families), "prom-client's default collectors").to.deep.equal([])
    const documented = [
      ...readFileSync(new URL('../../docs/operations.md', import.meta.url), 'utf8').matchAll(
        /^\| `(ovn_bgp_\w+)` \|/gm,
      ),
    ].map((m) => m[1])
    expect(ours.map((f) => f.name).sort(), 'docs/operations.md lists every family').to.deep.equal(documented.sort())
    expect(families.get('ovn_bgp_build_info')?.samples[0]?.labels).to.include.keys('version', 'commit', 'nodejs')
    await updatePort(nb.unix, 'vm1', {up: false})
    await until('vm1 withdrawn', () => !mem.has('address', '172.24.4.226/32'))
    await updatePort(nb.unix, 'vm1', {up: true})
    await until('vm1 back', () => mem.has('address', '172.24.4.226/32'))
    const after = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()
    expect(after, 'events by upstream class').to.match(
      /^ovn_bgp_nb_events_total\{class="LogicalSwitchPortProviderDeleteEvent"\} [1-9]/m,
    )
    expect(after).to.match(/^ovn_bgp_nb_commit_to_kernel_seconds_count [1-9]/m)
    const before = mem.objs.size
    process.emit('SIGTERM')
    const r = await running
    expect(r.exitCode).to.equal(0)
    expect(r.doc).to.deep.include({stoppedBy: 'SIGTERM'})
    expect((r.doc as unknown as {passes: number}).passes).to.be.greaterThan(2)
    expect(mem.objs.size, 'nothing removed at shutdown').to.equal(before)
  })

  // Chassis-scoped NB monitoring (the default): a port whose requested-chassis names another
  // chassis is withdrawn, and exposed again when it comes back. With neutron:host_id still naming
  // this chassis the row stays in scope (an update); without it the row leaves the monitor (a
  // delete once monitor_cond_change is acknowledged) and comes back as an insert.
  for (const keepHostId of [true, false]) {
    it(`withdraws a port moved to another chassis and exposes it again when it moves back (${keepHostId ? 'row stays in scope' : 'row leaves the scope'})`, async () => {
      const running = startWatch([
        ...nodeArgs(nb.unix, state),
        '--frr-vty-socket',
        join(state, 'no-frr'),
        '--bgp-router-id',
        '192.0.2.1',
        '--json',
      ])
      await until('the first pass', () => mem.has('address', '172.24.4.226/32'))
      if (!keepHostId) {
        await updatePort(nb.unix, 'vm1', {
          external_ids: [
            'map',
            [
              ['neutron:network_name', 'neutron-pub'],
              ['neutron:cidrs', '172.24.4.226/24 2001:db8:100::226/64'],
            ],
          ],
        })
        await sleep(200)
        expect(mem.has('address', '172.24.4.226/32'), 'still bound here by requested-chassis').to.equal(true)
      }

      await updatePort(nb.unix, 'vm1', {options: ['map', [['requested-chassis', 'compute-2']]]})
      await until(
        'vm1 withdrawn',
        () => !mem.has('address', '172.24.4.226/32') && !mem.has('address', '2001:db8:100::226/128'),
      )
      await updatePort(nb.unix, 'vm1', {options: ['map', [['requested-chassis', 'compute-1']]]})
      await until(
        'vm1 back',
        () => mem.has('address', '172.24.4.226/32') && mem.has('address', '2001:db8:100::226/128'),
      )
      process.emit('SIGTERM')
      expect((await running).exitCode).to.equal(0)
    })
  }

  it('keeps everything during the outage and converges after it; the metrics count the reconnect', async () => {
    const port = await freePort()
    const args = [
      ...nodeArgs(nb.unix, state),
      '--frr-vty-socket',
      join(state, 'no-frr'),
      '--bgp-router-id',
      '192.0.2.1',
      '--metrics-address',
      `127.0.0.1:${port}`,
      '--json',
    ]
    const running = startWatch(args)
    await until('the first pass', () => mem.has('address', '172.24.4.226/32'))
    const before = mem.objs.size
    const removesBefore = mem.applied.reduce((n, p) => n + p.remove.length, 0)

    await nb.kill('SIGKILL')
    await sleep(1500) // the agent notices and retries; nothing may be withdrawn
    expect(mem.objs.size, 'nothing withdrawn while NB is away').to.equal(before)
    expect(mem.applied.reduce((n, p) => n + p.remove.length, 0)).to.equal(removesBefore)

    // The server comes back on the same database file; a change right after it must be applied.
    await nb.start()
    await updatePort(nb.unix, 'vm1', {up: false})
    await until('the change made around the outage', () => !mem.has('address', '172.24.4.226/32'))
    expect(mem.has('address', '172.24.4.201/32'), 'the rest stays').to.equal(true)
    const metrics = await scrape(port)
    expect(metrics).to.match(/^ovn_bgp_nb_reconnects_total 1$/m)
    expect(metrics, 'FRR is absent here').to.match(/^ovn_bgp_frr_checks_total\{result="failed"\} [1-9]/m)
    const lastGood = Number(/^ovn_bgp_last_successful_reconcile_timestamp_seconds (\S+)$/m.exec(metrics)?.[1])
    expect(Math.abs(lastGood - Date.now() / 1000)).to.be.lessThan(60)

    process.emit('SIGTERM')
    const r = await running
    expect(r.exitCode).to.equal(0)
  })
})

function scrape(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    get(`http://127.0.0.1:${port}/metrics`, {agent: false}, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (d: string) => {
        body += d
      })
      res.on('end', () => resolve(body))
    }).on('error', reject)
  })
}
