// explain, show-exposed --source nb and sync --dry-run against a real NB ovsdb-server and against
// an `ovsdb-client backup` of it (--nb-file): the same answers, no live server needed for the
// second. Node layers come from the in-memory kernel (the kernel tier covers the real one).
import {expect} from 'chai'
import {execFileSync} from 'node:child_process'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import type {ExplainReport} from '../../src/lib/explain/report.js'
import type {OvsdbServer} from '../helpers/ovsdb-server.js'

import {Runtime, runtimeFactory} from '../../src/lib/runtime.js'
import {requireTools} from '../helpers/require.js'
import {MemoryKernel, nodeArgs, runAdhocCmd, startNb} from './adhoc-harness.js'

describe('explain and --nb-file (real NB ovsdb-server, in-memory node)', function () {
  this.timeout(120_000)
  let nb: OvsdbServer
  let dir: string
  let backup: string
  const mem = new MemoryKernel()
  const original = runtimeFactory.create

  const identity = [
    '--chassis-name',
    'compute-1',
    '--chassis-id',
    'chassis-1',
    '--bridge-mappings',
    'physnet1:br-ex',
    '--expose-tenant-networks',
    '--log-level',
    'error',
  ]
  const offline = () => [
    ...identity,
    '--rt-tables-path',
    join(dir, 'rt_tables'),
    '--ovsdb-connection',
    `unix:${join(dir, 'no-ovs.sock')}`,
  ]

  before(async function () {
    requireTools(this, ['ovsdb-server', 'ovsdb-tool', 'ovsdb-client'])
    nb = await startNb()
    dir = mkdtempSync(join(tmpdir(), 'explain-nbfile-'))
    backup = join(dir, 'nb-backup.db')
    writeFileSync(backup, execFileSync('ovsdb-client', ['backup', nb.unix, 'OVN_Northbound']))
    runtimeFactory.create = (cfg, logger, opts = {}) =>
      new Runtime(cfg, logger, {...opts, ovsTimeoutMs: 50}, () => mem.parts())
  })

  after(async () => {
    runtimeFactory.create = original
    await nb?.stop()
    if (dir) rmSync(dir, {recursive: true, force: true})
  })

  const doc = <T>(r: {doc?: unknown; stdout: string; error?: Error}): T => {
    if (r.error || r.doc === undefined)
      throw new Error(`${r.error?.message ?? 'no document'}\n${r.stdout.slice(0, 1000)}`)
    return r.doc as T
  }

  it('explain --source nb: the decision and its reason, per IP of a port', async () => {
    const r = await runAdhocCmd('explain', ['vm2', '--source', 'nb', ...nodeArgs(nb.unix, dir), '--json'])
    const report = doc<ExplainReport>(r)
    expect(r.exitCode).to.equal(0)
    expect(report.target).to.deep.include({kind: 'port', ips: ['10.0.0.5']})
    expect(report.ips[0]!.exposed).to.equal(true)
    expect(report.ips[0]!.kinds).to.deep.equal(['tenant-ip'])
    expect(report.ips[0]!.layers.map((l) => [l.layer, l.status])).to.deep.equal([
      ['nb', 'ok'],
      ['decision', 'ok'],
      ['kernel', 'skipped'],
      ['ovs', 'skipped'],
      ['frr', 'skipped'],
    ])
    expect(report.ips[0]!.rows.map((x) => x.table)).to.include.members(['Logical_Switch_Port', 'Logical_Switch'])
  })

  it('explain of a router: gateway addresses, FIPs and LB VIPs', async () => {
    const report = doc<ExplainReport>(
      await runAdhocCmd('explain', ['r1', '--source', 'nb', ...nodeArgs(nb.unix, dir), '--json']),
    )
    expect(report.target.kind).to.equal('router')
    expect(report.target.ips).to.include.members([
      '172.24.4.10',
      '2001:db8:100::a',
      '172.24.4.201',
      '172.24.4.50',
      '172.24.4.60',
    ])
  })

  it('explain of an unknown name exits 2', async () => {
    const r = await runAdhocCmd('explain', ['no-such-thing', '--source', 'nb', ...nodeArgs(nb.unix, dir), '--json'])
    expect(r.exitCode).to.equal(2)
    expect(r.error?.message).to.include('nothing in NB matches')
  })

  it('explain on the node: a missing bgp-nic address is the kernel layer, exit 3', async () => {
    await runAdhocCmd('sync', nodeArgs(nb.unix, dir))
    const ok = doc<ExplainReport>(
      await runAdhocCmd('explain', [
        '172.24.4.226',
        ...nodeArgs(nb.unix, dir),
        '--frr-vty-socket',
        join(dir, 'no-frr'),
        '--json',
      ]),
    )
    expect(ok.ips[0]!.layers.find((l) => l.layer === 'kernel')!.status).to.equal('ok')
    mem.objs.delete('address|bgp-nic|172.24.4.226/32')
    const r = await runAdhocCmd('explain', [
      '172.24.4.226',
      ...nodeArgs(nb.unix, dir),
      '--frr-vty-socket',
      join(dir, 'no-frr'),
      '--json',
    ])
    const broken = doc<ExplainReport>(r)
    expect(r.exitCode).to.equal(3)
    expect(broken.ips[0]!.broken).to.equal('kernel')
    expect(broken.ips[0]!.layers.find((l) => l.layer === 'kernel')!.reason).to.include(
      'address bgp-nic 172.24.4.226/32: missing',
    )
  })

  it('--nb-file: show-exposed --source nb, sync --dry-run and explain answer as with the live server', async () => {
    const live = doc<{entries: unknown[]}>(
      await runAdhocCmd('show-exposed', ['--source', 'nb', ...nodeArgs(nb.unix, dir), '--json']),
    )
    const fromFile = doc<{entries: unknown[]}>(
      await runAdhocCmd('show-exposed', ['--source', 'nb', '--nb-file', backup, ...offline(), '--json']),
    )
    expect(fromFile.entries).to.deep.equal(live.entries)
    expect(fromFile.entries.length).to.be.greaterThan(3)
    const plan = await runAdhocCmd('sync', ['--dry-run', '--nb-file', backup, ...offline(), '--json'])
    expect(plan.exitCode, plan.stdout.slice(0, 500)).to.equal(0)
    const ex = doc<ExplainReport>(await runAdhocCmd('explain', ['vm1', '--nb-file', backup, ...offline(), '--json']))
    expect(ex.ips.map((i) => [i.ip, i.exposed])).to.deep.equal([
      ['172.24.4.226', true],
      ['2001:db8:100::226', true],
    ])
    expect(ex.ips[0]!.layers.find((l) => l.layer === 'kernel')!.reason).to.equal('offline: --nb-file')
  })

  it('--nb-file is refused where it makes no sense, and a non-database file is a usage error', async () => {
    expect((await runAdhocCmd('sync', ['--nb-file', backup, ...offline(), '--json'])).exitCode).to.equal(2)
    expect((await runAdhocCmd('show-exposed', ['--nb-file', backup, ...offline(), '--json'])).exitCode).to.equal(2)
    const junk = join(dir, 'junk.db')
    writeFileSync(junk, 'not a database\n')
    const r = await runAdhocCmd('show-exposed', ['--source', 'nb', '--nb-file', junk, ...offline(), '--json'])
    expect(r.exitCode).to.equal(2)
    expect(r.error?.message).to.include('not an OVSDB database file')
  })
})
