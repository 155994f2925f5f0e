// The base wiring answered from the watched kernel model (WatchedKernel.ensureBase: what the FRR
// upkeep asks every frr_reconcile_interval), in the real kernel: in place -> no process at all;
// each kind of change made behind its back (bgp-nic released from the VRF, the VRF or a bridge set
// down, a table default deleted) is seen through the model's notifications and repaired by the
// kernel path, after which the model answers alone again.
import {expect} from 'chai'

import {WatchedKernel} from '../../src/lib/kernel/watched.js'
import {NullLogger} from '../../src/lib/log.js'
import {CountingRunner} from '../helpers/counting-runner.js'
import {sleep, waitFor} from '../helpers/wait.js'
import {requireGuest} from './helpers/guest.js'
import {kernelEnv, type KernelEnv} from './helpers/kernel-env.js'

describe('watched kernel: base wiring from the model (guest)', function () {
  this.timeout(120_000)
  let env: KernelEnv
  let wk: WatchedKernel
  let runner: CountingRunner

  before(async function () {
    requireGuest(this)
    env = await kernelEnv('kbasew')
    expect((await env.kernel.ensureBase(env.base)).failed).to.deep.equal([])
    runner = new CountingRunner(env.ns.runner)
    wk = new WatchedKernel(runner, {stateDir: env.stateDir, ipArgs: ['-n', env.ns.name]}, new NullLogger())
    await wk.observe(env.scope) // loads the model (one dump) and starts the monitor
  })

  after(async () => {
    wk?.close()
    await env?.close()
  })

  /** ensureBase through the model; how many processes it started. */
  const ensure = async (): Promise<{changed: string[]; processes: number}> => {
    const before = runner.count
    const r = await wk.ensureBase(env.base)
    expect(r.failed).to.deep.equal([])
    return {changed: r.changed, processes: runner.count - before}
  }

  /** After a repair, the model catches up from notifications and answers alone again. */
  const settled = async (): Promise<void> => {
    await waitFor('the model to show the base in place', async () => (await ensure()).processes === 0, 5000, 50)
  }

  it('everything in place: answered from the model, no process', async () => {
    const fromModel = wk.baseFromModel
    expect(await ensure()).to.deep.equal({changed: [], processes: 0})
    expect(wk.baseFromModel).to.equal(fromModel + 1)
  })

  const edits: Array<{name: string; edit: string[]; repaired: string}> = [
    {
      name: 'bgp-nic released from the VRF',
      edit: ['link', 'set', 'bgp-nic', 'nomaster'],
      repaired: 'enslaved bgp-nic to bgp-vrf',
    },
    {name: 'the VRF set down', edit: ['link', 'set', 'bgp-vrf', 'down'], repaired: 'set bgp-vrf up'},
    {name: 'bgp-nic set down', edit: ['link', 'set', 'bgp-nic', 'down'], repaired: 'set bgp-nic up'},
    {
      name: 'the IPv6 table default deleted',
      edit: ['-6', 'route', 'del', 'default', 'dev', 'br-ex', 'table', '200'],
      repaired: 'added IPv6 default route dev br-ex table 200',
    },
    {name: 'the provider bridge set down', edit: ['link', 'set', 'br-ex', 'down'], repaired: 'set br-ex up'},
  ]
  for (const e of edits) {
    it(`${e.name} behind its back: seen in the model and repaired`, async () => {
      await env.ns.ip(...e.edit)
      await sleep(300) // the notification
      const r = await ensure()
      expect(r.processes).to.be.greaterThan(0)
      expect(r.changed).to.include(e.repaired)
      await settled()
    })
  }
})
