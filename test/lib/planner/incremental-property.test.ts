// Property: the incremental planner fed by a real NB replica equals computeDesired from scratch
// after every step of seeded random neutron-like change sequences (test/helpers/nb-random.ts)
// applied to a real ovsdb-server with the OVN NB schema; so does a second one rebuilt in slices
// with the changes falling between them; and the background self-check (planner/sliced-check.ts),
// whose reference is built in slices while the changes go on, finds no difference with the kept
// planner when it ends. Reproduce one seed: SEEDS=<n> STEPS=<n>.
import {expect} from 'chai'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import type {LocalContext} from '../../../src/lib/planner/context.js'

import {defaultConfig} from '../../../src/lib/config/index.js'
import {type AgentConfig} from '../../../src/lib/config/types.js'
import {NbSource} from '../../../src/lib/driver/nb-source.js'
import {StreamLogger} from '../../../src/lib/log.js'
import {computeDesired} from '../../../src/lib/planner/desired.js'
import {IncrementalPlanner} from '../../../src/lib/planner/incremental.js'
import {diffDesired} from '../../../src/lib/planner/self-check.js'
import {SlicedSelfCheck} from '../../../src/lib/planner/sliced-check.js'
import {objValue} from '../../../src/lib/planner/types.js'
import {RandomNb} from '../../helpers/nb-random.js'
import {type OvsdbServer, startOvsdbServer, transact, writeNbSchema} from '../../helpers/ovsdb-server.js'
import {requireTools} from '../../helpers/require.js'
import {sleep} from '../../helpers/wait.js'

const ctx: LocalContext = {
  chassisName: 'compute-1',
  chassisId: 'chassis-1',
  bridgeMappings: [
    {physnet: 'physnet1', bridge: 'br-ex', index: 1},
    {physnet: 'physnet2', bridge: 'br-vlan', index: 2},
  ],
  bridgeTables: {'br-ex': 200, 'br-vlan': 201},
  bridgeMacs: {'br-ex': 'fa:16:3e:00:00:01', 'br-vlan': 'fa:16:3e:00:00:02'},
  patchPorts: {
    'br-ex': [
      {name: 'patch-provnet-0-to-br-int', ofport: 3},
      {name: 'patch-provnet-1-to-br-int', ofport: 4},
    ],
    'br-vlan': [{name: 'patch-provnet-2-to-br-int', ofport: 5}],
  },
}

const base = {...defaultConfig(), driver: 'nb_ovn_bgp_driver'}
/** One configuration per seed, so every tenant mode is exercised. */
const CONFIGS: Array<[string, AgentConfig]> = [
  ['tenant networks, host mode', {...base, exposeTenantNetworks: true}],
  [
    'tenant networks, subnet mode, SNAT check',
    {
      ...base,
      exposeTenantNetworks: true,
      advertisementMethodTenantNetworks: 'subnet',
      requireSnatDisabledForTenantNetworks: true,
    },
  ],
  [
    'IPv6 GUA tenant networks, address scopes',
    {...base, exposeIpv6GuaTenantNetworks: true, addressScopes: ['scope-a']},
  ],
  ['no tenant exposure', base],
]

const SEEDS = process.env.SEEDS ? process.env.SEEDS.split(',').map(Number) : [1, 2, 3, 4]
const STEPS = Number(process.env.STEPS ?? 500)
/** Steps between two sliced rebuilds of the second planner (even). */
const SLICED_EVERY = 40

async function tx(remote: string, ops: unknown[]): Promise<void> {
  const results = (await transact(remote, ops)) as Array<{error?: string; details?: string} | null>
  const bad = results.find((r) => r && r.error)
  if (bad) throw new Error(`transaction failed: ${JSON.stringify(bad)} in ${JSON.stringify(ops)}`)
}

