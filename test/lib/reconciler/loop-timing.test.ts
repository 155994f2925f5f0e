// The loop's timing contract, driven by a fake clock: failed passes back off (capped, jittered,
// exponential) whether the failure is synchronous or not, bursts are coalesced with a bounded
// debounce, and a failing daemon keeps its event loop free (checked with real timers).
import {expect} from 'chai'

import type {AgentConfig} from '../../../src/lib/config/types.js'
import type {LocalContext} from '../../../src/lib/planner/context.js'
import type {Datapath, LocalContextSource, OpResult} from '../../../src/lib/reconciler/types.js'

import {defaultConfig} from '../../../src/lib/config/index.js'
import {NbState} from '../../../src/lib/nb/state.js'
import {objKey, type Plan, type StateObj} from '../../../src/lib/planner/types.js'
import {passBackoff} from '../../../src/lib/reconciler/backoff.js'
import {
  DEFAULT_STUCK_PASS_MS,
  type LoopTimers,
  type PassFailure,
  ReconcileLoop,
  type StuckPass,
} from '../../../src/lib/reconciler/loop.js'
import {Reconciler} from '../../../src/lib/reconciler/reconcile.js'
import {brExNode} from '../../helpers/nb-changes.js'
import {sleep} from '../../helpers/wait.js'

/** A clock and timer queue advanced by hand; callbacks run in due order. */
class FakeClock implements LoopTimers {
  t = 0
  private seq = 0
  private readonly queue = new Map<number, {due: number; fn: () => void}>()
  /** Every delay ever requested, in order. */
  readonly delays: number[] = []
  now = (): number => this.t

  set(fn: () => void, ms: number): unknown {
    const id = ++this.seq
    this.delays.push(ms)
    this.queue.set(id, {due: this.t + ms, fn})
    return id
  }

  clear(handle: unknown): void {
    this.queue.delete(handle as number)
  }

  get pending(): number {
    return this.queue.size
  }

  /** Advances to `t + ms`, firing due timers and letting the passes they start settle. */
  async advance(ms: number): Promise<void> {
    const end = this.t + ms
    for (;;) {
      const next = [...this.queue.entries()].sort((a, b) => a[1].due - b[1].due)[0]
      if (!next || next[1].due > end) break
      this.queue.delete(next[0])
      this.t = next[1].due
      next[1].fn()
      await settle()
    }

    this.t = end
    await settle()
  }
}

async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve()
}

class ImmediateDatapath implements Datapath {
  readonly objects = new Map<string, StateObj>()
  applies = 0
  /** While set, observe() waits for it (a kernel child that stopped answering). */
  gate: Promise<void> | undefined

  async observe(): Promise<StateObj[]> {
    if (this.gate) await this.gate
    return [...this.objects.values()]
  }

  async apply(plan: Plan): Promise<OpResult[]> {
    this.applies++
    for (const o of plan.remove) this.objects.delete(objKey(o))
    for (const o of plan.add) this.objects.set(objKey(o), o)
    return [
      ...plan.add.map((obj) => ({action: 'add' as const, obj, ok: true})),
      ...plan.remove.map((obj) => ({action: 'remove' as const, obj, ok: true})),
    ]
  }
}

const ctx = brExNode({name: 'patch-provnet-1', ofport: 2})

/** A local context that fails like local-context.ts without an OVS system-id: synchronously. */
class SwitchableContext implements LocalContextSource {
  failing = true
  calls = 0

  context(): Promise<LocalContext> {
    this.calls++
    if (this.failing) throw new Error('OVS has no external_ids:system-id and chassis_id is not set')
    return Promise.resolve(ctx)
  }
}

function build(
  clock: FakeClock | undefined,
  opts: {debounceMs?: number; maxWaitMs?: number; random?: () => number; stuckPassMs?: number} = {},
) {
  const cfg: AgentConfig = {...defaultConfig(), driver: 'nb_ovn_bgp_driver'}
  const dp = new ImmediateDatapath()
  const local = new SwitchableContext()
  const reconciler = new Reconciler({cfg, datapath: dp, local})
  const failures: PassFailure[] = []
  const stuck: StuckPass[] = []
  const loop = new ReconcileLoop({
    reconciler,
    nb: new NbState(),
    pruneAllowed: () => true,
    debounceMs: opts.debounceMs ?? 50,
    maxWaitMs: opts.maxWaitMs ?? 500,
    backoff: passBackoff({random: opts.random ?? (() => 0.5)}),
    observer: {onPassError: (_e, _t, f) => failures.push(f), onPassStuck: (i) => stuck.push(i)},
    ...(opts.stuckPassMs === undefined ? {} : {stuckPassMs: opts.stuckPassMs}),
    ...(clock ? {now: clock.now, timers: clock} : {}),
  })
  return {loop, local, dp, failures, stuck}
}

