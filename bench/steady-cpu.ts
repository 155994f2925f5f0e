// Benchmark (not a test): the daemon's CPU in steady state, in a real kernel (run it in the qemu
// guest: `sh bench/run-kernel-bench.sh steady-cpu 10000`).
// The e2e lab (test/kernel/helpers/lab.ts: NB ovsdb-server, a private Open vSwitch with br-ex, FRR
// with a gobgpd peer) plus N more VM ports bound here on the VLAN provider network, so N exposed
// addresses; the daemon is what `ovn-bgp watch` runs (test/kernel/helpers/daemon-child.ts, its
// one-file bundle, the production command runner) with the default intervals unless set:
// reconcile_interval 300 s, frr_reconcile_interval 15 s, metrics on (scraped only at the window's
// two ends). Once the first pass is done and every address is on bgp-nic, it waits SETTLE seconds,
// then reads the daemon's CPU (utime+stime of the process, the children it reaped and its live
// descendants: bench/proc-stats.ts) every 10 s for WINDOW seconds with no NB change, and prints the
// average share of one CPU, the per-10 s series (a periodic full pass shows as a spike), where the
// time went (daemon, ip, vtysh...), and the passes and FRR checks the metrics counted in the window.
// env: SETTLE (s, default 30), WINDOW (s, default 300), RECONCILE_INTERVAL (s, default 300),
//      FRR_RECONCILE_INTERVAL (s, default 15), CPU_PROF_DIR (the --cpu-prof output of the daemon and the cold sync),
//      EVENTS_E2E (after the window, that many single binds, one port per NB transaction, each
//      timed from the commit to its address on bgp-nic against the ip -batch floor of its 4 ops:
//      single-binds.ts; EVENT_GAP ms between them, default 2000; once the daemon has stopped, the
//      same 4 ops of each bound port timed again in the lab, at the node's size: singleBindsLabFloor),
//      BURST_E2E (ports; after the window and the single binds, BURST_ROUNDS bursts of that many ports bound in one NB
//      transaction each, timed to the last address on bgp-nic against the ip -batch floor),
//      BURST_TIMEOUT (s a burst may take, default 600), LAB_FLOOR (default 1; 0 skips the floors in
//      the lab, taken after the daemon stops: each burst's and the cold start's), COLD_SYNC (default
//      1; 0 skips the cold one-shot `ovn-bgp sync` timed against the cold start's lab floor),
//      COLD_WATCH (default 1; 0 skips the daemon's second cold start, in the lab floor's conditions),
//      COLD_WATCH_CLI (default 1: that start is `ovn-bgp watch` from the CLI bundle, as systemd runs
//      it; 0: the daemon child, which loads the daemon's modules only, no oclif),
//      COLD_ROUNDS (default 1: rounds of the cold floor, sync and watch, order rotated; 0: none), ORDERED_FLOOR
//      (1: each cold round, and each burst, also takes the floor with the addresses after the wiring), QUIET (s
//      at least between deleting the objects and each timed cold run, default 10; then until the
//      guest is quiet), DAEMON_NODE_FLAGS (more
//      node flags for the daemon, e.g. --trace-gc: its full collections in the window are printed).
import {type ChildProcess, spawn} from 'node:child_process'
import {readFileSync, writeFileSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'
import {fileURLToPath} from 'node:url'

import type {AgentConfig} from '../src/lib/config/types.js'
import type {StateObj} from '../src/lib/planner/types.js'

import {batchText} from '../src/lib/kernel/batch.js'
import {ipOpFor} from '../src/lib/kernel/commands.js'
import {Kernel} from '../src/lib/kernel/kernel.js'
import {parseRtTables} from '../src/lib/kernel/rt-tables.js'
import {NullLogger} from '../src/lib/log.js'
import {freePort, transact} from '../test/helpers/ovsdb-server.js'
import {host} from '../test/kernel/helpers/guest.js'
import {agentIni, startTopologyLab} from '../test/kernel/helpers/lab.js'
import {map} from '../test/kernel/helpers/topology.js'
import {floor, node, ports} from './kernel-floor.js'
import {
  cpuShares,
  cpuTimeline,
  mainWakeups,
  sharesText,
  threadCpu,
  threadText,
  treeCpu,
  waitQuiet,
} from './proc-stats.js'
import {percentile, singleBinds, type SingleBindsResult} from './single-binds.js'

const N = Number(process.argv[2] ?? 10_000)
const SETTLE_S = Number(process.env.SETTLE ?? 30)
const WINDOW_S = Number(process.env.WINDOW ?? 300)
const RECONCILE_S = Number(process.env.RECONCILE_INTERVAL ?? 300)
const FRR_S = Number(process.env.FRR_RECONCILE_INTERVAL ?? 15)
const STEP_S = 10
const BURST_E2E = Number(process.env.BURST_E2E ?? 0)
const BURST_TIMEOUT_S = Number(process.env.BURST_TIMEOUT ?? 600)
const QUIET_S = Number(process.env.QUIET ?? 10)
const BURST_ROUNDS = BURST_E2E > 0 ? Math.max(1, Number(process.env.BURST_ROUNDS ?? 3)) : 0
const EVENTS_E2E = Number(process.env.EVENTS_E2E ?? 0)
const EVENT_GAP_MS = Number(process.env.EVENT_GAP ?? 2000)
const log = (m: string): void => console.log(`[${new Date().toISOString().slice(11, 19)}] ${m}`)

const vmIp = (i: number): string => `172.25.${i >> 8}.${i & 255}`

/** The daemon's lines from..to, young-generation collections (DAEMON_NODE_FLAGS=--trace-gc) summed up at the end. */
function notable(lines: string[], from: number, to: number): string[] {
  const scavenges = lines
    .slice(from, to)
    .map((l) => /: Scavenge .* MB, ([\d.]+) \/ /.exec(l)?.[1])
    .filter((ms): ms is string => ms !== undefined)
  const kept = lines.slice(from, to).filter((l) => l.trim() && !/: Scavenge /.test(l))
  if (scavenges.length === 0) return kept
  // their count and pause time instead (a young generation collection of a large heap is not free)
  const ms = scavenges.reduce((a, b) => a + Number(b), 0)
  return [...kept, `(${scavenges.length} young-generation collections, ${ms.toFixed(0)} ms of pauses)`]
}

/** IPs of the VMs the bursts bound (from..from+n). */
function burstIps(from: number, n: number): Set<string> {
  return new Set(Array.from({length: n}, (_, k) => vmIp(from + k)))
}

/** The IP a kernel object is about (address, rule, route: the /32 or /128; neighbour, proxy: its IP). */
function ipOf(o: StateObj): string {
  const v = 'cidr' in o ? o.cidr : 'dst' in o ? o.dst : 'ip' in o ? o.ip : ''
  return String(v).split('/')[0]!
}

/** The daemon's resident and peak memory, and what the guest has left (MiB). */
function memory(pid: number): string {
  let status: string
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8')
  } catch {
    return `daemon ${pid} gone`
  }

  const kb = (re: RegExp, text: string): number => Number(re.exec(text)?.[1] ?? Number.NaN)
  const avail = kb(/^MemAvailable:\s+(\d+)/m, readFileSync('/proc/meminfo', 'utf8'))
  const mib = (k: number): string => `${Math.round(k / 1024)} MiB`
  return `daemon RSS ${mib(kb(/^VmRSS:\s+(\d+)/m, status))}, peak ${mib(kb(/^VmHWM:\s+(\d+)/m, status))}; guest MemAvailable ${mib(avail)}`
}

