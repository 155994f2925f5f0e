// The watched kernel's periodic audit in the real kernel (guest): the periodic full dump taken in
// the background while the model is trusted, then the whole owned observation read from it.
//   - a dump whose text the model already holds is neither parsed nor loaded (the idle node);
//   - what the model got wrong without a notification saying so is corrected from the dump, and
//     its keys reach the next delta observation;
//   - delta observations during the audit's dump are served as usual (sure: nothing deferred);
//   - a scope other than the last full observation's is refused (only a full pass is right).
import {expect} from 'chai'

import type {KernelObj} from '../../src/lib/kernel/types.js'
import type {StateObj} from '../../src/lib/planner/types.js'

import {WatchedKernel} from '../../src/lib/kernel/watched.js'
import {NullLogger} from '../../src/lib/log.js'
import {diff, diffKeys} from '../../src/lib/planner/diff.js'
import {objKey} from '../../src/lib/planner/types.js'
import {sleep} from '../helpers/wait.js'
import {requireGuest} from './helpers/guest.js'
import {kernelEnv, type KernelEnv} from './helpers/kernel-env.js'

function port(i: number): StateObj[] {
  const ip = `10.120.${i >> 8}.${i % 256}`
  const h = (n: number) => (n % 256).toString(16).padStart(2, '0')
  return [
    {kind: 'address', dev: 'bgp-nic', cidr: `${ip}/32`},
    {kind: 'rule', family: 4, dst: `${ip}/32`, table: 200, priority: 32_000},
    {kind: 'route', family: 4, table: 200, dst: `${ip}/32`, dev: 'br-ex', scope: 'link', proto: 3},
    {kind: 'neigh', family: 4, ip, dev: 'br-ex', mac: `fa:16:3e:01:${h(i >> 8)}:${h(i)}`},
  ]
}

const base: StateObj[] = [
  {kind: 'route', family: 4, table: 200, dst: 'default', dev: 'br-ex', scope: 'link', proto: 3},
  {kind: 'route', family: 6, table: 200, dst: 'default', dev: 'br-ex', proto: 3},
]

describe('watched kernel: the periodic audit (guest)', function () {
  this.timeout(300_000)
  let env: KernelEnv
  let wk: WatchedKernel
  const want = new Map<string, StateObj>()
  const adopt = () => [...want.values()]
  const leftOver = (observed: StateObj[]) => {
    const p = diff(adopt(), observed)
    return {add: p.add.map(objKey), remove: p.remove.map(objKey)}
  }

  before(async function () {
    requireGuest(this)
    env = await kernelEnv('kaudit')
    expect((await env.kernel.ensureBase(env.base)).failed).to.deep.equal([])
    wk = new WatchedKernel(env.ns.runner, {stateDir: env.stateDir, ipArgs: ['-n', env.ns.name]}, new NullLogger())
    for (const o of [...base, ...Array.from({length: 200}, (_, i) => port(i)).flat()]) want.set(objKey(o), o)
    const first = await wk.observe({...env.scope, adopt: adopt()})
    const res = await wk.apply(diff(adopt(), first), {ensureUp: ['br-ex']})
    expect(res.filter((r) => !r.ok)).to.deep.equal([])
    for (let i = 0; i < 600 && wk.resyncing; i++) await sleep(100)
    await wk.observe({...env.scope, adopt: adopt()})
  })

  after(async () => {
    wk?.close()
    await env?.close()
  })

  it('an unchanged node: the second audit finds the dump the model holds and parses nothing', async () => {
    const a1 = await wk.audit({...env.scope, adopt: adopt()})
    expect(a1 && leftOver(a1)).to.deep.equal({add: [], remove: []})
    // A notification that changes the model while an audit patches it (the namespace's IPv6
    // housekeeping, now and then) rightly keeps that dump from being recorded as held: the next
    // audit then parses once more. On a node left alone, one of the next three finds it held.
    let tries = 0
    let kept = false
    while (!kept && tries < 3) {
      tries++
      const unchanged = wk.unchangedDumps
      const {audits} = wk
      const a = await wk.audit({...env.scope, adopt: adopt()})
      expect(a && leftOver(a)).to.deep.equal({add: [], remove: []})
      expect(wk.audits).to.equal(audits + 1)
      kept = wk.unchangedDumps === unchanged + 1
    }

    expect(kept, 'an audit of the unchanged node that did not parse its dump').to.equal(true)
    console.log(
      `      ${wk.audits} audits, ${wk.dumps} dumps (${wk.unchangedDumps} unchanged, kept); held after ${tries} more audit(s)`,
    )
  })

  it('corrects what the model got wrong unannounced; the keys reach the next delta observation', async () => {
    const gone = port(3)[0] as KernelObj // in the kernel; the model is told it was removed
    const ghost: KernelObj = {kind: 'address', dev: 'bgp-nic', cidr: '10.120.9.9/32'} // in the model only
    wk.model.applyOwn('remove', gone)
    wk.model.applyOwn('add', ghost)
    const seen = await wk.audit({...env.scope, adopt: adopt()})
    expect(seen && leftOver(seen), 'the observation is the kernel').to.deep.equal({add: [], remove: []})
    const d = await wk.observeDelta(env.scope, [], (k) => want.get(k))
    expect(d, 'a delta observation after the audit').to.not.equal(undefined)
    expect([...d!.keys].sort()).to.include.members([objKey(gone), objKey(ghost)])
    expect(d!.observed.has(objKey(gone)), 'the address is back in the model').to.equal(true)
    expect(d!.observed.has(objKey(ghost)), 'the ghost is gone').to.equal(false)
  })

  it('serves delta observations while its dump runs, sure ones; the result takes them in', async () => {
    const unsure = wk.unsureDeltas
    const bind = port(300)
    for (const o of bind) want.set(objKey(o), o)
    const audit = wk.audit({...env.scope, adopt: adopt()})
    const d = await wk.observeDelta(
      env.scope,
      bind.map((o) => objKey(o)),
      (k) => want.get(k),
    )
    expect(d, 'served during the audit').to.not.equal(undefined)
    const plan = diffKeys(
      d!.keys,
      (k) => want.get(k),
      (k) => d!.observed.get(k),
    )
    expect(plan.add.map(objKey).sort()).to.deep.equal(bind.map((o) => objKey(o)).sort())
    expect((await wk.apply(plan, {ensureUp: ['br-ex']})).filter((r) => !r.ok)).to.deep.equal([])
    const seen = await audit
    expect(wk.unsureDeltas, 'no unsure delta: the model was trusted').to.equal(unsure)
    const again = await wk.audit({...env.scope, adopt: adopt()})
    expect(seen, 'the audit answered').to.not.equal(undefined)
    expect(again && leftOver(again), 'the next audit: in sync').to.deep.equal({add: [], remove: []})
  })

  it('refuses a scope other than the last full observation', async () => {
    const other = {...env.scope, bridges: [...env.scope.bridges, {name: 'br-nope', table: 250}]}
    expect(await wk.audit({...other, adopt: adopt()})).to.equal(undefined)
  })
})
