// Background work gives way to passes. The daemon's background work (the periodic audit's pieces,
// the self-check's slices and comparison) shares the one main thread with the reconcile passes;
// an NB change is only as quick as its pass. So each piece of background work starts only when no
// pass runs: a pass then shares the thread with at most the piece that was running when it began,
// instead of one piece per await of its own (its local context, each `ip` round trip).
//
// Contracts:
// - run(fn) brackets one pass; passes never overlap (the loop's contract), so one is held at most.
// - giveWay() resolves after a turn of the event loop, once no pass runs.
// - slicing(s): the same slicing whose turns wait for the pass under way. A turn never runs inside
//   a pass, and a turn deferred while none runs goes as before (tests that drain a queue by hand
//   see no change).
import type {BuildSlicing} from './sliced-run.js'

import {nextTurn} from '../event-turns.js'

export class PassGate {
  private end: Promise<void> | undefined

  /** A pass runs. */
  get running(): boolean {
    return this.end !== undefined
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    let ended!: () => void
    this.end = new Promise((resolve) => {
      ended = resolve
    })
    try {
      return await fn()
    } finally {
      this.end = undefined
      ended()
    }
  }

  async giveWay(): Promise<void> {
    await nextTurn()
    while (this.end) await this.end
  }

  slicing(s: BuildSlicing): BuildSlicing {
    return {
      ...s,
      defer: (fn) => {
        const turn = (): void => {
          if (this.end) void this.end.then(() => s.defer(turn))
          else fn()
        }

        s.defer(turn)
      },
    }
  }
}