/** VM i on the lab's provider network (neutron-pub, VLAN 100 on br-ex), bound to this node, up. */
function portOps(from: number, n: number): unknown[] {
  const ops: unknown[] = ['OVN_Northbound']
  const names: string[] = []
  for (let i = from; i < from + n; i++) {
    const ip = vmIp(i)
    const mac = `fa:16:3e:10:${(i >> 8).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}`
    names.push(`vm${i}`)
    ops.push({
      op: 'insert',
      table: 'Logical_Switch_Port',
      'uuid-name': `vm${i}`,
      row: {
        name: `steady-vm-${i}`,
        addresses: `${mac} ${ip}`,
        up: true,
        options: map({'requested-chassis': 'compute-1'}),
        external_ids: map({
          'neutron:network_name': 'neutron-pub',
          'neutron:cidrs': `${ip}/16`,
          'neutron:host_id': 'compute-1',
        }),
      },
    })
  }

  ops.push({
    op: 'mutate',
    table: 'Logical_Switch',
    where: [['name', '==', 'neutron-pub']],
    mutations: [['ports', 'insert', ['set', names.map((u) => ['named-uuid', u])]]],
  })
  return ops
}

/**
 * The daemon's responsiveness while its planner builds after the cold start (a slice of main-thread
 * time at a time): /metrics scraped every 500 ms until the build's debug line, each scrape timed.
 */
async function scrapesDuringBuild(url: string, lines: string[]): Promise<void> {
  if (process.env.DAEMON_LOG_LEVEL !== 'debug') return // the build's line is at debug
  const built = (): string | undefined =>
    lines.find((l) => l.includes('incremental state built after the pass') || l.includes('build abandoned'))
  const ms: number[] = []
  const slow: string[] = []
  const t0 = performance.now()
  while (!built() && performance.now() - t0 < 300_000) {
    const t = performance.now()
    await (await fetch(url, {signal: AbortSignal.timeout(120_000)})).text()
    ms.push(performance.now() - t)
    if (ms.at(-1)! > 1000)
      slow.push(`${ms.at(-1)!.toFixed(0)} ms at ${new Date(Date.now() - ms.at(-1)!).toISOString()}`)
    await sleep(500)
  }

  const line = built()
  const sorted = [...ms].sort((a, b) => a - b)
  log(
    `after the first pass: ${line ? line.slice(line.indexOf('incremental')).slice(0, 200) : 'no build line within 300 s'}; /metrics meanwhile: ${ms.length} scrapes, median ${(sorted[sorted.length >> 1] ?? 0).toFixed(0)} ms, slowest ${(sorted.at(-1) ?? 0).toFixed(0)} ms${slow.length > 0 ? ` (over 1 s: ${slow.join(', ')})` : ''}`,
  )
}

/** The daemon's old generation in use and its count of full collections, from its /metrics. */
async function heapFigures(url: string): Promise<{oldMb: number; majors: number}> {
  const old = await metric(url, /^nodejs_heap_space_size_used_bytes\{space="(?:old|large_object)"\}/)
  return {oldMb: old / 1e6, majors: await metric(url, /^nodejs_gc_duration_seconds_count\{kind="major"\}/)}
}

