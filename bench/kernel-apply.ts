// Benchmark (not a test): exposing N provider ports from cold, in a real kernel (run it in the
// qemu guest with bench/run-kernel-bench.sh). Each port is 4 kernel objects (bgp-nic address, ip
// rule, route in the bridge table, permanent neighbour). Measured in one run, same objects:
//   ours      Kernel.apply: one `ip -batch` process per object group
//   per-op    one `ip` process per object (what one privileged call per operation costs)
//   upstream  per-op, plus a dump of every route before each route add (upstream's existence
//             check, which makes its cold sync quadratic in the number of exposed IPs, spec §11)
// Usage: node bench/kernel-apply.js [N]   (default 300 ports = 1,200 operations)
import {execFileSync} from 'node:child_process'
import {mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import type {StateObj} from '../src/lib/planner/types.js'

import {ExecRunner} from '../src/lib/exec/runner.js'
import {type IpOp, ipOpFor} from '../src/lib/kernel/commands.js'
import {Kernel} from '../src/lib/kernel/kernel.js'
import {NullLogger} from '../src/lib/log.js'

const N = Number(process.argv[2] ?? 300)
const NS = `bench-${process.pid}`
const ip = (...args: string[]) => execFileSync('ip', ['-n', NS, ...args], {stdio: 'pipe'})

function objects(n: number): StateObj[] {
  const out: StateObj[] = []
  for (let i = 0; i < n; i++) {
    const addr = `172.24.${100 + Math.floor(i / 250)}.${1 + (i % 250)}`
    const mac = `fa:16:3e:00:${(Math.floor(i / 256) % 256).toString(16).padStart(2, '0')}:${(i % 256).toString(16).padStart(2, '0')}`
    out.push(
      {kind: 'address', dev: 'bgp-nic', cidr: `${addr}/32`},
      {kind: 'rule', family: 4, dst: `${addr}/32`, table: 200, priority: 32_000},
      {kind: 'route', family: 4, table: 200, dst: `${addr}/32`, dev: 'br-ex', scope: 'link', proto: 3},
      {kind: 'neigh', family: 4, ip: addr, dev: 'br-ex', mac},
    )
  }

  return out
}

function ipOps(objs: readonly StateObj[], op: 'add' | 'remove'): IpOp[] {
  return objs.map((o) => ipOpFor(op, o)!)
}

function setup(): void {
  execFileSync('ip', ['netns', 'add', NS])
  ip('link', 'set', 'lo', 'up')
  ip('link', 'add', 'bgp-vrf', 'type', 'vrf', 'table', '10')
  ip('link', 'add', 'bgp-nic', 'type', 'dummy')
  ip('link', 'set', 'bgp-nic', 'master', 'bgp-vrf')
  for (const d of ['bgp-vrf', 'bgp-nic']) ip('link', 'set', d, 'up')
  ip('link', 'add', 'br-ex', 'type', 'bridge')
  ip('link', 'set', 'br-ex', 'up')
}

function perOp(ops: readonly IpOp[], dumpBeforeRoute: boolean): void {
  for (const o of ops) {
    if (dumpBeforeRoute && o.args[0] === 'route')
      execFileSync('ip', ['-n', NS, 'route', 'show', 'table', 'all'], {stdio: 'pipe', maxBuffer: 1 << 28})
    execFileSync('ip', ['-n', NS, ...(o.group === 'ip6' ? ['-6'] : []), ...o.args], {stdio: 'pipe'})
  }
}

function time(fn: () => unknown): number {
  const t0 = performance.now()
  fn()
  return performance.now() - t0
}

async function main(): Promise<void> {
  setup()
  try {
    const objs = objects(N)
    const runner = {
      run: (f: string, a: readonly string[], o?: object) =>
        new ExecRunner().run(f, f === 'ip' ? ['-n', NS, ...a] : a, o),
    }
    const kernel = new Kernel(runner, {stateDir: mkdtempSync(join(tmpdir(), 'bench-state-'))}, new NullLogger())
    const plan = {add: objs, remove: [], unchanged: 0}
    let t0 = performance.now()
    const results = await kernel.apply(plan)
    const ours = performance.now() - t0
    if (results.some((r) => !r.ok)) throw new Error('ours: some operations failed')
    t0 = performance.now()
    await kernel.apply({add: [], remove: objs, unchanged: 0})
    const oursDel = performance.now() - t0
    const row = (name: string, ms: number) =>
      `${name.padEnd(10)} ${(ms / 1000).toFixed(2).padStart(8)} s  ${(ms / ours).toFixed(1).padStart(6)}x`
    console.log(
      `kernel-apply: ${N} ports, ${objs.length} operations, kernel ${execFileSync('uname', ['-r']).toString().trim()}`,
    )
    console.log(row('ours', ours))
    console.log(`ours, removal: ${(oursDel / 1000).toFixed(2)} s`)
    const add = ipOps(objs, 'add')
    const del = ipOps(objs, 'remove')
    const perOpMs = time(() => perOp(add, false))
    console.log(row('per-op', perOpMs))
    time(() => perOp(del, false))
    const upstreamMs = time(() => perOp(add, true))
    console.log(row('upstream', upstreamMs))
    console.log(`ratio per-op/ours: ${(perOpMs / ours).toFixed(1)}; upstream/ours: ${(upstreamMs / ours).toFixed(1)}`)
  } finally {
    execFileSync('ip', ['netns', 'del', NS])
  }
}

await main()
