// The whole agent (`watch`'s Agent: NB client, event path, reconcile loop, FRR upkeep) on the host
// tier, for NB fault tests: real NB ovsdb-server(s), the kernel/FRR commands recorded instead of
// run. The recording runner answers the observe dumps as an empty node that has br-ex, the VRF and
// bgp-nic, so every pass re-adds all it wants: the `address add` lines of the last pass's batch
// are exactly the addresses the agent wants on bgp-nic at that moment.
//
// The daemon's watched kernel writes through long-lived `ip -force -batch -` children and reads a
// model fed by `ip monitor`; here both are a fake `ip` (fakeIp): a batch child hands each request
// (the lines before a sentinel) to the recorder as one `ip ... -batch -` call and answers in
// iproute2's stderr protocol (a failing line's text then "Command failed -:N", N counted over the
// child's life; the sentinel line always fails), so rule/route/neighbour lines succeed unless the
// recorder's answer says otherwise and the announce gate lets the bgp-nic addresses through. The
// monitor child is silent (the recorded node never changes), and every observe dumps afresh: the
// node really is empty after each pass, as the recorder applies nothing.
import type {ChildProcess} from 'node:child_process'

import {EventEmitter} from 'node:events'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {PassThrough} from 'node:stream'

import type {AgentConfig} from '../../../src/lib/config/types.js'

import {defaultConfig} from '../../../src/lib/config/index.js'
import {Agent} from '../../../src/lib/driver/agent.js'
import {type CommandRunner, RecordingRunner, type RunResult} from '../../../src/lib/exec/runner.js'
import {MarkerParser, type SpawnFn} from '../../../src/lib/kernel/batch-process.js'
import {StreamLogger} from '../../../src/lib/log.js'
import {defaultKernelFactory, type KernelFactory} from '../../../src/lib/reconciler/kernel-parts.js'
import {Runtime} from '../../../src/lib/runtime.js'

const LINKS = [
  {ifname: 'br-ex', flags: ['UP']},
  {ifname: 'bgp-vrf', flags: ['UP'], linkinfo: {info_kind: 'vrf', info_data: {table: 10}}},
  {ifname: 'bgp-nic', flags: ['UP'], master: 'bgp-vrf', linkinfo: {info_kind: 'dummy'}},
]

/** Dumps of a node with br-ex, the VRF and bgp-nic and nothing else; also `ip -json -batch` dumps (one line per command). */
export function emptyNodeAnswer(_file: string, args: readonly string[], input?: string): RunResult | undefined {
  const json = args.includes('-json') || args.includes('-j')
  if (json && args.includes('-batch') && input !== undefined) {
    const lines = input.split('\n').filter((l) => l.trim() !== '')
    return {
      code: 0,
      stdout: lines.map((l) => (/^link show\b/.test(l) ? JSON.stringify(LINKS) : '[]')).join('\n') + '\n',
      stderr: '',
    }
  }

  if (json && args.includes('link')) return {code: 0, stdout: JSON.stringify(LINKS), stderr: ''}
  if (json) return {code: 0, stdout: '[]', stderr: ''}
  return undefined
}

/** The line BatchProcess writes after every request (an unknown object: iproute2 rejects it). */
const SENTINEL = 'zzovnbgp-sentinel'

/** Enough of a ChildProcess for BatchProcess and KernelMonitor: pipes, exit state, kill, 'close'. */
class FakeIpChild extends EventEmitter {
  readonly stdin = new PassThrough()
  readonly stdout = new PassThrough()
  readonly stderr = new PassThrough()
  exitCode: number | null = null
  signalCode: NodeJS.Signals | null = null
  /** No real process: the monitor's readiness probe (/proc/<pid>/net/netlink) is skipped. */
  readonly pid = undefined

  kill(signal: NodeJS.Signals = 'SIGTERM'): boolean {
    if (this.exitCode !== null || this.signalCode !== null) return false
    this.signalCode = signal
    this.stdout.end()
    this.stderr.end()
    setImmediate(() => this.emit('close', null, signal))
    return true
  }
}

/**
 * A fake `ip` for the watched kernel's long-lived children. `ip ... monitor` stays silent. A batch
 * child collects stdin lines up to each sentinel and runs them as one request through `runner`
 * (`file args` with the lines as input, in order); failures in the answer's stderr, given as
 * iproute2 prints them ("text" then "Command failed -:n", n counted from 1 in the request), are
 * re-emitted with the child's cumulative line numbers, then the sentinel's own failure.
 */
