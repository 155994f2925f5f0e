// Retry delays of the reconcile loop after failed passes. A failing pass must never be retried
// back-to-back: that spins the CPU, floods the log and, when the failure is synchronous, starves
// the event loop (timers, SIGTERM, /healthz). The delay grows exponentially from `baseMs` and is
// capped at `maxMs`; the jitter only lengthens it (so the first retry never comes sooner than
// `baseMs`) and never beyond the cap, which keeps a fleet of nodes failing on the same cause (an NB
// outage, a bad rollout) from retrying in lockstep.

export interface PassBackoffOptions {
  /** Delay after the first failure, before jitter. Default 1000 ms. */
  baseMs?: number
  /** Upper bound of every delay. Default 60000 ms. */
  maxMs?: number
  /** Random source in [0, 1); injectable for tests. */
  random?: () => number
}

export const PASS_BACKOFF_BASE_MS = 1000
const PASS_BACKOFF_MAX_MS = 60_000

/** Maps the number of consecutive failures (1, 2, ...) to the delay before the next attempt. */
export type PassBackoff = (failures: number) => number

/** delay(n) = min(max, base * 2^(n-1) * (1 + random/4)): within [base*2^(n-1), 1.25x that], capped. */
export function passBackoff(opts: PassBackoffOptions = {}): PassBackoff {
  const base = opts.baseMs ?? PASS_BACKOFF_BASE_MS
  const max = opts.maxMs ?? PASS_BACKOFF_MAX_MS
  const random = opts.random ?? Math.random
  return (failures) => {
    const exp = Math.min(max, base * 2 ** Math.max(0, Math.min(30, failures - 1)))
    return Math.round(Math.min(max, exp * (1 + random() / 4)))
  }
}
