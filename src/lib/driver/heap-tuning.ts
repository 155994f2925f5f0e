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
//
// Hazard (V8 11, Node 20): turning the flag on while the reducer is between the collections of a
// cycle aborts the process at the reducer's next timer ("Check failed: memory_reducer_single_gc
// implies started_gcs() == 0"), in whichever isolate of the process (a worker's too) is mid-cycle.
// A cycle starts at the earliest on the reducer's first timer, 8 s after a full collection, so the
// flags are set only in a process younger than that (the daemon sets them first thing in watch's
// run()); in an older one (a test runner that runs the command in-process: one aborted) they are
// left alone and the caller is told why.
import {setFlagsFromString} from 'node:v8'

/** The V8 flags the daemon sets on itself (printed in its debug log at start). */
export const DAEMON_V8_FLAGS = ['--memory-reducer-single-gc'] as const

/** V8's memory reducer waits this long after a full collection before its first cycle (kLongDelayMs). */
const REDUCER_FIRST_TIMER_S = 8

export interface HeapTuning {
  /** The flags set now: DAEMON_V8_FLAGS, or none. */
  flags: readonly string[]
  /** Why none were set. */
  skipped?: string
}

/**
 * Applies DAEMON_V8_FLAGS to this process when that is safe: only while the process is younger
 * than the reducer's first cycle can be (see the hazard above). Idempotent; `uptimeS` is for tests.
 */
export function tuneDaemonHeap(uptimeS = process.uptime()): HeapTuning {
  if (uptimeS >= REDUCER_FIRST_TIMER_S)
    return {
      flags: [],
      skipped: `process running for ${uptimeS.toFixed(1)} s: a memory reducer cycle may be under way`,
    }
  for (const f of DAEMON_V8_FLAGS) setFlagsFromString(f)
  return {flags: DAEMON_V8_FLAGS}
}
