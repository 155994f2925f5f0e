// Benchmark (not a test): initial monitor of N Logical_Switch_Ports by our replica vs
// `ovsdb-client dump`, against a fresh private NB ovsdb-server (patched schema).
//   node --import tsx bench/ovsdb-monitor.ts [N]        (default 100000)
// Each reader runs in its own child process so that its peak RSS is its own: ours reports
// process.resourceUsage().maxRSS, ovsdb-client is measured by /usr/bin/time -f %M.
import {execFileSync, spawnSync} from 'node:child_process'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {type Operation, OvsdbClient, wire} from '../src/lib/ovsdb/index.js'
import {startOvsdbServer, writeNbSchema} from '../test/helpers/ovsdb-server.js'

const BATCH = 10_000

interface ChildResult {
  ms: number
  /** CPU time (user+system) of the child during the monitor: the rest of `ms` is spent waiting for the server. */
  cpuMs: number
  rows: number
  maxRssKiB: number
  baseRssKiB: number
}

/** Child mode: monitor all LSP columns, report time to the first snapshot and peak RSS. */
async function child(remote: string): Promise<void> {
  const baseRssKiB = Math.round(process.memoryUsage().rss / 1024)
  const t0 = performance.now()
  const cpu0 = process.cpuUsage()
  const c = new OvsdbClient({remotes: remote, probeIntervalMs: 0})
  const monitoring = c.monitor('OVN_Northbound', {Logical_Switch_Port: {}}, {onChange() {}})
  await c.connect()
  const replica = await monitoring
  const ms = performance.now() - t0
  const cpu = process.cpuUsage(cpu0)
  const result: ChildResult = {
    ms,
    cpuMs: (cpu.user + cpu.system) / 1000,
    rows: replica.size('Logical_Switch_Port'),
    maxRssKiB: process.resourceUsage().maxRSS,
    baseRssKiB,
  }
  await c.close()
  process.stdout.write(JSON.stringify(result) + '\n')
}

function lspBatch(ls: string, from: number, n: number): Operation[] {
  const ops: Operation[] = []
  const names: string[] = []
  for (let i = from; i < from + n; i++) {
    const name = `p${i}`
    const ip = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`
    const mac = `fa:16:3e:${((i >> 16) & 255).toString(16).padStart(2, '0')}:${((i >> 8) & 255).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}`
    names.push(name)
    ops.push({
      op: 'insert',
      table: 'Logical_Switch_Port',
      'uuid-name': name,
      row: {
        name: `lsp-${i}`,
        addresses: wire.set([`${mac} ${ip}`]),
        up: true,
        options: wire.map([['requested-chassis', `compute-${i % 50}`]]),
        external_ids: wire.map([
          ['neutron:cidrs', `${ip}/16`],
          ['neutron:device_owner', 'compute:nova'],
          ['neutron:host_id', `compute-${i % 50}`],
        ]),
      },
    })
  }

  ops.push({
    op: 'mutate',
    table: 'Logical_Switch',
    where: [['name', '==', ls]],
    mutations: [['ports', 'insert', wire.set(names.map(wire.namedUuid))]],
  })
  return ops
}

function timeDump(remote: string): {ms: number; maxRssKiB: number} {
  const t0 = performance.now()
  const r = spawnSync(
    '/usr/bin/time',
    ['-f', 'BENCH %M', 'ovsdb-client', 'dump', remote, 'OVN_Northbound', 'Logical_Switch_Port'],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
      maxBuffer: 1 << 20,
    },
  )
  const ms = performance.now() - t0
  const m = /BENCH (\d+)/.exec(r.stderr.toString())
  if (r.status !== 0 || !m) throw new Error(`ovsdb-client dump failed: ${r.stderr.toString().slice(0, 300)}`)
  return {ms, maxRssKiB: Number(m[1])}
}

function ours(remote: string): ChildResult {
  const self = fileURLToPath(import.meta.url)
  const out = execFileSync(process.execPath, ['--import', 'tsx', self, '--child', remote], {
    maxBuffer: 1 << 20,
  }).toString()
  return JSON.parse(out.trim().split('\n').pop() ?? '{}') as ChildResult
}

async function main(): Promise<void> {
  const n = Number(process.argv[2] ?? 100_000)
  if (!Number.isInteger(n) || n <= 0) throw new Error('usage: ovsdb-monitor.ts [N]')
  const dir = mkdtempSync(join(tmpdir(), 'ovsdb-bench-'))
  const server = await startOvsdbServer({schema: writeNbSchema(dir), dir})
  try {
    const c = new OvsdbClient({remotes: server.unix, probeIntervalMs: 0})
    await c.connect()
    await c.transact('OVN_Northbound', [{op: 'insert', table: 'Logical_Switch', row: {name: 'bench'}}])
    const t0 = performance.now()
    for (let i = 0; i < n; i += BATCH) await c.transact('OVN_Northbound', lspBatch('bench', i, Math.min(BATCH, n - i)))
    const loadMs = performance.now() - t0
    await c.close()
    console.log(`inserted ${n} LSPs in ${Math.ceil(n / BATCH)} transactions: ${(loadMs / 1000).toFixed(2)} s`)
    for (const remote of [server.unix, server.tcp]) {
      const dump = timeDump(remote)
      const mine = ours(remote)
      if (mine.rows !== n) throw new Error(`replica has ${mine.rows} rows, expected ${n}`)
      console.log(
        `${remote.split(':')[0]}: replica initial monitor ${(mine.ms / 1000).toFixed(2)} s (client CPU ${(mine.cpuMs / 1000).toFixed(2)} s), peak RSS ${(mine.maxRssKiB / 1024).toFixed(0)} MiB (process start ${(mine.baseRssKiB / 1024).toFixed(0)} MiB)`,
      )
      console.log(
        `${remote.split(':')[0]}: ovsdb-client dump       ${(dump.ms / 1000).toFixed(2)} s, peak RSS ${(dump.maxRssKiB / 1024).toFixed(0)} MiB`,
      )
      console.log(
        `${remote.split(':')[0]}: ratio ours/dump: time ${(mine.ms / dump.ms).toFixed(2)}x, peak RSS ${(mine.maxRssKiB / dump.maxRssKiB).toFixed(2)}x`,
      )
    }
  } finally {
    await server.stop({clean: false})
    rmSync(dir, {recursive: true, force: true})
  }
}

const entry = process.argv[2] === '--child' ? () => child(process.argv[3] ?? '') : main
await entry()
