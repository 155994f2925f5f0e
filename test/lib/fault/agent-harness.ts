// The whole agent (`watch`'s Agent: NB client, event path, reconcile loop, FRR upkeep) on the host
// tier, for NB fault tests: real NB ovsdb-server(s), the kernel/FRR commands recorded instead of
// run. The recording runner answers the observe dumps as an empty node that has br-ex, the VRF and
// bgp-nic, so every pass re-adds all it wants: the `address add` lines of the last pass's batch
// are exactly the addresses the agent wants on bgp-nic at that moment.
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {defaultConfig} from '../../../src/lib/config/index.js'
import type {AgentConfig} from '../../../src/lib/config/types.js'
import {Agent} from '../../../src/lib/driver/agent.js'
import {RecordingRunner, type RunResult} from '../../../src/lib/exec/runner.js'
import {StreamLogger} from '../../../src/lib/log.js'
import {Runtime} from '../../../src/lib/runtime.js'

export function emptyNodeAnswer(_file: string, args: readonly string[]): RunResult | undefined {
  if (args.includes('-json') && args.includes('link')) {
    const links = [
      {ifname: 'br-ex', flags: ['UP']},
      {ifname: 'bgp-vrf', flags: ['UP'], linkinfo: {info_kind: 'vrf', info_data: {table: 10}}},
      {ifname: 'bgp-nic', flags: ['UP'], master: 'bgp-vrf', linkinfo: {info_kind: 'dummy'}},
    ]
    return {code: 0, stdout: JSON.stringify(links), stderr: ''}
  }
  if (args.includes('-json') || args.includes('-j')) return {code: 0, stdout: '[]', stderr: ''}
  return undefined
}

/** A RecordingRunner that timestamps every `address add ... dev bgp-nic` it is given. */
export class AddressRecorder extends RecordingRunner {
  /** [ms since epoch, address] for every bgp-nic address added, in order. */
  readonly adds: Array<[number, string]> = []
  /** The addresses of the last batch that added any. */
  last = new Set<string>()

  constructor() {
    super(emptyNodeAnswer)
  }

  override async run(file: string, args: readonly string[], opts: {input?: string; env?: Record<string, string>; timeoutMs?: number} = {}): Promise<RunResult> {
    if (opts.input !== undefined) {
      const now = Date.now()
      const batch = new Set<string>()
      for (const m of opts.input.matchAll(/^address add (\S+)\/\d+ dev bgp-nic$/gm)) {
        this.adds.push([now, m[1]!])
        batch.add(m[1]!)
      }
      if (batch.size > 0) this.last = batch
    }
    return super.run(file, args, opts)
  }

  /** First time `ip` was added at or after `since`. */
  firstAdd(ip: string, since: number): number | undefined {
    return this.adds.find(([t, a]) => a === ip && t >= since)?.[0]
  }
}

export interface HostAgent {
  agent: Agent
  runner: AddressRecorder
  logs: string[]
  close(): Promise<void>
}

export async function startHostAgent(nbRemote: string, over: Partial<AgentConfig> = {}): Promise<HostAgent> {
  const dir = mkdtempSync(join(tmpdir(), 'fault-agent-'))
  const cfg: AgentConfig = {
    ...defaultConfig(),
    driver: 'nb_ovn_bgp_driver',
    ovnNbConnection: nbRemote,
    ovsdbConnection: `unix:${join(dir, 'no-ovs.sock')}`,
    frrVtySocket: dir,
    bgpRouterId: '192.0.2.1',
    chassisName: 'compute-1',
    chassisId: 'chassis-1',
    bridgeMappings: [{physnet: 'physnet1', bridge: 'br-ex', index: 1}],
    rtTablesPath: join(dir, 'rt_tables'),
    stateDir: join(dir, 'state'),
    reconcileInterval: 3600,
    frrReconcileInterval: 3600,
    ...over,
  }
  const logs: string[] = []
  const logger = new StreamLogger({level: 'info', write: (l) => logs.push(l)})
  const runner = new AddressRecorder()
  const agent = new Agent({rt: new Runtime(cfg, logger, {runner, ovsTimeoutMs: 300}), cfg, logger, debounceMs: 20})
  await agent.start()
  return {
    agent,
    runner,
    logs,
    close: async () => {
      await agent.stop()
      rmSync(dir, {recursive: true, force: true})
    },
  }
}

const map = (o: Record<string, string>) => ['map', Object.entries(o)]

/** NB ops: the provider network neutron-pub and `n` VM ports vm-0.. bound to compute-1 (up = `up`). */
export function portsOps(n: number, up: (i: number) => boolean): unknown[] {
  const ops: unknown[] = [
    {op: 'insert', table: 'Logical_Switch_Port', 'uuid-name': 'ln', row: {name: 'provnet-1', type: 'localnet', addresses: 'unknown', options: map({network_name: 'physnet1'})}},
  ]
  for (let i = 0; i < n; i++) ops.push({op: 'insert', table: 'Logical_Switch_Port', 'uuid-name': `p${i}`, row: portRow(i, up(i))})
  ops.push({op: 'insert', table: 'Logical_Switch', row: {name: 'neutron-pub', ports: ['set', [['named-uuid', 'ln'], ...Array.from({length: n}, (_, i) => ['named-uuid', `p${i}`])]]}})
  return ['OVN_Northbound', ...ops]
}

export function portIp(i: number): string {
  return `100.64.${(i >> 8) & 255}.${i & 255}`
}

function portRow(i: number, up: boolean): Record<string, unknown> {
  const mac = `fa:16:3e:00:${((i >> 8) & 255).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}`
  return {
    name: `vm-${i}`,
    addresses: `${mac} ${portIp(i)}`,
    up,
    options: map({'requested-chassis': 'compute-1'}),
    external_ids: map({'neutron:network_name': 'neutron-pub', 'neutron:host_id': 'compute-1'}),
  }
}

/** The op that binds (up) or unbinds (down) port i. */
export function bindOp(i: number, up: boolean): unknown {
  return {op: 'update', table: 'Logical_Switch_Port', where: [['name', '==', `vm-${i}`]], row: {up}}
}
