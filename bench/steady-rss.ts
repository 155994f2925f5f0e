// Benchmark (not a test): resident memory of `ovn-bgp watch` on a large NB, on the host.
//   npm run build && node --import tsx bench/steady-rss.ts [--ports N] [--chassis C] [--host H]
//       [--modes chassis,all] [--settle S] [--wait S] [--db FILE] [--vlan yes] [--interval S]
// (--db: reuse the db.db of an earlier run's NB instead of populating: populating 100,000 ports
// took 741 s on the loaded host.)
// Defaults: 100,000 ports over 50 chassis (2,000 VM ports per compute node, as nb-scale.ts binds
// 2 %), this node = chassis 1 (a compute node; chassis 0 and every 33rd host the router gateways),
// settle 60 s. It loads the neutron-like NB of bench/fleet-nb.ts into a real standalone
// ovsdb-server, then per monitor mode ([ovn] nb_monitor_scope) runs the built `ovn-bgp watch`
// (dist/, as installed: bin/run.js) as a child process until its first reconcile pass is done and
// `settle` seconds more, and prints the child's VmHWM (peak) and VmRSS (settled) from /proc.
//
// The host kernel has no vrf or dummy, so the daemon runs in a private network namespace where
// br-ex is a Linux bridge and bgp-nic is a bridge too (it only carries addresses): the VRF cannot
// be created, which the daemon logs and retries with every failing pass, as it does on any node
// where base setup fails. What the daemon holds (NB replica, planner state, watched kernel model of
// the node's own objects) is what it holds on a real node; the netns only takes the kernel writes.
import {type ChildProcess, execFileSync, spawn} from 'node:child_process'
import {copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {dirname, join} from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'
import {fileURLToPath} from 'node:url'

import {OvsdbClient} from '../src/lib/ovsdb/index.js'
import {OvsdbServer, startOvsdbServer, writeNbSchema} from '../test/helpers/ovsdb-server.js'
import {chassisId, chassisName, FleetNb} from './fleet-nb.js'
import {memory, treeCpu} from './proc-stats.js'

const argv = process.argv.slice(2)
const arg = (name: string, def: string): string => {
  const i = argv.indexOf(`--${name}`)
  return i === -1 ? def : argv[i + 1]!
}

const N = Number(arg('ports', '100000'))
const C = Number(arg('chassis', '50'))
const HOST = Number(arg('host', '1'))
const MODES = arg('modes', 'chassis,all').split(',')
const SETTLE_S = Number(arg('settle', '60'))
/** A saved NB database file (a copy of an earlier run's db.db) instead of populating one. */
const DB = arg('db', '')
const WAIT_S = Number(arg('wait', '900'))
/** reconcile_interval (s) of the daemon, so the settle window holds periodic passes, audits and self-checks (default: the daemon's). */
const INTERVAL_S = arg('interval', '')
/** Flat provider networks (default): the host has no vlan link type, so VLAN ones fail every pass. */
const FLAT = arg('vlan', 'no') !== 'yes'
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..')
/** A pass's log line: done (`reconcile`) or failed. */
const PASS = /"msg":"reconcile( pass failed)?"/
const log = (m: string): void => console.log(`[${new Date().toISOString().slice(11, 19)}] ${m}`)

interface Run {
  mode: string
  firstPassS: number
  peakMiB: number
  settledMiB: number
  cpuS: number
  exposed: string
  lines: string[]
}

/** A network namespace standing in for the node's kernel: br-ex and bgp-nic as bridges, up. */
function netns(): {name: string; close(): void} {
  const name = `steady-rss-${process.pid}`
  execFileSync('ip', ['netns', 'add', name])
  const ip = (...a: string[]): void => void execFileSync('ip', ['-n', name, ...a], {stdio: 'pipe'})
  ip('link', 'set', 'lo', 'up')
  for (const d of ['br-ex', 'bgp-nic']) {
    ip('link', 'add', d, 'type', 'bridge')
    ip('link', 'set', d, 'up')
  }

  return {name, close: () => execFileSync('ip', ['netns', 'del', name])}
}

async function runWatch(dir: string, remote: string, mode: string): Promise<Run> {
  const ns = netns()
  const conf = join(dir, `watch-${mode}.conf`)
  const state = join(dir, `state-${mode}`)
  mkdirSync(state)
  mkdirSync(join(dir, `frr-${mode}`))
  writeFileSync(
    conf,
    [
      '[DEFAULT]',
      'driver = nb_ovn_bgp_driver',
      'expose_tenant_networks = True',
      `state_dir = ${state}`,
      `rt_tables_path = ${join(dir, `rt_tables-${mode}`)}`,
      `frr_vty_socket = ${join(dir, `frr-${mode}`)}`,
      'bgp_router_id = 192.0.2.1',
      `ovsdb_connection = unix:${join(dir, 'no-ovs.sock')}`,
      `chassis_name = ${chassisName(HOST)}`,
      `chassis_id = ${chassisId(HOST)}`,
      'bridge_mappings = physnet1:br-ex',
      ...(INTERVAL_S ? [`reconcile_interval = ${INTERVAL_S}`] : []),
      '[ovn]',
      `ovn_nb_connection = ${remote}`,
      `nb_monitor_scope = ${mode}`,
      '',
    ].join('\n'),
  )
  const lines: string[] = []
  const child: ChildProcess = spawn(
    'ip',
    [
      'netns',
      'exec',
      ns.name,
      process.execPath,
      join(ROOT, 'bin/run.js'),
      'watch',
      '--config-file',
      conf,
      '--log-json',
      ...(INTERVAL_S ? ['--log-level', 'debug'] : []),
    ],
    {stdio: ['ignore', 'pipe', 'pipe']},
  )
  let buf = ''
  const onData = (d: Buffer): void => {
    buf += d.toString()
    const parts = buf.split('\n')
    buf = parts.pop() ?? ''
    lines.push(...parts)
  }

  child.stdout!.on('data', onData)
  child.stderr!.on('data', onData)
  const pid = child.pid! // `ip netns exec` execs the command: the same pid is node's
  const t0 = performance.now()
  try {
    let firstPassS = Number.NaN
    let peak = 0
    while (Number.isNaN(firstPassS)) {
      if (child.exitCode !== null) throw new Error(`watch exited ${child.exitCode}:\n${lines.slice(-20).join('\n')}`)
      if (performance.now() - t0 > WAIT_S * 1000)
        throw new Error(`no first pass within ${WAIT_S} s:\n${lines.slice(-30).join('\n')}`)
      if (lines.some((l) => PASS.test(l) || l.includes('"msg":"watching"')))
        firstPassS = (performance.now() - t0) / 1000
      peak = Math.max(peak, memory(pid)?.hwmMiB ?? 0)
      await sleep(250)
    }

    log(`${mode}: first pass after ${firstPassS.toFixed(1)} s, VmHWM so far ${peak.toFixed(0)} MiB`)
    const c0 = treeCpu(pid)!.seconds
    await sleep(SETTLE_S * 1000)
    const m = memory(pid)!
    const cpuS = treeCpu(pid)!.seconds - c0
    const exposed = lines.findLast((l) => PASS.test(l)) ?? '(no pass line)'
    if (INTERVAL_S) {
      const count = (re: RegExp): number => lines.filter((l) => re.test(l)).length
      log(
        `${mode}: in the run, ${count(/"trigger":"periodic"/)} periodic passes, ${count(/"msg":"periodic audit/)} audits, ${count(/self-check/)} self-check lines`,
      )
    }

    return {mode, firstPassS, peakMiB: m.hwmMiB, settledMiB: m.rssMiB, cpuS, exposed, lines}
  } finally {
    child.kill('SIGTERM')
    await new Promise((r) => {
      if (child.exitCode === null) child.once('exit', r)
      else r(undefined)
    })
    ns.close()
  }
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'steady-rss-'))
  mkdirSync(join(dir, 'nb'))
  const schema = writeNbSchema(dir)
  let server: OvsdbServer
  if (DB) {
    copyFileSync(DB, join(dir, 'nb', 'db.db'))
    server = new OvsdbServer(join(dir, 'nb'), join(dir, 'nb', 'db.db'), {schema})
    await server.start()
  } else server = await startOvsdbServer({schema, dir: join(dir, 'nb')})
  const fleet = new FleetNb(N, C, 1, FLAT)
  const client = new OvsdbClient({remotes: server.unix})
  try {
    await client.connect()
    const t = performance.now()
    if (!DB) {
      await client.transact('OVN_Northbound', fleet.skeletonOps())
      for (let i = 0; i < N; i += 1000) {
        await client.transact('OVN_Northbound', fleet.portBatchOps(i, 1000))
        if (i % 20_000 === 0) log(`${i} ports`)
      }
    }

    log(
      `NB: ${N} ports, ${fleet.tenants} tenant networks, ${fleet.routers} routers over ${C} chassis, loaded in ${((performance.now() - t) / 1000).toFixed(0)} s; ovsdb-server VmRSS ${memory(server.pid!)?.rssMiB.toFixed(0)} MiB; this node ${chassisName(HOST)}${fleet.isNetworker(HOST) ? ' (networker)' : ''}`,
    )
    client.close()
    const runs: Run[] = []
    for (const mode of MODES) {
      const r = await runWatch(dir, server.unix, mode)
      runs.push(r)
      log(
        `${mode}: peak (VmHWM) ${r.peakMiB.toFixed(0)} MiB, settled (VmRSS after ${SETTLE_S} s) ${r.settledMiB.toFixed(0)} MiB, CPU in the settle window ${r.cpuS.toFixed(2)} s`,
      )
      log(`  last pass: ${r.exposed.slice(0, 400)}`)
      // why ops fail (each distinct error once): on the host most are the missing VRF's consequences
      const errors = new Map<string, number>()
      for (const l of r.lines) {
        const m = /"msg":"operation failed".*?"error":"([^"]*)"/.exec(l)
        if (m) errors.set(m[1]!.slice(0, 160), (errors.get(m[1]!.slice(0, 160)) ?? 0) + 1)
      }

      for (const [e, n] of [...errors].sort((a, b) => b[1] - a[1]).slice(0, 5)) log(`  failed op x${n}: ${e}`)
      if (process.env.BENCH_VERBOSE) console.log(r.lines.slice(-40).join('\n'))
    }

    console.log('\n| nb_monitor_scope | first pass | peak RSS (VmHWM) | settled RSS (VmRSS) | target |')
    console.log('|---|---|---|---|---|')
    for (const r of runs)
      console.log(
        `| ${r.mode} | ${r.firstPassS.toFixed(1)} s | ${r.peakMiB.toFixed(0)} MiB | ${r.settledMiB.toFixed(0)} MiB | ${r.peakMiB <= 250 ? 'met' : 'NOT met'} (<= 250 MB) |`,
      )
  } finally {
    client.close()
    await server.stop()
    rmSync(dir, {recursive: true, force: true})
  }
}

await main()
