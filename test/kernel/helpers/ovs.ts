// A private Open vSwitch (ovsdb-server + ovs-vswitchd with the kernel datapath) for guest tests.
// All state under one directory; every ovs-* tool must get `ovs.env` (OVS_RUNDIR/DBDIR/LOGDIR).
// ovs-vswitchd runs in `netns` when given, so bridges (internal ports) appear there.
//   const ovs = await PrivateOvs.start({netns: ns.name})
//   await ovs.vsctl('add-br', 'br-ex')
//   await ovs.stop()
import {rmSync} from 'node:fs'
import {join} from 'node:path'

import type {RunResult} from '../../../src/lib/exec/runner.js'

import {inNs, killPidfiles, stateDir} from './daemons.js'
import {host, must} from './guest.js'

const VSWITCH_SCHEMA = '/usr/share/openvswitch/vswitch.ovsschema'

export class PrivateOvs {
  readonly env: Record<string, string>

  private constructor(
    readonly dir: string,
    readonly netns: string | undefined,
    private readonly ownDir: boolean,
  ) {
    this.env = {OVS_RUNDIR: dir, OVS_DBDIR: dir, OVS_LOGDIR: dir}
  }

  /** The database socket, e.g. for config.ovsdbConnection. */
  get dbSocket(): string {
    return `unix:${join(this.dir, 'db.sock')}`
  }

  static async start(opts: {netns?: string; dir?: string} = {}): Promise<PrivateOvs> {
    const dir = opts.dir ?? stateDir('ovs')
    const ovs = new PrivateOvs(dir, opts.netns, opts.dir === undefined)
    const env = {env: ovs.env}
    await must('ovsdb-tool', ['create', join(dir, 'conf.db'), VSWITCH_SCHEMA], env)
    await must(
      'ovsdb-server',
      [
        join(dir, 'conf.db'),
        `--remote=punix:${join(dir, 'db.sock')}`,
        '--pidfile',
        '--log-file',
        '--detach',
        '--no-chdir',
        '-vconsole:off',
      ],
      env,
    )
    await must('ovs-vsctl', ['--no-wait', 'init'], env)
    await must(
      ...inNs(
        opts.netns,
        'ovs-vswitchd',
        ovs.dbSocket,
        '--pidfile',
        '--log-file',
        '--detach',
        '--no-chdir',
        '-vconsole:off',
      ),
      env,
    )
    return ovs
  }

  async vsctl(...args: string[]): Promise<string> {
    return (await must('ovs-vsctl', args, {env: this.env})).stdout
  }

  async ofctl(...args: string[]): Promise<string> {
    return (await must('ovs-ofctl', args, {env: this.env})).stdout
  }

  /** Any ovs-* tool with this instance's environment; does not throw. */
  run(tool: string, ...args: string[]): Promise<RunResult> {
    return host.run(tool, args, {env: this.env})
  }

  /**
   * Restarts ovs-vswitchd as a crash or `systemctl restart` would: the datapath and the database
   * stay, the OpenFlow tables come back empty. Resolves once the new daemon has read its config.
   */
  async restartVswitchd(): Promise<void> {
    await host.run('ovs-appctl', ['-t', 'ovs-vswitchd', 'exit'], {env: this.env, timeoutMs: 10_000})
    await killPidfiles([join(this.dir, 'ovs-vswitchd.pid')])
    await must(
      ...inNs(
        this.netns,
        'ovs-vswitchd',
        this.dbSocket,
        '--pidfile',
        '--log-file',
        '--detach',
        '--no-chdir',
        '-vconsole:off',
      ),
      {env: this.env},
    )
  }

  /** Stops vswitchd removing its datapath (so no internal ports are left behind), then the DB. */
  async stop(): Promise<void> {
    await host.run('ovs-appctl', ['-t', 'ovs-vswitchd', 'exit', '--cleanup'], {env: this.env, timeoutMs: 10_000})
    await killPidfiles([join(this.dir, 'ovs-vswitchd.pid'), join(this.dir, 'ovsdb-server.pid')])
    if (this.ownDir) rmSync(this.dir, {recursive: true, force: true})
  }
}