/** Sum of a metric's samples whose line matches `re` (Prometheus text format). */
async function metric(url: string, re: RegExp): Promise<number> {
  const text = await (await fetch(url, {signal: AbortSignal.timeout(30_000)})).text()
  return text
    .split('\n')
    .filter((l) => re.test(l))
    .reduce((s, l) => s + Number(l.split(' ').at(-1)), 0)
}

/** IPv4 addresses on bgp-nic (0 while it does not exist: the daemon creates it at start). */
const bgpNicAddrs = async (): Promise<number> =>
  (await host.run('ip', ['-4', '-o', 'addr', 'show', 'dev', 'bgp-nic'])).stdout
    .split('\n')
    .filter((l) => l.includes('inet ')).length

/**
 * Resolves once bgp-nic holds `want` IPv4 addresses, with the time from `since` to the last of
 * them. Added addresses are counted from `ip monitor` (each line's arrival time kept), and a dump
 * every 2 s, or as soon as the monitor has counted enough, confirms the count. The end is when the
 * monitor's line for the last address arrived, if the monitor saw every address the dumps did not
 * already hold; otherwise when the confirming dump began (the last add happened before it). So
 * the figure does not include the bench's own polling (a dump of thousands of addresses takes a
 * second in the emulated guest).
 */
async function waitForAddrs(want: number, since: number, timeoutS = BURST_TIMEOUT_S): Promise<number> {
  // Not `dev bgp-nic`: at the cold start the daemon has not created it yet.
  const mon = spawn('ip', ['-4', '-o', 'monitor', 'address'], {stdio: ['ignore', 'pipe', 'ignore']})
  let seen = 0
  let lastSeenAt = since
  mon.stdout!.setEncoding('utf8').on('data', (d: string) => {
    for (const l of d.split('\n'))
      if (l.includes(' inet ') && / bgp-nic\b/.test(l) && !l.startsWith('Deleted')) {
        seen++
        lastSeenAt = performance.now()
      }
  })
  try {
    const first = await bgpNicAddrs()
    let have = first
    let dumpAt = performance.now()
    let lastDump = dumpAt
    while (have < want) {
      if (performance.now() - since > timeoutS * 1000)
        throw new Error(`${have} of ${want} addresses on bgp-nic after ${timeoutS} s`)
      await sleep(first + seen >= want ? 20 : 100)
      // A dump of thousands of addresses costs the guest's CPU: a safety net only (monitor lines lost)
      if (first + seen >= want || performance.now() - lastDump > 10_000) {
        dumpAt = performance.now()
        have = await bgpNicAddrs()
        lastDump = performance.now()
      }
    }

    return (first + seen >= want ? Math.min(lastSeenAt, dumpAt) : dumpAt) - since
  } finally {
    mon.kill()
  }
}

/**
 * BURST_E2E ports bound here in ONE NB transaction on a node with `present` ports exposed: from the
 * commit to the last address on bgp-nic (the daemon's whole path: NB monitor, planner, one pass,
 * the kernel), against the floor: one `ip -batch` of the same 4 ops per port in a scratch namespace
 * of the same guest (no FRR there, so the floor is the cheaper of the two).
 */
async function burst(
  nb: string,
  metricsUrl: string,
  d: {lines: string[]; pid: number},
  present: number,
  addrsBefore: number,
): Promise<number> {
  const {lines, pid} = d
  // As for the floors: the burst starts on a quiet guest, not while FRR, the peer and the daemon's
  // follow-ups (resync dump, ledger) still work through the previous burst.
  await quietGuest(pid)
  const linesAt0 = lines.length
  const cpu0 = cpuShares(pid)
  const timeline = cpuTimeline(['daemon', 'ip', 'ovs-vswitchd', 'zebra', 'bgpd', 'node'], pid)
  const t0 = performance.now()
  await transact(nb, portOps(present, BURST_E2E))
  const commitMs = performance.now() - t0
  const ms = await waitForAddrs(addrsBefore + BURST_E2E, t0).catch(async (error: unknown) => {
    // What the daemon was doing: its pass counters and state (a stalled burst is a finding).
    const text = await fetch(metricsUrl, {signal: AbortSignal.timeout(30_000)})
      .then(async (r) => r.text())
      .catch((error_: unknown) => `metrics not answered: ${(error_ as Error).message}`)
    const state = text.split('\n').filter((l) => /^ovn_bgp_(reconcile|nb_connection|exposed|nb_events)/.test(l))
    log(`burst stalled (${memory(pid)}); the daemon's metrics:\n${state.join('\n')}`)
    throw error
  })
  const shares = sharesText(cpu0, cpuShares(pid), (performance.now() - t0) / 1000)
  log(`  CPU seconds per second from the commit:\n${timeline.stop().join('\n')}`)
  await sleep(5000) // the pass's follow-ups (ledger, resync) out of the floor's way
  // what the daemon logged from the commit on (its passes' stages at DAEMON_LOG_LEVEL=debug)
  log(`  the daemon's lines during the burst:\n${notable(lines, linesAt0, lines.length).slice(-60).join('\n')}`)
  const n = node()
  let fl: number
  try {
    fl = await floor(n, ports(800_000 + present, BURST_E2E))
  } finally {
    n.close()
  }

  log(
    `burst: ${BURST_E2E} ports bound in one NB transaction (commit ${(commitMs / 1000).toFixed(2)} s) on ${present} exposed: all on bgp-nic after ${(ms / 1000).toFixed(2)} s | floor (${4 * BURST_E2E} ops, one ip -batch) ${(fl / 1000).toFixed(2)} s | ratio ${(ms / fl).toFixed(2)}x; ${memory(pid)}; during it: ${shares}`,
  )
  return ms
}

