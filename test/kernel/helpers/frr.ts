// A private FRR (zebra + bgpd) for guest tests: every pid, socket, log and config under one
// directory, optionally inside a network namespace. Nothing in /etc/frr or /run/frr is used.
//   const frr = await Frr.start({netns: agent.name})
//   await frr.applyConfig('router bgp 64999\n ...')     // vtysh -f
//   await frr.vtysh('show bgp summary json')
//   await frr.stop()
import {existsSync, rmSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {inNs, killPidfiles, stateDir, waitFor} from './daemons.js'
import {host, must} from './guest.js'

const FRR_DIR = '/usr/lib/frr'

export interface FrrOptions {
  netns?: string
  /** State dir; default a new one under /tmp (removed by stop()). */
  dir?: string
  /** Extra bgpd arguments. */
  bgpdArgs?: string[]
}

export class Frr {
  private constructor(
    readonly dir: string,
    readonly netns: string | undefined,
    private readonly ownDir: boolean,
  ) {}

  static async start(opts: FrrOptions = {}): Promise<Frr> {
    const dir = opts.dir ?? stateDir('frr')
    const frr = new Frr(dir, opts.netns, opts.dir === undefined)
    writeFileSync(join(dir, 'empty.conf'), '')
    // The daemons drop privileges to frr:frr and must write their sockets and logs here.
    await must('chown', ['-R', 'frr:frr', dir])
    await frr.startDaemons(join(dir, 'empty.conf'), opts.bgpdArgs ?? [])
    return frr
  }

  /** One vtysh command; returns stdout, throws on a non-zero exit. */
  async vtysh(...commands: string[]): Promise<string> {
    const r = await must('vtysh', ['--vty_socket', this.dir, ...commands.flatMap((c) => ['-c', c])])
    return r.stdout
  }

  /** `show ... json` parsed. */
  async json<T = unknown>(command: string): Promise<T> {
    return JSON.parse(await this.vtysh(command)) as T
  }

  /** Applies a config text with `vtysh -f` (not atomic: see harness notes); returns the exit code. */
  async applyConfig(text: string): Promise<{code: number; stderr: string}> {
    const file = join(this.dir, `config-${Date.now()}.conf`)
    writeFileSync(file, text)
    const r = await host.run('vtysh', ['--vty_socket', this.dir, '-f', file])
    return {code: r.code, stderr: r.stderr}
  }

  /**
   * Stops zebra and bgpd and starts them again with `startupConfig` as their configuration file
   * (what an operator's frr.conf holds: the base BGP setup, not what ovn-bgp added at run time).
   */
  async restart(startupConfig: string): Promise<void> {
    await killPidfiles([join(this.dir, 'bgpd.pid'), join(this.dir, 'zebra.pid')])
    for (const f of ['zserv.api', 'bgpd.vty', 'zebra.vty']) rmSync(join(this.dir, f), {force: true})
    const conf = join(this.dir, 'startup.conf')
    writeFileSync(conf, startupConfig)
    await must('chown', ['frr:frr', conf])
    await this.startDaemons(conf, [])
  }

  private async startDaemons(conf: string, bgpdArgs: string[]): Promise<void> {
    const {dir} = this
    const common = ['-d', '-f', conf, '-z', join(dir, 'zserv.api'), '--vty_socket', dir, '-P', '0']
    await must(
      ...inNs(
        this.netns,
        join(FRR_DIR, 'zebra'),
        ...common,
        '-i',
        join(dir, 'zebra.pid'),
        '--log',
        `file:${join(dir, 'zebra.log')}`,
      ),
    )
    await waitFor('zebra socket', () => existsSync(join(dir, 'zserv.api')), 10_000)
    await must(
      ...inNs(
        this.netns,
        join(FRR_DIR, 'bgpd'),
        ...common,
        '-i',
        join(dir, 'bgpd.pid'),
        '--log',
        `file:${join(dir, 'bgpd.log')}`,
        ...bgpdArgs,
      ),
    )
    await waitFor('bgpd vty socket', () => existsSync(join(dir, 'bgpd.vty')), 10_000)
  }

  async stop(): Promise<void> {
    await killPidfiles([join(this.dir, 'bgpd.pid'), join(this.dir, 'zebra.pid')])
    if (this.ownDir) rmSync(this.dir, {recursive: true, force: true})
  }
}
