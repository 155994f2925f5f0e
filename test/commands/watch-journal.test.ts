// `ovn-bgp watch` under systemd: when JOURNAL_STREAM names the stream stderr is connected to, every
// text log line starts with the `<N>` syslog priority of journald's stream protocol (the prefix
// `journalctl -p warning` filters on) and carries no timestamp of its own. The daemon runs
// in-process against a real NB ovsdb-server; the NB server is killed once so that warnings appear,
// and FRR is absent so that an error appears.
import {expect} from 'chai'
import {fstatSync, mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import type {OvsdbServer} from '../helpers/ovsdb-server.js'

import {journalStream} from '../../src/lib/journal-stream.js'
import {JOURNAL_PRIORITY, type LogLevel} from '../../src/lib/log.js'
import {requireTools} from '../helpers/require.js'
import {useTestRuntime} from '../helpers/runtime-fake.js'
import {waitFor} from '../helpers/wait.js'
import {MemoryKernel, nodeArgs, runAdhocCmd, startNb} from './adhoc-harness.js'

const until = (what: string, ok: () => boolean, timeoutMs = 20_000): Promise<true> => waitFor(what, ok, timeoutMs, 25)

const LEVEL_OF_WORD: Record<string, LogLevel> = {DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error'}

describe('watch under systemd (JOURNAL_STREAM)', function () {
  this.timeout(90_000)
  let nb: OvsdbServer
  let state: string
  let mem: MemoryKernel
  let restoreRuntime = (): void => {}
  const savedEnv = process.env.JOURNAL_STREAM
  const stderrWrite = process.stderr.write.bind(process.stderr)
  let lines: string[]

  beforeEach(async function () {
    requireTools(this, ['ovsdb-server', 'ovsdb-tool'])
    nb = await startNb()
    state = mkdtempSync(join(tmpdir(), 'watch-journal-'))
    mem = new MemoryKernel()
    restoreRuntime = useTestRuntime({ovsTimeoutMs: 50}, () => mem.parts())
    lines = []
  })

  afterEach(async () => {
    process.stderr.write = stderrWrite
    if (savedEnv === undefined) delete process.env.JOURNAL_STREAM
    else process.env.JOURNAL_STREAM = savedEnv
    restoreRuntime()
    await nb?.stop()
    rmSync(state, {recursive: true, force: true})
  })

  function captureStderr(): void {
    let partial = ''
    process.stderr.write = ((chunk: string | Uint8Array) => {
      partial += String(chunk)
      const parts = partial.split('\n')
      partial = parts.pop() ?? ''
      lines.push(...parts)
      return true
    }) as typeof process.stderr.write
  }

  it('detects the journal only when JOURNAL_STREAM is the device:inode of stderr', () => {
    const st = fstatSync(2, {bigint: true})
    expect(journalStream({JOURNAL_STREAM: `${st.dev}:${st.ino}`})).to.equal(true)
    expect(journalStream({JOURNAL_STREAM: `${st.dev}:${st.ino + 1n}`}), 'stderr redirected elsewhere').to.equal(false)
    expect(journalStream({JOURNAL_STREAM: 'garbage'})).to.equal(false)
    expect(journalStream({})).to.equal(false)
  })

  it('prefixes every line with the priority of its level and no timestamp', async () => {
    const st = fstatSync(2, {bigint: true})
    process.env.JOURNAL_STREAM = `${st.dev}:${st.ino}`
    const args = [
      ...nodeArgs(nb.unix, state).filter((a, i, all) => a !== '--log-level' && all[i - 1] !== '--log-level'),
    ]
    args.push(
      '--frr-vty-socket',
      join(state, 'no-frr'),
      '--bgp-router-id',
      '192.0.2.1',
      '--log-level',
      'debug',
      '--json',
    )
    captureStderr()
    const running = runAdhocCmd('watch', args)
    await until('the first pass', () => mem.has('address', '172.24.4.226/32'))
    await nb.kill('SIGKILL') // the agent warns about the lost NB connection and retries
    await until('a warning', () => lines.some((l) => l.startsWith('<4>')))
    await nb.start()
    process.emit('SIGTERM')
    const r = await running
    process.stderr.write = stderrWrite
    expect(r.exitCode).to.equal(0)

    const seen = new Set<LogLevel>()
    for (const line of lines) {
      const m = /^<([0-7])>(DEBUG|INFO|WARN|ERROR) +\S/.exec(line)
      expect(m, `journal stream line: ${line}`).to.not.equal(null)
      const level = LEVEL_OF_WORD[m![2]!]!
      expect(Number(m![1]), line).to.equal(JOURNAL_PRIORITY[level])
      expect(line, 'journald stamps lines itself').to.not.match(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/)
      seen.add(level)
    }

    expect([...seen].sort(), 'every level appeared').to.deep.equal(['debug', 'error', 'info', 'warn'])
    // what `journalctl -p warning` keeps: priorities 0..4
    const warnings = lines.filter((l) => Number(l.slice(1, 2)) <= 4)
    expect(warnings.length).to.be.greaterThan(0)
    expect(warnings.every((l) => /^<[34]>(WARN|ERROR)/.test(l))).to.equal(true)
  })

  it('keeps --log-json lines unchanged under the journal', async () => {
    const st = fstatSync(2, {bigint: true})
    process.env.JOURNAL_STREAM = `${st.dev}:${st.ino}`
    const args = [
      ...nodeArgs(nb.unix, state),
      '--frr-vty-socket',
      join(state, 'no-frr'),
      '--bgp-router-id',
      '192.0.2.1',
      '--log-json',
      '--json',
    ]
    captureStderr()
    const running = runAdhocCmd('watch', args)
    await until('the first pass', () => mem.has('address', '172.24.4.226/32'))
    process.emit('SIGTERM')
    await running
    process.stderr.write = stderrWrite
    expect(lines.length).to.be.greaterThan(0)
    for (const line of lines) {
      const obj = JSON.parse(line) as {ts: string; level: string; msg: string}
      expect(obj.ts).to.match(/^\d{4}-\d\d-\d\dT/)
      expect(obj.level).to.be.oneOf(['debug', 'info', 'warn', 'error'])
    }
  })
})