async function main(): Promise<void> {
  log(`steady-cpu: N=${N}, reconcile_interval ${RECONCILE_S} s, frr_reconcile_interval ${FRR_S} s`)
  const port = await freePort()
  const {lab, cfg} = await startTopologyLab({
    reconcileInterval: RECONCILE_S,
    frrReconcileInterval: FRR_S,
    metricsAddress: `127.0.0.1:${port}`,
  })
  let child: ChildProcess | undefined
  try {
    const t = performance.now()
    for (let i = 0; i < N; i += 1000) await transact(lab.nb.unix, portOps(i, Math.min(1000, N - i)))
    log(`NB: ${N} more ports bound here in ${((performance.now() - t) / 1000).toFixed(0)} s`)
    // The floor of the daemon's cold start: one `ip -batch` of the same 4 ops per port, in a scratch
    // namespace of this guest (no FRR there), measured before the daemon starts.
    const scratch = node()
    let coldFloor: number
    try {
      coldFloor = await floor(scratch, ports(900_000, N))
    } finally {
      scratch.close()
    }

    log(
      `floor: one ip -batch of ${4 * N} ops (${N} ports x 4) in a scratch namespace: ${(coldFloor / 1000).toFixed(2)} s`,
    )
    const cfgFile = join(lab.dir, 'daemon-config.json')
    writeFileSync(cfgFile, JSON.stringify(cfg))
    const d = await startDaemon(cfgFile, N)
    child = d.child
    const {lines, pid, allS} = d
    const addrs = await bgpNicAddrs()
    const x = (sec: number) => `${((sec * 1000) / coldFloor).toFixed(2)}x`
    log(
      `daemon (process start included): ${N} addresses on bgp-nic after ${allS.toFixed(1)} s = ${x(allS)} the floor; first pass done after ${d.firstS.toFixed(1)} s = ${x(d.firstS)}`,
    )
    const url = `http://127.0.0.1:${port}/metrics`
    await scrapesDuringBuild(url, lines)
    await sleep(SETTLE_S * 1000)
    const passes0 = await metric(url, /^ovn_bgp_reconcile_passes_total/)
    const passMs0 = await metric(url, /^ovn_bgp_reconcile_duration_seconds_sum/)
    const frr0 = await metric(url, /^ovn_bgp_frr_checks_total/)
    const heap0 = await heapFigures(url)
    const linesAt0 = lines.length
    const c0 = treeCpu(pid)!
    const threads0 = threadCpu(pid)
    const wakeups0 = mainWakeups(pid)
    const load0 = readFileSync('/proc/loadavg', 'utf8').trim()
    const series: number[] = []
    let prev = c0.seconds
    // the main thread's share of each step (the rest: the collector's helpers, the thread pool, children)
    const mainSeries: number[] = []
    let prevMain = threads0.get('main') ?? 0
    for (let s = 0; s < WINDOW_S; s += STEP_S) {
      await sleep(STEP_S * 1000)
      const c = treeCpu(pid)!.seconds
      series.push(c - prev)
      prev = c
      const m = threadCpu(pid).get('main') ?? 0
      mainSeries.push(m - prevMain)
      prevMain = m
    }

    const c1 = treeCpu(pid)!
    const threads1 = threadCpu(pid)
    const cpuS = c1.seconds - c0.seconds
    const passes = (await metric(url, /^ovn_bgp_reconcile_passes_total/)) - passes0
    const passS = (await metric(url, /^ovn_bgp_reconcile_duration_seconds_sum/)) - passMs0
    const frr = (await metric(url, /^ovn_bgp_frr_checks_total/)) - frr0
    const heap1 = await heapFigures(url)
    const by = Object.entries(c1.byComm)
      .map(([k, v]) => [k, v - (c0.byComm[k] ?? 0)] as const)
      .filter(([, v]) => v > 0.005)
      .map(([k, v]) => `${k} ${v.toFixed(2)} s`)
    log(
      `window ${WINDOW_S} s after ${SETTLE_S} s settle: daemon + children CPU ${cpuS.toFixed(2)} s = ${((100 * cpuS) / WINDOW_S).toFixed(2)} % of one CPU (target < 1 %)`,
    )
    log(`  by process: ${by.join(', ')}`)
    log(
      `  the daemon by thread: ${threadText(threads0, threads1)}; the main thread woke ${mainWakeups(pid) - wakeups0} times`,
    )
    log(`  per ${STEP_S} s: ${series.map((x) => x.toFixed(2)).join(' ')}`)
    log(`  of which the main thread: ${mainSeries.map((x) => x.toFixed(2)).join(' ')}`)
    const per = Math.max(1, Math.round(RECONCILE_S / STEP_S))
    const chunks = Array.from({length: Math.ceil(series.length / per)}, (_, i) => series.slice(i * per, (i + 1) * per))
    log(
      `  per reconcile_interval (${RECONCILE_S} s): ${chunks.map((c) => `${((100 * c.reduce((a, x) => a + x, 0)) / (c.length * STEP_S)).toFixed(2)} %`).join(', ')}`,
    )
    log(
      `  V8 old generation (old + large-object spaces) ${heap0.oldMb.toFixed(1)} -> ${heap1.oldMb.toFixed(1)} MB; full collections in the window: ${heap1.majors - heap0.majors}`,
    )
    log(
      `  in the window: ${passes} reconcile passes (${passS.toFixed(2)} s of pass time), ${frr} FRR checks, ${lines.length - linesAt0} log lines; loadavg at start ${load0}, at end ${readFileSync('/proc/loadavg', 'utf8').trim()}`,
    )
    log(`  memory: ${memory(pid)}`)
    const tail = lines.slice(linesAt0).filter((l) => l.trim())
    if (tail.length > 0) log(`  log lines in the window (last 10):\n${tail.slice(-10).join('\n')}`)
    // every daemon line from the end of the first pass (the settle time too: a pass that ends in the
    // window may begin before it) but the young-generation collections (DAEMON_NODE_FLAGS=--trace-gc)
    const started = lines.findIndex((l) => l.includes('daemon started'))
    log(
      `  the daemon's lines (scavenges left out) in the settle time:\n${notable(lines, started, linesAt0).slice(-150).join('\n')}`,
    )
    log(`  and in the window:\n${notable(lines, linesAt0, lines.length).slice(-150).join('\n')}`)
    let binds: SingleBindsResult | undefined
    if (EVENTS_E2E > 0) {
      const at = lines.length
      binds = await singleBinds({
        nb: lab.nb.unix,
        count: EVENTS_E2E,
        gapMs: EVENT_GAP_MS,
        first: N,
        portOps,
        ipOf: vmIp,
        log,
      })
      log(`  the daemon's lines during the single binds:\n${notable(lines, at, lines.length).slice(-80).join('\n')}`)
    }

    // the ports bound so far: N, then the single binds'; the bursts' come after them
    const bound = N + EVENTS_E2E
    const bursts: number[] = []
    for (let r = 0; r < BURST_ROUNDS; r++)
      bursts.push(await burst(lab.nb.unix, url, d, bound + r * BURST_E2E, addrs + EVENTS_E2E + r * BURST_E2E))
    await stopDaemon(child)
    if (binds) await singleBindsLabFloor(cfg, N, binds.latencies)
    if (process.env.LAB_FLOOR === '0') return
    // Each burst's floor in the lab (the same objects, FRR and the peer running), then the cold start's.
    for (const [r, ms] of bursts.entries()) {
      const what = `burst ${r + 1} on ${bound + r * BURST_E2E} exposed`
      const only = burstIps(bound + r * BURST_E2E, BURST_E2E)
      await labFloor(cfg, what, ms / 1000, {only})
      if (process.env.ORDERED_FLOOR === '1') await labFloor(cfg, what, ms / 1000, {only, addressesLast: true})
    }

    await coldRounds(cfg, lab.dir, cfgFile, allS, burstIps(N, EVENTS_E2E + BURST_ROUNDS * BURST_E2E))
  } finally {
    await stopDaemon(child)
    await lab.close()
  }
}

