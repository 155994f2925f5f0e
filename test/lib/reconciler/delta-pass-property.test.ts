// Property: a watch-mode event pass that diffs only the changed keys (Reconciler delta pass) plans
// exactly what the full diff of the scratch desired state against the whole node would, at every
// step of seeded random neutron-like NB change sequences on a real ovsdb-server, with node drift
// (objects deleted, changed or planted behind ovn-bgp's back, reported as changed keys like the
// watched kernel does) and failing ops mixed in; and the node ends equal to the desired state.
// Reproduce one seed: SEEDS=<n> STEPS=<n>.
import {expect} from 'chai'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import type {LocalContext} from '../../../src/lib/planner/context.js'
import type {
  Datapath,
  DeltaObservation,
  DesiredLookup,
  ObserveScope,
  OpResult,
} from '../../../src/lib/reconciler/types.js'

import {defaultConfig} from '../../../src/lib/config/index.js'
import {NbSource} from '../../../src/lib/driver/nb-source.js'
import {StreamLogger} from '../../../src/lib/log.js'
import {computeDesired} from '../../../src/lib/planner/desired.js'
import {diff} from '../../../src/lib/planner/diff.js'
import {objKey, objValue, type Plan, type StateObj} from '../../../src/lib/planner/types.js'
import {Reconciler} from '../../../src/lib/reconciler/reconcile.js'
import {RandomNb, rng} from '../../helpers/nb-random.js'
import {type OvsdbServer, startOvsdbServer, transact, writeNbSchema} from '../../helpers/ovsdb-server.js'
import {requireTools} from '../../helpers/require.js'
import {sleep} from '../../helpers/wait.js'

/** The node as a map, watched like the kernel model: drift marks keys; ops may fail. */
class WatchedMemoryDatapath implements Datapath {
  readonly objects = new Map<string, StateObj>()
  readonly dirty = new Set<string>()
  fullObserves = 0
  deltaObserves = 0
  /** Ops for which this returns true fail (and change nothing). */
  fails: (o: StateObj) => boolean = () => false

  async observe(): Promise<StateObj[]> {
    this.fullObserves++
    this.dirty.clear()
    return [...this.objects.values()]
  }

  async observeDelta(_s: ObserveScope, keys: Iterable<string>, _d: DesiredLookup): Promise<DeltaObservation> {
    this.deltaObserves++
    const all = new Set(keys)
    for (const k of this.dirty) all.add(k)
    this.dirty.clear()
    const observed = new Map<string, StateObj>()
    for (const k of all) {
      const o = this.objects.get(k)
      if (o) observed.set(k, o)
    }

    return {observed, keys: all}
  }

  async apply(plan: Plan): Promise<OpResult[]> {
    const out: OpResult[] = []
    for (const obj of plan.remove) {
      const ok = !this.fails(obj)
      if (ok) this.objects.delete(objKey(obj))
      out.push({action: 'remove', obj, ok})
    }

    for (const obj of plan.add) {
      const ok = !this.fails(obj)
      if (ok) this.objects.set(objKey(obj), obj)
      out.push({action: 'add', obj, ok})
    }

    return out
  }

  /** Something outside ovn-bgp changes the node; the watch reports the key. */
  drift(r: () => number): void {
    const present = [...this.objects.values()]
    const o = present[Math.floor(r() * present.length)]
    const roll = r()
    if (o && roll < 0.5) this.objects.delete(objKey(o))
    else if (o && o.kind === 'neigh' && roll < 0.8) this.objects.set(objKey(o), {...o, mac: 'fa:16:3e:99:99:99'})
    else {
      const planted: StateObj = {kind: 'address', dev: 'bgp-nic', cidr: `198.51.100.${Math.floor(r() * 50)}/32`}
      this.objects.set(objKey(planted), planted)
      this.dirty.add(objKey(planted))
      return
    }

    this.dirty.add(objKey(o))
  }
}

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
    'br-ex': [{name: 'patch-provnet-0-to-br-int', ofport: 3}],
    'br-vlan': [{name: 'patch-provnet-2-to-br-int', ofport: 5}],
  },
}
const cfg = {...defaultConfig(), driver: 'nb_ovn_bgp_driver', exposeTenantNetworks: true}

