// Property: the chassis-scoped replica (conditional monitoring, nb/scope.ts) plans exactly what the
// full replica plans. Against a real ovsdb-server, two NbSources follow the same database, one
// scoped to a chassis and one holding every row; computeDesired of both must be deep-equal
//  1. for every planner scenario of test/lib/planner (each written to the server as rows), and
//  2. after every change of random neutron-like topologies and change sequences (seeded), for
//     several chassis and configurations, including gateway moves, live migrations ("a,b"
//     requested-chassis), router interfaces coming and going, FIPs, LBs and the FIP mode.
import {expect} from 'chai'
import {mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import type {AgentConfig} from '../../../src/lib/config/types.js'
import type {LocalContext} from '../../../src/lib/planner/context.js'

import {NbSource} from '../../../src/lib/driver/nb-source.js'
import {NullLogger} from '../../../src/lib/log.js'
import {OvsdbClient} from '../../../src/lib/ovsdb/index.js'
import {computeDesired} from '../../../src/lib/planner/desired.js'
import {clearOps, insertOps} from '../../helpers/nb-write.js'
import {NeutronSim, SIM_CHASSIS, simContext} from '../../helpers/neutron-sim.js'
import {NB_SCHEMA_SOURCE, type OvsdbServer, startOvsdbServer, writeNbSchema} from '../../helpers/ovsdb-server.js'
import {requireTools} from '../../helpers/require.js'
import {waitFor as poll} from '../../helpers/wait.js'
import {cases as lbCases} from '../planner/desired-lb.test.js'
import {cases as providerCases} from '../planner/desired-provider.test.js'
import {cases as tenantCases} from '../planner/desired-tenant.test.js'
import {type Case, config, context} from '../planner/fixtures.js'

const DB = 'OVN_Northbound'

async function sources(
  remote: string,
  ctx: Pick<LocalContext, 'chassisName' | 'chassisId'>,
): Promise<{scoped: NbSource; full: NbSource}> {
  const scoped = new NbSource({
    remotes: remote,
    logger: new NullLogger(),
    scope: {chassisName: ctx.chassisName, chassisId: ctx.chassisId},
  })
  const full = new NbSource({remotes: remote, logger: new NullLogger()})
  await Promise.all([scoped.start(), full.start()])
  return {scoped, full}
}

function rowCount(s: NbSource): number {
  return Object.values(s.nb.counts()).reduce((a, b) => a + b, 0)
}

describe('chassis-scoped NB replica plans what the full replica plans (real ovsdb-server)', function () {
  this.timeout(300_000)
  let nb: OvsdbServer
  let old: OvsdbServer
  let writer: OvsdbClient
  let oldWriter: OvsdbClient

  before(async function () {
    requireTools(this, ['ovsdb-server', 'ovsdb-tool'])
    const dir = mkdtempSync(join(tmpdir(), 'nb-scope-'))
    nb = await startOvsdbServer({schema: writeNbSchema(dir), dir})
    old = await startOvsdbServer({schema: NB_SCHEMA_SOURCE})
    writer = new OvsdbClient({remotes: nb.unix})
    oldWriter = new OvsdbClient({remotes: old.unix})
    await Promise.all([writer.connect(), oldWriter.connect()])
  })

  after(async () => {
    await writer?.close()
    await oldWriter?.close()
    await nb?.stop()
    await old?.stop()
  })

  it('for every planner scenario of the suite', async () => {
    const all: Case[] = [...providerCases, ...tenantCases, ...lbCases]
    const refused: string[] = []
    let compared = 0
    let exposedSomething = 0
    for (const c of all) {
      const lrpStatus = c.caps?.lrpStatus !== false
      const [w, server] = lrpStatus ? [writer, nb] : [oldWriter, old]
      try {
        await w.transact(DB, [...clearOps(), ...insertOps(c.rows, {lrpStatus})])
      } catch (error) {
        // e.g. a VLAN tag or an empty `networks` the NB schema itself forbids: not a state a server can hold
        refused.push(`${c.name}: ${(error as Error).message}`)
        continue
      }

      const ctx = context(c.ctx)
      const cfg = config(c.cfg)
      const {scoped, full} = await sources(server.unix, ctx)
      try {
        const a = computeDesired(scoped.nb, ctx, cfg)
        const b = computeDesired(full.nb, ctx, cfg)
        expect(a, c.name).to.deep.equal(b)
        expect(rowCount(scoped), c.name).to.be.at.most(rowCount(full))
        if (b.state.exposed.length > 0) exposedSomething++
        compared++
      } finally {
        await scoped.close()
        await full.close()
      }
    }

    // the comparison is not vacuous: nearly every scenario reaches the server and most expose something
    expect(compared, refused.join('\n')).to.be.at.least(all.length - 10)
    expect(exposedSomething).to.be.at.least(compared / 2)
  })

  for (const seed of [1, 2, 3, 4]) {
    it(`after every change of a random neutron-like topology and change sequence (seed ${seed})`, async () => {
      await writer.transact(DB, clearOps())
      const sim = new NeutronSim(seed)
      await writer.transact(DB, sim.initialOps())
      const cfgs: AgentConfig[] = [
        config({exposeTenantNetworks: true}),
        config({
          exposeTenantNetworks: false,
          advertisementMethodTenantNetworks: 'subnet',
          requireSnatDisabledForTenantNetworks: true,
        }),
      ]
      // two chassis followed at once: a compute-and-gateway node and another one
      const chassis = [SIM_CHASSIS[0]!, SIM_CHASSIS[1]!]
      const pairs = await Promise.all(chassis.map((ch) => sources(nb.unix, simContext(ch))))
      let seq = 0
      let steps = 0
      let nonEmpty = 0
      let condChanges = 0
      try {
        const check = async (label: string): Promise<void> => {
          seq++
          await writer.transact(DB, [sim.markerOp(seq)])
          for (const p of pairs) {
            await waitFor(
              () =>
                p.scoped.nb.nbGlobal()?.externalIds['ovn-bgp-test:seq'] === String(seq) &&
                p.full.nb.nbGlobal()?.externalIds['ovn-bgp-test:seq'] === String(seq),
            )
            await p.scoped.settled()
          }

          for (const [i, ch] of chassis.entries()) {
            const ctx = simContext(ch)
            for (const cfg of cfgs) {
              const a = computeDesired(pairs[i]!.scoped.nb, ctx, cfg)
              const b = computeDesired(pairs[i]!.full.nb, ctx, cfg)
              expect(a, `seed ${seed} step ${steps} (${label}) chassis ${ch}`).to.deep.equal(b)
              if (b.state.exposed.length > 0) nonEmpty++
            }

            expect(rowCount(pairs[i]!.scoped)).to.be.lessThan(rowCount(pairs[i]!.full))
          }
        }

        await check('initial')
        for (; steps < 60; steps++) {
          const change = sim.randomChange()
          await writer.transact(DB, change.ops)
          await check(change.label)
        }

        for (const p of pairs) condChanges += p.scoped.client.stats.conditionChanges
      } finally {
        for (const p of pairs) {
          await p.scoped.close()
          await p.full.close()
        }
      }

      expect(nonEmpty, 'most comparisons plan exposures').to.be.greaterThan(steps)
      expect(condChanges).to.be.greaterThan(0)
    })
  }
})

const waitFor = (cond: () => boolean, timeoutMs = 10_000): Promise<true> => poll('the replicas', cond, timeoutMs, 5)
