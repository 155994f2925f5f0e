// What lets the watched model skip a full reload that would change nothing (watched.ts). The
// periodic full reconcile dumps the whole node; on an idle node of 10,000 ports that dump is
// parsed into 40,000 objects and loaded into a model that already holds exactly them, seconds of
// CPU for nothing. The dump cannot be skipped (it is what catches a change the notifications
// missed), but its parse and load can when the dump's text is the one the model was loaded from
// and nothing changed the model since: the model then equals what loading it would give.
//
// The fingerprint is a hash of the dump's text, not the text: the text of a large node is
// megabytes, kept for a whole reconcile_interval. Left out are the fields that move on an
// unchanged node and that no owned object or ownership rule reads: addresses' remaining lifetimes
// (a DHCP or SLAAC address counts down) and a Linux bridge's and its ports' timers (`-details`
// prints gc_timer, hello_timer...), so a compute node with a DHCP uplink or a docker0 still gets
// the saving.
import {createHash} from 'node:crypto'

import type {KernelDumpText} from './observe.js'

const VOLATILE = /"(?:valid_life_time|preferred_life_time|[a-z_]+_timer)":[\d.]+,?/g
/** `link show` and `address show`: the first two of KernelDumpText.general. */
const WITH_VOLATILE = 2

export function dumpFingerprint(t: KernelDumpText): string {
  const h = createHash('sha256')
  h.update(JSON.stringify([t.tables, t.markedOnly, t.general.length, t.fam4.length, t.fam6.length]))
  for (const [i, part] of t.general.entries()) {
    h.update('\n')
    h.update(i < WITH_VOLATILE ? part.replaceAll(VOLATILE, '') : part)
  }

  for (const part of [...t.fam4, ...t.fam6]) {
    h.update('\n')
    h.update(part)
  }

  return h.digest('hex')
}

/**
 * The fingerprint of the dump the model was last loaded from, and the model's generation right
 * after: while the generation has not moved, a dump with the same fingerprint would load the same
 * contents. Recorded only for a load with nothing replayed on top (notifications that arrived
 * during the dump), since the model then holds more than the dump.
 */
export class LoadedDump {
  private last: {fingerprint: string; generation: number} | undefined

  /** The model, at `generation`, holds exactly what a dump with `fingerprint` loads. */
  record(fingerprint: string, generation: number): void {
    this.last = {fingerprint, generation}
  }

  forget(): void {
    this.last = undefined
  }

  /** Whether loading a dump with `fingerprint` into the model, now at `generation`, would change nothing. */
  holds(fingerprint: string, generation: number): boolean {
    return this.last !== undefined && this.last.fingerprint === fingerprint && this.last.generation === generation
  }
}
