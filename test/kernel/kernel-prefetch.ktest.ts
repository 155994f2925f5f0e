// The watched kernel's start-up and prefetch in the real kernel (guest):
//   - the base wiring starts the monitor, so a change made before the first observation, after the
//     base, is in the first observation (the monitor, not luck, catches it);
//   - a pass's prefetch dumps once, in the background, and the observation that follows uses that
//     dump (no second one), also for a `fresh` observation, and still sees a change made after the
//     prefetched dump;
//   - no prefetch dumps when the model can serve the observation;
//   - while a prefetched dump loads, a delta observation is refused (the model is being replaced).
import {expect} from 'chai'

import type {StateObj} from '../../src/lib/planner/types.js'

import {WatchedKernel} from '../../src/lib/kernel/watched.js'
import {NullLogger} from '../../src/lib/log.js'
import {diff} from '../../src/lib/planner/diff.js'
import {objKey} from '../../src/lib/planner/types.js'
import {sleep} from '../helpers/wait.js'
import {must, requireGuest} from './helpers/guest.js'
import {kernelEnv, type KernelEnv} from './helpers/kernel-env.js'

const addr = (i: number): StateObj => ({kind: 'address', dev: 'bgp-nic', cidr: `10.77.0.${i}/32`})
const keys = (objs: readonly StateObj[]): string[] => objs.map((o) => objKey(o)).sort()

describe('watched kernel: start-up monitor and prefetched dumps (guest)', function () {
  this.timeout(300_000)
  let env: KernelEnv
  let wk: WatchedKernel

  before(async function () {
    requireGuest(this)
    env = await kernelEnv('kprefetch')
    wk = new WatchedKernel(env.ns.runner, {stateDir: env.stateDir, ipArgs: ['-n', env.ns.name]}, new NullLogger())
  })

  after(async () => {
    wk?.close()
    await env?.close()
  })

  it('the base wiring starts the monitor; a prefetched dump serves the observation, fresh included', async () => {
    expect((await wk.ensureBase(env.base)).failed).to.deep.equal([])
    const want = [addr(1), addr(2)]
    // The first pass announces its observation (the model was never loaded: a dump is due).
    wk.prefetch(env.scope)
    expect(wk.prefetches).to.equal(1)
    // Behind its back, while the prefetched dump runs or just after it: only the monitor can tell.
    await must('ip', ['-n', env.ns.name, 'address', 'add', '10.77.0.9/32', 'dev', 'bgp-nic'])
    const first = await wk.observe({...env.scope, adopt: want})
    expect(wk.dumps, 'the observation used the prefetched dump').to.equal(1)
    expect(keys(first.filter((o) => o.kind === 'address'))).to.include(objKey(addr(9)))
    const res = await wk.apply(diff(want, first), {ensureUp: ['br-ex']})
    expect(res.filter((r) => !r.ok)).to.deep.equal([])
    // A fresh observation (the periodic pass) after a prefetch with fresh: still one dump for both.
    await sleep(300)
    wk.prefetch(env.scope, {fresh: true})
    expect(wk.prefetches).to.equal(2)
    const again = await wk.observe({...env.scope, adopt: want}, {fresh: true})
    expect(wk.dumps).to.equal(2)
    expect(diff(want, again).add).to.deep.equal([])
    expect(keys(diff(want, again).remove)).to.deep.equal([])
  })

  it('no dump when the model can serve the observation; a delta is refused while a prefetched dump loads', async () => {
    const want = [addr(1), addr(2)]
    const {dumps} = wk
    wk.prefetch(env.scope)
    expect(wk.prefetches, 'model current: no prefetch').to.equal(2)
    await wk.observe({...env.scope, adopt: want})
    expect(wk.dumps).to.equal(dumps)
    // A fresh prefetch is a dump in flight: a delta observation now must not read the old model.
    wk.prefetch(env.scope, {fresh: true})
    const desiredOf = (k: string) => want.find((o) => objKey(o) === k)
    expect(await wk.observeDelta(env.scope, [objKey(addr(1))], desiredOf)).to.equal(undefined)
    const after = await wk.observe({...env.scope, adopt: want}, {fresh: true})
    expect(wk.dumps).to.equal(dumps + 1)
    expect(diff(want, after).add).to.deep.equal([])
  })
})
