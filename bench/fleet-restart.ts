// The fleet bench's full NB cluster restart (bench/fleet.ts): all members stopped with SIGTERM,
// started together; every agent must hold the first write committed after it. Timed step by step
// from the start of the members, with what each relay did meanwhile (bench/relay-log.ts) and what
// the agents did (reconnections, resumes, snapshots, bytes).
//
// Whether a relay can resume after the restart decides most of the time. A relay reconnects with
// `monitor_cond_since` and the id of the last transaction it holds. A restarted member knows the
// transactions of the log it replayed, i.e. those after its last snapshot (compaction); if the
// relay's last transaction is among them the relay resumes with the missed ones only. If the
// members compacted after it (a cluster that was idle since its last compaction), the relay gets
// the whole database, clears its copy and inserts it again. So each restart runs after
// `writesAfterCompaction` neutron-like writes that follow a compaction: 0 is that worst case.
import {execFileSync} from 'node:child_process'
import {join} from 'node:path'
import {performance} from 'node:perf_hooks'

import type {AgentStats} from './fleet-agents.js'

import {type Operation, OvsdbClient} from '../src/lib/ovsdb/index.js'
import {type ClusterMember, type OvsdbServer} from '../test/helpers/ovsdb-server.js'
import {readRelayTimeline, type RelayTimeline} from './relay-log.js'

const DB = 'OVN_Northbound'
const sleep = (ms: number): Promise<void> =>
  new Promise((r) => {
    setTimeout(r, ms)
  })

export function leaderOf(members: ClusterMember[]): ClusterMember {
  for (const m of members) {
    try {
      const out = execFileSync('ovs-appctl', ['-t', join(m.dir, 'ovsdb-server.ctl'), 'cluster/status', DB], {
        encoding: 'utf8',
        stdio: 'pipe', // a member still starting has no control socket yet: not worth a line each poll
      })
      if (/Role: leader/.test(out)) return m
    } catch {
      // a member still starting
    }
  }

  throw new Error('no leader')
}

/** The write every agent must hold: NB_Global external_ids bench:seq = seq. */
export const marker = (seq: number): Operation => ({
  op: 'mutate',
  table: 'NB_Global',
  where: [],
  mutations: [
    ['external_ids', 'delete', ['set', ['bench:seq']]],
    ['external_ids', 'insert', ['map', [['bench:seq', String(seq)]]]],
  ],
})

/** Debug logging of a relay's upstream session, which relayTimeline() reads. */
export function traceRelay(relay: OvsdbServer): void {
  execFileSync('ovs-appctl', [
    '-t',
    join(relay.dir, 'ovsdb-server.ctl'),
    'vlog/set',
    'reconnect:file:dbg',
    'ovsdb_cs:file:dbg',
  ])
}

/** A client of one relay watching NB_Global's marker: when the relay itself holds a write. */
async function relayObserver(relay: OvsdbServer): Promise<{client: OvsdbClient; holds(seq: number): boolean}> {
  const client = new OvsdbClient({remotes: relay.tcp, retry: () => 100})
  await client.connect()
  const rep = await client.monitor(DB, {NB_Global: {columns: ['external_ids']}}, {onChange() {}})
  return {
    client,
    holds: (seq) =>
      [...rep.rows('NB_Global')].some(
        (r) => r.external_ids instanceof Map && r.external_ids.get('bench:seq') === String(seq),
      ),
  }
}

async function until(what: string, cond: () => boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await sleep(20)
  }
}

/** Per-agent deltas of reconnect counters between two stats() snapshots. */
function reconnects(before: AgentStats[], after: AgentStats[]): Record<string, number> {
  const sum = (f: (a: AgentStats, b: AgentStats) => number): number =>
    after.reduce((acc, a, i) => acc + f(before[i]!, a), 0)
  return {
    agentsReconnected: after.filter((a, i) => a.connects > before[i]!.connects).length,
    resumes: sum((b, a) => a.resumes - b.resumes),
    snapshots: sum((b, a) => a.snapshots - b.snapshots),
    conditionChanges: sum((b, a) => a.conditionChanges - b.conditionChanges),
    bytesPerAgent: sum((b, a) => a.bytes - b.bytes) / Math.max(1, after.length),
  }
}

export interface RestartContext {
  agents: {
    stats(): Promise<AgentStats[]>
    wait(seq: number, timeoutMs: number): Promise<{firstS: number; lastS: number}>
  }
  members: ClusterMember[]
  relays: OvsdbServer[]
  /** one transaction on the leader, retried over a lost connection */
  write(ops: Operation[]): Promise<void>
  /** a neutron-like write */
  randomWrite(): Operation[]
}

/**
 * Compacts the members' logs, applies `writesAfterCompaction` writes, stops every member, starts
 * them together and writes marker `seq`; resolves when every agent holds it. The steps, in
 * seconds from the start of the members: members listening, leader elected, marker committed,
 * each relay holds it, every agent holds it; each relay's timeline; the agents' counters.
 */
export async function restart(
  ctx: RestartContext,
  seq: number,
  writesAfterCompaction: number,
): Promise<Record<string, unknown>> {
  const {agents, members, relays} = ctx
  for (const m of members)
    execFileSync('ovs-appctl', ['-t', join(m.dir, 'ovsdb-server.ctl'), 'ovsdb-server/compact', DB])
  for (let i = 0; i < writesAfterCompaction; i++) await ctx.write(ctx.randomWrite())
  const observers = await Promise.all(relays.map((r) => relayObserver(r)))
  const before = await agents.stats()
  const t0 = performance.now()
  const killEpoch = Date.now()
  for (const m of members) await m.server.kill('SIGTERM')
  await sleep(1000)
  const tUp = performance.now()
  const upEpoch = Date.now()
  const since = (): number => (performance.now() - tUp) / 1000
  const steps: Record<string, number> = {}
  const electing = (async () => {
    await sleep(100)
    for (;;) {
      try {
        leaderOf(members)
        steps.leaderElectedS = since()
        return
      } catch {
        await sleep(100)
      }
    }
  })()
  await Promise.all(members.map((m) => m.server.start()))
  steps.membersListeningS = since()
  const waiting = agents.wait(seq, 300_000)
  await ctx.write([marker(seq)])
  steps.markerCommittedS = since()
  await Promise.all(
    observers.map((o, i) =>
      until(`relay ${i}`, () => o.holds(seq), 300_000).then(() => {
        steps[`relay${i}HoldsS`] = since()
      }),
    ),
  )
  const w = await waiting
  steps.allAgentsHoldS = since()
  await electing
  for (const o of observers) await o.client.close()
  const relayTimelines: RelayTimeline[] = relays.map((r) => readRelayTimeline(r.logFile, killEpoch, upEpoch))
  return {
    writesAfterCompaction,
    allReadyAfterUpS: steps.allAgentsHoldS,
    allReadyAfterKillS: (performance.now() - t0) / 1000,
    firstAgentAfterUpS: steps.allAgentsHoldS - w.lastS + w.firstS,
    steps,
    relayTimelines,
    ...reconnects(before, await agents.stats()),
  }
}