/**
 * Starts the daemon (what `ovn-bgp watch` runs) and times its cold start, from the spawn: the last
 * of the `want` addresses on bgp-nic (announced), and the first pass done (everything wired, flows
 * included: 'daemon started').
 */
async function startDaemon(
  cfgFile: string,
  want: number,
  /** Run `ovn-bgp watch --config-file ini` (the guest's CLI bundle, as systemd does) instead of the daemon child. */
  cliIni?: string,
): Promise<{child: ChildProcess; lines: string[]; pid: number; allS: number; firstS: number}> {
  const helpers = join(dirname(fileURLToPath(import.meta.url)), '..', 'test', 'kernel', 'helpers')
  // CPU_PROF_DIR: the daemon writes a V8 CPU profile there when it exits (SIGTERM at the end)
  const nodeFlags = profFlags()
  // DAEMON_NODE_FLAGS: more node/V8 flags for the daemon, e.g. --trace-gc
  nodeFlags.push(...(process.env.DAEMON_NODE_FLAGS ?? '').split(' ').filter(Boolean))
  const env = childEnv()
  const lines: string[] = []
  const started = performance.now()
  const level = process.env.DAEMON_LOG_LEVEL ?? 'info'
  const argv = cliIni
    ? [
        fileURLToPath(new URL('../cli/bin.mjs', import.meta.url)),
        'watch',
        '--config-file',
        cliIni,
        '--log-level',
        level,
      ]
    : [join(helpers, 'daemon-child.bundle.js'), cfgFile]
  // the daemon child says 'daemon started' once Agent.start() resolved, `ovn-bgp watch` 'watching'
  const startedLine = cliIni ? 'watching' : 'daemon started'
  const child = spawn(process.execPath, [...nodeFlags, ...argv], {stdio: ['ignore', 'pipe', 'pipe'], env})
  for (const s of [child.stdout!, child.stderr!])
    s.on('data', (d: Buffer) => {
      const got = d.toString().split('\n')
      lines.push(...got)
      // progress is visible while the guest runs (a cold pass of 10,000 ports takes minutes under TCG)
      if (process.env.BENCH_VERBOSE) for (const l of got) if (l.trim()) console.log(`  daemon: ${l.slice(0, 300)}`)
    })
  const addrsIn = waitForAddrs(want, started, 900)
  while (!lines.some((l) => l.includes(startedLine))) {
    if (child.exitCode !== null) throw new Error(`daemon exited:\n${lines.slice(-30).join('\n')}`)
    await sleep(500)
  }

  const firstS = (performance.now() - started) / 1000
  return {child, lines, pid: child.pid!, allS: (await addrsIn) / 1000, firstS}
}