describe('passBackoff', () => {
  const cases: Array<{failures: number; random: number; want: number}> = [
    {failures: 1, random: 0, want: 1000},
    {failures: 1, random: 0.999, want: 1250},
    {failures: 2, random: 0, want: 2000},
    {failures: 3, random: 0.5, want: 4500},
    {failures: 6, random: 0, want: 32_000},
    {failures: 6, random: 0.999, want: 39_992},
    {failures: 7, random: 0, want: 60_000},
    {failures: 7, random: 0.999, want: 60_000},
    {failures: 500, random: 0.7, want: 60_000},
  ]
  for (const c of cases) {
    it(`failure ${c.failures}, random ${c.random} -> ${c.want} ms`, () => {
      expect(passBackoff({random: () => c.random})(c.failures)).to.equal(c.want)
    })
  }
})

describe('ReconcileLoop timing (fake clock)', () => {
  it('backs off a synchronously failing pass: 1 s, 2 s, 4 s ... capped at 60 s', async () => {
    const clock = new FakeClock()
    const {loop, local, failures} = build(clock, {random: () => 0})
    expect(await loop.start()).to.equal(undefined)
    await clock.advance(10 * 60_000)
    // 1+2+4+8+16+32 = 63 s, then one attempt per 60 s: 7 attempts by 63 s, 8 more by 600 s
    expect(local.calls).to.equal(15)
    expect(failures.map((f) => f.retryInMs).slice(0, 8)).to.deep.equal([
      1000, 2000, 4000, 8000, 16_000, 32_000, 60_000, 60_000,
    ])
    expect(loop.consecutiveFailures).to.equal(15)
    await loop.stop()
  })

  it('keeps the backoff while NB changes keep arriving, and resets it after a success', async () => {
    const clock = new FakeClock()
    const {loop, local, failures} = build(clock, {random: () => 0})
    await loop.start()
    for (let i = 0; i < 300; i++) {
      loop.request('event')
      await clock.advance(10)
    }

    // 3 s of changes every 10 ms while failing: attempts at 0, 1 s and 3 s only
    expect(local.calls).to.equal(3)
    local.failing = false
    await clock.advance(4000)
    expect(loop.consecutiveFailures).to.equal(0)
    expect(loop.passes).to.equal(1)
    local.failing = true
    loop.request('event')
    await clock.advance(50)
    expect(failures.at(-1)?.retryInMs).to.equal(1000)
    await loop.stop()
  })

  it('a resync request pulls a long backoff forward to the base delay', async () => {
    const clock = new FakeClock()
    const {loop, local} = build(clock, {random: () => 0})
    await loop.start()
    await clock.advance(63_000) // 7 failures; the next retry is 60 s away
    const {calls} = local
    local.failing = false
    loop.request('resync')
    await clock.advance(999)
    expect(local.calls).to.equal(calls)
    await clock.advance(2)
    expect(local.calls).to.equal(calls + 1)
    expect(loop.consecutiveFailures).to.equal(0)
    await loop.stop()
  })

  it('runs a single change after the debounce', async () => {
    const clock = new FakeClock()
    const {loop, local} = build(clock)
    local.failing = false
    await loop.start()
    loop.request('event')
    await clock.advance(49)
    expect(loop.passes).to.equal(1)
    await clock.advance(1)
    expect(loop.passes).to.equal(2)
    await loop.stop()
  })

  it('a lone change after a quiet period starts its pass at once; changes of the same tick join it', async () => {
    const clock = new FakeClock()
    const {loop, local} = build(clock)
    local.failing = false
    await loop.start()
    await clock.advance(1000)
    // one NB notification: several rows, several requests in the same tick
    for (let i = 0; i < 3; i++) loop.request('event')
    expect(clock.delays.at(-1)).to.equal(0)
    await clock.advance(0)
    expect(loop.passes).to.equal(2)
    expect(clock.pending).to.equal(0)
    // a change 10 ms after that pass ended is not on a quiet loop: debounced
    await clock.advance(10)
    loop.request('event')
    await clock.advance(49)
    expect(loop.passes).to.equal(2)
    await clock.advance(1)
    expect(loop.passes).to.equal(3)
    // quiet again (50 ms since the last change and the last pass): at once
    await clock.advance(50)
    loop.request('event')
    await clock.advance(0)
    expect(loop.passes).to.equal(4)
    await loop.stop()
  })

  it('a leading edge keeps the backoff of a failing pass', async () => {
    const clock = new FakeClock()
    const {loop, local} = build(clock, {random: () => 0})
    await loop.start() // fails: the retry is 1 s away
    expect(local.calls).to.equal(1)
    await clock.advance(500)
    loop.request('event')
    await clock.advance(499)
    expect(local.calls).to.equal(1)
    await clock.advance(1)
    expect(local.calls).to.equal(2)
    await loop.stop()
  })

  it('a burst after a quiet period: the first change runs at once, the rest in a few passes within the max wait', async () => {
    const clock = new FakeClock()
    const {loop, local} = build(clock, {debounceMs: 50, maxWaitMs: 500})
    local.failing = false
    await loop.start()
    await clock.advance(1000)
    const t0 = clock.t
    const startsAt: number[] = []
    const origPass = loop.passes
    for (let i = 0; i < 1000; i++) {
      loop.request('event')
      await clock.advance(1)
      if (loop.passes > origPass + startsAt.length) startsAt.push(clock.t - t0)
    }

    await clock.advance(1000)
    expect(startsAt[0]).to.equal(1) // the pass of the first change, on the next tick
    expect(loop.passes - origPass).to.be.within(3, 4)
    for (const [i, t] of startsAt.entries()) if (i > 0) expect(t - startsAt[i - 1]!).to.be.at.most(501)
    expect(clock.pending).to.equal(0)
    await loop.stop()
  })

  it('coalesces 1,000 changes within a second into a few passes, each within the max wait', async () => {
    const clock = new FakeClock()
    const {loop, local} = build(clock, {debounceMs: 50, maxWaitMs: 500})
    local.failing = false
    await loop.start()
    const startsAt: number[] = []
    const origPass = loop.passes
    for (let i = 0; i < 1000; i++) {
      loop.request('event')
      await clock.advance(1)
      if (loop.passes > origPass + startsAt.length) startsAt.push(clock.t)
    }

    await clock.advance(1000)
    const passes = loop.passes - origPass
    expect(passes).to.be.within(2, 3)
    // never waits for silence: the first pass of the stream starts by the max wait
    expect(startsAt[0]).to.be.at.most(501)
    expect(clock.pending).to.equal(0)
    await loop.stop()
  })
})

