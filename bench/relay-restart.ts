// Benchmark (not a test): a full NB cluster restart seen from the relays, with no agent on them.
//   node --import tsx bench/relay-restart.ts [--ports N] [--chassis C] [--election-timer MS]
// The cluster, relays, NB and restart of bench/fleet.ts (bench/fleet-restart.ts), without agents:
// what the relays' reconnection costs by itself, to set beside the fleet bench's restarts with K
// agents on the relays. Both kinds of restart: with writes since the members' last compaction (the
// relays resume), and right after one (the relays copy the whole database again).
import {execFileSync} from 'node:child_process'
import {mkdirSync, mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {ConnectionError, type Operation, OvsdbClient} from '../src/lib/ovsdb/index.js'
import {type OvsdbServer, startCluster, startRelay, writeNbSchema} from '../test/helpers/ovsdb-server.js'
import {FleetNb} from './fleet-nb.js'
import {leaderOf, restart, traceRelay} from './fleet-restart.js'

const DB = 'OVN_Northbound'
const arg = (name: string, def: number): number => {
  const i = process.argv.indexOf(`--${name}`)
  return i > 0 ? Number(process.argv[i + 1]) : def
}

const N = arg('ports', 10_000)
const C = arg('chassis', 1000)
const ELECTION_MS = arg('election-timer', 1000)
const log = (msg: string): void => console.error(`[${new Date().toISOString().slice(11, 19)}] ${msg}`)

/** One idempotent transaction on the leader, retried over a lost connection (see bench/fleet.ts). */
async function applied(writer: OvsdbClient, ops: Operation[]): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await writer.transact(DB, ops)
      return
    } catch (error) {
      if ((error as {error?: string}).error === 'duplicate uuid') return
      if (!(error instanceof ConnectionError) || attempt >= 5) throw error
    }
  }
}

const dir = mkdtempSync(join(tmpdir(), 'relay-restart-'))
const members = await startCluster(writeNbSchema(dir), DB, 3, dir)
const cluster = members.map((m) => m.remote).join(',')
const relays: OvsdbServer[] = []
for (const r of ['r0', 'r1']) {
  mkdirSync(join(dir, r))
  relays.push(await startRelay(DB, cluster, join(dir, r)))
  traceRelay(relays.at(-1)!)
}

const writer = new OvsdbClient({remotes: cluster, leaderOnly: true, readyTimeoutMs: 600_000, retry: () => 100})
const nb = new FleetNb(N, C)
const out: Record<string, unknown> = {ports: N, chassis: C, electionTimerMs: ELECTION_MS}
try {
  await writer.connect()
  const ld = leaderOf(members)
  for (const ms of [2000, 4000, 8000].filter((x) => x <= ELECTION_MS))
    execFileSync('ovs-appctl', [
      '-t',
      join(ld.dir, 'ovsdb-server.ctl'),
      'cluster/change-election-timer',
      DB,
      String(ms),
    ])
  await writer.transact(DB, nb.skeletonOps())
  for (let i = 0; i < N; i += 500) await applied(writer, nb.portBatchOps(i, 500))
  log(`populated ${N} ports`)
  // no agents: the restart waits for the relays only
  const ctx = {
    agents: {stats: async () => [], wait: async () => ({firstS: 0, lastS: 0})},
    members,
    relays,
    write: (ops: Operation[]) => applied(writer, ops),
    randomWrite: () => nb.randomWrite(),
  }
  let seq = 0
  for (const [kind, n] of [
    ['resumable', 20],
    ['compacted', 0],
  ] as const) {
    out[kind] = await restart(ctx, ++seq, n)
    log(`restart ${kind}: ${JSON.stringify(out[kind])}`)
  }

  console.log(JSON.stringify(out, null, 1))
} finally {
  await writer.close()
  for (const r of relays) await r.stop()
  for (const m of members) await m.server.stop({clean: false})
  rmSync(dir, {recursive: true, force: true})
}
