// Benchmark (not a test): the NB side of a fleet of agents against a 3-member RAFT NB cluster
// behind 2 ovsdb-server relays, all on loopback.
//   node --import tsx bench/fleet.ts [--ports N] [--chassis C] [--agents K] [--full-agents F] [--writes W]
// Defaults: N=100000 ports over C=1000 chassis, K=200 scoped agents, F=2 agents per full mode, W=1000.
// Phases, each timed: populate; the writer alone (W neutron-like writes, transact latency); K
// chassis-scoped agents (real NbSource: client + replica + NbState + scope), their initial bytes
// and readiness; the writer again with them connected, three times: everything at the same CPU
// priority, the agents' process at nice 19, agents and relays at nice 19 (on a real fleet both run
// on other machines than the NB leader); full cluster restarts (bench/fleet-restart.ts: time until
// every agent holds the first write committed after it, with the steps in between and what each
// relay did), with writes since the members' last compaction and right after one, at the election
// timer and at --restart-election-timer; then F agents of each full mode
// (column-restricted NbSource, and upstream-like: every column of the tables the upstream agent
// monitors), bytes and the writer with them connected. Agents run in a child process
// (bench/fleet-agents.ts) and talk to the relays only; the writer, in this process, to the leader.
import {type ChildProcess, execFileSync, fork} from 'node:child_process'
import {mkdirSync, mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {setPriority, tmpdir} from 'node:os'
import {join} from 'node:path'
import {performance} from 'node:perf_hooks'
import {fileURLToPath} from 'node:url'

import type {AgentMode, AgentStats} from './fleet-agents.js'

import {ConnectionError, type Operation, OvsdbClient} from '../src/lib/ovsdb/index.js'
import {
  type ClusterMember,
  type OvsdbServer,
  startCluster,
  startRelay,
  writeNbSchema,
} from '../test/helpers/ovsdb-server.js'
import {FleetNb} from './fleet-nb.js'
import {leaderOf, marker, restart, type RestartContext, traceRelay} from './fleet-restart.js'

const DB = 'OVN_Northbound'
const arg = (name: string, def: number): number => {
  const i = process.argv.indexOf(`--${name}`)
  return i > 0 ? Number(process.argv[i + 1]) : def
}

const N = arg('ports', 100_000)
const C = arg('chassis', 1000)
const K = arg('agents', 200)
const F = arg('full-agents', 2)
const W = arg('writes', 1000)
const LIMIT_S = arg('limit', 1500)
/** RAFT election timer (ms): 8000 kept a loaded 2-vCPU machine from re-electing during population */
const ELECTION_MS = arg('election-timer', 8000)
/** election timer (ms) in force for the cluster restart; default: unchanged */
const RESTART_ELECTION_MS = arg('restart-election-timer', ELECTION_MS)

const guard = setTimeout(() => {
  console.error(`fleet bench: over the ${LIMIT_S} s limit, stopping`)
  process.kill(process.pid, 'SIGTERM') // the handler installed by main() stops the servers
}, LIMIT_S * 1000)
guard.unref()

const log = (msg: string): void => console.error(`[${new Date().toISOString().slice(11, 19)}] ${msg}`)
const sleep = (ms: number): Promise<void> =>
  new Promise((r) => {
    setTimeout(r, ms)
  })

function cpuSeconds(pid: number | undefined): number {
  if (!pid) return 0
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
    return (Number(f[11]) + Number(f[12])) / 100
  } catch {
    return 0
  }
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN
}

interface WriterResult {
  p50: number
  p99: number
  leaderCpu: number
  relayCpu: number
  agentsCpu: number
}

async function runWriter(
  writer: OvsdbClient,
  nb: FleetNb,
  members: ClusterMember[],
  relays: OvsdbServer[],
  n: number,
  agentsPid?: number,
): Promise<WriterResult> {
  const leader = leaderOf(members)
  const cpu0 = cpuSeconds(leader.server.pid)
  const acpu0 = cpuSeconds(agentsPid)
  const rcpu0 = relays.reduce((a, r) => a + cpuSeconds(r.pid), 0)
  const lat: number[] = []
  for (let i = 0; i < n; i++) {
    const ops = nb.randomWrite()
    const t = performance.now()
    await applied(writer, ops)
    lat.push(performance.now() - t)
  }

  lat.sort((a, b) => a - b)
  return {
    p50: pct(lat, 50),
    p99: pct(lat, 99),
    leaderCpu: cpuSeconds(leader.server.pid) - cpu0,
    relayCpu: relays.reduce((a, r) => a + cpuSeconds(r.pid), 0) - rcpu0,
    agentsCpu: cpuSeconds(agentsPid) - acpu0,
  }
}