describe('ReconcileLoop watchdog (fake clock)', () => {
  it('reports a pass that overruns the bound once, with its stage; starts no other pass until it ends', async () => {
    const clock = new FakeClock()
    const {loop, local, dp, stuck} = build(clock)
    local.failing = false
    let release!: () => void
    dp.gate = new Promise((r) => {
      release = r
    })
    const first = loop.start()
    await clock.advance(DEFAULT_STUCK_PASS_MS - 1)
    expect(stuck, 'not yet at the bound').to.deep.equal([])
    expect(loop.passRunningMs()).to.equal(DEFAULT_STUCK_PASS_MS - 1)
    await clock.advance(1)
    expect(stuck).to.deep.equal([{trigger: 'start', stage: 'observe', runningMs: DEFAULT_STUCK_PASS_MS}])
    expect(loop.stuckPasses).to.equal(1)
    // NB changes meanwhile are kept pending, not run beside the stuck pass; no second report.
    loop.request('event')
    await clock.advance(30 * 60_000)
    expect(stuck).to.have.length(1)
    expect(loop.passes).to.equal(0)
    expect(local.calls).to.equal(1)
    // The stuck pass ends: the changes that arrived meanwhile get their pass after the debounce.
    dp.gate = undefined
    release()
    await clock.advance(0)
    expect(await first).to.not.equal(undefined)
    expect(loop.passes).to.equal(1)
    expect(loop.passRunningMs()).to.equal(undefined)
    await clock.advance(50)
    expect(loop.passes).to.equal(2)
    expect(stuck, 'quick passes are not reported').to.have.length(1)
    expect(clock.pending, 'the watchdog timer of each pass is cleared when it ends').to.equal(0)
    await loop.stop()
  })

  it('honours a configured bound, and 0 disables the watchdog', async () => {
    for (const c of [
      {stuckPassMs: 1000, at: 1000, want: 1},
      {stuckPassMs: 0, at: 60 * 60_000, want: 0},
    ]) {
      const clock = new FakeClock()
      const {loop, local, dp, stuck} = build(clock, {stuckPassMs: c.stuckPassMs})
      local.failing = false
      let release!: () => void
      dp.gate = new Promise((r) => {
        release = r
      })
      const first = loop.start()
      await clock.advance(c.at)
      expect(stuck.length, `stuckPassMs ${c.stuckPassMs}`).to.equal(c.want)
      dp.gate = undefined
      release()
      await clock.advance(0)
      await first
      await loop.stop()
    }
  })
})

describe('ReconcileLoop under a persistent failure (real timers)', () => {
  it('leaves the event loop free: timers keep firing, at most one attempt in 400 ms', async () => {
    const {loop, local} = build(undefined)
    let ticks = 0
    const tick = setInterval(() => ticks++, 10)
    await loop.start()
    for (let i = 0; i < 40; i++) {
      loop.request('event')
      await sleep(10)
    }

    clearInterval(tick)
    expect(local.calls).to.equal(1)
    expect(ticks).to.be.greaterThan(20)
    await loop.stop()
  })
})