/**
 * The cold start's lab floor, and (COLD_SYNC, COLD_WATCH) a cold one-shot sync and a second cold
 * start of the daemon in the same conditions, COLD_ROUNDS times (default 1), the order rotated per
 * round (the floor first in round 1: it gives the objects). Each starts QUIET s (default 10) after its
 * objects were deleted. Each round's ratios are against its own floor; medians after several rounds.
 */
async function coldRounds(
  cfg: AgentConfig,
  dir: string,
  cfgFile: string,
  firstStartS: number,
  leaveOut: ReadonlySet<string>,
): Promise<void> {
  const rounds = Number(process.env.COLD_ROUNDS ?? 1)
  if (rounds <= 0) return
  const kinds = [
    'floor',
    ...(process.env.ORDERED_FLOOR === '1' ? ['ordered'] : []),
    ...(process.env.COLD_SYNC === '0' ? [] : ['sync']),
    ...(process.env.COLD_WATCH === '0' ? [] : ['watch']),
  ]
  const got: Record<string, number[]> = {floor: [], ordered: [], sync: [], watch: []}
  let remove = ''
  for (let r = 0; r < rounds; r++) {
    const order = [...kinds.slice(r % kinds.length), ...kinds.slice(0, r % kinds.length)]
    const ms: Record<string, number> = {}
    const what = `cold start to all addresses, round ${r + 1}`
    for (const k of order) {
      switch (k) {
        case 'floor':
        case 'ordered': {
          const f = await labFloor(cfg, what, firstStartS, {leaveOut, addressesLast: k === 'ordered'})
          remove = f.remove
          ms[k] = f.ms
          break
        }

        case 'sync': {
          ms.sync = await coldSync(cfg, dir, remove)
          break
        }

        default: {
          ms.watch = await coldWatch(cfg, dir, cfgFile, remove)
        }
      }
    }

    for (const [k, v] of Object.entries(ms)) got[k]!.push(v)
    const vs = (k: string): string =>
      ms[k] === undefined
        ? ''
        : `, ${k} ${(ms[k] / 1000).toFixed(2)} s = ${(ms[k] / ms.floor!).toFixed(2)}x${
            ms.ordered === undefined ? '' : ` (${(ms[k] / ms.ordered).toFixed(2)}x the ordered floor)`
          }`
    const ordered =
      ms.ordered === undefined ? '' : `, ordered floor (addresses last) ${(ms.ordered / 1000).toFixed(2)} s`
    log(
      `cold round ${r + 1} (${order.join(', ')}): lab floor ${(ms.floor! / 1000).toFixed(2)} s${ordered}${vs('sync')}${vs('watch')}`,
    )
  }

  if (rounds < 2) return
  const med = (a: number[]): number => [...a].sort((x, y) => x - y)[a.length >> 1]!
  const ratios = (k: string, to: string): number[] => got[k]!.map((v, i) => v / got[to]![i]!)
  const against = (k: string, to: string): string =>
    `ratio to its round's ${to} ${med(ratios(k, to)).toFixed(2)}x (rounds: ${ratios(k, to)
      .map((x) => x.toFixed(2))
      .join(' ')})`
  const floors: string[] = kinds.filter((k) => k === 'floor' || k === 'ordered')
  log(
    `cold, medians of ${rounds} rounds: ${floors.map((f) => `${f} ${(med(got[f]!) / 1000).toFixed(2)} s`).join(', ')}${kinds
      .filter((k) => !floors.includes(k))
      .map((k) => `; ${k} ${(med(got[k]!) / 1000).toFixed(2)} s, ${floors.map((f) => against(k, f)).join(', ')}`)
      .join('')}`,
  )
}

/**
 * The daemon's cold start again, in the same lab state as the lab floor and the cold sync (FRR
 * configured and settled, the same objects deleted QUIET s before), timed to the last address.
 */
async function coldWatch(cfg: AgentConfig, dir: string, cfgFile: string, remove: string): Promise<number> {
  const want = await deleteQuietly(remove)
  // COLD_WATCH_CLI=0: the daemon child (no oclif, only the daemon's modules: about 1 s less to start in the guest)
  const viaCli = process.env.COLD_WATCH_CLI !== '0'
  const ini = join(dir, 'bench-agent.ini')
  if (viaCli) writeFileSync(ini, agentIni(cfg))
  const d = await startDaemon(cfgFile, want, viaCli ? ini : undefined)
  try {
    const pass = d.lines.find((l) => l.includes('trigger=start')) ?? ''
    const apply = d.lines.find((l) => l.includes('large kernel apply done')) ?? ''
    log(
      `cold watch (${viaCli ? 'ovn-bgp watch' : 'the daemon child'}), a later start (FRR configured): all ${want} addresses on bgp-nic after ${d.allS.toFixed(1)} s, first pass done after ${d.firstS.toFixed(1)} s\n  ${pass.slice(0, 400)}\n  ${apply.slice(0, 400)}`,
    )
    return d.allS * 1000
  } finally {
    await stopDaemon(d.child)
  }
}

/** The environment of a child node (daemon, CLI): source maps off, as in production. */
const childEnv = (): NodeJS.ProcessEnv => ({
  ...process.env,
  NODE_OPTIONS: (process.env.NODE_OPTIONS ?? '').replace('--enable-source-maps', ''),
})

