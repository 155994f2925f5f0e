// The kernel floor the benchmarks compare with, shared by kernel-event.ts and steady-cpu.ts: a
// scratch network namespace shaped like a node (VRF, dummy bgp-nic, bridge br-ex with table 200),
// the 4 kernel objects of one exposed port (bgp-nic address, ip rule, bridge-table route, permanent
// neighbour), and one `ip -force -batch -` process of a set of ops, timed.
import {execFileSync} from 'node:child_process'
import {mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import type {ObserveScope} from '../src/lib/kernel/types.js'
import type {StateObj} from '../src/lib/planner/types.js'

import {type CommandRunner, type RunOptions, type RunResult} from '../src/lib/exec/runner.js'
import {batchText} from '../src/lib/kernel/batch.js'
import {ipOpFor} from '../src/lib/kernel/commands.js'
import {host} from '../test/kernel/helpers/guest.js'

/** Runs `ip` in a network namespace (`-n NS` first), anything else as is; bare spawn (execa costs far more per process in the TCG guest). */
export class SpawnRunner implements CommandRunner {
  constructor(private readonly prefix: string[]) {}

  run(file: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
    return host.run(file, file === 'ip' ? [...this.prefix, ...args] : args, opts)
  }
}

export function port(i: number): StateObj[] {
  const addr = `10.${100 + Math.floor(i / 65_536)}.${Math.floor(i / 256) % 256}.${i % 256}`
  const mac = `fa:16:3e:${(Math.floor(i / 65_536) % 256).toString(16).padStart(2, '0')}:${(Math.floor(i / 256) % 256).toString(16).padStart(2, '0')}:${(i % 256).toString(16).padStart(2, '0')}`
  return [
    {kind: 'address', dev: 'bgp-nic', cidr: `${addr}/32`},
    {kind: 'rule', family: 4, dst: `${addr}/32`, table: 200, priority: 32_000},
    {kind: 'route', family: 4, table: 200, dst: `${addr}/32`, dev: 'br-ex', scope: 'link', proto: 3},
    {kind: 'neigh', family: 4, ip: addr, dev: 'br-ex', mac},
  ]
}

export const ports = (from: number, n: number): StateObj[] => Array.from({length: n}, (_, k) => port(from + k)).flat()
export const base: StateObj[] = [
  {kind: 'route', family: 4, table: 200, dst: 'default', dev: 'br-ex', scope: 'link', proto: 3},
  {kind: 'route', family: 6, table: 200, dst: 'default', dev: 'br-ex', proto: 3},
]

export interface Node {
  ns: string
  runner: SpawnRunner
  scope: ObserveScope
  stateDir: string
  close(): void
}

export function node(): Node {
  const ns = `kev-${process.pid}-${Math.floor(Math.random() * 1e6)}`
  const ip = (...a: string[]) => execFileSync('ip', ['-n', ns, ...a], {stdio: 'pipe'})
  execFileSync('ip', ['netns', 'add', ns])
  ip('link', 'set', 'lo', 'up')
  ip('link', 'add', 'bgp-vrf', 'type', 'vrf', 'table', '10')
  ip('link', 'add', 'bgp-nic', 'type', 'dummy')
  ip('link', 'set', 'bgp-nic', 'master', 'bgp-vrf')
  ip('link', 'add', 'br-ex', 'type', 'bridge')
  for (const d of ['bgp-vrf', 'bgp-nic', 'br-ex']) ip('link', 'set', d, 'up')
  return {
    ns,
    runner: new SpawnRunner(['-n', ns]),
    scope: {bgpNic: 'bgp-nic', bgpVrf: 'bgp-vrf', vrfTable: 10, bridges: [{name: 'br-ex', table: 200}]},
    stateDir: mkdtempSync(join(tmpdir(), 'kev-state-')),
    close: () => execFileSync('ip', ['netns', 'del', ns]),
  }
}

/** The floor: one `ip -force -batch -` process of the ops' lines. */
export async function floor(n: Node, objs: readonly StateObj[]): Promise<number> {
  const text = batchText(objs.map((o) => ipOpFor('add', o)!))
  const t0 = performance.now()
  const r = await n.runner.run('ip', ['-force', '-batch', '-'], {input: text})
  const ms = performance.now() - t0
  if (r.code !== 0) throw new Error(`floor batch failed: ${r.stderr.slice(0, 300)}`)
  // Not timed: take the floor's objects out again, so the next pass of ours does not prune them.
  await n.runner.run('ip', ['-force', '-batch', '-'], {input: batchText(objs.map((o) => ipOpFor('remove', o)!))})
  return ms
}
