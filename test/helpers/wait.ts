// Waiting in tests: a sleep, and a poll until a condition holds (with a deadline that names what
// was awaited). One copy for every tier; the kernel tier imports it inside the guest too.
import {setTimeout as sleepMs} from 'node:timers/promises'

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return sleepMs(ms)
}

/**
 * Polls `check` every `everyMs` until it returns something other than undefined or false, and
 * returns that; throws `timed out after N ms waiting for <what>` after `timeoutMs`.
 */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 10_000,
  everyMs = 20,
): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const v = await check()
    if (v !== undefined && v !== false) return v
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await sleep(everyMs)
  }
}

/**
 * `promise`, or a rejection naming `what` when it has not settled within `timeoutMs` (the promise
 * itself runs on): a step that stalls fails with its name instead of the test's overall timeout.
 */
export async function settlesWithin<T>(what: string, promise: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const stalled = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not settled after ${timeoutMs} ms`)), timeoutMs)
  })
  try {
    return await Promise.race([promise, stalled])
  } finally {
    clearTimeout(timer)
  }
}
