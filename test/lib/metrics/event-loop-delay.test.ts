import {expect} from 'chai'
import {Registry as PromRegistry} from 'prom-client'

import {replaceEventLoopDelayGauges} from '../../../src/lib/metrics/event-loop-delay.js'
import {Registry} from '../../../src/lib/metrics/registry.js'

const STATS = ['min', 'max', 'mean', 'stddev', 'p50', 'p90', 'p99'] as const

function values(text: string): Record<(typeof STATS)[number], number> {
  const out = {} as Record<(typeof STATS)[number], number>
  for (const s of STATS) out[s] = Number(new RegExp(`^nodejs_eventloop_lag_${s}_seconds (\\S+)$`, 'm').exec(text)?.[1])
  return out
}

/** Blocks the event loop for `ms` (a synchronous stall, as a long pass would cause). */
function stall(ms: number): void {
  const until = performance.now() + ms
  while (performance.now() < until) {
    // busy
  }
}

const tick = async (ms: number): Promise<void> => {
  await new Promise((r) => {
    setTimeout(r, ms)
  })
}

describe('event-loop delay gauges', () => {
  it("replace prom-client's: each family once, in the default collectors", async () => {
    const r = new Registry()
    r.collectDefaults()
    const text = await r.metrics()
    for (const s of STATS) {
      const type = `# TYPE nodejs_eventloop_lag_${s}_seconds gauge\n`
      expect(text.split(type).length - 1, s).to.equal(1)
    }

    expect(text).to.include('# TYPE nodejs_eventloop_lag_seconds gauge\n')
  })

  it('report the delay beyond the sampling period: a 300 ms stall reads as at least 0.2 s, not the period', async () => {
    const prom = new PromRegistry()
    replaceEventLoopDelayGauges(prom, 50)
    await tick(120) // two samples: the histogram records intervals between callbacks
    await prom.metrics() // reset: only what follows counts
    stall(300)
    await tick(120)
    const v = values(await prom.metrics())
    expect(v.max).to.be.at.least(0.2)
    expect(v.max).to.be.below(10)
    expect(v.min).to.be.at.most(v.max)
  })

  it('read 0 when nothing was sampled since the previous scrape', async () => {
    const prom = new PromRegistry()
    replaceEventLoopDelayGauges(prom, 60_000)
    stall(50)
    const v = values(await prom.metrics())
    expect(v).to.deep.equal(Object.fromEntries(STATS.map((s) => [s, 0])))
  })
})
