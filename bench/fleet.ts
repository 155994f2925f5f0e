// Benchmark (not a test): the NB side of a fleet of agents against a 3-member RAFT NB cluster
// behind 2 ovsdb-server relays, all on loopback.
//   node --import tsx bench/fleet.ts [--ports N] [--chassis C] [--agents K] [--full-agents F] [--writes W]
// Defaults: N=100000 ports over C=1000 chassis, K=200 scoped agents, F=2 agents per full mode, W=1000.
// Phases, each timed: populate; the writer alone (W neutron-like writes, transact latency); K
// chassis-scoped agents (real NbSource: client + replica + NbState + scope), their initial bytes
// and readiness, the writer again with them connected, a full cluster restart (time until every
// agent holds a write made after it); then F agents of each full mode (column-restricted NbSource,
// and upstream-like: every column of the tables the upstream agent monitors), bytes and the writer
// with them connected. Agents talk to the relays only; the writer to the cluster leader.
import {execFileSync} from 'node:child_process'
import {mkdirSync, mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {performance} from 'node:perf_hooks'

import {NbSource} from '../src/lib/driver/nb-source.js'
import {NullLogger} from '../src/lib/log.js'
import {ConnectionError, type Operation, OvsdbClient} from '../src/lib/ovsdb/index.js'
import {
  type ClusterMember,
  type OvsdbServer,
  startCluster,
  startRelay,
  writeNbSchema,
} from '../test/helpers/ovsdb-server.js'
import {chassisId, chassisName, FleetNb} from './fleet-nb.js'

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
const UPSTREAM_TABLES = [
  'Logical_Switch',
  'Logical_Switch_Port',
  'Logical_Router',
  'Logical_Router_Port',
  'NAT',
  'Load_Balancer',
  'NB_Global',
]

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

function leaderOf(members: ClusterMember[]): ClusterMember {
  for (const m of members) {
    try {
      const out = execFileSync('ovs-appctl', ['-t', join(m.dir, 'ovsdb-server.ctl'), 'cluster/status', DB], {
        encoding: 'utf8',
      })
      if (/Role: leader/.test(out)) return m
    } catch {
      // a member still starting
    }
  }

  throw new Error('no leader')
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN
}

interface WriterResult {
  p50: number
  p99: number
  leaderCpu: number
  relayCpu: number
}

async function runWriter(
  writer: OvsdbClient,
  nb: FleetNb,
  members: ClusterMember[],
  relays: OvsdbServer[],
  n: number,
): Promise<WriterResult> {
  const leader = leaderOf(members)
  const cpu0 = cpuSeconds(leader.server.pid)
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

interface Agent {
  chassis: number
  client: OvsdbClient
  /** marker seen */
  seen(seq: number): boolean
  close(): Promise<void>
}

const marker = (seq: number): Operation => ({
  op: 'mutate',
  table: 'NB_Global',
  where: [],
  mutations: [
    ['external_ids', 'delete', ['set', ['bench:seq']]],
    ['external_ids', 'insert', ['map', [['bench:seq', String(seq)]]]],
  ],
})

async function nbAgent(remotes: string, chassis: number, scoped: boolean, attempt = 1): Promise<Agent> {
  const s = new NbSource({
    remotes,
    logger: new NullLogger(),
    ...(scoped ? {scope: {chassisName: chassisName(chassis), chassisId: chassisId(chassis)}} : {}),
  })
  try {
    let timer: NodeJS.Timeout | undefined
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`not ready after 120 s (client ${s.client.state}, ${JSON.stringify(s.client.stats)})`)),
        120_000,
      )
    })
    await Promise.race([s.start(600_000), late]).finally(() => clearTimeout(timer))
  } catch (error) {
    // a relay too busy to answer within the probe interval drops the session during start-up
    await s.close()
    if (attempt >= 5) throw error
    log(`agent ${chassis} start failed (${(error as Error).message}); again`)
    return nbAgent(remotes, chassis, scoped, attempt + 1)
  }

  return {
    chassis,
    client: s.client,
    seen: (seq) => s.nb.nbGlobal()?.externalIds['bench:seq'] === String(seq) && s.client.state === 'ready',
    close: () => s.close(),
  }
}

async function upstreamAgent(remotes: string, chassis: number): Promise<Agent> {
  const client = new OvsdbClient({remotes})
  await client.connect({timeoutMs: 600_000})
  const rep = await client.monitor(DB, Object.fromEntries(UPSTREAM_TABLES.map((t) => [t, {}])), {onChange() {}})
  return {
    chassis,
    client,
    seen: (seq) =>
      [...rep.rows('NB_Global')].some(
        (r) => r.external_ids instanceof Map && r.external_ids.get('bench:seq') === String(seq),
      ),
    close: () => client.close(),
  }
}

async function waitAll(agents: Agent[], seq: number, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!agents.every((a) => a.seen(seq))) {
    if (Date.now() > end) throw new Error(`${agents.filter((a) => !a.seen(seq)).length} agents never saw marker ${seq}`)
    await sleep(20)
  }
}

