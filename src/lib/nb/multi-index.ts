// key -> the members filed under it (row uuids for the NB replica's indices, fragments for the
// planner's dependencies), maintained incrementally.
//
// Memory: almost every key has one member (a port's name, a row's dependency key), and an index of
// a large node holds tens of thousands of keys. A Set costs about 180 bytes even for one member; a
// one-element array about 56. So a key's members are an array, replaced (never mutated) on each
// change, up to SET_FROM members, and a Set beyond. A caller that iterates what get() returned
// while the index changes sees the members as they were, for an array; a Set is live, as before.
// Iteration order is insertion order in both forms.

/** Members of one key: up to SET_FROM in a frozen-by-convention array, a Set beyond. */
type Members<V> = readonly V[] | Set<V>

/** Keys with more members than this keep them in a Set (add/delete stay O(1) on a shared key). */
export const SET_FROM = 8

const NONE: readonly never[] = Object.freeze([])

export class MultiIndex<V = string> {
  private readonly map = new Map<string, Members<V>>()

  /** Files `v` under `key` (once: adding a present member changes nothing). */
  add(key: string, v: V): void {
    const m = this.map.get(key)
    if (m === undefined) this.map.set(key, [v])
    else if (m instanceof Set) m.add(v)
    else if (!m.includes(v)) this.map.set(key, m.length < SET_FROM ? [...m, v] : new Set([...m, v]))
  }

  /** Takes `v` out of `key`; a key left without members is forgotten. */
  delete(key: string, v: V): void {
    const m = this.map.get(key)
    if (m === undefined) return
    if (m instanceof Set) {
      m.delete(v)
      if (m.size === 0) this.map.delete(key)
      return
    }

    const rest = m.filter((x) => x !== v)
    if (rest.length === m.length) return
    if (rest.length === 0) this.map.delete(key)
    else this.map.set(key, rest)
  }

  /** Moves `v` from the `before` keys to the `after` keys. */
  update(v: V, before: readonly string[], after: readonly string[]): void {
    for (const k of before) if (!after.includes(k)) this.delete(k, v)
    for (const k of after) this.add(k, v)
  }

  /** The members of `key`, in the order they were filed (empty when none). */
  get(key: string): Iterable<V> {
    return this.map.get(key) ?? NONE
  }

  has(key: string): boolean {
    return this.map.has(key)
  }

  /** Number of keys. */
  get size(): number {
    return this.map.size
  }
}
