// Fault suite, item 7: a reconcile pass that fails on every attempt must not spin. The real daemon
// (what `ovn-bgp watch` runs, in a separate node process, from the transpiled sources) in the guest, with a
// real NB ovsdb-server carrying the e2e topology and a private Open vSwitch, in two broken set-ups:
//   A. OVS has no external_ids:system-id and chassis_id is not configured (the pass fails without
//      any I/O: before the backoff this ran ~600k passes in 6 s and starved the event loop);
//   B. rt_tables cannot be written (rt_tables_path below a regular file: ENOTDIR).
// Figures printed per case: the daemon's CPU share over the window (utime+stime from /proc), the
// failed passes and log lines in the window, the worst /healthz latency (probed every second),
// /readyz, and how long SIGTERM takes to end the process.
//
// The window is 30 s, not 60 s: the retries come at 1, 3, 7, 15 and 31 s after the first failure
// (1 s doubling, jitter only lengthens), so the first 30 s are where the failing passes are
// densest; a longer window only lowers the average.
import {expect} from 'chai'
import {type ChildProcess, spawn} from 'node:child_process'
import {mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {fileURLToPath, pathToFileURL} from 'node:url'

import {freePort, type OvsdbServer, startOvsdbServer, writeNbSchema} from '../helpers/ovsdb-server.js'
import {sleep} from '../helpers/wait.js'
import {stateDir, waitFor} from './helpers/daemons.js'
import {requireGuest} from './helpers/guest.js'
import {PrivateOvs} from './helpers/ovs.js'
import {createTopology} from './helpers/topology.js'

const WINDOW_MS = 30_000
const CLK_TCK = 100

/** utime + stime of a process, in seconds. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK
}

interface Daemon {
  child: ChildProcess
  lines: string[]
  exited: Promise<number | null>
}

/**
 * Runs the daemon in its own node process: what `ovn-bgp watch` runs (Agent on a Runtime that
 * waits for its dependencies, stopped on SIGTERM), from the transpiled sources, without oclif's
 * command loading (which does not finish in the TCG guest within minutes).
 */
function startDaemon(dir: string, cfg: Record<string, unknown>): Daemon {
  const lines: string[] = []
  const src = (p: string): string =>
    JSON.stringify(pathToFileURL(join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src', p)).href)
  const entry = join(dir, 'watch-entry.mjs')
  writeFileSync(
    entry,
    [
      `const {Agent} = await import(${src('lib/driver/agent.js')})`,
      `const {Runtime} = await import(${src('lib/runtime.js')})`,
      `const {StreamLogger} = await import(${src('lib/log.js')})`,
      `const {defaultConfig} = await import(${src('lib/config/index.js')})`,
      `const cfg = Object.freeze({...defaultConfig(), driver: 'nb_ovn_bgp_driver', ...${JSON.stringify(cfg)}})`,
      "const logger = new StreamLogger({level: 'info'}, {cmd: 'watch'})",
      'const agent = new Agent({rt: new Runtime(cfg, logger, {waitForever: true}), cfg, logger})',
      "const stopped = new Promise((resolve) => process.once('SIGTERM', () => resolve('SIGTERM')))",
      'const starting = agent.start().then(() => undefined)',
      "void starting.then(() => logger.info('daemon started'), () => undefined)",
      'const by = (await Promise.race([starting, stopped])) ?? (await stopped)',
      "logger.info('stopping', {signal: by})",
      'await agent.stop()',
      'await starting.catch(() => undefined)',
    ].join('\n'),
  )
  const child = spawn(process.execPath, [entry], {stdio: ['ignore', 'pipe', 'pipe']})
  child.stdout?.on('data', (d: Buffer) => lines.push(...d.toString().split('\n')))
  let buf = ''
  child.stderr?.on('data', (d: Buffer) => {
    buf += d.toString()
    const parts = buf.split('\n')
    buf = parts.pop() ?? ''
    lines.push(...parts)
  })
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => resolve(code))
  })
  return {child, lines, exited}
}

async function timedGet(url: string): Promise<{status: number; body: string; ms: number}> {
  const t0 = performance.now()
  const r = await fetch(url, {signal: AbortSignal.timeout(10_000)})
  const body = await r.text()
  return {status: r.status, body, ms: performance.now() - t0}
}

