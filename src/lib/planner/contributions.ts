// The fragments that contribute one key of the merged state (merged.ts), in no particular order,
// with the first and the last in contributor order kept at hand.
// Why not a sorted array: a key shared by every port of a network (its subnet route, its NDP proxy,
// its flows) has one contributor per port. Inserting into the sorted array moved every later entry
// (a splice per port, per shared key): a burst of 1,000 ports on a 10,000-port network spent most of
// its planning there, more with every burst, in the emulated guest. Here an add is a push and one or
// two comparisons; a remove swaps the last entry into the hole; the first or last is searched again
// only when it was the one removed.
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

/** Contributor order: the fragments' order, then the item's place within its fragment. */
function before<T>(a: Entry<T>, b: Entry<T>): number {
  return compareOrder(a.frag.order, b.frag.order) || a.seq - b.seq
}

export class Contributions<T> {
  private readonly entries: Array<Entry<T>> = []
  /** Index of the first and of the last entry in contributor order; -1 when to be searched again. */
  private firstAt = -1
  private lastAt = -1

  get size(): number {
    return this.entries.length
  }

  add(e: Entry<T>): void {
    const i = this.entries.push(e) - 1
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
    const i = this.entries.findIndex((e) => e.frag === frag && e.seq === seq)
    if (i === -1) return false
    const end = this.entries.length - 1
    this.entries[i] = this.entries[end]!
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

  /** Every entry, in no particular order. */
  all(): ReadonlyArray<Entry<T>> {
    return this.entries
  }

  /** Every entry in contributor order (a copy; for reports). */
  inOrder(): Array<Entry<T>> {
    return [...this.entries].sort(before)
  }

  /** Index of the entry that `better` prefers over every other (compared with `before`). */
  private search(better: (c: number) => boolean): number {
    let at = 0
    for (let i = 1; i < this.entries.length; i++) if (better(before(this.entries[i]!, this.entries[at]!))) at = i
    return at
  }
}
