// sync and show-exposed, in-process through oclif, against a real NB ovsdb-server; the node side is
// the in-memory kernel of the ad-hoc harness (the real kernel path is the kernel tier's e2e test).
import {ux} from '@oclif/core'
import {expect} from 'chai'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import type {OvsdbServer} from '../helpers/ovsdb-server.js'

import {objKey} from '../../src/lib/planner/types.js'
import {requireTools} from '../helpers/require.js'
import {useTestRuntime} from '../helpers/runtime-fake.js'
import {MemoryKernel, nodeArgs, runAdhocCmd, startNb, updatePort} from './adhoc-harness.js'

interface Doc {
  changed?: boolean
  changes?: Array<{action: string; kind: string; object: string}>
  entries?: Array<{
    ip: string
    kind: string
    bridge: string | null
    vlan: number | null
    source: {table: string; uuid: string; name: string}
    state: string
  }>
  drift?: {missing: number; unexpected: number}
  timings?: Record<string, number>
}

describe('sync and show-exposed commands (real NB)', function () {
  this.timeout(60_000)
  let nb: OvsdbServer
  let state: string
  let mem: MemoryKernel
  let restoreRuntime = (): void => {}

  before(async function () {
    requireTools(this, ['ovsdb-server', 'ovsdb-tool'])
    nb = await startNb()
    state = mkdtempSync(join(tmpdir(), 'sync-cmd-'))
  })

  beforeEach(() => {
    mem = new MemoryKernel()
    restoreRuntime = useTestRuntime({ovsTimeoutMs: 50}, () => mem.parts())
  })

  afterEach(() => {
    restoreRuntime()
  })

  after(async () => {
    await nb?.stop()
    rmSync(state, {recursive: true, force: true})
  })

  const run = (id: string, ...extra: string[]) => runAdhocCmd(id, [...nodeArgs(nb.unix, state), ...extra, '--json'])

  it('sync --dry-run plans without touching the node', async () => {
    const r = await run('sync', '--dry-run')
    expect(r.exitCode).to.equal(0)
    const doc = r.doc as Doc
    expect(doc.changed).to.equal(true)
    expect(doc.changes!.map((c) => c.object)).to.include('address 172.24.4.226/32 dev bgp-nic')
    expect(mem.applied).to.deep.equal([])
  })

  it('sync applies, and a second sync changes nothing', async () => {
    const first = await run('sync')
    expect(first.exitCode).to.equal(0)
    expect((first.doc as Doc).changed).to.equal(true)
    expect(mem.has('address', '172.24.4.226/32')).to.equal(true)
    // where the time went: start-up (NB, OVS, base), then the pass's three stages
    const t = (first.doc as Doc).timings!
    expect(Object.keys(t)).to.deep.equal(['startMs', 'desiredMs', 'observeMs', 'applyMs'])
    for (const v of Object.values(t)) expect(v).to.be.a('number').and.at.least(0)
    // the document is written as oclif would write it (without its slow per-token colouriser)
    expect(first.stdout).to.equal(`${ux.colorizeJson(first.doc, {pretty: true})}\n`)
    const second = await run('sync')
    expect((second.doc as Doc).changed).to.equal(false)
  })

  it('show-exposed --source nb lists each IP with its kind, bridge, VLAN and NB row', async () => {
    const r = await run('show-exposed', '--source', 'nb')
    expect(r.exitCode).to.equal(0)
    const vm = (r.doc as Doc).entries!.find((e) => e.ip === '172.24.4.226')
    expect(vm).to.deep.include({kind: 'vm', bridge: 'br-ex', vlan: 100, state: 'planned'})
    expect(vm!.source).to.deep.include({table: 'Logical_Switch_Port', name: 'vm1'})
    expect(vm!.source.uuid).to.match(/^[0-9a-f-]{36}$/)
  })

  it('show-exposed on the node reports drift (exit 3) and sync repairs it', async () => {
    await run('sync')
    const clean = await run('show-exposed')
    expect(clean.exitCode).to.equal(0)
    expect((clean.doc as Doc).drift).to.deep.equal({missing: 0, unexpected: 0, frr: 0})
    mem.objs.delete(objKey({kind: 'address', dev: 'bgp-nic', cidr: '172.24.4.226/32'}))
    mem.objs.set(objKey({kind: 'address', dev: 'bgp-nic', cidr: '192.0.2.99/32'}), {
      kind: 'address',
      dev: 'bgp-nic',
      cidr: '192.0.2.99/32',
    })
    const drift = await run('show-exposed')
    expect(drift.exitCode).to.equal(3)
    const byIp = new Map((drift.doc as Doc).entries!.map((e) => [e.ip, e.state]))
    expect(byIp.get('172.24.4.226')).to.equal('missing')
    expect(byIp.get('192.0.2.99')).to.equal('unexpected')
    await run('sync')
    expect(((await run('show-exposed')).doc as Doc).drift).to.deep.equal({missing: 0, unexpected: 0, frr: 0})
  })

  it('sync follows an NB change (a port going down is withdrawn)', async () => {
    await run('sync')
    await updatePort(nb.unix, 'vm1', {up: false})
    try {
      const r = await run('sync')
      expect((r.doc as Doc).changes!.filter((c) => c.action === 'remove').map((c) => c.object)).to.include(
        'address 172.24.4.226/32 dev bgp-nic',
      )
      expect(mem.has('address', '172.24.4.226/32')).to.equal(false)
    } finally {
      await updatePort(nb.unix, 'vm1', {up: true})
    }
  })

  it('a bad configuration value exits 2 naming the option', async () => {
    const r = await runAdhocCmd('sync', [...nodeArgs(nb.unix, state), '--bgp-vrf-table-id', 'ten', '--json'])
    expect(r.exitCode).to.equal(2)
    expect(r.error?.message).to.match(/bgp_vrf_table_id/)
  })
})
