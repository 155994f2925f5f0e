// Benchmark (not a test): the daemon's datapath part of reacting to NB, in a real kernel (run it in
// the qemu guest with bench/run-kernel-bench.sh kernel-event). One port = 4 kernel objects
// (bgp-nic address, ip rule, bridge-table route, permanent neighbour). Measured side by side:
//   event     N ports already present; one more port bound: the event pass a daemon runs, per
//             event, 30 events: observeDelta (the owned objects under the change's keys, read from
//             the watched model) + diffKeys + apply; floor = one `ip -batch` process of the same 4
//             ops. MODE=full measures the full pass instead (observe all + diff all), as before.
//   burst     1,000 ports (4,000 ops) in one delta pass (MODE=full: a full pass) vs one `ip -batch`
//             of the 4,000 ops
//   cold      N ports from an empty node: first observe (full dump) + diff + apply, by the daemon's
//             watched kernel and by the one-shot kernel (`sync`), vs one `ip -batch` of the ops
// The NB side (replica, desired state) is not part of these figures: see bench/nb-scale.ts.
// Usage: node bench/kernel-event.js [event N...] e.g. `node bench/kernel-event.js 1000 10000`;
// env COLD (ports, a comma list, default 5000; ROUNDS rounds each, default 3), BURST (ports, default 1000), EVENTS (default 30; 0: no
// event scenario).
import {execFileSync, spawn} from 'node:child_process'
import {setTimeout as sleep} from 'node:timers/promises'

import type {StateObj} from '../src/lib/planner/types.js'

import {Kernel} from '../src/lib/kernel/kernel.js'
import {WatchedKernel} from '../src/lib/kernel/watched.js'
import {NullLogger} from '../src/lib/log.js'
import {diff, diffKeys} from '../src/lib/planner/diff.js'
import {objKey} from '../src/lib/planner/types.js'
import {base, floor, type Node, node, port, ports} from './kernel-floor.js'

const SIZES = process.argv
  .slice(2)
  .map(Number)
  .filter((n) => n > 0)
const COLD = (process.env.COLD ?? '5000').split(',').map(Number)
const BURST = Number(process.env.BURST ?? 1000)
const EVENTS = Number(process.env.EVENTS ?? 30)
const MODE = process.env.MODE === 'full' ? 'full' : 'delta'

/** One daemon pass through the watched kernel: observe (model) + diff + apply. */
async function pass(
  wk: WatchedKernel,
  n: Node,
  desired: StateObj[],
): Promise<{ms: number; observe: number; diff: number; apply: number; ops: number}> {
  const t0 = performance.now()
  const observed = await wk.observe({...n.scope, adopt: desired})
  const t1 = performance.now()
  const plan = diff(desired, observed)
  const t2 = performance.now()
  const res = plan.add.length + plan.remove.length ? await wk.apply(plan, {ensureUp: ['br-ex']}) : []
  const t3 = performance.now()
  const bad = res.filter((r) => !r.ok)
  if (bad.length > 0) throw new Error(`pass: ${bad.length} failed, e.g. ${JSON.stringify(bad[0])}`)
  return {ms: t3 - t0, observe: t1 - t0, diff: t2 - t1, apply: t3 - t2, ops: plan.add.length + plan.remove.length}
}

/**
 * One event pass as the daemon's reconciler runs it on a watched node: the planner's delta (`keys`)
 * diffed against the owned objects under those keys (plus the keys notifications touched).
 * Falls back to a full pass when the watched kernel refuses a delta, and says so.
 */
async function deltaPass(
  wk: WatchedKernel,
  n: Node,
  want: Map<string, StateObj>,
  keys: string[],
): Promise<{ms: number; observe: number; diff: number; apply: number; ops: number; full: boolean}> {
  const t0 = performance.now()
  const d = await wk.observeDelta(n.scope, keys, (k) => want.get(k))
  if (!d) return {...(await pass(wk, n, [...want.values()])), full: true}
  const t1 = performance.now()
  const plan = diffKeys(
    d.keys,
    (k) => want.get(k),
    (k) => d.observed.get(k),
  )
  const t2 = performance.now()
  const res = plan.add.length + plan.remove.length ? await wk.apply(plan, {ensureUp: ['br-ex']}) : []
  const t3 = performance.now()
  const bad = res.filter((r) => !r.ok)
  if (bad.length > 0) throw new Error(`pass: ${bad.length} failed, e.g. ${JSON.stringify(bad[0])}`)
  return {
    ms: t3 - t0,
    observe: t1 - t0,
    diff: t2 - t1,
    apply: t3 - t2,
    ops: plan.add.length + plan.remove.length,
    full: false,
  }
}

