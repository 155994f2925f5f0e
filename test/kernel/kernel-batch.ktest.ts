// Batched apply at scale: 2,000 operations in one `ip -batch` process, with a failing op in the
// middle that must not stop the others. Prints the timings (guest under TCG: about 4x slower than
// a real host for netlink work).
import {expect} from 'chai'

import type {Plan, StateObj} from '../../src/lib/planner/types.js'

import {Kernel} from '../../src/lib/kernel/kernel.js'
import {CountingRunner} from '../helpers/counting-runner.js'
import {requireGuest} from './helpers/guest.js'
import {kernelEnv, type KernelEnv} from './helpers/kernel-env.js'

const N = 1000

function ops(): StateObj[] {
  const out: StateObj[] = []
  for (let i = 0; i < N; i++) {
    const ip = `172.24.${100 + Math.floor(i / 250)}.${1 + (i % 250)}`
    out.push(
      {kind: 'address', dev: 'bgp-nic', cidr: `${ip}/32`},
      {kind: 'rule', family: 4, dst: `${ip}/32`, table: 200, priority: 32_000},
    )
  }

  return out
}

describe('batched apply of 2,000 operations (guest)', function () {
  this.timeout(600_000)
  let env: KernelEnv
  let kernel: Kernel
  let counter: CountingRunner
  const bad: StateObj = {
    kind: 'route',
    family: 4,
    table: 200,
    dst: '172.24.200.1/32',
    dev: 'br-missing',
    scope: 'link',
    proto: 3,
  }

  before(async function () {
    requireGuest(this)
    env = await kernelEnv('kbatch')
    expect((await env.kernel.ensureBase(env.base)).failed).to.deep.equal([])
    counter = new CountingRunner(env.ns.runner)
    kernel = new Kernel(counter, {stateDir: env.stateDir})
  })

  after(async () => {
    await env?.close()
  })

  it('applies 2,000 adds in two processes (wiring, then the addresses it allows); a failing op in the middle fails alone', async () => {
    const add = ops()
    add.splice(N, 0, bad)
    const plan: Plan = {add, remove: [], unchanged: 0}
    const t0 = Date.now()
    const results = await kernel.apply(plan)
    const ms = Date.now() - t0
    console.log(`      apply: ${add.length} ops (2,000 + 1 failing) in ${ms} ms, ${counter.count} process(es)`)
    // Announce only what is wired: the wiring batch runs first, then one batch of the addresses whose
    // wiring succeeded, whatever the number of ops.
    expect(counter.count).to.equal(2)
    const failed = results.filter((r) => !r.ok)
    expect(failed).to.have.length(1)
    expect(failed[0]).to.deep.include({obj: bad, ok: false, error: 'Cannot find device "br-missing"'})
    counter.count = 0
    const t1 = Date.now()
    const observed = await kernel.observe(env.scope)
    console.log(
      `      observe: ${observed.length} owned objects in ${Date.now() - t1} ms, ${counter.count} process(es)`,
    )
    // Three ip batches and one sysctl read, whatever the size (no per-dump fallback happened).
    expect(counter.count).to.equal(4)
    expect(observed.filter((o) => o.kind === 'address' && o.dev === 'bgp-nic')).to.have.length(N)
    expect(observed.filter((o) => o.kind === 'rule')).to.have.length(N)
  })

  it('re-applying the same 2,000 adds is all ok ("exists" = success)', async () => {
    counter.count = 0
    const t0 = Date.now()
    const results = await kernel.apply({add: ops(), remove: [], unchanged: 0})
    console.log(`      re-apply: 2,000 ops in ${Date.now() - t0} ms, ${counter.count} process(es)`)
    expect(results.filter((r) => !r.ok)).to.deep.equal([])
  })

  it('removes the 2,000 (addresses first, then their wiring), and again without error', async () => {
    for (const round of ['remove', 'remove again']) {
      counter.count = 0
      const t0 = Date.now()
      const results = await kernel.apply({add: [], remove: ops().reverse(), unchanged: 0})
      console.log(`      ${round}: 2,000 ops in ${Date.now() - t0} ms, ${counter.count} process(es)`)
      expect(results.filter((r) => !r.ok)).to.deep.equal([])
    }

    const observed = await kernel.observe(env.scope)
    expect(observed.filter((o) => (o.kind === 'address' && o.dev === 'bgp-nic') || o.kind === 'rule')).to.deep.equal([])
  })
})