function fakeIp(runner: CommandRunner): SpawnFn {
  return (file, args) => {
    const child = new FakeIpChild()
    if (args.includes('monitor')) return child as unknown as ChildProcess
    let partial = ''
    let lineNo = 0
    let first = 1
    let request: string[] = []
    let chain: Promise<void> = Promise.resolve()
    child.stdin.setEncoding('utf8').on('data', (d: string) => {
      const lines = (partial + d).split('\n')
      partial = lines.pop() ?? ''
      for (const l of lines) {
        lineNo++
        if (l !== SENTINEL) {
          request.push(l)
          continue
        }

        const req = request
        const start = first
        const sentinel = lineNo
        request = []
        first = lineNo + 1
        chain = chain.then(async () => {
          const r =
            req.length > 0
              ? await runner.run(file, args, {input: req.join('\n') + '\n'})
              : {code: 0, stdout: '', stderr: ''}
          let err = ''
          for (const {line, text} of new MarkerParser().feed(r.stderr + '\n'))
            err += `${text}\nCommand failed -:${start + line - 1}\n`
          if (child.signalCode === null)
            child.stderr.write(`${err}Object "${SENTINEL}" is unknown, try "ip help".\nCommand failed -:${sentinel}\n`)
        })
      }
    })
    return child as unknown as ChildProcess
  }
}

/**
 * The daemon's kernel layer over `runner` and fakeIp; every observe reads the (empty) node afresh.
 * No delta observation: a delta pass trusts the model to hold what it applied, and this recorded
 * node applies nothing (it is empty again after every pass), so every pass here is a full one.
 */
function recordedKernel(): KernelFactory {
  return (cfg, runner, logger, opts = {}) => {
    const parts = defaultKernelFactory(cfg, runner, logger, {...opts, spawn: fakeIp(runner)})
    const {layer} = parts
    return {
      ...parts,
      layer: {
        observe: (scope) => layer.observe({...scope, fresh: true}),
        apply: (plan, o) => layer.apply(plan, o),
        ...(layer.onDrift ? {onDrift: (l: (reason: string) => void) => layer.onDrift!(l)} : {}),
      },
    }
  }
}

/** A RecordingRunner that timestamps every `address add ... dev bgp-nic` it is given. */
class AddressRecorder extends RecordingRunner {
  /** [ms since epoch, address] for every bgp-nic address added, in order. */
  readonly adds: Array<[number, string]> = []
  /** The addresses of the last batch that added any. */
  last = new Set<string>()

  constructor() {
    super(emptyNodeAnswer)
  }

  override async run(
    file: string,
    args: readonly string[],
    opts: {input?: string; env?: Record<string, string>; timeoutMs?: number} = {},
  ): Promise<RunResult> {
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
  const agent = new Agent({
    rt: new Runtime(cfg, logger, {runner, ovsTimeoutMs: 300}, recordedKernel()),
    cfg,
    logger,
    debounceMs: 20,
  })
  try {
    await agent.start()
  } catch (error) {
    // A start that fails leaves no client, timer or child behind (mocha would never exit).
    await agent.stop()
    rmSync(dir, {recursive: true, force: true})
    throw error
  }

  return {
    agent,
    runner,
    logs,
    async close() {
      await agent.stop()
      rmSync(dir, {recursive: true, force: true})
    },
  }
}

const map = (o: Record<string, string>) => ['map', Object.entries(o)]

/** NB ops: the provider network neutron-pub and `n` VM ports vm-0.. bound to compute-1 (up = `up`). */
export function portsOps(n: number, up: (i: number) => boolean): unknown[] {
  const ops: unknown[] = [
    {
      op: 'insert',
      table: 'Logical_Switch_Port',
      'uuid-name': 'ln',
      row: {name: 'provnet-1', type: 'localnet', addresses: 'unknown', options: map({network_name: 'physnet1'})},
    },
  ]
  for (let i = 0; i < n; i++)
    ops.push({op: 'insert', table: 'Logical_Switch_Port', 'uuid-name': `p${i}`, row: portRow(i, up(i))})
  ops.push({
    op: 'insert',
    table: 'Logical_Switch',
    row: {
      name: 'neutron-pub',
      ports: ['set', [['named-uuid', 'ln'], ...Array.from({length: n}, (_, i) => ['named-uuid', `p${i}`])]],
    },
  })
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
