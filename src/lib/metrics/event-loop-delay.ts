// The event-loop delay gauges of the default collectors (nodejs_eventloop_lag_{min,max,mean,
// stddev,p50,p90,p99}_seconds), sampled by a timer of EVENT_LOOP_SAMPLE_MS (5 s) instead of
// prom-client's 10 ms. Every wake-up of an idle daemon costs CPU, most in an emulated guest: the
// 10 ms timer alone took 2.5 s of CPU per 30 s in the TCG guest (a native 1 s timer 0.16 s), more
// than everything else the daemon does while idle; at 5 s it is a dozen wake-ups a minute. The
// stalls that matter to the daemon (passes, SIGTERM, /healthz) last seconds and are caught.
//
// Contract: each value is the delay beyond the schedule, in seconds (0 when on time), over the
// samples since the previous scrape (all 0 when there was none). The sampler is a timer of ours
// recording how late each callback ran into a perf_hooks histogram: perf_hooks' own
// monitorEventLoopDelay records the whole interval (period included: at a 5 s period it would read
// as a 5 s lag) and forgets its reference time on reset (the first interval after each scrape
// would be lost). A stall longer than the period is always recorded; a shorter one with a
// probability of its length over the period. nodejs_eventloop_lag_seconds (a setImmediate timed at
// each scrape) stays prom-client's.
import {createHistogram} from 'node:perf_hooks'
import {Gauge, type Registry as PromRegistry} from 'prom-client'

/** Period of the event-loop delay sampler. */
const EVENT_LOOP_SAMPLE_MS = 5000

/**
 * The period given to prom-client's own sampler, whose gauges are replaced: about 24 days, so its
 * timer does not fire during a process's life in practice (it cannot be switched off).
 */
export const PROM_SAMPLER_PERIOD_MS = 2 ** 31 - 1

const STATS = ['min', 'max', 'mean', 'stddev', 'p50', 'p90', 'p99'] as const
type Stat = (typeof STATS)[number]

/** A recorded delay (ns, >= 1) in seconds; the 1 ns that stands for "on time" reads as 0. */
const beyond = (ns: number): number => (ns <= 1 ? 0 : ns / 1e9)

const HELP: Record<Stat, string> = {
  min: 'The minimum recorded event loop delay.',
  max: 'The maximum recorded event loop delay.',
  mean: 'The mean of the recorded event loop delays.',
  stddev: 'The standard deviation of the recorded event loop delays.',
  p50: 'The 50th percentile of the recorded event loop delays.',
  p90: 'The 90th percentile of the recorded event loop delays.',
  p99: 'The 99th percentile of the recorded event loop delays.',
}

/**
 * Replaces prom-client's event-loop delay gauges in `prom` (registered by collectDefaultMetrics
 * with PROM_SAMPLER_PERIOD_MS) by the same names fed from a sampler of `periodMs`.
 */
export function replaceEventLoopDelayGauges(prom: PromRegistry, periodMs = EVENT_LOOP_SAMPLE_MS): void {
  const h = createHistogram()
  const periodNs = periodMs * 1e6
  let prev = process.hrtime.bigint()
  const timer = setInterval(() => {
    const now = process.hrtime.bigint()
    // the histogram takes integers >= 1: 1 ns stands for "on time"
    h.record(Math.max(1, Math.round(Number(now - prev) - periodNs)))
    prev = now
  }, periodMs)
  timer.unref()
  let snapshot: Record<Stat, number> | undefined
  const read = (stat: Stat): number => {
    // The first gauge of a scrape takes the snapshot and resets the histogram; the others read it.
    if (stat === 'min' || !snapshot) {
      const n = h.count > 0
      snapshot = {
        min: n ? beyond(h.min) : 0,
        max: n ? beyond(h.max) : 0,
        mean: n ? beyond(h.mean) : 0,
        stddev: n ? h.stddev / 1e9 : 0,
        p50: n ? beyond(h.percentile(50)) : 0,
        p90: n ? beyond(h.percentile(90)) : 0,
        p99: n ? beyond(h.percentile(99)) : 0,
      }
      h.reset()
    }

    return snapshot[stat]
  }

  for (const stat of STATS) {
    const name = `nodejs_eventloop_lag_${stat}_seconds`
    prom.removeSingleMetric(name)
    // eslint-disable-next-line no-new -- registering is the constructor's side effect (prom-client)
    new Gauge({
      name,
      help: HELP[stat],
      registers: [prom],
      collect() {
        this.set(read(stat))
      },
    })
  }
}
