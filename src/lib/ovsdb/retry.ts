// Reconnect delays. A strategy maps the number of consecutive failed attempts (1, 2, ...) to a
// delay in milliseconds; the client rotates to the next remote before each attempt.

export type RetryStrategy = (attempt: number) => number

export interface BackoffOptions {
  /** Delay after the first failure, before jitter. Default 200 ms. */
  baseMs?: number
  /** Upper bound of the delay. Default 8000 ms (python-ovs reconnect's default max backoff). */
  maxMs?: number
  /** Random source in [0, 1); injectable for tests. */
  random?: () => number
}

/**
 * Capped exponential backoff with jitter: base * 2^(attempt-1), capped at max, then scaled by a
 * random factor in [0.5, 1) so that many clients of one cluster do not reconnect in lockstep.
 */
export function exponentialBackoff(opts: BackoffOptions = {}): RetryStrategy {
  const base = opts.baseMs ?? 200
  const max = opts.maxMs ?? 8000
  const random = opts.random ?? Math.random
  return (attempt: number) => {
    const exp = Math.min(max, base * 2 ** Math.max(0, Math.min(30, attempt - 1)))
    return Math.round(exp * (0.5 + random() / 2))
  }
}
