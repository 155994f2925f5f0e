// Garbage-collector settings of the long-running daemon (`watch`), applied once at its start.
//
// V8's memory reducer notices that a process went from allocating a lot to allocating little and
// then runs full collections to hand memory back: by default up to three in a row, the later ones
// about 100 s after the first. On an idle daemon of a large node that pattern repeats after
// every periodic pass, and the second and third collections find nothing left to free (measured
// at 10,000 ports in the qemu guest: 135.5 -> 135.2 MB twice, 3.75 s of CPU in one 10 s sample,
// a third of the idle window; bench/README.md). Each full collection marks the whole live heap
// (the NB replica, the planner's index, the kernel model), so its cost follows the node's size.
// One collection per quiet period keeps what the reducer is for (garbage of a pass handed back)
// without the repeats.
//
// Surprise: Node lets V8 flags be changed after start-up (`v8.setFlagsFromString`), and this one
// is read each time the reducer decides, so it takes effect at once; `--no-memory-reducer` is not
// (the reducer is created with the heap), hence the single-collection flag instead. A flag this
// V8 does not know is ignored by V8 itself, so an older or newer Node only loses the saving.
import {setFlagsFromString} from 'node:v8'

/** The V8 flags the daemon sets on itself (printed in its debug log at start). */
export const DAEMON_V8_FLAGS = ['--memory-reducer-single-gc'] as const

/** Applies DAEMON_V8_FLAGS to this process. Idempotent; only the daemon's entry points call it. */
export function tuneDaemonHeap(): readonly string[] {
  for (const f of DAEMON_V8_FLAGS) setFlagsFromString(f)
  return DAEMON_V8_FLAGS
}