/**
 * Before a timed cold run: counts the addresses on bgp-nic (what the run must bring back), deletes
 * the objects of `remove` (an `ip -batch` script, untimed) and waits QUIET s, then until the guest
 * is quiet (proc-stats.ts waitQuiet: FRR and the peer done with the withdrawals, 3 s in a row under
 * 10 % of the CPUs busy, at most 180 s).
 */
async function deleteQuietly(remove: string): Promise<number> {
  const want = await bgpNicAddrs()
  await host.run('ip', ['-force', '-batch', '-'], {input: remove})
  await quietGuest()
  return want
}

/** At least QUIET s, then until the guest is quiet (proc-stats.ts waitQuiet); says how long it took. */
async function quietGuest(daemon?: number): Promise<void> {
  const c0 = cpuShares(daemon)
  const q = await waitQuiet(QUIET_S)
  // who kept it busy, when it did not quiet down
  const who = q.quiet ? '' : `; meanwhile ${sharesText(c0, cpuShares(daemon), q.waitedS)}`
  log(
    `  quiet after ${q.waitedS.toFixed(0)} s (${(q.busy * 100).toFixed(1)} % of the CPUs busy in the last second${q.quiet ? '' : ', not quiet: gave up waiting'}${who})`,
  )
}

/** CPU_PROF_DIR: node flags that make a child write its V8 CPU profile there when it exits. */
const profFlags = (): string[] =>
  process.env.CPU_PROF_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.CPU_PROF_DIR}`] : []

async function stopDaemon(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null) return
  const exited = new Promise((resolve) => {
    child.once('exit', resolve)
  })
  child.kill('SIGTERM')
  await Promise.race([exited, sleep(20_000)])
}

/**
 * A floor in the lab itself (LAB_FLOOR, default on), with FRR and the peer reacting as they did to
 * the daemon: once the daemon has stopped (it leaves the datapath as it is), the kernel objects it
 * owns (read by the one-shot kernel layer, as `sync` would) are deleted by one `ip -batch`
 * (untimed), and after QUIET s re-added by one `ip -batch` (timed). Which objects: those of the IPs in
 * `only` (a burst's ports), or all but those in `leaveOut` (the cold start: the bursts' ports left
 * alone). `what` and `daemonS` name and give the daemon's figure the floor is compared with.
 */
/** The objects the daemon owns in the lab (read by the one-shot kernel layer, as `sync` would). */
async function ownedObjects(cfg: AgentConfig): Promise<StateObj[]> {
  const entry = parseRtTables(readFileSync(cfg.rtTablesPath, 'utf8')).find((e) => e.name === 'br-ex')
  if (!entry) throw new Error(`lab floor: no br-ex table in ${cfg.rtTablesPath}`)
  const k = new Kernel(host, {stateDir: cfg.stateDir}, new NullLogger())
  const owned = await k.observe({
    bgpNic: cfg.bgpNic,
    bgpVrf: cfg.bgpVrf,
    vrfTable: cfg.bgpVrfTableId,
    bridges: [{name: 'br-ex', table: entry.table}],
    adopt: [],
  })
  return owned.filter((o) => ['address', 'rule', 'route', 'neigh', 'ndp-proxy'].includes(o.kind))
}

/**
 * The single binds' floor in the lab, at the node's size: once the daemon has stopped, each bound
 * port's own 4 objects (address, rule, route, neighbour) are deleted by one `ip -batch` (untimed)
 * and, 0.5 s later, re-added by one (timed, spawn to exit), with the node's other N ports and FRR
 * and the peer in place. Unlike the scratch floor, it holds what the same ops cost in a kernel
 * of this size (10,000 rules in the priority band, 10,000 addresses on bgp-nic).
 */
async function singleBindsLabFloor(cfg: AgentConfig, first: number, latencies: number[]): Promise<void> {
  const owned = await ownedObjects(cfg)
  const floors: number[] = []
  for (let e = 0; e < latencies.length; e++) {
    const ip = vmIp(first + e)
    const objs = owned.filter((o) => ipOf(o) === ip)
    const batch = (action: 'add' | 'remove'): string => batchText(objs.flatMap((o) => ipOpFor(action, o) ?? []))
    await host.run('ip', ['-force', '-batch', '-'], {input: batch('remove')})
    await sleep(500)
    const t0 = performance.now()
    const r = await host.run('ip', ['-force', '-batch', '-'], {input: batch('add')})
    floors.push(performance.now() - t0)
    if (r.code !== 0) throw new Error(`single-bind lab floor: ${ip}: ${r.stderr.split('\n')[0]}`)
  }

  const ms = (x: number): string => `${x.toFixed(1)} ms`
  const [d50, d99, f50, f99] = [
    percentile(latencies, 50),
    percentile(latencies, 99),
    percentile(floors, 50),
    percentile(floors, 99),
  ]
  log(
    `single binds, lab floor (each port's ${owned.filter((o) => ipOf(o) === vmIp(first)).length} objects re-added by one ip -batch, daemon stopped, FRR and the peer running, ${N} other ports in place): p50 ${ms(f50)}, p99 ${ms(f99)} | the daemon p50 ${ms(d50)} = ${(d50 / f50).toFixed(2)}x, p99 ${ms(d99)} = ${(d99 / f99).toFixed(2)}x`,
  )
}