const SEEDS = process.env.SEEDS ? process.env.SEEDS.split(',').map(Number) : [21, 22]
const STEPS = Number(process.env.STEPS ?? 300)

async function tx(remote: string, ops: unknown[]): Promise<void> {
  const results = (await transact(remote, ops)) as Array<{error?: string} | null>
  const bad = results.find((r) => r && r.error)
  if (bad) throw new Error(`transaction failed: ${JSON.stringify(bad)}`)
}

const values = (objs: readonly StateObj[]) => objs.map((o) => objValue(o))

describe('Reconciler delta passes == full diff on random NB change sequences with drift (real ovsdb-server)', function () {
  this.timeout(180_000)
  let dir: string
  let server: OvsdbServer | undefined
  let source: NbSource | undefined

  before(function () {
    requireTools(this, ['ovsdb-server', 'ovsdb-tool'])
    dir = mkdtempSync(join(tmpdir(), 'delta-prop-'))
  })

  afterEach(async () => {
    await source?.close()
    await server?.stop({clean: true})
    source = undefined
    server = undefined
  })

  after(() => rmSync(dir, {recursive: true, force: true}))

  for (const seed of SEEDS) {
    it(`seed ${seed}: ${STEPS} steps, drift and failing ops`, async () => {
      server = await startOvsdbServer({schema: writeNbSchema(mkdtempSync(join(dir, 'db-')))})
      const gen = new RandomNb(seed)
      const r = rng(seed * 7919)
      await tx(server.unix, gen.initial())
      const dp = new WatchedMemoryDatapath()
      const rec = new Reconciler({cfg, datapath: dp, local: {context: async () => ctx}})
      rec.enableIncremental()
      source = new NbSource(
        {remotes: server.unix, logger: new StreamLogger({write() {}})},
        {onChange: (c) => rec.markChanged(c)},
      )
      await source.start()
      const {nb} = source
      await rec.pass(nb, {prune: true, fullRecompute: true})
      let deltas = 0
      let failures = 0
      for (let s = 1; s <= STEPS; s++) {
        await tx(server.unix, gen.next())
        for (let w = 0; nb.nbGlobal()?.externalIds['test:step'] !== String(s); w++) {
          if (w > 2000) throw new Error(`replica did not reach step ${s}`)
          await sleep(1)
        }

        if (r() < 0.15) dp.drift(r)
        const failing = r() < 0.1
        dp.fails = failing ? () => r() < 0.3 : () => false
        const desired = computeDesired(nb, ctx, cfg).state.objects
        const expected = diff(desired, [...dp.objects.values()])
        const res = await rec.pass(nb, {prune: true, fullRecompute: s % 100 === 0})
        const where = `seed ${seed} step ${s} (${res.deltaKeys === undefined ? 'full' : `delta of ${res.deltaKeys} keys`})`
        expect(values(res.plan.add), `${where}: add`).to.deep.equal(values(expected.add))
        expect(values(res.plan.remove), `${where}: remove`).to.deep.equal(values(expected.remove))
        if (res.deltaKeys !== undefined) deltas++
        if (res.failed.length > 0) {
          failures++
          continue
        }

        // Sysctls are never removed (diff), so one no longer desired stays; everything else matches.
        const want = new Set(values(desired))
        const node = values([...dp.objects.values()].filter((o) => o.kind !== 'sysctl' || want.has(objValue(o))))
        expect(node.sort(), `${where}: node`).to.deep.equal([...want].sort())
      }

      // The delta path really ran, failures were retried through it, and full passes stayed rare.
      expect(deltas, 'delta passes').to.be.greaterThan(STEPS * 0.6)
      expect(failures, 'passes with failed ops').to.be.greaterThan(0)
      expect(dp.fullObserves, 'full observations').to.be.lessThan(STEPS * 0.4)
    })
  }
})
