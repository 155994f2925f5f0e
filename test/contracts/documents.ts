// Real --json documents of the commands, produced in-process through oclif against a real NB
// ovsdb-server (the ad-hoc harness's topology) with the in-memory kernel standing in for the node.
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import type {OvsdbServer} from '../helpers/ovsdb-server.js'

import {type CmdRun, MemoryKernel, nodeArgs, runAdhocCmd, startNb} from '../commands/adhoc-harness.js'
import {useTestRuntime} from '../helpers/runtime-fake.js'
import {sleep} from '../helpers/wait.js'

/** Each verb with an NB object of the harness topology it applies to. */
export const VERB_RUNS: Record<string, string[]> = {
  'expose-ip': ['--port', 'vm1'],
  'withdraw-ip': ['--port', 'vm1'],
  'expose-fip': ['--port', 'vm3'],
  'withdraw-fip': ['--port', 'vm3'],
  'expose-lb-vip': ['--lb', 'lb2'],
  'withdraw-lb-vip': ['--lb', 'lb2'],
  'expose-lb-fip': ['--lb', 'lb1'],
  'withdraw-lb-fip': ['--lb', 'lb1'],
  'expose-subnet': ['--router', 'r1', '--network', 'neutron-priv'],
  'withdraw-subnet': ['--router', 'r1', '--network', 'neutron-priv'],
  'expose-remote-ip': ['--port', 'vm2'],
  'withdraw-remote-ip': ['--port', 'vm2'],
}

export class DocumentSource {
  nb!: OvsdbServer
  state!: string
  mem = new MemoryKernel()
  private restoreRuntime = (): void => {}

  async start(): Promise<void> {
    this.nb = await startNb()
    this.state = mkdtempSync(join(tmpdir(), 'contracts-'))
    this.restoreRuntime = useTestRuntime({ovsTimeoutMs: 50}, () => this.mem.parts())
  }

  async stop(): Promise<void> {
    this.restoreRuntime()
    await this.nb?.stop()
    if (this.state) rmSync(this.state, {recursive: true, force: true})
  }

  /** `ovn-bgp <id> <node flags> <extra> --json`. */
  run(id: string, ...extra: string[]): Promise<CmdRun> {
    return runAdhocCmd(id, [...nodeArgs(this.nb.unix, this.state), ...extra, '--json'])
  }

  /** `ovn-bgp <id> <extra> --json` without the node flags (for commands taking only some of them). */
  runBare(id: string, ...extra: string[]): Promise<CmdRun> {
    return runAdhocCmd(id, [...extra, '--log-level', 'error', '--json'])
  }

  /** doctor against the real NB server (OVS is absent: its checks fail or warn; the shape is the point). */
  doctor(): Promise<CmdRun> {
    return this.runBare(
      'doctor',
      '--ovn-nb-connection',
      this.nb.unix,
      '--ovsdb-connection',
      `unix:${join(this.state, 'no-ovs.sock')}`,
      '--chassis-name',
      'compute-1',
      '--chassis-id',
      'chassis-1',
      '--bridge-mappings',
      'physnet1:br-ex',
      '--frr-vty-socket',
      join(this.state, 'no-frr'),
      '--timeout',
      '2',
    )
  }

  /** frr-leak --dry-run: renders without FRR since the router id is configured. */
  frrLeakDryRun(): Promise<CmdRun> {
    return this.runBare('frr-leak', '--dry-run', '--state-dir', this.state, ...this.frr())
  }

  /** FRR is never reachable here: a socket directory that does not exist, a configured router id. */
  frr(): string[] {
    return ['--frr-vty-socket', join(this.state, 'no-frr'), '--bgp-router-id', '192.0.2.1']
  }

  /** watch on an empty node until its first full pass has exposed vm1, then SIGTERM. */
  async watch(): Promise<CmdRun> {
    this.mem = new MemoryKernel()
    const running = this.run('watch', ...this.frr())
    const t0 = Date.now()
    try {
      while (!this.mem.has('address', '172.24.4.226/32')) {
        if (Date.now() - t0 > 20_000) throw new Error('watch: no first pass within 20 s')
        await sleep(25)
      }
    } finally {
      process.emit('SIGTERM')
    }

    return running
  }
}
