// Where the periodic full dump's cost goes (the idle CPU of `watch`, bench/README.md): a scratch
// namespace shaped like a node with N exposed ports (kernel-floor.ts: bgp-nic address, rule,
// bridge-table route, permanent neighbour each; the kernel adds a local route per address in the
// VRF table), then, R times each:
//   - every show command of the dump as its own `ip` process: CPU of the process, bytes printed;
//   - the watched model's dump (dumpKernelText, the daemon's runner): wall, the daemon's own CPU,
//     the `ip` processes' CPU (reaped children), and how much it grew V8's old generation (what
//     decides the full collection after a periodic pass);
//   - the dump's fingerprint (dumpFingerprint) over that text;
//   - the main-thread pieces of a periodic pass on a node that changed since its last dump: the
//     dump parsed, loaded into a model, a second model patched to it (syncFrom, the resync), the
//     owned objects read from it, the diff of the desired state against them, and the set of the
//     desired keys (what a pass keeps for drift).
// Run in the guest: bench/run-kernel-bench.sh kernel-dump 10000
import v8 from 'node:v8'

import type {RunOptions, RunResult} from '../src/lib/exec/runner.js'
import type {ObserveScope} from '../src/lib/kernel/types.js'

import {ExecRunner} from '../src/lib/exec/runner.js'
import {batchText} from '../src/lib/kernel/batch.js'
import {ipOpFor} from '../src/lib/kernel/commands.js'
import {type DumpFingerprint, dumpFingerprint, sameDump} from '../src/lib/kernel/dump-fingerprint.js'
import {Ledger} from '../src/lib/kernel/ledger.js'
import {parseModelDump} from '../src/lib/kernel/model-resync.js'
import {KernelModel} from '../src/lib/kernel/model.js'
import {tablesOf} from '../src/lib/kernel/notify-keys.js'
import {
  dumpKernelText,
  type KernelDumpText,
  markedOnlyTables,
  type ObserveDeps,
  ownedObjects,
} from '../src/lib/kernel/observe.js'
import {diff} from '../src/lib/planner/diff.js'
import {objKey, type StateObj} from '../src/lib/planner/types.js'
import {base, node, ports} from './kernel-floor.js'
import {reapedCpu} from './proc-stats.js'

const N = Number(process.argv[2] ?? 1000)
const R = Number(process.env.ROUNDS ?? 3)

const ownCpu = (): number => {
  const u = process.cpuUsage()
  return (u.user + u.system) / 1e6
}

