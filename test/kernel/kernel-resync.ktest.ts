// Overrun recovery of the watched kernel model in the real kernel (guest). The monitor's socket is
// made tiny (net.core.rmem_max lowered for the test) and a foreign process keeps adding and
// deleting routes in another table, so notifications are lost again and again. Meanwhile:
//   - delta passes keep being served (no full pass): a port bound then is applied at once, and a
//     port unbound then is NOT removed while the model may be wrong;
//   - an owned address deleted behind the watched kernel's back during the noise is restored once
//     the background resync is in, and the unbound port is removed then, by delta passes;
//   - the end state equals a fresh full observation's diff of zero;
//   - a large apply runs with the monitor paused, and a change made meanwhile is caught the same way.
import {expect} from 'chai'
import {readFileSync, writeFileSync} from 'node:fs'

import type {StateObj} from '../../src/lib/planner/types.js'

import {WatchedKernel} from '../../src/lib/kernel/watched.js'
import {NullLogger} from '../../src/lib/log.js'
import {diff, diffKeys} from '../../src/lib/planner/diff.js'
import {objKey} from '../../src/lib/planner/types.js'
import {sleep} from '../helpers/wait.js'
import {must, requireGuest} from './helpers/guest.js'
import {kernelEnv, type KernelEnv} from './helpers/kernel-env.js'

const RMEM = '/proc/sys/net/core/rmem_max'

function port(i: number): StateObj[] {
  const ip = `10.${100 + Math.floor(i / 65_536)}.${Math.floor(i / 256) % 256}.${i % 256}`
  const h = (n: number) => (n % 256).toString(16).padStart(2, '0')
  return [
    {kind: 'address', dev: 'bgp-nic', cidr: `${ip}/32`},
    {kind: 'rule', family: 4, dst: `${ip}/32`, table: 200, priority: 32_000},
    {kind: 'route', family: 4, table: 200, dst: `${ip}/32`, dev: 'br-ex', scope: 'link', proto: 3},
    {kind: 'neigh', family: 4, ip, dev: 'br-ex', mac: `fa:16:3e:00:${h(i >> 8)}:${h(i)}`},
  ]
}

const base: StateObj[] = [
  {kind: 'route', family: 4, table: 200, dst: 'default', dev: 'br-ex', scope: 'link', proto: 3},
  {kind: 'route', family: 6, table: 200, dst: 'default', dev: 'br-ex', proto: 3},
]

/** Noise: a foreign process adds and deletes 2,000 routes (10.<octet>.x.y) in table 300, again and again, until stopped. */
function churn(env: KernelEnv, octet: number): {running(): boolean; stop(): Promise<void>} {
  const state = {on: true}
  const foreign = Array.from({length: 2000}, (_, i) => `10.${octet}.${i >> 8}.${i % 256}/32 dev br-ex table 300`)
  const batch = async (verb: string): Promise<void> => {
    await must('ip', ['-n', env.ns.name, '-batch', '-'], {
      input: foreign.map((r) => `route ${verb} ${r}`).join('\n') + '\n',
    })
  }

  const loop = (async () => {
    while (state.on) {
      await batch('add')
      await batch('del')
    }
  })()
  return {
    running: () => state.on,
    async stop() {
      state.on = false
      await loop
    },
  }
}

