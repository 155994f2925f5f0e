// The periodic full dump of an unchanged node, in the real kernel (guest). The dump still runs
// every time (it is what catches a change the notifications missed), but when its text is the one
// the model was loaded from and the model did not change since, it is neither parsed nor loaded,
// and the observation is the very array of the last time. What must hold, each case against a
// one-shot Kernel.observe of the same node:
//   - nothing changed: the dump is kept (unchangedDumps), the observation is the same array;
//   - a change the monitor saw: the model changed, so the dump is loaded, the change is observed;
//   - a change made while the model followed nothing (monitor stopped): the dump's text differs
//     from the one loaded, so it is loaded, and the change is observed;
//   - the monitor stopped and nothing changed: the dump matches, and is kept;
//   - an address whose lifetime counts down (DHCP, SLAAC) does not make an unchanged dump differ;
//   - a notification that arrives during a load and changes nothing does not stop the load from
//     being recorded: the next unchanged dump is kept;
//   - the VRF table is read for ovn-bgp's routes only: an owned subnet route there is observed, the
//     kernel's local route of every bgp-nic address is not in the model, and a foreign route added
//     there leaves the dump as loaded (kept).
import {expect} from 'chai'

import type {RunOptions, RunResult} from '../../src/lib/exec/runner.js'
import type {KernelObj} from '../../src/lib/kernel/types.js'

import {WatchedKernel} from '../../src/lib/kernel/watched.js'
import {NullLogger} from '../../src/lib/log.js'
import {diff} from '../../src/lib/planner/diff.js'
import {objValue, type StateObj} from '../../src/lib/planner/types.js'
import {sleep} from '../helpers/wait.js'
import {must, requireGuest} from './helpers/guest.js'
import {kernelEnv, type KernelEnv} from './helpers/kernel-env.js'

const addr = (i: number): StateObj => ({kind: 'address', dev: 'bgp-nic', cidr: `10.78.0.${i}/32`})
const values = (objs: readonly StateObj[]): string[] => objs.map((o) => objValue(o)).sort()

