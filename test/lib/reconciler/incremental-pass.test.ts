// Reconciler in watch mode: event passes use the incremental desired state, full-recompute passes
// compare it with a scratch computation, report differences (log at error naming the subjects,
// PassResult.desiredMismatches) and use the scratch result. The real planner, an in-memory datapath.
import {expect} from 'chai'

import type {Datapath} from '../../../src/lib/reconciler/types.js'

import {defaultConfig} from '../../../src/lib/config/index.js'
import {StreamLogger} from '../../../src/lib/log.js'
import {objKey} from '../../../src/lib/planner/types.js'
import {Reconciler} from '../../../src/lib/reconciler/reconcile.js'
import {MemoryDatapath, watchReconciler} from '../../helpers/memory-datapath.js'
import {brExNode, insert, LS, LSP, pubNetworkWith, pubVm, update} from '../../helpers/nb-changes.js'

const ctx = brExNode()
const cfg = {...defaultConfig(), driver: 'nb_ovn_bgp_driver'}

function setup() {
  const nb = pubNetworkWith(pubVm('vm1', '172.24.4.10', true))
  const dp = new MemoryDatapath()
  const {rec, lines} = watchReconciler(cfg, ctx, dp)
  return {nb, dp, rec, lines}
}

const addresses = (dp: MemoryDatapath) =>
  [...dp.objects.values()]
    .filter((o) => o.kind === 'address' && o.dev === cfg.bgpNic)
    .map((o) => (o as {cidr: string}).cidr)