describe('incremental planner == computeDesired on random NB change sequences (real ovsdb-server)', function () {
  this.timeout(120_000)
  let dir: string
  let server: OvsdbServer | undefined
  let source: NbSource | undefined

  before(function () {
    requireTools(this, ['ovsdb-server', 'ovsdb-tool'])
    dir = mkdtempSync(join(tmpdir(), 'incr-prop-'))
  })

  afterEach(async () => {
    await source?.close()
    await server?.stop({clean: true})
    source = undefined
    server = undefined
  })

  after(() => rmSync(dir, {recursive: true, force: true}))

  for (const [i, seed] of SEEDS.entries()) {
    const [label, cfg] = CONFIGS[i % CONFIGS.length]!
    it(`seed ${seed}: ${STEPS} steps, ${label}`, async () => {
      server = await startOvsdbServer({schema: writeNbSchema(mkdtempSync(join(dir, 'db-')))})
      const gen = new RandomNb(seed)
      await tx(server.unix, gen.initial())
      const planner = new IncrementalPlanner()
      // A second planner rebuilt in slices every SLICED_EVERY steps, one port per step, so that the
      // random changes fall between its slices (the daemon's deferred build).
      const sliced = new IncrementalPlanner()
      // A background self-check started every SLICED_EVERY steps (offset from the sliced builds),
      // one port per step, compared with `planner` once built.
      let bg: SlicedSelfCheck | undefined
      let bgDone = false
      let bgCompared = 0
      const lines: string[] = []
      source = new NbSource(
        {remotes: server.unix, logger: new StreamLogger({write: (l) => lines.push(l)})},
        {
          onChange(c) {
            planner.markChanged(c)
            sliced.markChanged(c)
            bg?.markChanged(c)
          },
        },
      )
      await source.start()
      const {nb} = source
      let incremental = 0
      let replayed = 0
      let compared = 0
      let slicedChecks = 0
      let slicedBuilds = 0
      const check = (step: number): void => {
        const inc = planner.desired(nb, ctx, cfg)
        if (!planner.stats.full) incremental++
        replayed += planner.stats.replayed
        const scratch = computeDesired(nb, ctx, cfg)
        const diffs = diffDesired(inc, scratch)
        compared += scratch.state.objects.length + scratch.state.exposed.length + scratch.problems.length
        expect(diffs, `seed ${seed} step ${step}: ${JSON.stringify(diffs.slice(0, 5), null, 1)}`).to.deep.equal([])
        // Same order too (the kept arrays are patched, not re-sorted).
        expect(inc.state.objects.map(objValue), `seed ${seed} step ${step}: object order`).to.deep.equal(
          scratch.state.objects.map(objValue),
        )
        expect(inc.state.exposed, `seed ${seed} step ${step}: exposed order`).to.deep.equal(scratch.state.exposed)
        expect(inc.problems, `seed ${seed} step ${step}: problems`).to.deep.equal(scratch.problems)
        if (bg && bgDone) {
          const out = bg.finish(planner, nb, ctx, cfg, inc)
          bg = undefined
          // undefined only when the flag or context changed under it (a fip-distributed flip)
          if (out) {
            bgCompared++
            expect(out.differences, `seed ${seed} step ${step}: background check`).to.deep.equal([])
            expect(diffDesired(out.scratch, scratch), `seed ${seed} step ${step}: its reference`).to.deep.equal([])
          }
        }

        // The sliced planner once its build is over (and, now and then, mid-build: desired()
        // finishes it first).
        if (sliced.building && step % SLICED_EVERY !== SLICED_EVERY / 2) return
        const s = sliced.desired(nb, ctx, cfg)
        slicedChecks++
        expect(diffDesired(s, scratch), `seed ${seed} step ${step}: sliced build`).to.deep.equal([])
        expect(s.state.objects.map(objValue), `seed ${seed} step ${step}: sliced, order`).to.deep.equal(
          scratch.state.objects.map(objValue),
        )
      }

      check(0)
      for (let s = 1; s <= STEPS; s++) {
        if (s % SLICED_EVERY === 1) {
          sliced.markAll('test')
          if (sliced.startBuild(nb, ctx, cfg)) slicedBuilds++
        } else if (sliced.building) sliced.buildSlice(1)
        if (s % SLICED_EVERY === SLICED_EVERY / 4 && !bg) {
          bg = new SlicedSelfCheck(nb, ctx, cfg)
          bgDone = false
        } else if (bg && !bgDone) bgDone = bg.slice(1)
        await tx(server.unix, gen.next())
        for (let w = 0; nb.nbGlobal()?.externalIds['test:step'] !== String(s); w++) {
          if (w > 2000) throw new Error(`replica did not reach step ${s}`)
          await sleep(1)
        }

        check(s)
      }

      // The incremental path really ran (full rebuilds only on fip-distributed flips), and replayed
      // far fewer fragments than a full pass plans.
      expect(incremental, 'incremental passes').to.be.greaterThan(STEPS * 0.9)
      expect(replayed / STEPS, 'fragments replayed per step').to.be.lessThan(15)
      expect(compared / STEPS, 'items compared per step').to.be.greaterThan(10)
      expect(slicedBuilds, 'sliced builds').to.equal(Math.ceil(STEPS / SLICED_EVERY))
      expect(slicedChecks, 'sliced planner compared').to.be.greaterThan(STEPS / 4)
      expect(bgCompared, 'background self-checks compared').to.be.greaterThan(STEPS / SLICED_EVERY / 2)
    })
  }
})