/**
 * One transaction. ovsdb-server may re-run a transaction it already committed when leadership
 * changes under it: the rerun then fails with "duplicate uuid" (rows are inserted with their
 * uuid given), which means the first run was applied.
 */
async function applied(writer: OvsdbClient, ops: Operation[]): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await writer.transact(DB, ops)
      return
    } catch (error) {
      if ((error as {error?: string}).error === 'duplicate uuid') {
        log('transaction re-run after a leader change: already applied')
        return
      }

      // every write of the bench is idempotent (inserts name their uuid): a lost reply is retried
      if (!(error instanceof ConnectionError) || attempt >= 5) throw error
      log(`writer connection lost (${error.message}); retrying the transaction`)
    }
  }
}

const mean = (xs: number[]): number => (xs.length > 0 ? xs.reduce((a, b) => a + b, 0) / xs.length : Number.NaN)
const kib = (b: number): string => `${(b / 1024).toFixed(1)} KiB`

/** The agents' process (bench/fleet-agents.ts) and its request/reply channel. */
class AgentsProcess {
  private nextId = 1
  private readonly pending = new Map<number, (m: Record<string, unknown>) => void>()

  private constructor(readonly child: ChildProcess) {
    child.on('message', (m: Record<string, unknown> & {id: number}) => {
      this.pending.get(m.id)?.(m)
      this.pending.delete(m.id)
    })
  }

  static spawn(): AgentsProcess {
    return new AgentsProcess(
      fork(fileURLToPath(new URL('fleet-agents.ts', import.meta.url)), [], {
        execArgv: ['--import', 'tsx'],
        stdio: 'inherit',
      }),
    )
  }

  get pid(): number | undefined {
    return this.child.pid
  }

  /** nice value of the agents' process (0 = the writer's and the servers' priority) */
  nice(n: number): void {
    if (this.child.pid) setPriority(this.child.pid, n)
  }

  async request<T>(cmd: string, args: Record<string, unknown> = {}): Promise<T> {
    const id = this.nextId++
    const reply = new Promise<Record<string, unknown>>((resolve) => {
      this.pending.set(id, resolve)
    })
    this.child.send({id, cmd, ...args})
    const m = await reply
    if (typeof m.error === 'string') throw new Error(`agents: ${m.error}`)
    return m as T
  }

  start(remotes: string, chassis: number[], mode: AgentMode): Promise<{startS: number}> {
    return this.request('start', {remotes, chassis, mode, group: 10})
  }

  async stats(): Promise<AgentStats[]> {
    return (await this.request<{agents: AgentStats[]}>('stats')).agents
  }

  async wait(seq: number, timeoutMs: number): Promise<{firstS: number; lastS: number}> {
    const r = await this.request<{firstS: number; lastS: number; missing: number; ok: boolean}>('wait', {
      seq,
      timeoutMs,
    })
    if (!r.ok) throw new Error(`${r.missing} agents never held marker ${seq}`)
    return r
  }

  async close(): Promise<void> {
    await this.request('close')
  }

