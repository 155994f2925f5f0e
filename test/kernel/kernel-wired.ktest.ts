// Fault suite item 9, kernel layer, in the real kernel (guest): a wiring op made to fail (the
// route's device is missing) keeps that IP's address off bgp-nic, so the fabric is never offered a
// blackholed IP, and the op results name the failure; the other IPs of the same plan are announced.
// (The peer side and the exit code of a whole sync are not covered here.)
import {expect} from 'chai'

import type {StateObj} from '../../src/lib/planner/types.js'

import {objKey} from '../../src/lib/planner/types.js'
import {requireGuest} from './helpers/guest.js'
import {kernelEnv, type KernelEnv} from './helpers/kernel-env.js'

describe('announce only what is wired (guest)', function () {
  this.timeout(300_000)
  let env: KernelEnv

  before(async function () {
    requireGuest(this)
    env = await kernelEnv('kwire')
    expect((await env.kernel.ensureBase(env.base)).failed).to.deep.equal([])
  })

  after(async () => {
    await env?.close()
  })

  it('a failing route keeps its IP off bgp-nic; the others are announced', async () => {
    const wired: StateObj[] = [
      {kind: 'address', dev: 'bgp-nic', cidr: '172.24.4.20/32'},
      {kind: 'rule', family: 4, dst: '172.24.4.20/32', table: 200, priority: 32_000},
      {kind: 'route', family: 4, table: 200, dst: '172.24.4.20/32', dev: 'br-ex', scope: 'link', proto: 3},
    ]
    const broken: StateObj[] = [
      {kind: 'address', dev: 'bgp-nic', cidr: '172.24.4.21/32'},
      {kind: 'rule', family: 4, dst: '172.24.4.21/32', table: 200, priority: 32_000},
      {kind: 'route', family: 4, table: 200, dst: '172.24.4.21/32', dev: 'br-missing', scope: 'link', proto: 3},
    ]
    const results = await env.kernel.apply({add: [...wired, ...broken], remove: [], unchanged: 0})
    const failed = results
      .filter((r) => !r.ok)
      .map((r) => `${objKey(r.obj)}: ${r.ok ? '' : r.error}`)
      .sort()
      .reverse()
    console.log(`      failed: ${failed.join('; ')}`)
    expect(failed).to.have.length(2)
    expect(failed[0]).to.match(/^route\|4\|200\|172.24.4.21\/32: Cannot find device "br-missing"/)
    expect(failed[1]).to.match(/^address\|bgp-nic\|172.24.4.21\/32: not announced: wiring failed/)
    const addrs = await env.ns.ipJson<Array<{addr_info: Array<{local: string}>}>>('address', 'show', 'dev', 'bgp-nic')
    const on = addrs.flatMap((a) => a.addr_info.map((i) => i.local))
    expect(on).to.include('172.24.4.20')
    expect(on).to.not.include('172.24.4.21')
  })
})
