// Fault suite, item 8: generated hostile NB rows in a real NB ovsdb-server, read by the agent's NB
// client and planned and applied by the one reconcile path, with every command recorded instead of
// run (a RecordingRunner answering the observe dumps). Shown:
//  - no crash: both passes resolve, every bad row is skipped, the good rows are still planned;
//  - every bad row is reported with its UUID, and once: a second pass logs nothing new;
//  - every argv and every `ip -batch` line the kernel, OVS and FRR layers built matches a strict
//    grammar (no whitespace, newline, shell metacharacter or leading `-` in a value).
// Rows are generated from a fixed seed (FUZZ_SEED to vary it), FUZZ_ROWS rows (default 10,000).
import {expect} from 'chai'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import type {AgentConfig} from '../../../src/lib/config/types.js'

import {defaultConfig} from '../../../src/lib/config/index.js'
import {RecordingRunner} from '../../../src/lib/exec/runner.js'
import {StreamLogger} from '../../../src/lib/log.js'
import {Runtime} from '../../../src/lib/runtime.js'
import {type OvsdbServer, startOvsdbServer, transact, writeNbSchema} from '../../helpers/ovsdb-server.js'
import {requireTools} from '../../helpers/require.js'
import {emptyNodeAnswer} from './agent-harness.js'
import {type FuzzRow, generateRows} from './fuzz-rows.js'
import {checkArgv, checkBatchLine} from './grammar.js'

const ROWS = Number(process.env.FUZZ_ROWS ?? 10_000)
const SEED = Number(process.env.FUZZ_SEED ?? 9)
const map = (o: Record<string, string>) => ['map', Object.entries(o)]

