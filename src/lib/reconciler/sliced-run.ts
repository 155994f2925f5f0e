// Work done in slices of main-thread time with the event loop free in between (the daemon's
// deferred planner build and its background self-check). Each turn replays `slice(n)` until it
// reports done or the turn has used about `sliceMs`; the next turn comes through `defer` (the
// daemon: setImmediate), so NB updates, keepalives, /metrics and timers run between turns.
//
// Contracts:
// - `alive()` is asked at the start of every turn: false stops the run without a word (it was
//   completed some other way, replaced or abandoned). The caller owns that state.
// - `onDone(turns)` runs once, in the turn that finished the work.
// - `first: 'now'` runs the first turn inside the call (a rebuild the caller waits for);
//   'deferred' leaves it to the next turn of the event loop.

/** How the daemon slices long work. */
export interface BuildSlicing {
  /** Runs `fn` once pending I/O has had its turn (the daemon: setImmediate). */
  defer: (fn: () => void) => void
  /** Main-thread time a slice may take before it yields, in ms. */
  sliceMs: number
  /** Ports replayed between two looks at the clock (default PORTS_PER_LOOK; tests: 1). */
  portsPerLook?: number
}

/**
 * Ports replayed between two looks at the clock. A port costs ~0.1-0.3 ms on a real host and ~3 ms
 * in an emulated one (10,000 ports in 31 s): 32 per look made slices of ~400 ms there.
 */
export const PORTS_PER_LOOK = 4

export interface SlicedRun {
  slicing: BuildSlicing
  now: () => number
  /** Does `n` more units of work; true once all is done. */
  slice: (n: number) => boolean
  alive: () => boolean
  onDone: (turns: number) => void
  first: 'deferred' | 'now'
}

export function runSliced(r: SlicedRun): void {
  const {slicing} = r
  const n = slicing.portsPerLook ?? PORTS_PER_LOOK
  let turns = 0
  const turn = (): void => {
    if (!r.alive()) return
    turns++
    const until = r.now() + slicing.sliceMs
    let done = r.slice(n)
    while (!done && r.now() < until) done = r.slice(n)
    if (done) r.onDone(turns)
    else slicing.defer(turn)
  }

  if (r.first === 'now') turn()
  else slicing.defer(turn)
}
