// NB through ovsdb-server relays (`ovsdb-server relay:OVN_Northbound:<cluster remotes>`) in front
// of a real 3-member RAFT cluster: the agent's NB side gets the same state through a relay as from
// the cluster (full and chassis-scoped, while neutron-like changes go on), resumes across a relay
// restart without deleting anything that still exists (resume where offered, a full snapshot
// diffed against the replica otherwise), and fails over between two relays.
import {expect} from 'chai'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import type {NbChange} from '../../../src/lib/nb/model.js'

import {NbSource} from '../../../src/lib/driver/nb-source.js'
import {NullLogger} from '../../../src/lib/log.js'
import {OvsdbClient} from '../../../src/lib/ovsdb/index.js'
import {computeDesired} from '../../../src/lib/planner/desired.js'
import {NeutronSim, SIM_CHASSIS, simContext} from '../../helpers/neutron-sim.js'
import {
  type ClusterMember,
  type OvsdbServer,
  startCluster,
  startRelay,
  writeNbSchema,
} from '../../helpers/ovsdb-server.js'
import {requireTools} from '../../helpers/require.js'
import {waitFor as poll} from '../../helpers/wait.js'
import {config} from '../planner/fixtures.js'

const DB = 'OVN_Northbound'
const cfg = config({exposeTenantNetworks: true})

const waitFor = (what: string, cond: () => boolean, timeoutMs = 20_000): Promise<true> =>
  poll(what, cond, timeoutMs, 10)

/** uuid sets per table, to compare two replicas row for row. */
function rowsOf(s: NbSource): Record<string, string[]> {
  const {nb} = s
  return {
    lsp: [...nb.allLsps()].map((r) => JSON.stringify(r)).sort(),
    lrp: [...nb.allLrps()].map((r) => JSON.stringify(r)).sort(),
    nat: [...nb.allNats()].map((r) => JSON.stringify(r)).sort(),
    lb: [...nb.allLbs()].map((r) => JSON.stringify(r)).sort(),
    global: [JSON.stringify(nb.nbGlobal())],
  }
}

describe('NB through ovsdb-server relays in front of a RAFT cluster (real ovsdb-server)', function () {
  this.timeout(180_000)
  let dir: string
  let members: ClusterMember[] = []
  let relays: OvsdbServer[] = []
  let writer: OvsdbClient
  const sources: NbSource[] = []
  const cluster = (): string => members.map((m) => m.remote).join(',')
  let sim: NeutronSim
  let seq = 0

  before(async function () {
    requireTools(this, ['ovsdb-server', 'ovsdb-tool'])
    dir = mkdtempSync(join(tmpdir(), 'nb-relay-'))
    members = await startCluster(writeNbSchema(dir), DB, 3, dir)
    relays = [await startRelay(DB, cluster()), await startRelay(DB, cluster())]
    writer = new OvsdbClient({remotes: cluster(), leaderOnly: true})
    await writer.connect()
    sim = new NeutronSim(7, {vms: 30, lbs: 4})
    await writer.transact(DB, sim.initialOps())
  })

  after(async () => {
    for (const s of sources) await s.close()
    await writer?.close()
    for (const r of relays) await r.stop()
    for (const m of members) await m.server.stop({clean: false})
    if (dir) rmSync(dir, {recursive: true, force: true})
  })

  async function source(remotes: string, scoped: boolean, onChange?: (c: NbChange) => void): Promise<NbSource> {
    const ctx = simContext(SIM_CHASSIS[0]!)
    const s = new NbSource(
      {
        remotes,
        logger: new NullLogger(),
        ...(scoped ? {scope: {chassisName: ctx.chassisName, chassisId: ctx.chassisId}} : {}),
      },
      onChange ? {onChange} : {},
    )
    sources.push(s)
    await s.start(30_000)
    return s
  }

  /** Writes a marker and waits until every source has seen it (and followed its conditions). */
  async function sync(list: NbSource[]): Promise<void> {
    seq++
    await writer.transact(DB, [sim.markerOp(seq)])
    for (const s of list) {
      await waitFor(`marker ${seq}`, () => s.nb.nbGlobal()?.externalIds['ovn-bgp-test:seq'] === String(seq))
      await s.settled()
    }
  }

  it('gets the same state through a relay as from the cluster, full and chassis-scoped, across neutron-like changes', async () => {
    const direct = await source(cluster(), false)
    const relayed = await source(relays[0]!.tcp, false)
    const relayedScoped = await source(relays[0]!.tcp, true)
    const ctx = simContext(SIM_CHASSIS[0]!)
    for (let i = 0; i < 25; i++) {
      await writer.transact(DB, sim.randomChange().ops)
      await sync([direct, relayed, relayedScoped])
      expect(rowsOf(relayed), `step ${i}`).to.deep.equal(rowsOf(direct))
      const want = computeDesired(direct.nb, ctx, cfg)
      expect(computeDesired(relayedScoped.nb, ctx, cfg), `step ${i}`).to.deep.equal(want)
    }

    expect(relayedScoped.client.stats.conditionChanges).to.be.greaterThan(0)
  })

  it('resumes across a relay restart: no row that still exists is ever deleted, and it converges', async () => {
    const deletes: string[] = []
    const snapshotsBefore = {n: 0}
    const direct = await source(cluster(), false)
    const relayed = await source(relays[1]!.tcp, false, (c) => {
      if (c.kind === 'delete') deletes.push(`${c.table} ${c.uuid}`)
    })
    snapshotsBefore.n = relayed.client.stats.snapshots + relayed.client.stats.resumes
    await relays[1]!.kill('SIGKILL')
    // neutron goes on while the relay is down: additions and modifications only
    for (let i = 0; i < 5; i++) await writer.transact(DB, sim.newVmOps())
    await relays[1]!.start()
    await sync([direct, relayed])
    expect(rowsOf(relayed)).to.deep.equal(rowsOf(direct))
    expect(deletes, 'deletes of rows that still exist').to.deep.equal([])
    const s = relayed.client.stats
    expect(s.snapshots + s.resumes).to.be.greaterThan(snapshotsBefore.n)
  })

  it('fails over between two relays and keeps following the cluster', async () => {
    const direct = await source(cluster(), false)
    const both = `${relays[0]!.tcp},${relays[1]!.tcp}`
    const relayed = await source(both, true)
    const ctx = simContext(SIM_CHASSIS[0]!)
    const used = relays.find((r) => r.tcp === relayed.client.remote)!
    await used.kill('SIGKILL')
    for (let i = 0; i < 5; i++) await writer.transact(DB, sim.randomChange().ops)
    await sync([direct, relayed])
    expect(relayed.client.remote).to.not.equal(used.tcp)
    expect(computeDesired(relayed.nb, ctx, cfg)).to.deep.equal(computeDesired(direct.nb, ctx, cfg))
    await used.start()
    // a dropped connection (relay still running, history kept): resumed where the relay offers it
    const before = relayed.client.stats
    const now = relays.find((r) => r.tcp === relayed.client.remote)!
    now.dropConnections()
    await waitFor('reconnect', () => relayed.client.stats.connects > before.connects)
    await sync([direct, relayed])
    expect(relayed.client.stats.resumes, 'monitor_cond_since found=true').to.be.greaterThan(before.resumes)
    expect(computeDesired(relayed.nb, ctx, cfg)).to.deep.equal(computeDesired(direct.nb, ctx, cfg))
  })
})
