// Benchmark (not a test): the NB side of a start, chassis-scoped, against a real ovsdb-server.
//   node --import tsx bench/nb-start.ts [--ports N] [--chassis C] [--host H] [--rounds R]
// Loads the neutron-like NB of bench/fleet-nb.ts (N ports over C chassis; this node is chassis H,
// default 1, a compute node: about N/C ports bound here; 0 is a networker, hosting the router
// gateways, so its scope also follows routers, their NATs, interfaces and LBs), then times R starts of `NbSource` each way,
// interleaved: from nothing (no saved scope: the monitor, then one monitor_cond_change per step of
// the scope's fixed point) and seeded (the scope the previous start saved in a scratch state_dir,
// driver/scope-cache.ts). Per start: wall time of start(), the initial monitor's reply, the
// condition changes sent before start() resolved, and the rows held (which must be the same both
// ways). Prints the medians and the ratio seeded / from nothing.
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {NbSource} from '../src/lib/driver/nb-source.js'
import {ScopeCacheFile} from '../src/lib/driver/scope-cache.js'
import {NullLogger} from '../src/lib/log.js'
import {OvsdbClient} from '../src/lib/ovsdb/index.js'
import {startOvsdbServer, writeNbSchema} from '../test/helpers/ovsdb-server.js'
import {chassisId, chassisName, FleetNb} from './fleet-nb.js'

const argv = process.argv.slice(2)
const arg = (name: string, def: string): number => {
  const i = argv.indexOf(`--${name}`)
  return Number(i === -1 ? def : argv[i + 1])
}

const N = arg('ports', '10000')
const C = arg('chassis', '2')
const ROUNDS = arg('rounds', '7')
const HOST = arg('host', '1')
const SCOPE = {chassisName: chassisName(HOST), chassisId: chassisId(HOST)}

interface Start {
  ms: number
  monitorMs: number
  changes: number
  rows: string
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

async function startOnce(remote: string, stateDir: string | undefined): Promise<Start> {
  const logger = new NullLogger()
  const source = new NbSource({
    remotes: remote,
    logger,
    scope: SCOPE,
    ...(stateDir ? {scopeStore: new ScopeCacheFile(stateDir, SCOPE, logger)} : {}),
  })
  const {client} = source
  let changes = 0
  let monitorMs = 0
  const change = client.changeConditions.bind(client)
  client.changeConditions = async (...a) => {
    changes++
    return change(...a)
  }

  const monitor = client.monitor.bind(client)
  let first = true
  client.monitor = async (...a) => {
    const t = performance.now()
    const r = await monitor(...a)
    if (first) monitorMs = performance.now() - t
    first = false
    return r
  }

  const t0 = performance.now()
  await source.start()
  const ms = performance.now() - t0
  const rows = JSON.stringify(source.nb.counts())
  await source.close() // saves the fixed point for the next seeded start
  return {ms, monitorMs, changes, rows}
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'nb-start-'))
  const server = await startOvsdbServer({schema: writeNbSchema(dir)})
  try {
    const fleet = new FleetNb(N, C, 1, true)
    const writer = new OvsdbClient({remotes: server.unix})
    await writer.connect()
    await writer.transact('OVN_Northbound', fleet.skeletonOps())
    for (let i = 0; i < N; i += 1000) await writer.transact('OVN_Northbound', fleet.portBatchOps(i, 1000))
    await writer.close()
    const stateDir = join(dir, 'state')
    await startOnce(server.unix, stateDir) // writes the first saved scope; also warms the server
    const runs: Record<'nothing' | 'seeded', Start[]> = {nothing: [], seeded: []}
    for (let r = 0; r < ROUNDS; r++) {
      runs.nothing.push(await startOnce(server.unix, undefined))
      runs.seeded.push(await startOnce(server.unix, stateDir))
    }

    const rows = new Set([...runs.nothing, ...runs.seeded].map((s) => s.rows))
    console.log(`NB: ${N} ports over ${C} chassis; this node ${SCOPE.chassisName}; rows held ${[...rows].join(' | ')}`)
    if (rows.size !== 1) throw new Error('the two ways held different rows')
    for (const [way, xs] of Object.entries(runs))
      console.log(
        `${way.padEnd(8)} start() median ${median(xs.map((s) => s.ms)).toFixed(0)} ms (${xs.map((s) => s.ms.toFixed(0)).join(' ')}), ` +
          `initial monitor ${median(xs.map((s) => s.monitorMs)).toFixed(0)} ms, condition changes ${xs.map((s) => s.changes).join(' ')}`,
      )
    const ratio = median(runs.seeded.map((s) => s.ms)) / median(runs.nothing.map((s) => s.ms))
    console.log(`seeded / from nothing: ${ratio.toFixed(2)}x`)
  } finally {
    await server.stop()
    rmSync(dir, {recursive: true, force: true})
  }
}

await main()