describe('fault suite 7: a persistently failing pass does not spin (real daemon)', function () {
  this.timeout(240_000)
  let dir: string
  let nb: OvsdbServer
  let ovs: PrivateOvs
  let daemon: Daemon | undefined

  before(async function () {
    requireGuest(this, ['ovsdb-server', 'ovs-vswitchd'])
    dir = stateDir('fault-hot-loop')
    mkdirSync(join(dir, 'nb'))
    nb = await startOvsdbServer({schema: writeNbSchema(dir), dir: join(dir, 'nb')})
    await createTopology(nb.unix)
    mkdirSync(join(dir, 'ovs'))
    ovs = await PrivateOvs.start({dir: join(dir, 'ovs')})
    await ovs.vsctl(
      '--',
      'add-br',
      'br-ex',
      '--',
      'set',
      'Open_vSwitch',
      '.',
      'external_ids:hostname=compute-1',
      'external_ids:ovn-bridge-mappings=physnet1:br-ex',
    )
    writeFileSync(join(dir, 'plain-file'), '')
  })

  afterEach(async () => {
    if (daemon && daemon.child.exitCode === null && daemon.child.signalCode === null) {
      daemon.child.kill('SIGKILL')
      await daemon.exited
    }

    daemon = undefined
  })

  after(async () => {
    await ovs?.stop()
    await nb?.stop()
  })

  async function measure(name: string, rtTables: string): Promise<void> {
    const port = await freePort()
    daemon = startDaemon(dir, {
      ovnNbConnection: nb.unix,
      ovsdbConnection: ovs.dbSocket,
      rtTablesPath: rtTables,
      stateDir: join(dir, 'state'),
      frrVtySocket: join(dir, 'no-frr'),
      bgpRouterId: '192.0.2.1',
      metricsAddress: `127.0.0.1:${port}`,
    })
    const d = daemon
    const failed = (): number => d.lines.filter((l) => l.includes('reconcile pass failed')).length
    // The window opens once start-up is over: the first pass fails inside Agent.start(), which then
    // still starts the FRR upkeep and the vswitchd watch; start-up CPU is not what is measured here.
    const started = (): boolean => d.lines.some((l) => l.includes('daemon started'))
    await waitFor(
      'the first failed pass and the end of start-up',
      () => (failed() >= 1 && started()) || d.child.exitCode !== null,
      180_000,
    ).catch((error: unknown) => {
      throw new Error(`${(error as Error).message}; daemon log:\n${d.lines.slice(-40).join('\n')}`)
    })
    expect(d.child.exitCode, `the daemon exited:\n${d.lines.slice(-20).join('\n')}`).to.equal(null)
    const pid = d.child.pid as number
    const cpu0 = cpuSeconds(pid)
    const t0 = performance.now()
    const failed0 = failed()
    const lines0 = d.lines.length
    let worstHealthz = 0
    let healthzFailed = 0
    while (performance.now() - t0 < WINDOW_MS) {
      // a probe unanswered within 10 s counts as 10 s and as failed (the figure is still printed)
      const h = await timedGet(`http://127.0.0.1:${port}/healthz`).catch(() => ({status: 0, body: '', ms: 10_000}))
      if (h.status !== 200) healthzFailed++
      worstHealthz = Math.max(worstHealthz, h.ms)
      await sleep(1000)
    }

    const wall = (performance.now() - t0) / 1000
    const cpu = cpuSeconds(pid) - cpu0
    const share = (100 * cpu) / wall
    const ready = await timedGet(`http://127.0.0.1:${port}/readyz`).catch(() => ({
      status: 0,
      body: 'no answer within 10 s',
      ms: 10_000,
    }))
    const metrics = (await timedGet(`http://127.0.0.1:${port}/metrics`).catch(() => ({body: ''}))).body
    const streak = Number(/^ovn_bgp_reconcile_consecutive_failures (\S+)$/m.exec(metrics)?.[1])

    const s0 = performance.now()
    d.child.kill('SIGTERM')
    const code = await Promise.race([
      d.exited,
      new Promise<'timeout'>((r) => {
        setTimeout(() => r('timeout'), 10_000)
      }),
    ])
    const sigtermMs = performance.now() - s0

    console.log(
      `      ${name}: CPU ${share.toFixed(2)}% over ${wall.toFixed(1)} s (${cpu.toFixed(2)} s), ` +
        `${failed() - failed0} failed passes and ${d.lines.length - lines0} log lines in the window, ` +
        `consecutive failures ${streak}, worst /healthz ${worstHealthz.toFixed(0)} ms (${healthzFailed} unanswered), ` +
        `/readyz ${ready.status} "${ready.body.trim().slice(0, 90)}", SIGTERM -> exit ${String(code)} in ${sigtermMs.toFixed(0)} ms`,
    )
    expect(share, 'daemon CPU share while failing').to.be.below(5)
    expect(failed() - failed0, 'failed passes in the window').to.be.at.most(6)
    expect(ready.status).to.equal(503)
    expect(ready.body).to.match(/reconcile failing/)
    expect(streak).to.be.at.least(4)
    expect(healthzFailed, '/healthz probes unanswered').to.equal(0)
    expect(worstHealthz, '/healthz stays responsive').to.be.below(1000)
    expect(code).to.equal(0)
    expect(sigtermMs, 'SIGTERM to exit').to.be.below(2000)
  }

  it('A: no OVS system-id and no chassis_id', async () => {
    await ovs.vsctl('remove', 'Open_vSwitch', '.', 'external_ids', 'system-id').catch(() => '')
    await measure('no system-id', join(dir, 'rt_tables'))
  })

  it('B: rt_tables not writable', async () => {
    await ovs.vsctl('set', 'Open_vSwitch', '.', 'external_ids:system-id=chassis-1')
    await measure('rt_tables unwritable', join(dir, 'plain-file', 'rt_tables'))
  })
})
