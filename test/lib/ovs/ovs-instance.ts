// A private Open vSwitch for integration tests: ovsdb-server + ovs-vswitchd (userspace datapath)
// with all state in a mkdtemp directory, ovs-vswitchd inside a private network namespace (its
// persistent taps outlive it and go away with the namespace, harness pitfall 8). Stopped by pidfile.
import {execFileSync} from 'node:child_process'
import {existsSync, mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {alive} from '../../helpers/process.js'
import {sleep} from '../../helpers/wait.js'

let seq = 0
export class OvsInstance {
  readonly dir: string
  readonly netns: string
  readonly env: Record<string, string>

  private constructor(area: string) {
    this.dir = mkdtempSync(join(tmpdir(), `${area}-ovs-`))
    this.netns = `${area}-${process.pid}-${++seq}`
    this.env = {OVS_RUNDIR: this.dir, OVS_DBDIR: this.dir, OVS_LOGDIR: this.dir}
  }

  get dbRemote(): string {
    return `unix:${join(this.dir, 'db.sock')}`
  }

  static async start(area = 'ovslt'): Promise<OvsInstance> {
    const o = new OvsInstance(area)
    execFileSync('ip', ['netns', 'add', o.netns])
    execFileSync('ip', ['-n', o.netns, 'link', 'set', 'lo', 'up'])
    execFileSync('ovsdb-tool', ['create', join(o.dir, 'conf.db'), '/usr/share/openvswitch/vswitch.ovsschema'])
    o.run('ovsdb-server', [
      join(o.dir, 'conf.db'),
      `--remote=punix:${join(o.dir, 'db.sock')}`,
      '--pidfile',
      '--log-file',
      '--detach',
      '--no-chdir',
      '-vconsole:off',
    ])
    o.vsctl(['--no-wait', 'init'])
    execFileSync(
      'ip',
      [
        'netns',
        'exec',
        o.netns,
        'ovs-vswitchd',
        `unix:${join(o.dir, 'db.sock')}`,
        '--pidfile',
        '--log-file',
        '--detach',
        '--no-chdir',
        '-vconsole:off',
      ],
      {
        env: {...process.env, ...o.env},
        stdio: 'pipe',
      },
    )
    return o
  }

  run(cmd: string, args: string[], input?: string): string {
    return execFileSync(cmd, args, {
      env: {...process.env, ...this.env},
      encoding: 'utf8',
      stdio: 'pipe',
      ...(input === undefined ? {} : {input}),
    })
  }

  vsctl(args: string[]): string {
    return this.run('ovs-vsctl', args).trim()
  }

  ofctl(args: string[], input?: string): string {
    return this.run('ovs-ofctl', args, input)
  }

  /** A netdev bridge with `patch` ports (peers on a second bridge, as ovn-controller would plug). */
  addBridge(name: string): void {
    this.vsctl(['add-br', name, '--', 'set', 'Bridge', name, 'datapath_type=netdev'])
  }

  addPatch(bridge: string, port: string, peerBridge: string, peer: string): void {
    this.vsctl([
      '--may-exist',
      'add-port',
      bridge,
      port,
      '--',
      'set',
      'Interface',
      port,
      'type=patch',
      `options:peer=${peer}`,
      '--',
      '--may-exist',
      'add-port',
      peerBridge,
      peer,
      '--',
      'set',
      'Interface',
      peer,
      'type=patch',
      `options:peer=${port}`,
    ])
  }

  /** Restarts ovs-vswitchd (SIGTERM, wait, start): the database stays, the flow tables come back empty. */
  async restartVswitchd(): Promise<void> {
    const file = join(this.dir, 'ovs-vswitchd.pid')
    const pid = Number(readFileSync(file, 'utf8').trim())
    try {
      process.kill(pid, 'SIGTERM')
    } catch {}

    for (let i = 0; i < 200 && alive(pid); i++) await sleep(50)
    execFileSync(
      'ip',
      [
        'netns',
        'exec',
        this.netns,
        'ovs-vswitchd',
        `unix:${join(this.dir, 'db.sock')}`,
        '--pidfile',
        '--log-file',
        '--detach',
        '--no-chdir',
        '-vconsole:off',
      ],
      {
        env: {...process.env, ...this.env},
        stdio: 'pipe',
      },
    )
  }

  async stop(): Promise<void> {
    for (const d of ['ovs-vswitchd', 'ovsdb-server']) {
      const file = join(this.dir, `${d}.pid`)
      if (!existsSync(file)) continue
      const pid = Number(readFileSync(file, 'utf8').trim())
      if (!(pid > 0)) continue
      try {
        process.kill(pid, 'SIGTERM')
      } catch {}

      for (let i = 0; i < 100 && alive(pid); i++) await sleep(50)
    }

    try {
      execFileSync('ip', ['netns', 'del', this.netns])
    } catch {}

    rmSync(this.dir, {recursive: true, force: true})
  }
}
