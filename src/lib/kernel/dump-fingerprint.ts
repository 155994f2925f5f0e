// What lets the watched model skip a full reload that would change nothing (watched.ts). The
// periodic full reconcile dumps the whole node; on an idle node of 10,000 ports that dump is
// parsed into 40,000 objects and loaded into a model that already holds exactly them, seconds of
// CPU for nothing. The dump cannot be skipped (it is what catches a change the notifications
// missed), but its parse and load can when the dump's text is the one the model was loaded from
// and nothing changed the model since: the model then equals what loading it would give.
//
// The fingerprint is a hash of the dump's text, not the text: the text of a large node is
// megabytes, kept for a whole reconcile_interval. One digest per part (links, addresses, each
// table's routes...), so a dump that must be loaded can say which parts differ. Left out are the fields that move on an
// unchanged node and that no owned object or ownership rule reads: addresses' remaining lifetimes
// (a DHCP or SLAAC address counts down) and a Linux bridge's and its ports' timers (`-details`
// prints gc_timer, hello_timer...), so a compute node with a DHCP uplink or a docker0 still gets
// the saving.
import {createHash} from 'node:crypto'

import type {KernelDumpText} from './observe.js'

const VOLATILE = /"(?:valid_life_time|preferred_life_time|[a-z_]+_timer)":[\d.]+,?/g
/** `link show` and `address show`: the first two of KernelDumpText.general. */
const WITH_VOLATILE = 2

/** The names of a dump's parts, in fingerprint order (for the debug line of a dump that differs). */
function partNames(t: KernelDumpText): string[] {
  const general = ['links', 'addresses', 'neighbours', 'proxies', 'netconf']
  const fam = (f: number, n: number): string[] => [
    `IPv${f} rules`,
    ...t.tables.slice(0, n - 1).map((table) => `IPv${f} routes of table ${table}`),
  ]
  return [...t.general.map((_, i) => general[i] ?? `general ${i}`), ...fam(4, t.fam4.length), ...fam(6, t.fam6.length)]
}

const digest = (p: string): string => createHash('sha256').update(p).digest('hex').slice(0, 32)

/**
 * A dump's fingerprint: its shape (tables, which are read for marked routes only, part counts) and
 * one named digest per part, so a dump that differs from the one loaded can say where.
 */
export interface DumpFingerprint {
  shape: string
  parts: ReadonlyArray<{name: string; digest: string}>
}

export function dumpFingerprint(t: KernelDumpText): DumpFingerprint {
  const digests = [
    ...t.general.map((p, i) => digest(i < WITH_VOLATILE ? p.replaceAll(VOLATILE, '') : p)),
    ...t.fam4.map((p) => digest(p)),
    ...t.fam6.map((p) => digest(p)),
  ]
  const names = partNames(t)
  return {
    shape: JSON.stringify([t.tables, t.markedOnly, t.general.length, t.fam4.length, t.fam6.length]),
    parts: digests.map((d, i) => ({name: names[i]!, digest: d})),
  }
}

/** The names of the parts whose digests differ; undefined when the shapes differ. */
function differingParts(a: DumpFingerprint, b: DumpFingerprint): string[] | undefined {
  if (a.shape !== b.shape) return undefined
  return a.parts.filter((p, i) => p.digest !== b.parts[i]!.digest).map((p) => p.name)
}

/** Whether two dumps would load the same contents. */
export function sameDump(a: DumpFingerprint, b: DumpFingerprint): boolean {
  return differingParts(a, b)?.length === 0
}

/**
 * The fingerprint of the dump the model was last loaded from, and the model's generation right
 * after: while the generation has not moved, a dump with the same fingerprint would load the same
 * contents. Recorded only for a load that the notifications replayed on top of it (those that
 * arrived during the dump) left as it was: else the model holds more than the dump.
 */
export class LoadedDump {
  private last: {fingerprint: DumpFingerprint; generation: number} | undefined

  /** The model, at `generation`, holds exactly what a dump with `fingerprint` loads. */
  record(fingerprint: DumpFingerprint, generation: number): void {
    this.last = {fingerprint, generation}
  }

  forget(): void {
    this.last = undefined
  }

  /** Whether loading a dump with `fingerprint` into the model, now at `generation`, would change nothing. */
  holds(fingerprint: DumpFingerprint, generation: number): boolean {
    return (
      this.last !== undefined && this.last.generation === generation && sameDump(this.last.fingerprint, fingerprint)
    )
  }

  /** Why a dump that does not hold must be loaded (the debug line of a periodic pass that loads). */
  differs(fingerprint: DumpFingerprint, generation: number): string {
    const l = this.last
    if (!l) return 'no dump recorded since the last load'
    if (l.generation !== generation) return 'the model changed since it was loaded'
    const parts = differingParts(l.fingerprint, fingerprint)
    return parts === undefined ? 'other tables or parts' : `the kernel's ${parts.join(', ')} differ`
  }
}
