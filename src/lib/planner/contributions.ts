// The fragments that contribute one key of the merged state (merged.ts), in no particular order,
// with the first and the last in contributor order kept at hand.
// Why not a sorted array: a key shared by every port of a network (its subnet route, its NDP proxy,
// its flows) has one contributor per port. Inserting into the sorted array moved every later entry
// (a splice per port, per shared key): a burst of 1,000 ports on a 10,000-port network spent most of
// its planning there, more with every burst, in the emulated guest. Here an add is a push and one or
// two comparisons; a remove swaps the last entry into the hole; the first or last is searched again
// only when it was the one removed. A remove finds its entry through an index by fragment once the
// bag holds more than INDEX_FROM entries (a scan before: unbinding 1,000 ports of a 10,000-port
// network scanned 10,000 contributors per shared key per port); small bags, most of them, keep none.
// Such a bag also counts its entries per value when given `valueOf`, so the merge can tell that all
// contributors agree (no conflict to report) without walking 10,000 of them per change.
import {compareOrder, type Order} from './fragment.js'

/** A fragment's identity in the merged state: compared by object identity, ordered by `order`. */
export interface Contributor {
  readonly id: string
  order: Order
}

/** One item a fragment recorded under a key: its `seq` orders the items of one fragment. */
export interface Entry<T> {
  frag: Contributor
  seq: number
  item: T
}

/** An entry as the bag keeps it: with its index in the bag (the bag owns the entries it is given). */
type Placed<T> = Entry<T> & {at: number}

/** Bags larger than this index their entries by fragment for remove. */
export const INDEX_FROM = 16

/** Contributor order: the fragments' order, then the item's place within its fragment. */
function before<T>(a: Entry<T>, b: Entry<T>): number {
  return compareOrder(a.frag.order, b.frag.order) || a.seq - b.seq
}

export class Contributions<T> {
  /**
   * Replaced by a one-slot array at the first add: most keys have one contributor, and a push onto
   * an empty array reserves 17 slots (about 130 bytes per key, 40,000 keys at 10,000 ports).
   */
  private entries: Array<Placed<T>> = []
  /** Index of the first and of the last entry in contributor order; -1 when to be searched again. */
  private firstAt = -1
  private lastAt = -1
  /** Once the bag is larger than INDEX_FROM: its entries by fragment (a fragment has one or a few per key). */
  private byFrag: Map<Contributor, Array<Placed<T>>> | undefined
  /** With `valueOf`, once indexed: how many entries carry each value. */
  private tally: Map<string, number> | undefined

  /** `valueOf`: the value two contributors may disagree on (oneValue). */
  constructor(private readonly valueOf?: (item: T) => string) {}

  get size(): number {
    return this.entries.length
  }

  add(e: Entry<T>): void {
    const p = e as Placed<T>
    p.at = this.entries.length
    if (p.at === 0) this.entries = [p]
    else this.entries.push(p)
    const i = p.at
    if (this.byFrag) this.indexed(p)
    else if (this.entries.length > INDEX_FROM) {
      this.byFrag = new Map()
      if (this.valueOf) this.tally = new Map()
      for (const x of this.entries) this.indexed(x)
    }

    if (i === 0) {
      this.firstAt = 0
      this.lastAt = 0
      return
    }

    // ties keep the earlier first and take the later last, as a stable insertion into order would
    if (this.firstAt >= 0 && before(e, this.entries[this.firstAt]!) < 0) this.firstAt = i
    if (this.lastAt >= 0 && before(e, this.entries[this.lastAt]!) >= 0) this.lastAt = i
  }

  /** Takes out the item `seq` of `frag`; whether it was there. */
  remove(frag: Contributor, seq: number): boolean {
    const same = (e: Entry<T>): boolean => e.frag === frag && e.seq === seq
    const own = this.byFrag?.get(frag)
    const e = this.byFrag ? own?.find(same) : this.entries.find(same)
    if (!e) return false
    if (own) {
      own.splice(own.indexOf(e), 1)
      if (own.length === 0) this.byFrag!.delete(frag)
      this.count(e, -1)
    }

    const i = e.at
    const end = this.entries.length - 1
    const tail = this.entries[end]!
    this.entries[i] = tail
    tail.at = i
    this.entries.pop()
    const moved = (at: number): number => (at === i ? -1 : at === end ? i : at)
    this.firstAt = moved(this.firstAt)
    this.lastAt = moved(this.lastAt)
    return true
  }

  /** The first entry in contributor order (the winner of an object key). */
  first(): Entry<T> | undefined {
    if (this.entries.length === 0) return undefined
    if (this.firstAt < 0) this.firstAt = this.search((c) => c < 0)
    return this.entries[this.firstAt]
  }

  /** The last entry in contributor order (an exposed entry: the last one recorded wins). */
  last(): Entry<T> | undefined {
    if (this.entries.length === 0) return undefined
    if (this.lastAt < 0) this.lastAt = this.search((c) => c > 0)
    return this.entries[this.lastAt]
  }

  /**
   * Whether every entry carries the same value (true for 0 or 1 entries). Known without a walk for
   * a large bag given `valueOf`; false otherwise, and the caller walks all() to find out.
   */
  oneValue(): boolean {
    return this.entries.length <= 1 || this.tally?.size === 1
  }

  /** Every entry, in no particular order. */
  all(): ReadonlyArray<Entry<T>> {
    return this.entries
  }

  /** Every entry in contributor order (a copy; for reports). */
  inOrder(): Array<Entry<T>> {
    return [...this.entries].sort(before)
  }

  private indexed(e: Placed<T>): void {
    const own = this.byFrag!.get(e.frag)
    if (own) own.push(e)
    else this.byFrag!.set(e.frag, [e])
    this.count(e, 1)
  }

  private count(e: Entry<T>, by: 1 | -1): void {
    if (!this.tally) return
    const v = this.valueOf!(e.item)
    const n = (this.tally.get(v) ?? 0) + by
    if (n === 0) this.tally.delete(v)
    else this.tally.set(v, n)
  }

  /** Index of the entry that `better` prefers over every other (compared with `before`). */
  private search(better: (c: number) => boolean): number {
    let at = 0
    for (let i = 1; i < this.entries.length; i++) if (better(before(this.entries[i]!, this.entries[at]!))) at = i
    return at
  }
}