async function labFloor(
  cfg: AgentConfig,
  what: string,
  daemonS: number,
  sel: {only?: ReadonlySet<string>; leaveOut?: ReadonlySet<string>; addressesLast?: boolean},
): Promise<{ms: number; remove: string}> {
  const owned = (await ownedObjects(cfg)).filter((o) =>
    sel.only ? sel.only.has(ipOf(o)) : !sel.leaveOut?.has(ipOf(o)),
  )
  // The kernel lists addresses before rules, routes and neighbours, so the plain floor announces
  // first and zebra works through the announcements while `ip` wires. ovn-bgp announces an IP only
  // once its wiring is in (docs/operations.md, ovn_bgp_unannounced_ips): `addressesLast` takes
  // the same ops in that order, still in one batch.
  const objs = sel.addressesLast
    ? [...owned.filter((o) => o.kind !== 'address'), ...owned.filter((o) => o.kind === 'address')]
    : owned
  const batch = (action: 'add' | 'remove'): string => batchText(objs.flatMap((o) => ipOpFor(action, o) ?? []))
  const want = await deleteQuietly(batch('remove'))
  const cpu0 = cpuShares()
  const t0 = performance.now()
  // The observer that times the daemon runs here too: the floor is taken in the same conditions.
  const observed = waitForAddrs(want, t0)
  const r = await host.run('ip', ['-force', '-batch', '-'], {input: batch('add')})
  const ms = performance.now() - t0
  const shares = sharesText(cpu0, cpuShares(), ms / 1000)
  await observed
  // A failed line makes the floor cheaper than the daemon's work, never dearer: say which.
  const addText = batch('add').split('\n')
  const failedLines = [...r.stderr.matchAll(/Command failed -:(\d+)/g)].map((m) => addText[Number(m[1]) - 1])
  const failed =
    r.code === 0
      ? ''
      : `; exit ${r.code}, ${failedLines.length} failed line(s), first: ${failedLines.slice(0, 3).join(' | ')} (${r.stderr.split('\n')[0]})`
  log(
    `lab floor (${what}${sel.addressesLast ? ', addresses last' : ''}): the daemon's ${objs.length} kernel objects re-added by one ip -batch (FRR and the peer running) in ${(ms / 1000).toFixed(2)} s${failed}; the daemon ${daemonS.toFixed(2)} s = ${((daemonS * 1000) / ms).toFixed(2)}x; during it: ${shares}`,
  )
  return {ms, remove: batch('remove')}
}

/**
 * A cold `ovn-bgp sync` in the lab against the cold start's lab floor: the same objects deleted
 * again by one `ip -batch` (untimed, `remove`), and after QUIET s the one-shot CLI (the guest's
 * bundle, as a user runs it: process start, OVS, NB snapshot, planner, observe, apply) timed from
 * spawn to exit.
 */
async function coldSync(cfg: AgentConfig, dir: string, remove: string): Promise<number> {
  const want = await deleteQuietly(remove)
  const ini = join(dir, 'bench-agent.ini')
  writeFileSync(ini, agentIni(cfg))
  const cli = fileURLToPath(new URL('../cli/bin.mjs', import.meta.url))
  const env = childEnv()
  // Its own child (not host.run) to time when the JSON began and the process ended, and to stamp
  // each debug line with its offset from the spawn.
  const t0 = performance.now()
  const observed = waitForAddrs(want, t0) // as for the daemon and the floor
  const stamped: string[] = []
  let out = ''
  let firstOut = 0
  // CPU_PROF_DIR: the sync writes its V8 CPU profile there too (CPU.<date>.<pid>...cpuprofile)
  const sync = spawn(
    process.execPath,
    [...profFlags(), cli, 'sync', '--json', '--log-level', 'debug', '--config-file', ini],
    {
      env,
    },
  )
  sync.stdout.on('data', (d: Buffer) => {
    firstOut ||= performance.now() - t0
    out += d.toString()
  })
  sync.stderr.on('data', (d: Buffer) => {
    const at = ((performance.now() - t0) / 1000).toFixed(2)
    for (const l of d.toString().split('\n')) if (l.trim()) stamped.push(`+${at} s ${l.slice(0, 200)}`)
  })
  const code = await new Promise<number>((resolve) => {
    sync.once('close', (c) => resolve(c ?? -1))
  })
  const ms = performance.now() - t0
  await observed.catch(() => undefined) // a failed sync is reported below
  const r = {stdout: out, stderr: stamped.join('\n'), code}
  const doc = JSON.parse(r.stdout || '{}') as {
    added?: Record<string, number>
    failed?: unknown[]
    timings?: Record<string, number>
  }
  const added = Object.values(doc.added ?? {}).reduce((a, b) => a + b, 0)
  const kv = (o: Record<string, number> = {}): string =>
    Object.entries(o)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')
  log(
    `cold sync: ovn-bgp sync (one-shot CLI) added ${added} objects (${doc.failed?.length ?? '?'} failed, exit ${r.code}) in ${(ms / 1000).toFixed(2)} s${r.code === 0 ? '' : `; stderr: ${r.stderr.slice(0, 300)}`}`,
  )
  log(
    `  added by kind: ${kv(doc.added)}; timings (ms): ${kv(doc.timings)}; JSON began at ${(firstOut / 1000).toFixed(2)} s`,
  )
  if (process.env.BENCH_VERBOSE) for (const l of stamped) console.log(`  sync: ${l}`)
  return ms
}

await main()
