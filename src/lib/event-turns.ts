// Main-thread work given to the event loop in pieces, outside the planner: one turn of the loop,
// and a list of steps run with a turn (or any wait) between two of them. The kernel layer's
// background dump (its parse, the model's patch) and the reconciler's pass gate use it; the
// planner's long computations are generators run by planner/in-turns.ts.

/** One turn of the event loop (I/O, timers) between two pieces of main-thread work. */
export const nextTurn = (): Promise<void> =>
  new Promise((resolve) => {
    setImmediate(resolve)
  })

/** Runs `steps` in order, awaiting `between` between two of them. */
export async function runStepsInTurns(steps: ReadonlyArray<() => void>, between: () => Promise<void>): Promise<void> {
  for (const [i, step] of steps.entries()) {
    if (i > 0) await between()
    step()
  }
}