/** Waits (untimed) until the model no longer holds the floor's objects: their removal notifications arrived. */
async function settled(wk: WatchedKernel, objs: readonly StateObj[]): Promise<void> {
  const held = () => objs.some((o) => o.kind === 'address' && wk.model.addrs.has(`${o.dev}|${o.cidr}`))
  for (let i = 0; i < 400 && held(); i++) await sleep(5)
}

const pct = (xs: number[], p: number): number =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))]!
const f = (ms: number): string => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(1)} ms`)

async function eventScenario(N: number): Promise<void> {
  const n = node()
  const wk = new WatchedKernel(n.runner, {stateDir: n.stateDir, ipArgs: ['-n', n.ns]}, new NullLogger())
  try {
    const desired = [...base, ...ports(0, N)]
    const want = new Map(desired.map((o) => [objKey(o), o]))
    const cold = await pass(wk, n, desired)
    const ours: number[] = []
    const parts = {observe: [] as number[], diff: [] as number[], apply: [] as number[]}
    const fl: number[] = []
    let fullPasses = 0
    const fullAt = new Set<number>()
    for (let k = 0; k < EVENTS; k++) {
      const change = port(N + k)
      desired.push(...change)
      for (const o of change) want.set(objKey(o), o)
      const r =
        MODE === 'full'
          ? {...(await pass(wk, n, desired)), full: true}
          : await deltaPass(
              wk,
              n,
              want,
              change.map((o) => objKey(o)),
            )
      if (r.ops !== 4) throw new Error(`event pass applied ${r.ops} ops, expected 4`)
      if (r.full) {
        fullPasses++
        fullAt.add(k)
      }

      ours.push(r.ms)
      parts.observe.push(r.observe)
      parts.diff.push(r.diff)
      parts.apply.push(r.apply)
      const floorObjs = port(500_000 + N + k)
      fl.push(await floor(n, floorObjs))
      await settled(wk, floorObjs)
    }

    const deltaOnly = ours.filter((_, i) => !fullAt.has(i))
    const p50 = pct(ours, 0.5)
    const f50 = pct(fl, 0.5)
    console.log(
      `event N=${N} ports (${desired.length} objects; set up in ${f(cold.ms)}): ours p50 ${f(p50)} p99 ${f(pct(ours, 0.99))} | floor p50 ${f(f50)} p99 ${f(pct(fl, 0.99))} | ratio p50 ${(p50 / f50).toFixed(2)}x p99 ${(pct(ours, 0.99) / pct(fl, 0.99)).toFixed(2)}x`,
    )
    console.log(
      `  ${MODE} passes; ours p50 by stage: observe ${f(pct(parts.observe, 0.5))}, diff ${f(pct(parts.diff, 0.5))}, apply ${f(pct(parts.apply, 0.5))}; ip processes started: ${wk.exec.starts}, full dumps: ${wk.dumps} (${wk.resyncs} background resyncs, last one found ${wk.lastResyncChanged} keys changed), unsure delta passes: ${wk.unsureDeltas}, full passes among the events: ${fullPasses}${deltaOnly.length > 0 ? `; delta passes alone: p50 ${f(pct(deltaOnly, 0.5))} p99 ${f(pct(deltaOnly, 0.99))}` : ''}`,
    )
  } finally {
    wk.close()
    n.close()
  }
}

async function burstScenario(): Promise<void> {
  const n = node()
  const wk = new WatchedKernel(n.runner, {stateDir: n.stateDir, ipArgs: ['-n', n.ns]}, new NullLogger())
  try {
    const desired = [...base, ...ports(0, 1000)]
    await pass(wk, n, desired)
    const change = ports(1000, BURST)
    desired.push(...change)
    const want = new Map(desired.map((o) => [objKey(o), o]))
    // As the daemon runs it: one delta pass over the burst's keys (MODE=full: a full pass).
    const r =
      MODE === 'full'
        ? {...(await pass(wk, n, desired)), full: true}
        : await deltaPass(
            wk,
            n,
            want,
            change.map((o) => objKey(o)),
          )
    const fl = await floor(n, ports(700_000, BURST))
    console.log(
      `burst ${BURST} ports (${r.ops} ops) on 1,000 present, ${r.full ? 'full' : 'delta'} pass${wk.unsureDeltas > 0 ? ' (unsure: a resync ran)' : ''}${wk.pauses > 0 ? `, ${wk.pauses} paused applies` : ''}: ours ${f(r.ms)} (observe ${f(r.observe)}, diff ${f(r.diff)}, apply ${f(r.apply)}) | floor ${f(fl)} | ratio ${(r.ms / fl).toFixed(2)}x`,
    )
  } finally {
    wk.close()
    n.close()
  }
}

/** One cold variant in a fresh namespace: ms, and for the watched kernel its stages. */
async function coldOnce(
  mode: 'watched' | 'one-shot' | 'floor',
  objs: readonly StateObj[],
): Promise<{ms: number; stages?: string}> {
  const n = node()
  try {
    if (mode === 'floor') return {ms: await floor(n, objs)}
    if (mode === 'one-shot') {
      const k = new Kernel(n.runner, {stateDir: n.stateDir}, new NullLogger())
      const t0 = performance.now()
      const plan = diff([...objs], await k.observe({...n.scope, adopt: [...objs]}))
      const res = await k.apply(plan, {ensureUp: ['br-ex']})
      const ms = performance.now() - t0
      if (res.some((r) => !r.ok)) throw new Error('one-shot: failures')
      return {ms}
    }

    const wk = new WatchedKernel(n.runner, {stateDir: n.stateDir, ipArgs: ['-n', n.ns]}, new NullLogger())
    try {
      const r = await pass(wk, n, [...objs])
      return {
        ms: r.ms,
        stages: `observe ${f(r.observe)}, apply ${f(r.apply)}${wk.pauses > 0 ? ', monitor paused' : ''}`,
      }
    } finally {
      wk.close()
    }
  } finally {
    n.close()
  }
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2
}

/**
 * Cold start of `cold` ports, ROUNDS times (default 3): each round runs the watched kernel (`watch`
 * start), the one-shot kernel (`sync`) and the floor, each in a fresh namespace, in an order that
 * rotates per round, so a slow spell of the emulated guest falls on every variant alike. The
 * ratios are of the medians.
 */
async function coldScenario(cold: number): Promise<void> {
  const objs = [...base, ...ports(0, cold)]
  const rounds = Math.max(1, Number(process.env.ROUNDS ?? 3))
  const modes = ['watched', 'one-shot', 'floor'] as const
  const got: Record<(typeof modes)[number], number[]> = {watched: [], 'one-shot': [], floor: []}
  for (let r = 0; r < rounds; r++) {
    const line: string[] = []
    for (let i = 0; i < modes.length; i++) {
      const mode = modes[(i + r) % modes.length]!
      const res = await coldOnce(mode, objs)
      got[mode].push(res.ms)
      line.push(`${mode} ${f(res.ms)}${res.stages ? ` (${res.stages})` : ''}`)
    }

    console.log(`cold ${cold} ports, round ${r + 1}/${rounds}: ${line.join(' | ')}`)
  }

  const fl = median(got.floor)
  console.log(
    `cold ${cold} ports (${objs.length} ops), median of ${rounds}: watched ${f(median(got.watched))} ${(median(got.watched) / fl).toFixed(2)}x | one-shot ${f(median(got['one-shot']))} ${(median(got['one-shot']) / fl).toFixed(2)}x | floor ${f(fl)}`,
  )
}

/**
 * What listening costs the kernel ops (MONITOR_COST=N): the floor of N ports (4N ops) in a fresh
 * namespace with nothing listening, with a bare `ip monitor` writing to /dev/null, and with an idle
 * watched kernel (monitor + the model fed in node).
 */
async function monitorCostScenario(ports_: number): Promise<void> {
  const objs = ports(0, ports_)
  const out: string[] = []
  for (const mode of ['none', 'ip-monitor', 'watched'] as const) {
    const n = node()
    let wk: WatchedKernel | undefined
    let mon: ReturnType<typeof spawn> | undefined
    try {
      if (mode === 'ip-monitor') {
        mon = spawn('ip', ['-n', n.ns, '-o', '-d', '-N', 'monitor', 'link', 'address', 'route', 'rule', 'neigh'], {
          stdio: ['ignore', 'ignore', 'ignore'],
        })
        await sleep(300)
      }

      if (mode === 'watched') {
        wk = new WatchedKernel(n.runner, {stateDir: n.stateDir, ipArgs: ['-n', n.ns]}, new NullLogger())
        await wk.observe({...n.scope, adopt: []})
      }

      const ms = await floor(n, objs)
      out.push(`${mode} ${f(ms)}${wk ? ` (${wk.resyncs} resyncs started after it)` : ''}`)
    } finally {
      mon?.kill()
      wk?.close()
      n.close()
    }
  }

  console.log(`monitor cost: one ip -batch of ${objs.length} ops with ${out.join(' | ')}`)
}

async function main(): Promise<void> {
  const cost = Number(process.env.MONITOR_COST ?? 0)
  if (cost > 0) {
    await monitorCostScenario(cost)
    return
  }

  console.log(`kernel-event: kernel ${execFileSync('uname', ['-r']).toString().trim()}, node ${process.version}`)
  if (EVENTS > 0) for (const N of SIZES.length > 0 ? SIZES : [1000, 10_000]) await eventScenario(N)
  if (BURST > 0) await burstScenario()
  for (const c of COLD) if (c > 0) await coldScenario(c)
}

await main()