/** Bytes in V8's old and large-object spaces (where a dump's strings go). */
function oldBytes(): number {
  let n = 0
  for (const s of v8.getHeapSpaceStatistics())
    if (s.space_name === 'old_space' || s.space_name === 'large_object_space') n += s.space_used_size
  return n
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN
const f2 = (x: number): string => x.toFixed(2)

/** Where two dumps' parts first differ (a fingerprint that moved on an unchanged node). */
function showDifference(a: KernelDumpText, b: KernelDumpText): void {
  for (const k of ['general', 'fam4', 'fam6'] as const)
    for (const [i, pb] of a[k].entries()) {
      const p = pb.toString()
      const q = b[k][i]?.toString() ?? ''
      if (p === q) continue
      let j = 0
      while (p[j] === q[j]) j++
      const around = (t: string): string => t.slice(Math.max(0, j - 120), j + 80)
      console.log(`    ${k}[${i}] differs at character ${j}:\n      ${around(p)}\n      ${around(q)}`)
    }
}

/** The main-thread pieces of a periodic pass on a changed node (see the top), ms per round. */
async function periodicPieces(
  d: ObserveDeps,
  text: KernelDumpText,
  tables: number[],
  objs: readonly StateObj[],
  scope: ObserveScope,
): Promise<void> {
  console.log('\nperiodic pass pieces, ms: parse, load, syncFrom, owned, diff, key set')
  const timed = async <T>(f: () => Promise<T> | T): Promise<[T, number]> => {
    const t = performance.now()
    const r = await f()
    return [r, performance.now() - t]
  }

  for (let i = 0; i < R; i++) {
    const [dump, parse] = await timed(() => parseModelDump(text))
    const model = new KernelModel()
    const [, load] = await timed(() => model.load(dump, tables))
    const older = new KernelModel()
    older.load(parseModelDump(text), tables)
    const [, sync] = await timed(() => older.syncFrom(model))
    const [owned, own] = await timed(async () => ownedObjects({ledger: d.ledger}, model.raw(), {...scope, adopt: objs}))
    const [plan, dt] = await timed(() => diff(objs, owned))
    const [, keys] = await timed(() => new Set(objs.map((o) => objKey(o))))
    const f0 = (x: number): string => x.toFixed(0)
    console.log(
      `  round ${i + 1}: ${[parse, load, sync, own, dt, keys].map(f0).join('  ')} (${owned.length} owned, ${plan.add.length} to add)`,
    )
  }
}

async function main(): Promise<void> {
  const n = node()
  // The daemon's runner (execa), with every `ip` put in the namespace.
  const exec = new ExecRunner()
  const runner = {
    run: (file: string, args: readonly string[], opts?: RunOptions): Promise<RunResult> =>
      exec.run(file, file === 'ip' ? ['-n', n.ns, ...args] : args, opts),
  }
  try {
    const objs = [...base, ...ports(0, N)]
    const t0 = performance.now()
    const r = await n.runner.run('ip', ['-force', '-batch', '-'], {
      input: batchText(objs.map((o) => ipOpFor('add', o)!)),
    })
    if (r.code !== 0) throw new Error(`set-up batch failed: ${r.stderr.slice(0, 300)}`)
    console.log(`${N} ports: ${objs.length} objects added in ${f2((performance.now() - t0) / 1000)} s`)

    const d: ObserveDeps = {runner, ipPath: 'ip', sysctlPath: 'sysctl', ledger: Ledger.inDir(n.stateDir)}
    const tables = tablesOf(n.scope)
    const commands: [string, string[]][] = [
      ['link show', ['-json', '-details', 'link', 'show']],
      ['address show', ['-json', '-details', 'address', 'show']],
      ['neigh show nud permanent', ['-json', '-details', 'neigh', 'show', 'nud', 'permanent']],
      ['neigh show proxy', ['-json', '-details', 'neigh', 'show', 'proxy']],
      ['netconf show', ['-json', '-details', 'netconf', 'show']],
      ...(['-4', '-6'] as const).flatMap((fam): [string, string[]][] => [
        [`${fam} rule show`, [fam, '-N', '-d', '-json', 'rule', 'show']],
        ...tables.flatMap((t): [string, string[]][] => [
          [`${fam} route show table ${t}`, [fam, '-N', '-d', '-json', 'route', 'show', 'table', String(t)]],
          [
            `${fam} route show table ${t} proto boot`,
            [fam, '-N', '-d', '-json', 'route', 'show', 'table', String(t), 'proto', 'boot'],
          ],
        ]),
      ]),
    ]
    console.log('\none process per show command (median of rounds): CPU s, wall s, bytes')
    for (const [name, args] of commands) {
      const cpu: number[] = []
      const wall: number[] = []
      let bytes = 0
      for (let i = 0; i < R; i++) {
        const c0 = reapedCpu(process.pid)
        const w0 = performance.now()
        const out = await n.runner.run('ip', args)
        wall.push((performance.now() - w0) / 1000)
        cpu.push(reapedCpu(process.pid) - c0)
        bytes = out.stdout.length
      }

      console.log(`  ${name.padEnd(40)} ${f2(median(cpu))}  ${f2(median(wall))}  ${bytes}`)
    }

    console.log(
      "\nthe watched model's dump (dumpKernelText, execa): wall s, own CPU s, ip CPU s, old-gen growth MB, text MB; fingerprint ms",
    )
    let last: undefined | {fingerprint: DumpFingerprint; text: KernelDumpText}
    for (let i = 0; i < R; i++) {
      const o0 = oldBytes()
      const c0 = reapedCpu(process.pid)
      const u0 = ownCpu()
      const w0 = performance.now()
      const text = await dumpKernelText(d, tables, {netconf: true, markedOnly: markedOnlyTables(n.scope)})
      const wall = (performance.now() - w0) / 1000
      const own = ownCpu() - u0
      const kids = reapedCpu(process.pid) - c0
      const grew = (oldBytes() - o0) / 1e6
      const size = [...text.general, ...text.fam4, ...text.fam6].reduce((a, s) => a + s.length, 0) / 1e6
      const h0 = performance.now()
      const fingerprint = dumpFingerprint(text)
      const fp = performance.now() - h0
      // An unchanged node must give the same fingerprint every round (else no dump is ever kept).
      const same =
        last === undefined ? '' : sameDump(fingerprint, last.fingerprint) ? ', same fingerprint' : ', OTHER FINGERPRINT'
      console.log(
        `  round ${i + 1}: ${f2(wall)}  ${f2(own)}  ${f2(kids)}  ${f2(grew)}  ${f2(size)}; ${fp.toFixed(0)}${same}`,
      )
      if (last && !sameDump(fingerprint, last.fingerprint)) showDifference(last.text, text)
      last = {fingerprint, text}
    }

    if (last) await periodicPieces(d, last.text, tables, objs, n.scope)
  } finally {
    n.close()
  }
}

await main()