  stop(): void {
    this.child.kill('SIGTERM')
  }
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'fleet-bench-'))
  const nb = new FleetNb(N, C)
  const out: Record<string, unknown> = {
    ports: N,
    chassis: C,
    agents: K,
    fullAgents: F,
    writes: W,
    tenants: nb.tenants,
    routers: nb.routers,
    networkers: nb.networkers.length,
    electionTimerMs: ELECTION_MS,
    restartElectionTimerMs: RESTART_ELECTION_MS,
  }
  log(`cluster + relays in ${dir}`)
  const members = await startCluster(writeNbSchema(dir), DB, 3, dir)
  const cluster = members.map((m) => m.remote).join(',')
  const relays: OvsdbServer[] = []
  for (const r of ['r0', 'r1']) {
    mkdirSync(join(dir, r))
    relays.push(await startRelay(DB, cluster, join(dir, r)))
    traceRelay(relays.at(-1)!)
  }

  const agents = AgentsProcess.spawn()
  // an interrupted run leaves no server behind
  const stopAll = (): void => {
    agents.child.kill('SIGTERM')
    for (const srv of [...relays, ...members.map((m) => m.server)]) if (srv.pid) process.kill(srv.pid, 'SIGTERM')
    rmSync(dir, {recursive: true, force: true})
    process.exit(130)
  }

  process.once('SIGINT', stopAll)
  process.once('SIGTERM', stopAll)
  const relayRemotes = relays.map((r) => r.tcp).join(',')
  // the writer is neutron, not an agent: it retries every 100 ms, so that the restart phase times
  // the cluster, the relays and the agents, not the writer's own reconnect backoff
  const writer = new OvsdbClient({remotes: cluster, leaderOnly: true, readyTimeoutMs: 600_000, retry: () => 100})
  const setNice = (n: number, withRelays: boolean): void => {
    agents.nice(n)
    for (const r of relays) if (r.pid) setPriority(r.pid, withRelays ? n : 0)
  }

  let seq = 0
  try {
    await writer.connect()
    // loaded machines miss 1 s heartbeats; large clouds raise the election timer the same way
    const ld0 = leaderOf(members)
    for (const ms of [2000, 4000, 8000].filter((x) => x <= ELECTION_MS))
      execFileSync('ovs-appctl', [
        '-t',
        join(ld0.dir, 'ovsdb-server.ctl'),
        'cluster/change-election-timer',
        DB,
        String(ms),
      ])
    const t = performance.now()
    await writer.transact(DB, nb.skeletonOps())
    for (let i = 0; i < N; i += 500) {
      await applied(writer, nb.portBatchOps(i, 500))
      if (i % 5000 === 0) log(`${i} ports`)
    }

    out.populateS = (performance.now() - t) / 1000
    log(`populated in ${(out.populateS as number).toFixed(1)} s`)

    out.writerAlone = await runWriter(writer, nb, members, relays, W)
    log(`writer alone ${JSON.stringify(out.writerAlone)}`)

    // ---- chassis-scoped agents, distinct chassis spread over the fleet
    const picks = Array.from({length: K}, (_, i) => Math.floor((i * C) / K))
    const leader = leaderOf(members)
    const cpu0 = cpuSeconds(leader.server.pid)
    const {startS} = await agents.start(relayRemotes, picks, 'scoped')
    const initialStats = await agents.stats()
    const initial = initialStats.map((a) => a.bytes)
    const computeInit = initialStats.filter((a) => !nb.isNetworker(a.chassis)).map((a) => a.bytes)
    const netInit = initialStats.filter((a) => nb.isNetworker(a.chassis)).map((a) => a.bytes)
    log(`${K} scoped agents ready in ${startS.toFixed(1)} s`)
    const writers: Record<string, WriterResult> = {}
    for (const [name, n, withRelays] of [
      ['samePriority', 0, false],
      ['agentsNiced', 19, false],
      ['agentsAndRelaysNiced', 19, true],
    ] as const) {
      setNice(n, withRelays)
      writers[name] = await runWriter(writer, nb, members, relays, W, agents.pid)
      log(`writer with ${K} scoped agents, ${name}: ${JSON.stringify(writers[name])}`)
    }

    setNice(0, false)
    await writer.transact(DB, [marker(++seq)])
    await agents.wait(seq, 120_000)
    const after = await agents.stats()
    const per1000 = after.map((a, i) => ((a.bytes - initial[i]!) * 1000) / (3 * W))
    out.scoped = {
      startAllS: startS,
      leaderCpuStart: cpuSeconds(leader.server.pid) - cpu0,
      initialComputeMean: mean(computeInit),
      initialNetworkerMean: mean(netInit),
      initialMax: Math.max(...initial),
      per1000ComputeMean: mean(per1000.filter((_, i) => !nb.isNetworker(after[i]!.chassis))),
      per1000Max: Math.max(...per1000),
      writer: writers.samePriority,
      writers,
    }
    log(`scoped ${JSON.stringify(out.scoped)}`)

    // ---- full cluster restarts (bench/fleet-restart.ts): every agent must hold the first write
    // committed after it. First with writes since the members' last compaction (relays resume),
    // then right after a compaction (relays resync the whole database)
    const rctx: RestartContext = {
      agents,
      members,
      relays,
      write: (ops) => applied(writer, ops),
      randomWrite: () => nb.randomWrite(),
    }
    const restarts: Record<string, unknown> = {}
    const restartBoth = async (label: string): Promise<void> => {
      for (const [kind, n] of [
        ['resumable', 20],
        ['compacted', 0],
      ] as const) {
        restarts[`${label}-${kind}`] = await restart(rctx, ++seq, n)
        log(`restart ${label}-${kind}: ${JSON.stringify(restarts[`${label}-${kind}`])}`)
      }
    }

    await restartBoth(`timer${ELECTION_MS}`)
    if (RESTART_ELECTION_MS !== ELECTION_MS) {
      // the timer is a cluster setting that survives the restart; lowered here (decreases may be
      // of any size) to time a restart with the timer of a default deployment as well
      execFileSync('ovs-appctl', [
        '-t',
        join(leaderOf(members).dir, 'ovsdb-server.ctl'),
        'cluster/change-election-timer',
        DB,
        String(RESTART_ELECTION_MS),
      ])
      await sleep(2000)
      await restartBoth(`timer${RESTART_ELECTION_MS}`)
    }

    out.restarts = restarts

    await agents.close()
    // the baseline again, now that the agents are gone: background load drifts over a run, and a
    // ratio against one baseline alone would carry that drift
    out.writerAloneAfter = await runWriter(writer, nb, members, relays, W)
    log(`writer alone again ${JSON.stringify(out.writerAloneAfter)}`)

    // ---- full modes with F agents each
    for (const mode of ['columns', 'upstream'] as const) {
      const ld = leaderOf(members)
      const c0 = cpuSeconds(ld.server.pid)
      const {startS: s} = await agents.start(relayRemotes, picks.slice(1, F + 1), mode)
      const init = (await agents.stats()).map((a) => a.bytes)
      const wr = await runWriter(writer, nb, members, relays, W, agents.pid)
      await writer.transact(DB, [marker(++seq)])
      await agents.wait(seq, 300_000)
      const fin = await agents.stats()
      out[mode] = {
        startS: s,
        leaderCpuStart: cpuSeconds(ld.server.pid) - c0,
        initialMean: mean(init),
        per1000Mean: mean(fin.map((a, i) => ((a.bytes - init[i]!) * 1000) / W)),
        writer: wr,
      }
      log(`${mode} ${JSON.stringify(out[mode])}`)
      await agents.close()
    }

    const sc = out.scoped as {initialComputeMean: number; per1000ComputeMean: number}
    const col = out.columns as {initialMean: number; per1000Mean: number}
    const alone = Math.max((out.writerAlone as WriterResult).p99, (out.writerAloneAfter as WriterResult).p99)
    const aloneLow = Math.min((out.writerAlone as WriterResult).p99, (out.writerAloneAfter as WriterResult).p99)
    out.ratios = {
      writerP99WithKOverLowerBaseline: Object.fromEntries(
        Object.entries(writers).map(([k, v]) => [k, v.p99 / aloneLow]),
      ),
      initialScopedOverColumns: sc.initialComputeMean / col.initialMean,
      per1000ScopedOverColumns: sc.per1000ComputeMean / col.per1000Mean,
      writerP99WithKOverHigherBaseline: Object.fromEntries(Object.entries(writers).map(([k, v]) => [k, v.p99 / alone])),
    }
    console.log(JSON.stringify(out, null, 1))
    log(`initial per compute agent: scoped ${kib(sc.initialComputeMean)} vs columns ${kib(col.initialMean)}`)
  } finally {
    agents.stop()
    await writer.close()
    for (const r of relays) await r.stop()
    for (const m of members) await m.server.stop({clean: false})
    rmSync(dir, {recursive: true, force: true})
  }
}

await main()
clearTimeout(guard)