const mean = (xs: number[]): number => (xs.length > 0 ? xs.reduce((a, b) => a + b, 0) / xs.length : Number.NaN)
const kib = (b: number): string => `${(b / 1024).toFixed(1)} KiB`

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
  }
  log(`cluster + relays in ${dir}`)
  const members = await startCluster(writeNbSchema(dir), DB, 3, dir)
  const cluster = members.map((m) => m.remote).join(',')
  const relays: OvsdbServer[] = []
  for (const r of ['r0', 'r1']) {
    mkdirSync(join(dir, r))
    relays.push(await startRelay(DB, cluster, join(dir, r)))
  }

  // an interrupted run leaves no server behind
  const stopAll = (): void => {
    for (const srv of [...relays, ...members.map((m) => m.server)]) if (srv.pid) process.kill(srv.pid, 'SIGTERM')
    rmSync(dir, {recursive: true, force: true})
    process.exit(130)
  }

  process.once('SIGINT', stopAll)
  process.once('SIGTERM', stopAll)
  const relayRemotes = relays.map((r) => r.tcp).join(',')
  const writer = new OvsdbClient({remotes: cluster, leaderOnly: true, readyTimeoutMs: 600_000})
  let seq = 0
  try {
    await writer.connect()
    // loaded machines miss 1 s heartbeats; large clouds raise the election timer the same way
    const ld0 = leaderOf(members)
    for (const ms of [2000, 4000, 8000])
      execFileSync('ovs-appctl', [
        '-t',
        join(ld0.dir, 'ovsdb-server.ctl'),
        'cluster/change-election-timer',
        DB,
        String(ms),
      ])
    let t = performance.now()
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
    t = performance.now()
    const scoped: Agent[] = []
    for (let i = 0; i < picks.length; i += 10)
      scoped.push(...(await Promise.all(picks.slice(i, i + 10).map((c) => nbAgent(relayRemotes, c, true)))))
    const startS = (performance.now() - t) / 1000
    const initial = scoped.map((a) => a.client.stats.bytesReceived)
    const computeInit = scoped.filter((a) => !nb.isNetworker(a.chassis)).map((a) => a.client.stats.bytesReceived)
    const netInit = scoped.filter((a) => nb.isNetworker(a.chassis)).map((a) => a.client.stats.bytesReceived)
    log(`${K} scoped agents ready in ${startS.toFixed(1)} s`)
    const w = await runWriter(writer, nb, members, relays, W)
    await writer.transact(DB, [marker(++seq)])
    await waitAll(scoped, seq, 120_000)
    const per1000 = scoped.map((a, i) => ((a.client.stats.bytesReceived - initial[i]!) * 1000) / W)
    out.scoped = {
      startAllS: startS,
      leaderCpuStart: cpuSeconds(leader.server.pid) - cpu0,
      initialComputeMean: mean(computeInit),
      initialNetworkerMean: mean(netInit),
      initialMax: Math.max(...initial),
      per1000ComputeMean: mean(per1000.filter((_, i) => !nb.isNetworker(scoped[i]!.chassis))),
      per1000Max: Math.max(...per1000),
      writer: w,
    }
    log(`scoped ${JSON.stringify(out.scoped)}`)

    // ---- full cluster restart: all members down, then up; every agent must hold a later write
    const t0 = performance.now()
    for (const m of members) await m.server.kill('SIGTERM')
    await sleep(1000)
    const tUp = performance.now()
    await Promise.all(members.map((m) => m.server.start()))
    await writer.transact(DB, [marker(++seq)])
    await waitAll(scoped, seq, 300_000)
    out.restart = {
      allReadyAfterUpS: (performance.now() - tUp) / 1000,
      allReadyAfterKillS: (performance.now() - t0) / 1000,
      membersStartS: 0,
    }
    log(`restart ${JSON.stringify(out.restart)}`)
    for (const a of scoped) await a.close()

    // ---- full modes with F agents each
    for (const mode of ['columns', 'upstream'] as const) {
      const agents: Agent[] = []
      const ld = leaderOf(members)
      const c0 = cpuSeconds(ld.server.pid)
      t = performance.now()
      for (let i = 0; i < F; i++)
        agents.push(
          mode === 'columns'
            ? await nbAgent(relayRemotes, picks[i + 1]!, false)
            : await upstreamAgent(relayRemotes, picks[i + 1]!),
        )
      const init = agents.map((a) => a.client.stats.bytesReceived)
      const s = (performance.now() - t) / 1000
      const wr = await runWriter(writer, nb, members, relays, W)
      await writer.transact(DB, [marker(++seq)])
      await waitAll(agents, seq, 300_000)
      out[mode] = {
        startS: s,
        leaderCpuStart: cpuSeconds(ld.server.pid) - c0,
        initialMean: mean(init),
        per1000Mean: mean(agents.map((a, i) => ((a.client.stats.bytesReceived - init[i]!) * 1000) / W)),
        writer: wr,
      }
      log(`${mode} ${JSON.stringify(out[mode])}`)
      for (const a of agents) await a.close()
    }

    const sc = out.scoped as {initialComputeMean: number; per1000ComputeMean: number; writer: WriterResult}
    const col = out.columns as {initialMean: number; per1000Mean: number}
    out.ratios = {
      initialScopedOverColumns: sc.initialComputeMean / col.initialMean,
      per1000ScopedOverColumns: sc.per1000ComputeMean / col.per1000Mean,
      writerP99WithKOverNone: sc.writer.p99 / (out.writerAlone as WriterResult).p99,
    }
    console.log(JSON.stringify(out, null, 1))
    log(`initial per compute agent: scoped ${kib(sc.initialComputeMean)} vs columns ${kib(col.initialMean)}`)
  } finally {
    await writer.close()
    for (const r of relays) await r.stop()
    for (const m of members) await m.server.stop({clean: false})
    rmSync(dir, {recursive: true, force: true})
  }
}

await main()
clearTimeout(guard)
