// `ovn-bgp watch` when things are broken, in-process against a real NB ovsdb-server: NB absent at
// start-up (the daemon waits, serves /healthz, says not ready, and converges once NB is there),
// SIGTERM while waiting, and a pass that fails on every attempt (rt_tables not writable): it backs
// off instead of spinning, /readyz and the metrics say so, and it recovers once the cause is gone.
// Node side: the in-memory kernel of the ad-hoc harness.
import {expect} from 'chai'
import {existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {freePort, type OvsdbServer} from '../helpers/ovsdb-server.js'
import {requireTools} from '../helpers/require.js'
import {useTestRuntime} from '../helpers/runtime-fake.js'
import {sleep, waitFor} from '../helpers/wait.js'
import {MemoryKernel, nodeArgs, runAdhocCmd, startNb} from './adhoc-harness.js'

const until = (what: string, ok: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<true> =>
  waitFor(what, ok, timeoutMs, 25)

const get = async (port: number, path: string): Promise<{status: number; body: string}> => {
  const r = await fetch(`http://127.0.0.1:${port}${path}`)
  return {status: r.status, body: await r.text()}
}

const metric = (text: string, name: string): number =>
  Number(new RegExp(`^${name.replaceAll(/[{}]/g, String.raw`\$&`)} (\\S+)$`, 'm').exec(text)?.[1] ?? Number.NaN)

describe('watch command under faults (real NB)', function () {
  this.timeout(90_000)
  let nb: OvsdbServer
  let state: string
  let mem: MemoryKernel
  let tablesBroken = false
  let tableCalls = 0
  let restoreRuntime: (() => void) | undefined

  beforeEach(async function () {
    requireTools(this, ['ovsdb-server', 'ovsdb-tool'])
    nb = await startNb()
    state = mkdtempSync(join(tmpdir(), 'watch-faults-'))
    mem = new MemoryKernel()
    tablesBroken = false
    tableCalls = 0
    restoreRuntime = useTestRuntime({ovsTimeoutMs: 50}, () => {
      const parts = mem.parts()
      return {
        ...parts,
        tables: {
          async tables(bridges, o) {
            tableCalls++
            if (tablesBroken)
              throw Object.assign(new Error(`EACCES: permission denied, open '${join(state, 'rt_tables')}'`), {
                code: 'EACCES',
              })
            return parts.tables.tables(bridges, o)
          },
        },
      }
    })
  })

  afterEach(async () => {
    restoreRuntime?.()
    await nb?.stop()
    rmSync(state, {recursive: true, force: true})
  })

  const args = (port: number): string[] => [
    ...nodeArgs(nb.unix, state),
    '--frr-vty-socket',
    join(state, 'no-frr'),
    '--bgp-router-id',
    '192.0.2.1',
    '--metrics-address',
    `127.0.0.1:${port}`,
    '--json',
  ]

  it('waits for NB at start-up (not ready, healthy) and serves as soon as NB is there', async () => {
    await nb.kill('SIGKILL')
    const port = await freePort()
    const running = runAdhocCmd('watch', args(port))
    await until(
      'the metrics server',
      async () => (await get(port, '/healthz').catch(() => ({status: 0}))).status === 200,
    )
    await sleep(3000) // several connection attempts
    const ready = await get(port, '/readyz')
    expect(ready.status).to.equal(503)
    expect(ready.body).to.match(/waiting for the NB database/)
    expect(mem.applied).to.have.length(0)
    await nb.start()
    await until('the first pass after NB came back', () => mem.has('address', '172.24.4.226/32'))
    expect((await get(port, '/readyz')).status).to.equal(200)
    process.emit('SIGTERM')
    const r = await running
    expect(r.exitCode).to.equal(0)
  })

  it('stops within 2 s on SIGTERM while still waiting for NB', async () => {
    await nb.kill('SIGKILL')
    const port = await freePort()
    const running = runAdhocCmd('watch', args(port))
    await until(
      'the metrics server',
      async () => (await get(port, '/healthz').catch(() => ({status: 0}))).status === 200,
    )
    await sleep(500)
    const t0 = performance.now()
    process.emit('SIGTERM')
    const r = await running
    const ms = performance.now() - t0
    console.log(`      SIGTERM during the NB wait -> returned in ${ms.toFixed(0)} ms`)
    expect(r.exitCode).to.equal(0)
    expect(r.doc).to.deep.include({stoppedBy: 'SIGTERM'})
    expect(ms).to.be.below(2000)
  })

  it('backs off a pass that always fails, reports it, and recovers when the cause is fixed', async () => {
    tablesBroken = true
    const port = await freePort()
    const running = runAdhocCmd('watch', args(port))
    // The command captures stdout while it runs: it is stopped whatever happens, so a failed
    // expectation here cannot swallow the rest of the suite's output.
    let stopped = false
    const stop = async (): Promise<Awaited<typeof running>> => {
      if (!stopped) process.emit('SIGTERM')
      stopped = true
      return running
    }

    try {
      await until('the first failed pass', () => tableCalls >= 1)
      await sleep(4000)
      // attempts at 0 s, 1-1.25 s, 3-3.75 s: a hot loop would have made thousands
      const m = (await get(port, '/metrics')).body
      const attempts = metric(m, 'ovn_bgp_reconcile_passes_total{result="error"}')
      expect(attempts).to.be.within(2, 3)
      expect(metric(m, 'ovn_bgp_reconcile_consecutive_failures')).to.equal(attempts)
      expect(metric(m, 'ovn_bgp_last_successful_reconcile_timestamp_seconds')).to.equal(0)
      expect(metric(m, 'ovn_bgp_reconcile_duration_seconds_count')).to.equal(attempts)
      // rt_tables is read once per attempt, and once by the start-up prefetch of the first pass's dumps
      expect(tableCalls).to.be.within(attempts, attempts + 2)
      const ready = await get(port, '/readyz')
      expect(ready.status).to.equal(503)
      expect(ready.body).to.match(/reconcile failing \(\d in a row, retry in \d+ s\): .*EACCES/)

      tablesBroken = false
      await until('the recovery pass', () => mem.has('address', '172.24.4.226/32'), 15_000)
      const after = (await get(port, '/metrics')).body
      expect(metric(after, 'ovn_bgp_reconcile_consecutive_failures')).to.equal(0)
      expect(metric(after, 'ovn_bgp_last_successful_reconcile_timestamp_seconds')).to.be.closeTo(Date.now() / 1000, 30)
      expect((await get(port, '/readyz')).status).to.equal(200)
      const r = await stop()
      expect(r.exitCode).to.equal(0)
      console.log(`      failing passes attempted in ~4 s: ${attempts} (stdout is captured until here)`)
    } finally {
      await stop()
    }
  })

  it('log_file: logs go there, SIGHUP reopens it after a rotation; driver and root_helper warned about', async () => {
    const log = join(state, 'agent.log')
    const conf = join(state, 'bgp-agent.conf')
    writeFileSync(
      conf,
      `[DEFAULT]\nlog_file = ${log}\n\n[agent]\nroot_helper = sudo ovn-bgp-agent-rootwrap /etc/ovn-bgp-agent/rootwrap.conf\n`,
    )
    const port = await freePort()
    const argv = args(port).filter((a, i, all) => a !== '--log-level' && all[i - 1] !== '--log-level')
    const running = runAdhocCmd('watch', [...argv, '--config-file', conf, '--log-level', 'info'])
    await until('the first pass', () => mem.has('address', '172.24.4.226/32'))
    const first = readFileSync(log, 'utf8')
    expect(first).to.match(
      /WARN {2}\[DEFAULT\] driver is not set: running the NB driver \(nb_ovn_bgp_driver\).*SB driver/,
    )
    expect(first).to.match(/WARN {2}\[agent\] root_helper is not used: .*must itself run as root/)
    expect(first).to.match(/INFO {2}reconcile .*trigger=start/)
    renameSync(log, `${log}.1`)
    process.emit('SIGHUP')
    await until(
      'the reopened file',
      () => existsSync(log) && readFileSync(log, 'utf8').includes('SIGHUP: log_file reopened'),
    )
    process.emit('SIGTERM')
    expect((await running).exitCode).to.equal(0)
    expect(readFileSync(log, 'utf8')).to.match(/INFO {2}stopping .*signal=SIGTERM/)
    expect(readFileSync(`${log}.1`, 'utf8')).to.not.match(/stopping/)
  })
})