describe('fault: fuzzed NB rows (item 8)', function () {
  this.timeout(600_000)
  let nb: OvsdbServer | undefined
  let dir: string
  let rows: FuzzRow[]
  const uuids = new Map<string, FuzzRow>()
  const warnings: Array<Record<string, unknown>> = []
  let runner: RecordingRunner
  let cfg: AgentConfig

  before(async function () {
    requireTools(this, ['ovsdb-server', 'ovsdb-tool'])
    dir = mkdtempSync(join(tmpdir(), 'fuzz-nb-'))
    nb = await startOvsdbServer({schema: writeNbSchema(dir)})
    // The provider network the fuzzed ports claim to be on.
    await transact(nb.unix, [
      'OVN_Northbound',
      {
        op: 'insert',
        table: 'Logical_Switch_Port',
        'uuid-name': 'ln',
        row: {name: 'provnet-1', type: 'localnet', addresses: 'unknown', options: map({network_name: 'physnet1'})},
      },
      {op: 'insert', table: 'Logical_Switch', row: {name: 'neutron-pub', ports: ['set', [['named-uuid', 'ln']]]}},
    ])
    rows = generateRows(ROWS, SEED)
    const t0 = Date.now()
    for (let i = 0; i < rows.length; i += 500) {
      const chunk = rows.slice(i, i + 500)
      // LSPs are not root rows: unreferenced ones are garbage-collected, so each joins neutron-pub.
      const ops = chunk.map((r, j) => ({op: 'insert', table: r.table, 'uuid-name': `p${j}`, row: r.row}))
      const mutate = {
        op: 'mutate',
        table: 'Logical_Switch',
        where: [['name', '==', 'neutron-pub']],
        mutations: [['ports', 'insert', ['set', chunk.map((_, j) => ['named-uuid', `p${j}`])]]],
      }
      const res = (await transact(nb.unix, ['OVN_Northbound', ...ops, mutate])) as Array<{
        uuid?: [string, string]
        error?: string
      }>
      for (const [j, r] of chunk.entries()) {
        const u = res[j]?.uuid?.[1]
        if (!u)
          throw new Error(`insert of fuzz row ${i + j} (${r.kind}) failed: ${JSON.stringify(res[j] ?? res.at(-1))}`)
        r.uuid = u
        uuids.set(u, r)
      }
    }

    console.log(`      inserted ${rows.length} rows (seed ${SEED}) in ${Date.now() - t0} ms`)
    cfg = {
      ...defaultConfig(),
      driver: 'nb_ovn_bgp_driver',
      ovnNbConnection: nb.unix,
      ovsdbConnection: `unix:${join(dir, 'no-ovs.sock')}`,
      chassisName: 'compute-1',
      chassisId: 'chassis-1',
      bridgeMappings: [{physnet: 'physnet1', bridge: 'br-ex', index: 1}],
      rtTablesPath: join(dir, 'rt_tables'),
      stateDir: join(dir, 'state'),
      exposeTenantNetworks: true,
    }
    runner = new RecordingRunner(emptyNodeAnswer)
  })

  after(async () => {
    await nb?.stop({clean: true})
    if (dir) rmSync(dir, {recursive: true, force: true})
  })

  it('two passes: no crash, each bad row reported once with its UUID, good rows planned', async () => {
    const logger = new StreamLogger({
      level: 'warn',
      json: true,
      write(l) {
        const rec = JSON.parse(l) as Record<string, unknown>
        if (rec.msg === 'skipped') warnings.push(rec)
      },
    })
    const rt = new Runtime(cfg, logger, {runner, ovsTimeoutMs: 500})
    try {
      const reconciler = await rt.reconciler()
      const source = await rt.nb()
      const first = await reconciler.pass(source.nb, {prune: true})
      const afterFirst = warnings.length
      const second = await reconciler.pass(source.nb, {prune: true})
      expect(warnings.length - afterFirst, 'the second pass logs no problem again').to.equal(0)

      // Not about the row: this node has no OVS, so no patch port and no bridge MAC for flows.
      const LOCAL = /^(patch port|MAC of bridge)/
      const reported = new Map<string, number>()
      for (const w of warnings.filter((x) => !LOCAL.test(String(x.reason))))
        reported.set(String(w.uuid), (reported.get(String(w.uuid)) ?? 0) + 1)
      const bad = rows.filter((r) => r.bad)
      const missing = bad.filter((r) => !reported.has(r.uuid))
      expect(
        missing.map((r) => `${r.kind}: ${JSON.stringify(r.row).slice(0, 200)}`),
        'bad rows not reported',
      ).to.deep.equal([])
      const wrongly = rows.filter((r) => !r.bad && reported.has(r.uuid))
      expect(
        wrongly.map((r) => `${r.kind}: ${JSON.stringify(warnings.find((w) => w.uuid === r.uuid))}`),
        'good rows reported',
      ).to.deep.equal([])
      const perUuidReasons = [...reported.values()]
      const longest = Math.max(...warnings.map((w) => JSON.stringify(w).length))
      expect(longest, 'a log line of a row with 1 MB values stays short').to.be.below(2048)
      const good = rows.filter((r) => r.wantExposed)
      const exposed = new Set(first.exposed.map((e) => e.ip))
      const notExposed = good.filter((r) => !exposed.has(r.wantExposed!))
      expect(
        notExposed.map((r) => r.wantExposed),
        'good ports exposed despite their bad neighbours',
      ).to.deep.equal([])
      console.log(
        `      FIGURE item 8: ${rows.length} rows, ${bad.length} bad: ${reported.size} reported (max ${Math.max(...perUuidReasons)} reasons per row), 0 crashes; ` +
          `${good.length} good ports exposed; pass 1 ${first.durationMs} ms, pass 2 ${second.durationMs} ms, ${runner.calls.length} commands recorded`,
      )
    } finally {
      await rt.close()
    }
  })

  it('every argv and every ip -batch line built matches the strict grammar', () => {
    const errors: string[] = []
    let lines = 0
    for (const c of runner.calls) {
      errors.push(...checkArgv(c.file, c.args))
      if (c.input !== undefined) {
        for (const line of c.input.split('\n')) {
          if (line === '') continue
          lines++
          const e = checkBatchLine(c.file, c.args, line)
          if (e) errors.push(e)
        }
      }
    }

    console.log(`      checked ${runner.calls.length} argv and ${lines} batch lines`)
    expect(lines, 'the pass applied something').to.be.greaterThan(0)
    expect(errors.slice(0, 20)).to.deep.equal([])
  })
})

describe('fault: the strict command grammar itself', () => {
  const batch = (line: string) => checkBatchLine('ip', ['-force', '-batch', '-'], line)

  it('accepts what ovn-bgp writes', () => {
    for (const l of [
      'address add 100.64.0.1/32 dev bgp-nic',
      'rule add to 100.64.0.1/32 table 200 priority 32000',
      'route add 100.64.0.1/32 dev br-ex.100 table 200 proto 16 scope link',
      'neigh replace 100.64.0.1 lladdr fa:16:3e:00:00:01 dev br-ex nud permanent',
      'neigh add proxy 2001:db8::1 dev br-ex',
    ])
      expect(batch(l), l).to.equal(undefined)
  })

  it('rejects hostile values', () => {
    for (const l of [
      'address add 1.2.3.4/32 dev $(id)',
      'address add -1.2.3.4/32 dev x',
      'address add 1.2.3.4/32  dev x',
      'address add 1.2.3.4/33 dev x',
      'address flush dev x',
      'rule add to 1.2.3.4 table a;b',
    ])
      expect(batch(l), l).to.be.a('string')
    expect(checkArgv('ip', ['link', 'add', '--help'])).to.have.length(1)
    expect(checkArgv('ip', ['link', 'add', 'a b'])).to.have.length(1)
    expect(checkArgv('sh', ['-c', 'x'])).to.have.length(1)
  })
})
