// A private FRR (zebra + bgpd) for integration tests: every pid, socket and log in a mkdtemp
// directory chowned to frr:frr (the daemons drop privileges), running inside a private network
// namespace. Stopped by its pidfiles; nothing else is ever killed.
import {execFileSync} from 'node:child_process'
import {existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {alive} from '../../helpers/process.js'
import {waitFor} from '../../helpers/wait.js'

const FRR_LIB = '/usr/lib/frr'
let seq = 0

export class FrrInstance {
  readonly dir: string
  readonly netns: string

  private constructor(area: string) {
    this.dir = mkdtempSync(join(tmpdir(), `${area}-frr-`))
    this.netns = `${area}-${process.pid}-${++seq}`
  }

  /** Starts zebra and bgpd with an empty configuration. */
  static async start(area = 'frrlt'): Promise<FrrInstance> {
    const f = new FrrInstance(area)
    writeFileSync(join(f.dir, 'empty.conf'), '')
    execFileSync('chown', ['-R', 'frr:frr', f.dir])
    execFileSync('ip', ['netns', 'add', f.netns])
    execFileSync('ip', ['-n', f.netns, 'link', 'set', 'lo', 'up'])
    await f.startDaemon('zebra', 'zserv.api')
    await f.startDaemon('bgpd', 'bgpd.vty')
    return f
  }

  /** Runs a command inside the namespace. */
  exec(argv: string[]): string {
    return execFileSync('ip', ['netns', 'exec', this.netns, ...argv], {encoding: 'utf8'})
  }

  vtysh(command: string): string {
    return execFileSync('vtysh', ['--vty_socket', this.dir, '-c', command], {encoding: 'utf8'})
  }

  pid(daemon: string): number | undefined {
    const file = join(this.dir, `${daemon}.pid`)
    if (!existsSync(file)) return undefined
    const n = Number(readFileSync(file, 'utf8').trim())
    return Number.isInteger(n) && n > 0 ? n : undefined
  }

  async stopDaemon(daemon: string): Promise<void> {
    const pid = this.pid(daemon)
    if (pid === undefined) return
    try {
      process.kill(pid, 'SIGTERM')
    } catch {}

    await waitFor(`${daemon} ${pid} to exit`, () => !alive(pid), 10_000, 50)
    rmSync(join(this.dir, `${daemon}.pid`), {force: true})
  }

  /** Restarts bgpd: it comes back with the empty startup configuration. */
  async restartBgpd(): Promise<void> {
    await this.stopDaemon('bgpd')
    rmSync(join(this.dir, 'bgpd.vty'), {force: true})
    await this.startDaemon('bgpd', 'bgpd.vty')
  }

  async stop(): Promise<void> {
    await this.stopDaemon('bgpd')
    await this.stopDaemon('zebra')
    try {
      execFileSync('ip', ['netns', 'del', this.netns])
    } catch {}

    rmSync(this.dir, {recursive: true, force: true})
  }

  private async startDaemon(daemon: string, socket: string): Promise<void> {
    const d = this.dir
    execFileSync(
      'ip',
      [
        'netns',
        'exec',
        this.netns,
        join(FRR_LIB, daemon),
        '-d',
        '-f',
        join(d, 'empty.conf'),
        '-i',
        join(d, `${daemon}.pid`),
        '-z',
        join(d, 'zserv.api'),
        '--vty_socket',
        d,
        '-P',
        '0',
        '--log',
        `file:${join(d, `${daemon}.log`)}`,
      ],
      {stdio: 'pipe'},
    )
    await waitFor(`${daemon} socket`, () => existsSync(join(d, socket)) && this.pid(daemon) !== undefined, 10_000, 50)
  }
}
