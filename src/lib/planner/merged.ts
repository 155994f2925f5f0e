// The union of all fragments (fragment.ts), kept current as fragments are taken out and put back:
// the reference counting behind the incremental planner. Same semantics as the Collector of a full
// pass, with the full pass's visiting order given by each fragment's `order`:
// - an object (objKey) is desired while any fragment wants it; its attributes are those of the
//   first contributor in order (the winner); every later contributor wanting other attributes is
//   a conflict problem naming the winner (exactly the Collector's message);
// - an exposed entry (ip, kind, source row) is the LAST one recorded in order (Map.set semantics);
// - problems and contributions (exposed ip -> objKeys) are sets: counted, kept while counted.
// Cost of adding or removing a fragment: O(its items x contributors sharing each key).
import {type CollectedState, compareExposed, sortObjs} from './collector.js'
import {compareOrder, type FragmentData, type Order, problemKey, type RecordedAdd} from './fragment.js'
import {compareProblems, type Problem} from './problems.js'
import type {ExposedEntry, StateObj} from './types.js'

/** A fragment's identity in the merged state: compared by object identity, ordered by `order`. */
export interface Contributor {
  readonly id: string
  order: Order
}

interface Entry<T> {
  frag: Contributor
  seq: number
  item: T
}

function before<T>(a: Entry<T>, b: Entry<T>): number {
  return compareOrder(a.frag.order, b.frag.order) || a.seq - b.seq
}

function insertSorted<T>(list: Array<Entry<T>>, e: Entry<T>): void {
  let lo = 0
  let hi = list.length
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (before(list[mid]!, e) <= 0) lo = mid + 1
    else hi = mid
  }
  list.splice(lo, 0, e)
}

function removeFrom<T>(map: Map<string, Array<Entry<T>>>, key: string, frag: Contributor, seq: number): void {
  const list = map.get(key)
  if (!list) return
  const i = list.findIndex((e) => e.frag === frag && e.seq === seq)
  if (i >= 0) list.splice(i, 1)
  if (list.length === 0) map.delete(key)
}

export interface MergeDelta {
  /** objKeys whose desired object appeared or changed attributes. */
  changed: string[]
  /** objKeys no longer desired. */
  removed: string[]
}

export class MergedState {
  private readonly objs = new Map<string, Array<Entry<RecordedAdd>>>()
  private readonly exposed = new Map<string, Array<Entry<ExposedEntry>>>()
  private readonly problems = new Map<string, {p: Problem; n: number}>()
  private readonly owners = new Map<string, Map<string, number>>()
  private readonly conflicts = new Map<string, Problem[]>()
  /** Winner value per objKey as of the last settle(). */
  private readonly settled = new Map<string, string>()
  private readonly touched = new Set<string>()
  private cached: CollectedState | undefined

  add(frag: Contributor, data: FragmentData): void {
    this.cached = undefined
    data.adds.forEach((a, seq) => {
      let list = this.objs.get(a.key)
      if (!list) this.objs.set(a.key, (list = []))
      insertSorted(list, {frag, seq, item: a})
      this.touched.add(a.key)
      if (a.owner !== undefined) this.own(a.owner, a.key, 1)
    })
    data.exposed.forEach((x, seq) => {
      let list = this.exposed.get(x.key)
      if (!list) this.exposed.set(x.key, (list = []))
      insertSorted(list, {frag, seq, item: x.entry})
    })
    for (const [k, p] of data.problems) {
      const held = this.problems.get(k)
      if (held) held.n++
      else this.problems.set(k, {p, n: 1})
    }
  }

  remove(frag: Contributor, data: FragmentData): void {
    this.cached = undefined
    data.adds.forEach((a, seq) => {
      removeFrom(this.objs, a.key, frag, seq)
      this.touched.add(a.key)
      if (a.owner !== undefined) this.own(a.owner, a.key, -1)
    })
    data.exposed.forEach((x, seq) => removeFrom(this.exposed, x.key, frag, seq))
    for (const k of data.problems.keys()) {
      const held = this.problems.get(k)
      if (held && --held.n === 0) this.problems.delete(k)
    }
  }

  /** Recomputes the conflicts of the keys touched since the last call; returns what changed. */
  settle(): MergeDelta {
    const delta: MergeDelta = {changed: [], removed: []}
    for (const key of this.touched) {
      const list = this.objs.get(key)
      const prev = this.settled.get(key)
      if (!list) {
        this.conflicts.delete(key)
        if (prev !== undefined) delta.removed.push(key)
        this.settled.delete(key)
        continue
      }
      const w = list[0]!.item
      if (prev !== w.value) delta.changed.push(key)
      this.settled.set(key, w.value)
      const lost: Problem[] = []
      for (let i = 1; i < list.length; i++) {
        const c = list[i]!.item
        if (c.value === w.value) continue
        lost.push({...c.source, reason: `conflicts with ${w.source.table} ${w.source.name || w.source.uuid}: ${key} already wanted as ${w.value}`})
      }
      if (lost.length > 0) this.conflicts.set(key, lost)
      else this.conflicts.delete(key)
    }
    this.touched.clear()
    return delta
  }

  /** Ids of the fragments that want `key`, in order (winner first). */
  contributorsOf(key: string): string[] {
    return (this.objs.get(key) ?? []).map((e) => e.frag.id)
  }

  /** Ids of the fragments that record the exposed entry `key`. */
  exposersOf(key: string): string[] {
    return (this.exposed.get(key) ?? []).map((e) => e.frag.id)
  }

  get objectCount(): number {
    return this.objs.size
  }

  /** The merged result, as a Collector would return it (cached until the next add/remove). */
  result(): CollectedState {
    if (this.cached) return this.cached
    const objects: StateObj[] = []
    for (const list of this.objs.values()) objects.push(list[0]!.item.obj)
    const exposed: ExposedEntry[] = []
    for (const list of this.exposed.values()) exposed.push(list.at(-1)!.item)
    const problems = new Map<string, Problem>()
    for (const [k, {p}] of this.problems) problems.set(k, p)
    for (const lost of this.conflicts.values()) for (const p of lost) problems.set(problemKey(p), p)
    const contributions: Record<string, string[]> = {}
    for (const owner of [...this.owners.keys()].sort()) contributions[owner] = [...this.owners.get(owner)!.keys()].sort()
    this.cached = {
      state: {objects: sortObjs(objects), exposed: exposed.sort(compareExposed)},
      problems: [...problems.values()].sort(compareProblems),
      contributions,
    }
    return this.cached
  }

  private own(owner: string, key: string, d: number): void {
    let m = this.owners.get(owner)
    if (!m) this.owners.set(owner, (m = new Map()))
    const n = (m.get(key) ?? 0) + d
    if (n > 0) m.set(key, n)
    else m.delete(key)
    if (m.size === 0) this.owners.delete(owner)
  }
}
