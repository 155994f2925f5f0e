// `ovn-bgp watch` under Type=notify: the real systemd-notify helper sends to a real AF_UNIX
// datagram socket (test/fixtures/notify-receiver.py stands in for systemd, which is not PID 1
// here). READY=1 comes only after the first full pass; WATCHDOG=1 keeps coming while the loop
// runs; STOPPING=1 at SIGTERM. The watchdog's rule (no keep-alive while a pass is stuck) is checked
// on its own below, with the notification seam recording instead of sending.
import {expect} from 'chai'
import {type ChildProcess, spawn} from 'node:child_process'
import {existsSync, mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {dirname, join, resolve} from 'node:path'
import {fileURLToPath} from 'node:url'

import type {OvsdbServer} from '../helpers/ovsdb-server.js'

import {SdNotify, startWatchdog} from '../../src/lib/driver/sd-notify.js'
import {Runtime, runtimeFactory} from '../../src/lib/runtime.js'
import {requireTools} from '../helpers/require.js'
import {MemoryKernel, nodeArgs, runAdhocCmd, startNb} from './adhoc-harness.js'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..')

async function until(what: string, ok: () => boolean, timeoutMs = 30_000): Promise<void> {
  const t0 = Date.now()
  while (!ok()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => {
      setTimeout(r, 25)
    })
  }
}

describe('watch under systemd Type=notify (real systemd-notify, real socket)', function () {
  this.timeout(120_000)
  let nb: OvsdbServer
  let state: string
  let mem: MemoryKernel
  let receiver: ChildProcess | undefined
  let messages: string[]
  const originalCreate = runtimeFactory.create
  const saved = {
    NOTIFY_SOCKET: process.env.NOTIFY_SOCKET,
    WATCHDOG_USEC: process.env.WATCHDOG_USEC,
    WATCHDOG_PID: process.env.WATCHDOG_PID,
  }

  beforeEach(async function () {
    requireTools(this, ['ovsdb-server', 'ovsdb-tool', 'systemd-notify', 'python3'])
    nb = await startNb()
    state = mkdtempSync(join(tmpdir(), 'watch-notify-'))
    mem = new MemoryKernel()
    runtimeFactory.create = (cfg, logger, opts = {}) =>
      new Runtime(cfg, logger, {...opts, ovsTimeoutMs: 50}, () => mem.parts())
    messages = []
    const sock = join(state, 'notify.sock')
    receiver = spawn('python3', [join(root, 'test', 'fixtures', 'notify-receiver.py'), sock], {
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    let buf = ''
    receiver.stdout!.on('data', (d) => {
      buf += String(d)
      const lines = buf.split('\n')
      buf = lines.pop() ?? ''
      messages.push(...lines.filter((l) => l !== 'bound'))
    })
    await until('the notification socket', () => existsSync(sock))
    process.env.NOTIFY_SOCKET = sock
    process.env.WATCHDOG_USEC = '600000'
    process.env.WATCHDOG_PID = String(process.pid)
  })

  afterEach(async () => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k]
      else process.env[k] = v
    }

    receiver?.kill()
    runtimeFactory.create = originalCreate
    await nb?.stop()
    rmSync(state, {recursive: true, force: true})
  })

  it('READY=1 after the first full pass, keep-alives while running, STOPPING=1 at SIGTERM', async () => {
    const args = [
      ...nodeArgs(nb.unix, state),
      '--frr-vty-socket',
      join(state, 'no-frr'),
      '--bgp-router-id',
      '192.0.2.1',
      '--json',
    ]
    let exposedAtReady: boolean | undefined
    const running = runAdhocCmd('watch', args)
    await until('READY=1', () => {
      const ready = messages.some((m) => m.includes('READY=1'))
      if (ready && exposedAtReady === undefined) exposedAtReady = mem.has('address', '172.24.4.226/32')
      return ready
    })
    expect(exposedAtReady, 'the first pass was complete when READY=1 arrived').to.equal(true)
    const ready = messages.find((m) => m.includes('READY=1'))!
    expect(ready).to.match(/STATUS=first reconcile done, \d+ addresses exposed/)
    expect(ready).to.include(`MAINPID=${process.pid}`)
    const pings = () => messages.filter((m) => m.includes('WATCHDOG=1')).length
    const before = pings()
    await until('two more keep-alives', () => pings() >= before + 2, 10_000)
    process.emit('SIGTERM')
    const r = await running
    expect(r.exitCode).to.equal(0)
    await until('STOPPING=1', () => messages.some((m) => m.includes('STOPPING=1')), 10_000)
  })

  it('no READY=1 and no keep-alives outside systemd', async () => {
    delete process.env.NOTIFY_SOCKET
    const n = new SdNotify()
    expect(n.enabled).to.equal(false)
    expect(n.watchdogMs).to.equal(undefined)
    await n.ready('x')
    await new Promise((r) => {
      setTimeout(r, 300)
    })
    expect(messages).to.deep.equal([])
  })
})

describe('watchdog keep-alive rule', () => {
  it('pings every half period while passes finish, stops while one is stuck, resumes after it', async () => {
    const sent: string[][] = []
    const n = new SdNotify({
      env: {NOTIFY_SOCKET: '/nonexistent', WATCHDOG_USEC: '200000'},
      exec: async (_f, args) => void sent.push(args),
    })
    expect(n.watchdogMs).to.equal(200)
    let running: number | undefined
    const stop = startWatchdog(n, () => running)
    await new Promise((r) => {
      setTimeout(r, 450)
    })
    const healthy = sent.length
    expect(healthy, 'one ping per 100 ms (fewer on a loaded machine)').to.be.within(2, 5)
    running = 5000 // a pass stuck for 5 s: longer than the 200 ms timeout
    await new Promise((r) => {
      setTimeout(r, 350)
    })
    const duringStuck = sent.length - healthy
    expect(duringStuck, 'at most the ping already due').to.be.at.most(1)
    running = undefined
    await new Promise((r) => {
      setTimeout(r, 250)
    })
    stop()
    expect(sent.length - healthy - duringStuck).to.be.greaterThan(0)
    expect(sent.every((a) => a[0] === `--pid=${process.pid}` && a[1] === 'WATCHDOG=1')).to.equal(true)
  })

  it('WATCHDOG_USEC for another pid is not ours', () => {
    expect(
      new SdNotify({env: {NOTIFY_SOCKET: '/x', WATCHDOG_USEC: '1000000', WATCHDOG_PID: '1'}, pid: 2}).watchdogMs,
    ).to.equal(undefined)
  })
})