describe('watched kernel: overrun recovery without a full pass (guest)', function () {
  this.timeout(600_000)
  let env: KernelEnv
  let wk: WatchedKernel
  let rmem: string | undefined
  /** The desired state the first test converged to (the second starts from it). */
  let wanted = new Map<string, StateObj>()

  before(async function () {
    requireGuest(this, ['sysctl'])
    rmem = readFileSync(RMEM, 'utf8').trim()
    // Before the monitor starts: its socket's buffer is capped at this.
    writeFileSync(RMEM, '4096')
    env = await kernelEnv('kresync')
    expect((await env.kernel.ensureBase(env.base)).failed).to.deep.equal([])
    wk = new WatchedKernel(env.ns.runner, {stateDir: env.stateDir, ipArgs: ['-n', env.ns.name]}, new NullLogger())
  })

  after(async () => {
    if (rmem) writeFileSync(RMEM, rmem)
    wk?.close()
    await env?.close()
  })

  it('serves unsure delta passes during the noise, removes nothing then, and converges after the resync', async () => {
    const want = new Map<string, StateObj>()
    for (const o of [...base, ...Array.from({length: 500}, (_, i) => port(i)).flat()]) want.set(objKey(o), o)
    const first = await wk.observe({...env.scope, adopt: [...want.values()]})
    expect((await wk.apply(diff([...want.values()], first), {ensureUp: ['br-ex']})).filter((r) => !r.ok)).to.deep.equal(
      [],
    )
    // Whatever the set-up's burst did, start from a settled model.
    for (let i = 0; i < 600 && wk.resyncing; i++) await sleep(100)
    await wk.observe({...env.scope, adopt: [...want.values()]})
    let refused = 0
    const deltaPass = async (keys: string[]) => {
      const d = await wk.observeDelta(env.scope, keys, (k) => want.get(k))
      if (!d) {
        refused++
        return
      }

      const plan = diffKeys(
        d.keys,
        (k) => want.get(k),
        (k) => d.observed.get(k),
      )
      const res = plan.add.length + plan.remove.length > 0 ? await wk.apply(plan, {ensureUp: ['br-ex']}) : []
      expect(res.filter((r) => !r.ok)).to.deep.equal([])
    }

    const noise = churn(env, 200)
    try {
      for (let i = 0; i < 300 && !wk.resyncing; i++) await sleep(20)
      expect(wk.resyncing, 'an overrun started a background resync').to.equal(true)
      // Behind its back, during the noise: an owned address deleted.
      await env.ns.ip('address', 'del', '10.100.0.3/32', 'dev', 'bgp-nic')
      // A port bound and a port unbound while the model may be wrong.
      const bind = port(600)
      const unbind = port(5)
      for (const o of bind) want.set(objKey(o), o)
      for (const o of unbind) want.delete(objKey(o))
      const unsure = wk.unsureDeltas
      await deltaPass([...bind, ...unbind].map((o) => objKey(o)))
      expect(wk.unsureDeltas, 'served unsure').to.equal(unsure + 1)
      const addrs = (await env.ns.ip('-4', '-o', 'address', 'show', 'dev', 'bgp-nic')).stdout
      expect(addrs, 'the bound port is applied at once').to.include('10.100.2.88/32')
      expect(addrs, 'the unbound port is not removed on a suspect model').to.include('10.100.0.5/32')
    } finally {
      await noise.stop()
    }

    for (let i = 0; i < 600 && wk.resyncing; i++) await sleep(100)
    expect(wk.resyncing, 'the resync ended').to.equal(false)
    // The resync's changed keys and the deferred ones, examined by ordinary delta passes.
    for (let i = 0; i < 3; i++) await deltaPass([])
    expect(refused, 'delta passes refused (full passes needed)').to.equal(0)
    const addrs = (await env.ns.ip('-4', '-o', 'address', 'show', 'dev', 'bgp-nic')).stdout
    expect(addrs, 'the deleted address restored').to.include('10.100.0.3/32')
    expect(addrs, 'the unbound port removed').not.to.include('10.100.0.5/32')
    const fresh = await wk.kernel.observe({...env.scope, adopt: [...want.values()]})
    const left = diff([...want.values()], fresh)
    expect({add: left.add.map(objKey), remove: left.remove.map(objKey)}).to.deep.equal({add: [], remove: []})
    // A large apply runs with the monitor paused; an owned address deleted meanwhile is found by
    // the resync that follows (no full pass), and the next delta pass restores it.
    const big = Array.from({length: 600}, (_, i) => port(1000 + i)).flat()
    for (const o of big) want.set(objKey(o), o)
    const {pauses} = wk
    const applying = wk.apply({add: big, remove: [], unchanged: 0}, {ensureUp: ['br-ex']})
    await env.ns.ip('address', 'del', '10.100.0.7/32', 'dev', 'bgp-nic')
    expect((await applying).filter((r) => !r.ok)).to.deep.equal([])
    expect(wk.pauses, 'the 2,400-op apply paused the monitor').to.equal(pauses + 1)
    for (let i = 0; i < 600 && wk.resyncing; i++) await sleep(100)
    for (let i = 0; i < 3; i++) await deltaPass([])
    expect(refused, 'delta passes refused after the paused apply').to.equal(0)
    const after = (await env.ns.ip('-4', '-o', 'address', 'show', 'dev', 'bgp-nic')).stdout
    expect(after, 'deleted during the paused apply, restored').to.include('10.100.0.7/32')
    const fresh2 = await wk.kernel.observe({...env.scope, adopt: [...want.values()]})
    const left2 = diff([...want.values()], fresh2)
    expect({add: left2.add.map(objKey), remove: left2.remove.map(objKey)}).to.deep.equal({add: [], remove: []})
    console.log(
      `      ${wk.resyncs} background resyncs (last one: ${wk.lastResyncChanged} keys changed), ${wk.unsureDeltas} unsure delta passes, ${wk.dumps} dumps in all`,
    )
    wanted = want
  })

  it('a full observe during overruns that never stop returns: the background resync is not repeated for it', async () => {
    const want = wanted
    expect(want.size, 'the first test left its desired state').to.be.greaterThan(0)
    const noise = churn(env, 201)
    let ms: number
    let left: {add: string[]; remove: string[]}
    const resyncsBefore = wk.resyncs
    try {
      for (let i = 0; i < 300 && !wk.resyncing; i++) await sleep(20)
      expect(wk.resyncing, 'an overrun started a background resync').to.equal(true)
      // What a periodic full pass does, while the noise goes on (before, it waited for the
      // resync, which repeated as long as the overruns did: here, until the noise stopped).
      const t0 = performance.now()
      const observed = await wk.observe({...env.scope, adopt: [...want.values()], fresh: true})
      ms = performance.now() - t0
      expect(noise.running(), 'returned while the noise still ran').to.equal(true)
      const plan = diff([...want.values()], observed)
      left = {add: plan.add.map(objKey), remove: plan.remove.map(objKey)}
    } finally {
      await noise.stop()
    }

    expect(left, 'the observation is complete: nothing to add or remove').to.deep.equal({add: [], remove: []})
    expect(ms, 'returned within 120 s').to.be.below(120_000)
    console.log(
      `      FIGURE full observe during endless overruns: returned in ${(ms / 1000).toFixed(1)} s (${wk.resyncs - resyncsBefore} background resyncs meanwhile)`,
    )
  })
})