describe('watched kernel: a full dump that finds the node as loaded (guest)', function () {
  this.timeout(300_000)
  let env: KernelEnv
  let wk: WatchedKernel
  const want = [addr(1), addr(2), addr(3)]
  const ip = (...args: string[]) => must('ip', ['-n', env.ns.name, ...args])
  const fresh = async (): Promise<KernelObj[]> => wk.observe({...env.scope, adopt: want}, {fresh: true})
  /** The same node through the one-shot kernel (its own dump): what the watched observation must equal. */
  const oneShot = async (): Promise<string[]> => values(await env.kernel.observe({...env.scope, adopt: want}))
  /** A notification the monitor got is in the model once this resolves. */
  const settle = () => sleep(500)

  before(async function () {
    requireGuest(this)
    env = await kernelEnv('kunchanged')
    wk = new WatchedKernel(env.ns.runner, {stateDir: env.stateDir, ipArgs: ['-n', env.ns.name]}, new NullLogger())
    expect((await wk.ensureBase(env.base)).failed).to.deep.equal([])
    const first = await wk.observe({...env.scope, adopt: want})
    expect((await wk.apply(diff(want, first), {ensureUp: ['br-ex']})).filter((r) => !r.ok)).to.deep.equal([])
    await settle()
    // A full observation after the apply: the model is loaded from a dump with nothing replayed on top.
    await fresh()
  })

  after(async () => {
    wk?.close()
    await env?.close()
  })

  it('nothing changed: the dump is neither parsed nor loaded, and the observation is the same array', async () => {
    const a = await fresh()
    const {dumps, unchangedDumps} = wk
    const b = await fresh()
    expect(wk.dumps, 'the dump still runs').to.equal(dumps + 1)
    expect(wk.unchangedDumps).to.equal(unchangedDumps + 1)
    expect(b).to.equal(a)
    expect(values(b)).to.deep.equal(await oneShot())
    expect(diff(want, b).add).to.deep.equal([])
  })

  it('a change the monitor saw: loaded again, and observed', async () => {
    const before = await fresh()
    const {unchangedDumps} = wk
    await ip('address', 'del', '10.78.0.2/32', 'dev', 'bgp-nic')
    await settle()
    const after = await fresh()
    expect(wk.unchangedDumps).to.equal(unchangedDumps)
    expect(after).to.not.equal(before)
    expect(values(after)).to.deep.equal(await oneShot())
    expect(values(diff(want, after).add)).to.deep.equal([objValue(addr(2))])
  })

  it('a change made while the model followed nothing: the dump differs from the one loaded, so it is loaded and observed', async () => {
    await fresh()
    const {unchangedDumps} = wk
    // The model stops following the kernel (as after a monitor's death); its generation stays put.
    ;(wk as unknown as {monitor: {stop(): void}}).monitor.stop()
    await ip('address', 'add', '10.78.0.2/32', 'dev', 'bgp-nic')
    const after = await fresh()
    expect(wk.unchangedDumps, 'a changed text is loaded').to.equal(unchangedDumps)
    expect(values(after)).to.deep.equal(await oneShot())
    expect(diff(want, after).add).to.deep.equal([])
  })

  it('the monitor stopped and nothing changed: the dump matches the one loaded, and is kept', async () => {
    const before = await fresh()
    const {unchangedDumps} = wk
    ;(wk as unknown as {monitor: {stop(): void}}).monitor.stop()
    const after = await fresh()
    expect(wk.unchangedDumps).to.equal(unchangedDumps + 1)
    expect(after).to.equal(before)
    expect(values(after)).to.deep.equal(await oneShot())
  })

  it('an address whose lifetime counts down does not make an unchanged dump differ', async () => {
    // A foreign dynamic-looking address (finite lifetimes) on a foreign device.
    await ip('link', 'add', 'kdyn0', 'type', 'dummy')
    await ip('address', 'add', '198.51.100.7/24', 'dev', 'kdyn0', 'valid_lft', '300', 'preferred_lft', '200')
    await settle()
    const before = await fresh()
    const {unchangedDumps} = wk
    await sleep(2200) // the remaining lifetimes the dump prints are 2 s lower now
    const after = await fresh()
    expect(wk.unchangedDumps).to.equal(unchangedDumps + 1)
    expect(after).to.equal(before)
    expect(values(after)).to.deep.equal(await oneShot())
  })

  it('a notification during a load that changes nothing: the load is recorded, and the next dump is kept', async () => {
    // kdyn0 (the test above) up, so a main-table route can go through it: main is not watched, so
    // its notification changes nothing in the model.
    await ip('link', 'set', 'kdyn0', 'up')
    let arm = false
    const runner = {
      async run(file: string, args: readonly string[], opts?: RunOptions): Promise<RunResult> {
        if (arm && args.includes('-batch') && opts?.input?.includes('address show')) {
          arm = false
          await ip('route', 'add', '203.0.113.0/24', 'dev', 'kdyn0')
          await sleep(500) // the notification arrives while this dump is loading
        }

        return env.ns.runner.run(file, args, opts)
      },
    }
    const w = new WatchedKernel(runner, {stateDir: env.stateDir, ipArgs: ['-n', env.ns.name]}, new NullLogger())
    try {
      await w.observe({...env.scope, adopt: want}, {fresh: true})
      await settle()
      await ip('address', 'add', '10.78.0.9/32', 'dev', 'bgp-nic')
      await settle()
      arm = true
      await w.observe({...env.scope, adopt: want}, {fresh: true})
      expect(arm, 'the route was added during the dump').to.equal(false)
      const {unchangedDumps} = w
      await w.observe({...env.scope, adopt: want}, {fresh: true})
      expect(w.unchangedDumps, 'the load with a no-op notification replayed was recorded').to.equal(unchangedDumps + 1)
    } finally {
      w.close()
      await ip('route', 'del', '203.0.113.0/24', 'dev', 'kdyn0')
      await ip('address', 'del', '10.78.0.9/32', 'dev', 'bgp-nic')
    }
  })

  it("the VRF table: ovn-bgp's routes observed, the kernel's local routes not kept, a foreign route changes nothing", async () => {
    const vrf = env.scope.vrfTable
    const subnet: StateObj = {
      kind: 'route',
      family: 4,
      table: vrf,
      dst: '10.79.0.0/24',
      dev: 'bgp-nic',
      scope: 'link',
      proto: 3,
    }
    want.push(subnet)
    const first = await fresh()
    expect((await wk.apply(diff(want, first))).filter((r) => !r.ok)).to.deep.equal([])
    await settle()
    const withRoute = await fresh()
    expect(values(withRoute)).to.include(objValue(subnet))
    expect(values(withRoute)).to.deep.equal(await oneShot())
    // The kernel holds a local route per bgp-nic address in the VRF table; the model keeps none.
    const local = await ip('-4', '-json', 'route', 'show', 'table', String(vrf), 'type', 'local')
    expect((JSON.parse(local.stdout) as unknown[]).length).to.be.greaterThan(0)
    const {model} = wk as unknown as {model: {routes: ReadonlyMap<string, {table: number; proto?: number}>}}
    const inVrf = [...model.routes.values()].filter((r) => r.table === vrf)
    expect(inVrf.map((r) => r.proto)).to.deep.equal([3])

    const {unchangedDumps} = wk
    await ip('route', 'add', '10.80.0.0/24', 'dev', 'bgp-nic', 'table', String(vrf), 'proto', 'static')
    await settle()
    const after = await fresh()
    expect(wk.unchangedDumps, 'a foreign route in the VRF table is not read').to.equal(unchangedDumps + 1)
    expect(after).to.equal(withRoute)
    expect(values(after)).to.deep.equal(await oneShot())
  })
})
