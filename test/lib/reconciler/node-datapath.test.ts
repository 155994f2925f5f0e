// NodeDatapath glue: bridges that left the mappings are observed (kernel and flows) so a pruning
// pass removes their state; mapped bridges are passed to apply to be set up when down; the flows
// are applied alongside the kernel, not after it; a prefetch that starts a kernel dump dumps the
// flows too, for the observe that follows; drift listeners reach the kernel layer.
import {expect} from 'chai'

import type {FlowChangeSet, OfctlFlows} from '../../../src/lib/ovs/ofctl.js'
import type {FlowObj, Plan, StateObj} from '../../../src/lib/planner/types.js'
import type {ObserveScope} from '../../../src/lib/reconciler/types.js'

import {defaultConfig} from '../../../src/lib/config/index.js'
import {StreamLogger} from '../../../src/lib/log.js'
import {objKey} from '../../../src/lib/planner/types.js'
import {type KernelLayer, NodeDatapath} from '../../../src/lib/reconciler/node-datapath.js'
import {Reconciler} from '../../../src/lib/reconciler/reconcile.js'
import {sleep} from '../../helpers/wait.js'

describe('reconciler/node-datapath', () => {
  const scope: ObserveScope = {
    bgpNic: 'bgp-nic',
    bgpVrf: 'bgp-vrf',
    vrfTable: 10,
    bridges: [{name: 'br-ex', table: 200}],
  }
  const staleRule: StateObj = {kind: 'rule', family: 4, dst: '172.24.4.9/32', table: 201, priority: 32_000}

  function fakes() {
    const calls: {
      observe: ObserveScope[]
      apply: Array<{plan: Plan; opts: unknown}>
      dumps: string[][]
      drift: Array<(r: string) => void>
    } = {observe: [], apply: [], dumps: [], drift: []}
    const kernel: KernelLayer = {
      async observe(s) {
        calls.observe.push(s)
        return s.staleBridges?.length ? [staleRule] : []
      },
      async apply(plan, opts) {
        calls.apply.push({plan, opts})
        return plan.remove.map((obj) => ({action: 'remove' as const, obj, ok: true}))
      },
      onDrift: (l) => calls.drift.push(l),
    }
    const flows = {
      async dumpAll(bridges: readonly string[]) {
        calls.dumps.push([...bridges])
        return {flows: [], foreign: [], errors: {}, timedOut: []}
      },
      apply: async () => [],
    } as unknown as OfctlFlows
    const staleBridges = async () => [{name: 'br-old', table: 201}]
    return {calls, kernel, flows, staleBridges}
  }

  /** ovs-ofctl whose br-ex dump runs out of time while busy; the dumps asked for; a debug log. */
  function busyFlows() {
    let busy = true
    const dumps: string[][] = []
    const flows = {
      async dumpAll(bridges: readonly string[]) {
        dumps.push([...bridges])
        return busy
          ? {flows: [], foreign: [], errors: {'br-ex': 'no answer from ovs-vswitchd within 10 ms'}, timedOut: ['br-ex']}
          : {flows: [], foreign: [], errors: {}, timedOut: []}
      },
    } as unknown as OfctlFlows
    const lines: string[] = []
    const logger = new StreamLogger({write: (l) => lines.push(l), json: true, level: 'debug'})
    const setBusy = (b: boolean): void => {
      busy = b
    }

    return {flows, dumps, setBusy, lines, logger}
  }

  it('observes stale bridges in the kernel and their flows; applies with the mapped bridges to ensure up', async () => {
    const {calls, kernel, flows, staleBridges} = fakes()
    const dp = new NodeDatapath(kernel, flows, staleBridges)
    const observed = await dp.observe(scope)
    expect(observed).to.deep.equal([staleRule])
    expect(calls.observe[0]?.staleBridges).to.deep.equal([{name: 'br-old', table: 201}])
    expect(calls.dumps).to.deep.equal([['br-ex', 'br-old']])
    const res = await dp.apply({add: [], remove: [staleRule], unchanged: 0}, {prune: true})
    expect(res).to.deep.equal([{action: 'remove', obj: staleRule, ok: true}])
    expect(calls.apply[0]?.opts).to.deep.equal({ensureUp: ['br-ex']})
  })

  it('applies the flows while the kernel part is still running, and returns both results', async () => {
    const flow: FlowObj = {kind: 'flow', bridge: 'br-ex', inPort: 3, family: 4, mac: 'fa:16:3e:00:00:01'}
    const addr: StateObj = {kind: 'address', dev: 'bgp-nic', cidr: '172.24.4.9/32'}
    let flowsCalled!: () => void
    const flowsStarted = new Promise<void>((resolve) => {
      flowsCalled = resolve
    })
    const order: string[] = []
    const kernel: KernelLayer = {
      observe: async () => [],
      async apply(plan) {
        order.push('kernel start')
        // The kernel part ends only once the flows were started: applied one after the other, this
        // never resolves (the race below turns that into a failure).
        await flowsStarted
        order.push('kernel end')
        return plan.add.map((obj) => ({action: 'add' as const, obj, ok: true}))
      },
    }
    const flows = {
      async apply(c: FlowChangeSet) {
        order.push('flows start')
        flowsCalled()
        return c.add.map((f) => ({action: 'add', obj: f, ok: true}))
      },
    } as unknown as OfctlFlows
    const dp = new NodeDatapath(kernel, flows)
    const timeout = new Promise<never>((_, reject) => {
      setTimeout(() => reject(new Error('the kernel part waited for flows that wait for it')), 2000).unref()
    })
    const res = await Promise.race([dp.apply({add: [addr, flow], remove: [], unchanged: 0}), timeout])
    expect(res.map((r) => [r.action, r.obj.kind, r.ok])).to.deep.equal([
      ['add', 'address', true],
      ['add', 'flow', true],
    ])
    expect(order).to.deep.equal(['flows start', 'kernel start', 'kernel end'])
  })

  it('dumps the flows with a prefetch that starts a kernel dump, and the observe uses that dump', async () => {
    for (const kernelDumps of [true, false]) {
      const {calls, kernel, flows} = fakes()
      const prefetched: boolean[] = []
      kernel.prefetch = (_s, opts) => {
        prefetched.push(Boolean(opts?.fresh))
        return kernelDumps
      }

      const dp = new NodeDatapath(kernel, flows, async () => [])
      expect(dp.prefetch(scope, {fresh: true})).to.equal(kernelDumps)
      expect(prefetched).to.deep.equal([true])
      // Only a prefetch that starts a kernel dump (a full observe follows) dumps the flows.
      expect(calls.dumps).to.deep.equal(kernelDumps ? [['br-ex']] : [])
      await dp.observe(scope)
      expect(calls.dumps, 'one flow dump per observation').to.deep.equal([['br-ex']])
      await dp.observe(scope)
      expect(calls.dumps, 'a prefetched dump is used once').to.deep.equal([['br-ex'], ['br-ex']])
    }
  })

  it('a flow dump that ran out of time: desired flows left in place, delta passes go on, probes with backoff, a full pass once one answers', async () => {
    const {kernel} = fakes()
    const flow: FlowObj = {kind: 'flow', bridge: 'br-ex', inPort: 3, family: 4, mac: 'fa:16:3e:00:00:01'}
    const other: FlowObj = {kind: 'flow', bridge: 'br-vlan', inPort: 4, family: 4, mac: 'fa:16:3e:00:00:02'}
    kernel.observeDelta = async (_s, keys) => ({keys: new Set(keys), observed: new Map()})
    const {flows, dumps, setBusy, lines, logger} = busyFlows()
    const dp = new NodeDatapath(kernel, flows, async () => [], {logger, flowRetryMs: 100})
    const drift: string[] = []
    // The daemon listens through the reconciler (driver/agent.ts): the signal must reach it there.
    const rec = new Reconciler({
      cfg: defaultConfig(),
      datapath: dp,
      local: {
        async context() {
          throw new Error('not used')
        },
      },
    })
    rec.onDrift((reason) => drift.push(reason))
    const adopt = [flow, other]
    expect(await dp.observe({...scope, adopt}), 'the desired flows of the silent bridge only').to.deep.equal([flow])
    expect(lines.join('\n')).to.match(/flows not observed/)
    expect(dumps).to.have.length(1)
    // A delta pass goes on: a flow key of the silent bridge counts as in place, and is not dumped.
    const key = objKey(flow)
    const delta = await dp.observeDelta(scope, [key], (k) => (k === key ? flow : undefined))
    expect(delta?.observed.get(key), 'assumed in place').to.deep.equal(flow)
    expect(dumps, 'no dump of the silent bridge in a delta pass').to.have.length(1)
    // Probes after 100 ms, then 200 ms more (backoff): dumps of the silent bridge only, no pass asked for.
    await sleep(200)
    expect(dumps.slice(1)).to.deep.equal([['br-ex']])
    await sleep(300)
    expect(dumps.slice(1)).to.deep.equal([['br-ex'], ['br-ex']])
    expect(drift, 'no pass while ovs-vswitchd stays silent').to.deep.equal([])
    expect(lines.join('\n')).to.match(/flows still not answered/)
    setBusy(false)
    await sleep(600)
    expect(drift).to.deep.equal(['flows of br-ex answer again; a full pass dumps them'])
    expect(await dp.observeDelta(scope, [], () => undefined), 'answered: the next pass is full').to.equal(undefined)
    expect(await dp.observe({...scope, adopt}), 'the full pass: what the dump says').to.deep.equal([])
    expect(await dp.observeDelta(scope, [], () => undefined)).to.not.equal(undefined)
    const probes = dumps.length
    await sleep(500)
    expect(dumps, 'no probe once observed').to.have.length(probes)
    expect(drift).to.have.length(1)
  })

  it('a bridge whose dump ran out of time is not dumped again by full passes until a probe hears from it', async () => {
    const {kernel} = fakes()
    const flow: FlowObj = {kind: 'flow', bridge: 'br-ex', inPort: 3, family: 4, mac: 'fa:16:3e:00:00:01'}
    const {flows, dumps, setBusy, lines, logger} = busyFlows()
    const dp = new NodeDatapath(kernel, flows, async () => [], {logger, flowRetryMs: 300})
    const drift: string[] = []
    dp.onDrift((r) => drift.push(r))
    const warnings = () => lines.filter((l) => l.includes('flows not observed')).length
    expect(await dp.observe({...scope, adopt: [flow]})).to.deep.equal([flow])
    expect([dumps.length, warnings()]).to.deep.equal([1, 1])
    // two more full passes before the probe: no dump, no second warning, the desired flow in place
    for (let i = 0; i < 2; i++) {
      expect(dp.prefetch(scope, {fresh: true}), 'the kernel fake starts no dump').to.equal(false)
      expect(await dp.observe({...scope, adopt: [flow]})).to.deep.equal([flow])
    }

    expect([dumps.length, warnings()], 'not dumped again, not warned again').to.deep.equal([1, 1])
    expect(lines.join('\n')).to.match(/flows not dumped: ovs-vswitchd has not answered since/)
    setBusy(false)
    await sleep(450) // the probe, still at its first delay (300 ms): the passes did not push it back
    expect(dumps).to.deep.equal([['br-ex'], ['br-ex']])
    expect(drift).to.deep.equal(['flows of br-ex answer again; a full pass dumps them'])
    expect(await dp.observe({...scope, adopt: [flow]}), 'answered: dumped, and the dump says none').to.deep.equal([])
    expect(dumps).to.have.length(3)
  })

  it('the audit: the kernel audit and the flows; a silent bridge counts as in place and is not dumped again', async () => {
    const {kernel} = fakes()
    const flow: FlowObj = {kind: 'flow', bridge: 'br-ex', inPort: 3, family: 4, mac: 'fa:16:3e:00:00:01'}
    const owned: StateObj = {kind: 'address', dev: 'bgp-nic', cidr: '172.24.4.9/32'}
    const {flows, dumps, lines, logger} = busyFlows()
    expect(await new NodeDatapath(kernel, flows).audit(scope), 'no kernel audit: none').to.equal(undefined)
    const audited: ObserveScope[] = []
    const kernelSide = [owned] // the watched kernel hands back the same array for an unchanged model
    kernel.audit = async (s) => {
      audited.push(s)
      return kernelSide
    }

    const dp = new NodeDatapath(kernel, flows, async () => [], {logger, flowRetryMs: 60_000})
    const a1 = await dp.audit({...scope, adopt: [owned, flow]})
    expect(a1).to.deep.equal({observed: [owned, flow], foreignFlows: 0})
    const a2 = await dp.audit({...scope, adopt: [owned, flow]})
    expect(a2?.observed, 'the same array: the reconciler reuses its diff').to.equal(a1?.observed)
    expect(dumps, 'the silent bridge is dumped once').to.deep.equal([['br-ex']])
    expect(
      lines.filter((l) => l.includes('flows not observed')),
      'warned once',
    ).to.have.length(1)
    expect(audited).to.have.length(2)
    const stale = new NodeDatapath(kernel, flows, async () => [{name: 'br-old', table: 201}])
    expect(await stale.audit(scope), 'a bridge left the mappings: a full pass prunes it').to.equal(undefined)
  })

  it('passes drift listeners to the kernel layer', () => {
    const {calls, kernel} = fakes()
    const seen: string[] = []
    new NodeDatapath(kernel, undefined).onDrift((r) => seen.push(r))
    calls.drift[0]?.('address|bgp-nic|172.24.4.9/32 deleted')
    expect(seen).to.deep.equal(['address|bgp-nic|172.24.4.9/32 deleted'])
  })
})
