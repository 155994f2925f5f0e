// What lets the watched model skip a full reload that would change nothing (watched.ts). The
// periodic full reconcile dumps the whole node; on an idle node of 10,000 ports that dump is
// parsed into 40,000 objects and loaded into a model that already holds exactly them, seconds of
// CPU for nothing. The dump cannot be skipped (it is what catches a change the notifications
// missed), but its parse and load can when the dump's text is the one the model was loaded from
// and nothing changed the model since: the model then equals what loading it would give.
//
// The fingerprint is a hash of the dump's bytes, kept instead of the text (megabytes on a large
// node) from one periodic pass to the next; as bytes, the text never enters the JS heap (a
// string of megabytes made every periodic pass was most of what an idle daemon promoted into the
// old generation, and so what brought on its full collections). One digest per part (links,
// addresses, each table's routes...), so a dump that must be loaded can say which parts differ.
// Left out are the fields that move on an unchanged node and that no owned object or ownership
// rule reads: addresses' remaining lifetimes (a DHCP or SLAAC address counts down) and a Linux
// bridge's and its ports' timers (`-details` prints gc_timer, hello_timer...), so a compute node
// with a DHCP uplink or a docker0 still gets the saving. A lifetime of 4294967295 ("forever", every
// address ovn-bgp adds) does not move and is hashed as it is: thousands of them would otherwise cut
// the text into thousands of pieces.
import {createHash, type Hash} from 'node:crypto'

import type {KernelDumpText} from './observe.js'

/** `link show` and `address show`: the first two of KernelDumpText.general. */
const WITH_VOLATILE = 2

const COMMA = 0x2c
const QUOTE = 0x22
const TIME = Buffer.from('_time')
const TIMER_END = Buffer.from('r":')
const LIFETIME_KEYS = ['"valid_life_time":', '"preferred_life_time":'].map((k) => Buffer.from(k))
const FOREVER = Buffer.from('4294967295')

const isKeyChar = (c: number): boolean => (c >= 0x61 && c <= 0x7a) || c === 0x5f // [a-z_]
const isNumberChar = (c: number): boolean => (c >= 0x30 && c <= 0x39) || c === 0x2e // [0-9.]
/** `what` at `i` of `b` (a loop: a call to Buffer.compare per address cost more than the scan). */
function at(b: Buffer, i: number, what: Buffer): boolean {
  if (i < 0 || i + what.length > b.length) return false
  for (let k = 0; k < what.length; k++) if (b[i + k] !== what[k]) return false
  return true
}

/**
 * The volatile field (`"key":number` and its comma) whose key holds the `_time` at `i`, as
 * [start, end), or undefined: `"valid_life_time"` / `"preferred_life_time"` with a value other
 * than forever, or any `"<[a-z_]+>_timer"`. Allocates nothing: it runs for every address.
 */
function volatileField(b: Buffer, i: number): [number, number] | undefined {
  let start = -1
  let value = -1
  if (at(b, i + TIME.length, TIMER_END)) {
    // `_timer":`: the key's opening quote, at least one key character before `_timer`
    start = i - 1
    while (start >= 0 && isKeyChar(b[start]!)) start--
    if (start === i - 1 || b[start] !== QUOTE) return undefined
    value = i + TIME.length + TIMER_END.length
  } else {
    for (const key of LIFETIME_KEYS) {
      const s = i + TIME.length + 2 - key.length // the key ends with `_time":`
      if (at(b, s, key)) [start, value] = [s, s + key.length]
    }

    if (start < 0 || (at(b, value, FOREVER) && !isNumberChar(b[value + FOREVER.length] ?? 0))) return undefined
  }

  let end = value
  while (end < b.length && isNumberChar(b[end]!)) end++
  if (end === value) return undefined
  return [start, b[end] === COMMA ? end + 1 : end]
}

/** Feeds `b` to `hash` without its volatile fields. */
function updateStable(hash: Hash, b: Buffer): void {
  let from = 0
  for (let i = b.indexOf(TIME); i !== -1; i = b.indexOf(TIME, i + 1)) {
    const field = volatileField(b, i)
    if (!field) continue
    hash.update(b.subarray(from, field[0]))
    from = field[1]
    i = from - 1
  }

  hash.update(b.subarray(from))
}

/** The names of a dump's parts, in fingerprint order (for the debug line of a dump that differs). */
function partNames(t: KernelDumpText): string[] {
  const general = ['links', 'addresses', 'neighbours', 'proxies', 'netconf']
  const fam = (f: number, n: number): string[] => [
    `IPv${f} rules`,
    ...t.tables.slice(0, n - 1).map((table) => `IPv${f} routes of table ${table}`),
  ]
  return [...t.general.map((_, i) => general[i] ?? `general ${i}`), ...fam(4, t.fam4.length), ...fam(6, t.fam6.length)]
}

function digest(p: Buffer, volatile: boolean): string {
  const h = createHash('sha256')
  if (volatile) updateStable(h, p)
  else h.update(p)
  return h.digest('hex').slice(0, 32)
}

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
    ...t.general.map((p, i) => digest(p, i < WITH_VOLATILE)),
    ...t.fam4.map((p) => digest(p, false)),
    ...t.fam6.map((p) => digest(p, false)),
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