describe('Reconciler: incremental desired state in watch mode', () => {
  it('event passes follow marked NB changes; a full pass finds no difference', async () => {
    const {nb, dp, rec} = setup()
    await rec.pass(nb, {prune: true, fullRecompute: true})
    expect(addresses(dp)).to.deep.equal(['172.24.4.10/32'])
    for (const c of [
      insert(LSP, pubVm('vm2', '172.24.4.11', true)),
      update(
        LS,
        {uuid: 'ls-pub', name: 'neutron-pub', ports: ['ln', 'uuid-vm1', 'uuid-vm2']},
        {ports: ['ln', 'uuid-vm1']},
      ),
    ]) {
      rec.markChanged(nb.applyChange(c)!)
    }

    const ev = await rec.pass(nb, {prune: true})
    expect(ev.desiredMismatches).to.equal(undefined)
    expect(ev.plan.add.filter((o) => o.kind === 'address').map(objKey)).to.deep.equal([
      `address|${cfg.bgpNic}|172.24.4.11/32`,
    ])
    const full = await rec.pass(nb, {prune: true, fullRecompute: true})
    expect(full.desiredMismatches).to.equal(0)
    expect(full.changed).to.equal(false)
  })

  it('a change the planner was not told about is a reported difference; the full result is used', async () => {
    const {nb, dp, rec, lines} = setup()
    await rec.pass(nb, {prune: true, fullRecompute: true})
    rec.buildDeferred() // as the daemon does once the pass is reported
    nb.applyChange(update(LSP, pubVm('vm1', '172.24.4.10', false), {up: true})) // not marked
    const ev = await rec.pass(nb, {prune: true})
    expect(addresses(dp), 'the incremental state still has the port').to.deep.equal(['172.24.4.10/32'])
    expect(ev.changed).to.equal(false)
    const full = await rec.pass(nb, {prune: true, fullRecompute: true})
    expect(full.desiredMismatches).to.be.greaterThan(0)
    expect(addresses(dp), 'the scratch result was applied').to.deep.equal([])
    const err = lines
      .map((l) => JSON.parse(l) as {level: string; msg: string; subjects?: string[]})
      .find((l) => l.level === 'error')
    expect(err?.msg).to.match(/differs from a full computation/)
    expect(err?.subjects).to.include('port uuid-vm1')
    // The planner started over. A state rebuilt in the pass itself is not compared then (no second
    // full computation on that path); the periodic pass after it compares, and agrees.
    const next = await rec.pass(nb, {prune: true, fullRecompute: true})
    expect(next.desiredMismatches, 'rebuilt in this pass: compared at the next one').to.equal(undefined)
    expect(addresses(dp)).to.deep.equal([])
    const after = await rec.pass(nb, {prune: true, fullRecompute: true})
    expect(after.desiredMismatches).to.equal(0)
  })

  it('announces its observation (prefetch, with the pass scope and freshness) before computing the desired state', async () => {
    const {nb, dp, rec} = setup()
    const seen: Array<{fresh: boolean; bridges: string[]; desiredYet: boolean; observations: number}> = []
    let observed = 0
    const observe = dp.observe.bind(dp)
    dp.observe = async () => {
      observed++
      return observe()
    }

    const prefetching = dp as MemoryDatapath & Pick<Datapath, 'prefetch'>
    let desiredAtPrefetch: unknown
    prefetching.prefetch = (scope, opts) => {
      seen.push({
        fresh: Boolean(opts?.fresh),
        bridges: scope.bridges.map((b) => `${b.name}:${b.table}`),
        desiredYet: rec.lastDesired !== desiredAtPrefetch,
        observations: observed,
      })
      return false
    }

    desiredAtPrefetch = rec.lastDesired
    await rec.pass(nb, {prune: true, fullRecompute: true})
    desiredAtPrefetch = rec.lastDesired
    await rec.pass(nb, {prune: true})
    // Each pass: called once, before its desired state was computed and before it observed.
    expect(seen).to.deep.equal([
      {fresh: true, bridges: ['br-ex:200'], desiredYet: false, observations: 0},
      {fresh: false, bridges: ['br-ex:200'], desiredYet: false, observations: 1},
    ])
    expect(observed).to.equal(2)
  })

  for (const started of [true, false])
    it(`prefetchObservation: ${started ? 'the next pass reads the dump it started, without a second prefetch' : 'a prefetch that started nothing leaves the pass its own'}`, async () => {
      const {nb, dp, rec} = setup()
      const calls: Array<{fresh: boolean; bridges: string[]}> = []
      const prefetching = dp as MemoryDatapath & Pick<Datapath, 'prefetch'>
      prefetching.prefetch = (scope, opts) => {
        calls.push({fresh: Boolean(opts?.fresh), bridges: scope.bridges.map((b) => `${b.name}:${b.table}`)})
        return started
      }

      await rec.prefetchObservation()
      await rec.pass(nb, {prune: true, fullRecompute: true})
      await rec.pass(nb, {prune: true})
      // the early one has the pass's scope; the first pass asks again only when nothing started
      expect(calls).to.deep.equal([
        {fresh: false, bridges: ['br-ex:200']},
        ...(started ? [] : [{fresh: true, bridges: ['br-ex:200']}]),
        {fresh: false, bridges: ['br-ex:200']},
      ])
    })

  it('prefetchObservation: a local context that fails is left to the pass (logged, nothing started)', async () => {
    const dp = new MemoryDatapath()
    const lines: string[] = []
    const rec = new Reconciler({
      cfg,
      datapath: dp,
      local: {
        async context() {
          throw new Error('no chassis id')
        },
      },
      logger: new StreamLogger({write: (l) => lines.push(l), json: true, level: 'debug'}),
    })
    let asked = 0
    ;(dp as MemoryDatapath & Pick<Datapath, 'prefetch'>).prefetch = () => ++asked > 0
    await rec.prefetchObservation()
    expect(asked).to.equal(0)
    expect(lines.join('\n')).to.include('observation not prefetched')
  })

  for (const caller of [true, false])
    it(`builds the planner after the first pass (${caller ? 'when the caller asks' : 'at the start of the next pass'}); an NB change made during that pass reaches the first delta pass`, async () => {
      const {nb, dp, rec, lines} = setup()
      const delta = dp as MemoryDatapath & Pick<Datapath, 'observeDelta'>
      delta.observeDelta = async (_scope, keys) => {
        const all = new Set(keys)
        return {
          keys: all,
          observed: new Map([...all].flatMap((k) => (dp.objects.has(k) ? [[k, dp.objects.get(k)!]] : []))),
        }
      }

      const apply = dp.apply.bind(dp)
      let marked: boolean | undefined
      let builtInPass: boolean | undefined
      dp.apply = async (plan) => {
        const out = await apply(plan)
        builtInPass = rec.buildDeferred()
        // vm2 is bound while the first pass applies: the NB view has it, nothing was marked for it
        marked ??= rec.markChanged(nb.applyChange(insert(LSP, pubVm('vm2', '172.24.4.11', true)))!)
        nb.applyChange(
          update(
            LS,
            {uuid: 'ls-pub', name: 'neutron-pub', ports: ['ln', 'uuid-vm1', 'uuid-vm2']},
            {ports: ['ln', 'uuid-vm1']},
          ),
        )
        return out
      }

      const first = await rec.pass(nb, {prune: true, fullRecompute: true})
      dp.apply = apply
      expect(builtInPass, 'never built while a pass runs').to.equal(false)
      expect(marked, 'without a state every change may matter').to.equal(true)
      expect(first.deltaKeys).to.equal(undefined)
      expect(addresses(dp)).to.deep.equal(['172.24.4.10/32'])
      const builds = () =>
        lines
          .map((l) => JSON.parse(l) as {msg: string; pending?: number; reason?: string})
          .filter((l) => l.msg === 'incremental state built after the pass')
      expect(builds(), 'not built by the pass itself').to.have.length(0)
      if (caller) {
        expect(rec.buildDeferred()).to.equal(true)
        expect(rec.buildDeferred(), 'once').to.equal(false)
      }

      const next = await rec.pass(nb, {prune: true})
      expect(builds()).to.have.length(1)
      expect(builds()[0]).to.include({reason: 'first computation'})
      expect(builds()[0]!.pending).to.be.greaterThan(0)
      expect(next.deltaKeys, 'a delta pass').to.be.a('number')
      expect(addresses(dp)).to.deep.equal(['172.24.4.10/32', '172.24.4.11/32'])
      const full = await rec.pass(nb, {prune: true, fullRecompute: true})
      expect([full.desiredMismatches, full.changed]).to.deep.equal([0, false])
      // Each pass says at debug where its desiredMs went and what the planner did.
      const desired = lines
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .filter((l) => l.msg === 'desired state')
      expect(desired).to.have.length(3)
      for (const d of desired) expect([typeof d.contextMs, typeof d.plannerMs]).to.deep.equal(['number', 'number'])
      expect(desired[0]).to.include({computed: 'from scratch (planner build deferred)'})
      expect(desired[1]!.replayed, 'the delta pass replays what the build left pending').to.be.a('number')
      expect(desired[2]).to.include({selfCheckDifferences: 0})
    })

  it('without enableIncremental every pass computes from scratch (one-shot commands)', async () => {
    const {nb, dp} = setup()
    const rec = new Reconciler({cfg, datapath: dp, local: {context: async () => ctx}})
    await rec.pass(nb, {prune: true})
    nb.applyChange(update(LSP, pubVm('vm1', '172.24.4.10', false), {up: true}))
    const r = await rec.pass(nb, {prune: true})
    expect(r.desiredMismatches).to.equal(undefined)
    expect(addresses(dp)).to.deep.equal([])
  })
})
