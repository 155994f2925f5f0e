// Long pure computations written once as generators that yield at safe points (every few thousand
// items), run either to the end at once or with `between` awaited at each yield: the daemon's
// background work gives the event loop its turns this way (the periodic audit's diff, the
// self-check's comparison). The inputs must not change until the run ends; the generator holds
// no other state. (Work outside the planner written as a list of steps: ../event-turns.ts.)

/** Runs `steps` to its end in one piece. */
export function runAtOnce<T>(steps: Generator<void, T>): T {
  let r = steps.next()
  while (!r.done) r = steps.next()
  return r.value
}

/** Runs `steps` to its end, awaiting `between` at each of its yields. */
export async function runInTurns<T>(steps: Generator<void, T>, between: () => Promise<void>): Promise<T> {
  let r = steps.next()
  while (!r.done) {
    await between()
    r = steps.next()
  }

  return r.value
}
