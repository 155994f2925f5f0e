// Property: the daemon's planner as it really runs — the IncrementalPlanner fed, change by change,
// by a chassis-scoped NbSource (rows arriving in several condition steps, passes running between
// them) — ends where computeDesired over a full replica of the same database ends. Against a real
// ovsdb-server:
//  1. (passes exactly when the daemon runs one) the end-to-end topology's gateway moved away and back, again and again, with no pause, a short
//     pause and a settled pause in between (the router, its LB, the LB's VIP port and the tenant
//     network leave the scope and come back in several steps);
//  2. random neutron-like change sequences (seeded), with a pass after a random subset of changes.
import {expect} from 'chai'
import {mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import type {AgentConfig} from '../../../src/lib/config/types.js'
import type {NbChange} from '../../../src/lib/nb/model.js'
import type {LocalContext} from '../../../src/lib/planner/context.js'
import type {DesiredResult} from '../../../src/lib/planner/desired.js'

import {isRelevant} from '../../../src/lib/driver/events/relevance.js'
import {NbSource} from '../../../src/lib/driver/nb-source.js'
import {agentView} from '../../../src/lib/driver/view.js'
import {NullLogger} from '../../../src/lib/log.js'
import {OvsdbClient} from '../../../src/lib/ovsdb/index.js'
import {computeDesired} from '../../../src/lib/planner/desired.js'
import {IncrementalPlanner} from '../../../src/lib/planner/incremental.js'
import {clearOps} from '../../helpers/nb-write.js'
import {NeutronSim, SIM_CHASSIS, simContext} from '../../helpers/neutron-sim.js'
import {type OvsdbServer, startOvsdbServer, writeNbSchema} from '../../helpers/ovsdb-server.js'
import {requireTools} from '../../helpers/require.js'
import {sleep, waitFor} from '../../helpers/wait.js'
import {createTopology, map, update} from '../../kernel/helpers/topology.js'
import {BR, config, context as localContext} from '../planner/fixtures.js'

const DB = 'OVN_Northbound'

/**
 * A scoped source driving an IncrementalPlanner the way the daemon does, and a full source.
 * `when`: 'agent' runs a pass exactly when the daemon requests one (driver/agent.ts onChange: an
 * event class matches, the change touches what the node uses, or the planner depends on it) and
 * compares what the last pass computed, i.e. what the node would have applied; a function decides
 * per change, and the comparison then computes the state now.
 */
class Follower {
  readonly planner = new IncrementalPlanner()
  passes = 0
  scoped!: NbSource
  full!: NbSource
  private last: DesiredResult | undefined

  constructor(
    private readonly ctx: LocalContext,
    private readonly cfg: AgentConfig,
    private readonly when: 'agent' | (() => boolean),
  ) {}

  async start(remote: string): Promise<void> {
    this.scoped = new NbSource(
      {
        remotes: remote,
        logger: new NullLogger(),
        scope: {chassisName: this.ctx.chassisName, chassisId: this.ctx.chassisId},
      },
      {onChange: (c) => this.onChange(c)},
    )
    this.full = new NbSource({remotes: remote, logger: new NullLogger()})
    await Promise.all([this.scoped.start(), this.full.start()])
    this.pass()
  }

  private onChange(c: NbChange): void {
    const reached = this.planner.markChanged(c)
    if (!this.last) return
    const wanted =
      this.when === 'agent'
        ? isRelevant(c, agentView(this.scoped.nb, this.cfg, this.ctx, this.last)) || reached
        : this.when()
    if (wanted) this.pass()
  }

  pass(): void {
    this.passes++
    this.last = this.planner.desired(this.scoped.nb, this.ctx, this.cfg)
  }

  /** Waits for both replicas to hold NB_Global marker `seq` and the scope to settle, then compares. */
  async compare(seq: number, label: string): Promise<number> {
    await waitFor(
      'the replicas',
      () =>
        this.scoped.nb.nbGlobal()?.externalIds['ovn-bgp-test:seq'] === String(seq) &&
        this.full.nb.nbGlobal()?.externalIds['ovn-bgp-test:seq'] === String(seq),
      10_000,
      5,
    )
    await this.scoped.settled()
    const inc = this.when === 'agent' ? this.last! : this.planner.desired(this.scoped.nb, this.ctx, this.cfg)
    const scratch = computeDesired(this.full.nb, this.ctx, this.cfg)
    expect(inc.state, label).to.deep.equal(scratch.state)
    expect(inc.problems, label).to.deep.equal(scratch.problems)
    return scratch.state.exposed.length
  }

  async close(): Promise<void> {
    await this.scoped?.close()
    await this.full?.close()
  }
}

const markerSim = new NeutronSim(0)
const marker = (seq: number) => markerSim.markerOp(seq)

describe('incremental planner over a chassis-scoped replica ends where the full replica does (real ovsdb-server)', function () {
  this.timeout(300_000)
  let nb: OvsdbServer
  let writer: OvsdbClient

  before(async function () {
    requireTools(this, ['ovsdb-server', 'ovsdb-tool'])
    const dir = mkdtempSync(join(tmpdir(), 'nb-scope-inc-'))
    nb = await startOvsdbServer({schema: writeNbSchema(dir), dir})
    writer = new OvsdbClient({remotes: nb.unix})
    await writer.connect()
  })

  after(async () => {
    await writer?.close()
    await nb?.stop()
  })

  it('the gateway moved away and back 30 times (no pause, short pause, settled)', async () => {
    await writer.transact(DB, [...clearOps(), {op: 'insert', table: 'NB_Global', row: {}}])
    await createTopology(nb.unix)
    const ctx = localContext({
      chassisName: 'compute-1',
      chassisId: 'chassis-1',
      bridgeMappings: [{physnet: 'physnet1', bridge: BR, index: 1}],
    })
    const f = new Follower(ctx, config({exposeTenantNetworks: true}), 'agent')
    let seq = 0
    try {
      await f.start(nb.unix)
      await writer.transact(DB, [marker(++seq)])
      const all = await f.compare(seq, 'initial')
      expect(all, 'the topology exposes its 7 IPs and the subnet').to.be.greaterThan(5)
      for (let i = 0; i < 30; i++) {
        const pause = [0, 5, 50, -1][i % 4]!
        await update(nb.unix, 'Logical_Router_Port', 'lrp-gw', {status: map({'hosting-chassis': 'chassis-2'})})
        if (pause < 0) {
          await writer.transact(DB, [marker(++seq)])
          expect(await f.compare(seq, `round ${i}: away`)).to.be.lessThan(all)
        } else await sleep(pause)
        await update(nb.unix, 'Logical_Router_Port', 'lrp-gw', {status: map({'hosting-chassis': 'chassis-1'})})
        await writer.transact(DB, [marker(++seq)])
        expect(await f.compare(seq, `round ${i} (pause ${pause}): back`)).to.equal(all)
      }
    } finally {
      await f.close()
    }
  })

  for (const seed of [11, 12]) {
    it(`random neutron-like change sequences, passes after a random subset of changes (seed ${seed})`, async () => {
      await writer.transact(DB, clearOps())
      const sim = new NeutronSim(seed)
      await writer.transact(DB, sim.initialOps())
      let rnd = seed
      const coin = (): boolean => {
        rnd = (rnd * 1_103_515_245 + 12_345) % 2_147_483_648
        return rnd % 3 === 0
      }

      const followers = [SIM_CHASSIS[0]!, SIM_CHASSIS[1]!].map(
        (ch) => new Follower(simContext(ch), config({exposeTenantNetworks: true}), coin),
      )
      let seq = 0
      let nonEmpty = 0
      try {
        await Promise.all(followers.map((f) => f.start(nb.unix)))
        for (let step = 0; step < 80; step++) {
          const change = sim.randomChange()
          await writer.transact(DB, change.ops)
          if (step % 4 !== 3) continue // several changes, and their condition steps, between comparisons
          await writer.transact(DB, [sim.markerOp(++seq)])
          for (const f of followers)
            if ((await f.compare(seq, `seed ${seed} step ${step} (${change.label})`)) > 0) nonEmpty++
        }
      } finally {
        for (const f of followers) await f.close()
      }

      expect(nonEmpty, 'most comparisons plan exposures').to.be.greaterThan(20)
      expect(followers.every((f) => f.passes > 10)).to.equal(true)
    })
  }
})
