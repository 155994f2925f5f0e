// The union of all fragments (fragment.ts), kept current as fragments are taken out and put back:
// the reference counting behind the incremental planner. Same semantics as the Collector of a full
// pass, with the full pass's visiting order given by each fragment's `order`:
// - an object (objKey) is desired while any fragment wants it; its attributes are those of the
//   first contributor in order (the winner); every later contributor wanting other attributes is
//   a conflict problem naming the winner (exactly the Collector's message);
// - an exposed entry (ip, kind, source row) is the LAST one recorded in order (Map.set semantics);
// - problems and contributions (exposed ip -> objKeys) are sets: counted, kept while counted.
// Cost of adding or removing a fragment: O(its items) (contributions.ts: a large key's
// contributors are indexed by fragment).
import {type CollectedState, compareExposed, sortObjs} from './collector.js'
import {Contributions, type Contributor} from './contributions.js'
import {exposedKey, type FragmentData, problemKey, type RecordedAdd} from './fragment.js'
import {compareProblems, type Problem} from './problems.js'
import {type DesiredState, type ExposedEntry, KIND_ORDER, OBJECT_COUNT, objKey, type StateObj} from './types.js'

const addValue = (a: RecordedAdd): string => a.value

function removeFrom<T>(map: Map<string, Contributions<T>>, key: string, frag: Contributor, seq: number): void {
  const c = map.get(key)
  if (!c) return
  c.remove(frag, seq)
  if (c.size === 0) map.delete(key)
}

/** First index in [0, n) for which `below` is false (`below` true on a prefix). */
function bisect(n: number, below: (i: number) => boolean): number {
  let lo = 0
  let hi = n
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (below(mid)) lo = mid + 1
    else hi = mid
  }

  return lo
}

/**
 * A sorted array (items and their keys, in `compare` order) with the entries under `dirty` keys
 * replaced by their current values (`current`: undefined when the key is gone): the kept entries
 * are copied once and the dirty ones, sorted among themselves, merged in: O(size) copies and
 * d log(size) comparisons for d dirty keys. Inserting each by splice cost O(size) apiece (a burst
 * of 4,000 objects into 44,000: 176 million moves). `compare` must be a total order on distinct keys.
 */
function patchSorted<T>(
  items: readonly T[],
  keys: readonly string[],
  dirty: ReadonlySet<string>,
  current: (key: string) => T | undefined,
  compare: (a: T, ak: string, b: T, bk: string) => number,
  locate: Locate<T>,
): {items: T[]; keys: string[]} {
  const fresh: Array<{v: T; k: string}> = []
  for (const k of dirty) {
    const v = current(k)
    if (v !== undefined) fresh.push({v, k})
  }

  fresh.sort((a, b) => compare(a.v, a.k, b.v, b.k))
  if (dirty.size <= SPLICE_MAX) return spliceSorted(items, keys, dirty, fresh, compare, locate)
  const out: T[] = []
  const outKeys: string[] = []
  let i = 0
  const keep = (to: number): void => {
    for (; i < to; i++) {
      if (dirty.has(keys[i]!)) continue
      out.push(items[i]!)
      outKeys.push(keys[i]!)
    }
  }

  // Each fresh entry's place among the kept ones is its place in the held array (still sorted,
  // dirty entries included): found by bisection, not by comparing it with every kept entry.
  for (const {v, k} of fresh) {
    keep(bisect(keys.length, (m) => compare(items[m]!, keys[m]!, v, k) < 0))
    out.push(v)
    outKeys.push(k)
  }

  keep(keys.length)
  return {items: out, keys: outKeys}
}

/** Up to this many dirty keys, patchSorted copies the arrays and splices (native copies and moves). */
const SPLICE_MAX = 16

/**
 * Where key `k` sits in a sorted array (items and their keys), -1 when absent, found from the key
 * alone: a dirty key's held value is gone (the bag holds its current one, or none), and a linear
 * indexOf over 40,000 keys was most of a one-port change at 10,000 ports.
 */
type Locate<T> = (items: readonly T[], keys: readonly string[], k: string) => number

const RANK = new Map<string, number>(KIND_ORDER.map((k, i) => [k, i]))
const rankOfKey = (k: string): number => RANK.get(k.slice(0, k.indexOf('|'))) ?? 99

/** Objects: sortObjs order is (kind, objKey), and an objKey starts with its kind. */
function locateObj(_items: readonly StateObj[], keys: readonly string[], k: string): number {
  const r = rankOfKey(k)
  const at = bisect(keys.length, (m) => {
    const mk = keys[m]!
    return rankOfKey(mk) - r < 0 || (rankOfKey(mk) === r && mk < k)
  })
  return keys[at] === k ? at : -1
}

/**
 * Exposed entries: ordered by ip first, and an exposedKey starts with the ip; the entries of one ip
 * (a few) are then searched by key, since the row's name, which orders them, is not in the key.
 */
function locateExposed(items: readonly ExposedEntry[], keys: readonly string[], k: string): number {
  const ip = k.slice(0, k.indexOf('|'))
  for (let i = bisect(items.length, (m) => items[m]!.ip < ip); i < items.length && items[i]!.ip === ip; i++) {
    if (keys[i] === k) return i
  }

  return -1
}

/**
 * patchSorted for a few dirty keys, the common case of an event pass: a copy of each array (one
 * native copy), each dirty key's held entry found and spliced out, each fresh entry spliced in at
 * its bisected place. The merge in patchSorted walks every entry in JavaScript and asks `dirty`
 * about each: at 40,000 objects that walk was most of the planner's time for a one-port change.
 */
function spliceSorted<T>(
  items: readonly T[],
  keys: readonly string[],
  dirty: ReadonlySet<string>,
  fresh: ReadonlyArray<{v: T; k: string}>,
  compare: (a: T, ak: string, b: T, bk: string) => number,
  locate: Locate<T>,
): {items: T[]; keys: string[]} {
  const out = [...items]
  const outKeys = [...keys]
  for (const k of dirty) {
    const at = locate(out, outKeys, k)
    if (at === -1) continue
    out.splice(at, 1)
    outKeys.splice(at, 1)
  }

  for (const {v, k} of fresh) {
    const at = bisect(outKeys.length, (m) => compare(out[m]!, outKeys[m]!, v, k) < 0)
    out.splice(at, 0, v)
    outKeys.splice(at, 0, k)
  }

  return {items: out, keys: outKeys}
}

/** sortObjs order: KIND_ORDER, then objKey. */
function compareRanked(a: StateObj, ak: string, b: StateObj, bk: string): number {
  return (RANK.get(a.kind) ?? 99) - (RANK.get(b.kind) ?? 99) || (ak < bk ? -1 : ak > bk ? 1 : 0)
}

export interface MergeDelta {
  /** objKeys whose desired object appeared or changed attributes. */
  changed: string[]
  /** objKeys no longer desired. */
  removed: string[]
}

export class MergedState {
  private readonly objs = new Map<string, Contributions<RecordedAdd>>()
  private readonly exposed = new Map<string, Contributions<ExposedEntry>>()
  private readonly problems = new Map<string, {p: Problem; n: number}>()
  private readonly owners = new Map<string, Map<string, number>>()
  private readonly conflicts = new Map<string, Problem[]>()
  /** Winner value per objKey as of the last settle(). */
  private readonly settled = new Map<string, string>()
  private readonly touched = new Set<string>()
  private cached: Omit<CollectedState, 'contributions'> | undefined
  /** Keys changed since the last result(): the sorted arrays are patched, not rebuilt. */
  private readonly dirtyObjs = new Set<string>()
  private readonly dirtyExposed = new Set<string>()
  private dirtyProblems = true
  private readonly dirtyOwners = new Set<string>()
  private sortedOwners: string[] | undefined
  private contribCache: Record<string, string[]> | undefined
  private sortedObjs: {objs: StateObj[]; keys: string[]} | undefined
  private sortedExposed: {items: ExposedEntry[]; keys: string[]} | undefined
  private problemsCache: Problem[] | undefined
  private conflictsSettled = false

  add(frag: Contributor, data: FragmentData): void {
    this.invalidate(data)
    for (const [seq, a] of data.adds.entries()) {
      let list = this.objs.get(a.key)
      if (!list) this.objs.set(a.key, (list = new Contributions(addValue)))
      list.add({frag, seq, item: a})
      this.touched.add(a.key)
      this.dirtyObjs.add(a.key)
      if (a.owner !== undefined) this.own(a.owner, a.key, 1)
    }

    for (const [seq, x] of data.exposed.entries()) {
      let list = this.exposed.get(x.key)
      if (!list) this.exposed.set(x.key, (list = new Contributions()))
      list.add({frag, seq, item: x.entry})
      this.dirtyExposed.add(x.key)
    }

    for (const [k, p] of data.problems) {
      const held = this.problems.get(k)
      if (held) held.n++
      else this.problems.set(k, {p, n: 1})
    }
  }

  remove(frag: Contributor, data: FragmentData): void {
    this.invalidate(data)
    for (const [seq, a] of data.adds.entries()) {
      removeFrom(this.objs, a.key, frag, seq)
      this.touched.add(a.key)
      this.dirtyObjs.add(a.key)
      if (a.owner !== undefined) this.own(a.owner, a.key, -1)
    }

    for (const [seq, x] of data.exposed.entries()) {
      removeFrom(this.exposed, x.key, frag, seq)
      this.dirtyExposed.add(x.key)
    }

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

      const winner = list.first()!
      const w = winner.item
      if (prev !== w.value) delta.changed.push(key)
      this.settled.set(key, w.value)
      const lost: Problem[] = []
      // a key shared by every port of a network has thousands of contributors, nearly always agreeing
      if (!list.oneValue()) {
        for (const e of list.all()) {
          const c = e.item
          if (e === winner || c.value === w.value) continue
          lost.push({
            ...c.source,
            reason: `conflicts with ${w.source.table} ${w.source.name || w.source.uuid}: ${key} already wanted as ${w.value}`,
          })
        }
      }

      const had = this.conflicts.has(key)
      if (lost.length > 0) this.conflicts.set(key, lost)
      else this.conflicts.delete(key)
      if (had || lost.length > 0) this.conflictsSettled = false
      if (had || lost.length > 0) this.cached = undefined
    }

    this.touched.clear()
    return delta
  }

  /** The desired object under objKey `key` (the winner), as result() would list it. */
  objectOf(key: string): StateObj | undefined {
    return this.objs.get(key)?.first()?.item.obj
  }

  /** Ids of the fragments that want `key`, in order (winner first). */
  contributorsOf(key: string): string[] {
    return (this.objs.get(key)?.inOrder() ?? []).map((e) => e.frag.id)
  }

  /** Ids of the fragments that record the exposed entry `key`. */
  exposersOf(key: string): string[] {
    return (this.exposed.get(key)?.inOrder() ?? []).map((e) => e.frag.id)
  }

  get objectCount(): number {
    return this.objs.size
  }

  /**
   * The merged result, as a Collector would return it: cached until the next add/remove, then the
   * sorted object and exposed arrays are patched for the keys that changed (O(size) copies and
   * O(changes x log size) searches instead of a sort); problems and contributions are rebuilt
   * only when a fragment carrying some changed.
   */
  result(): Omit<CollectedState, 'contributions'> {
    if (this.cached) return this.cached
    // `objects` is built on first read (types.ts, OBJECT_COUNT). The state only moves when fragments
    // are added or removed (the planner's update, at the start of a pass), so a read within the
    // pass sees the pass's state; a result read after a later update sees that update's.
    let objects: StateObj[] | undefined
    const state = {exposed: this.exposedEntries()} as DesiredState
    Object.defineProperty(state, 'objects', {
      enumerable: true,
      get: () => {
        objects ??= this.objects()
        return objects
      },
    })
    Object.defineProperty(state, OBJECT_COUNT, {value: this.objs.size})
    this.cached = {state, problems: this.problemList()}
    return this.cached
  }

  /**
   * Exposed ip -> sorted objKeys: built on demand (only ad-hoc verbs read it), owners in sorted
   * order, only the owners that changed since the last call rebuilt.
   */
  contributions(): Record<string, string[]> {
    return this.contributionRecord()
  }

  private invalidate(data: FragmentData): void {
    if (data.adds.length === 0 && data.exposed.length === 0 && data.problems.size === 0) return
    this.cached = undefined
    if (data.problems.size > 0) this.dirtyProblems = true
  }

  private objects(): StateObj[] {
    const held = this.sortedObjs
    if (held && this.dirtyObjs.size === 0) return held.objs
    if (held) {
      const r = patchSorted(
        held.objs,
        held.keys,
        this.dirtyObjs,
        (k) => this.objs.get(k)?.first()?.item.obj,
        compareRanked,
        locateObj,
      )
      this.sortedObjs = {objs: r.items, keys: r.keys}
    } else {
      const objs = sortObjs([...this.objs.values()].map((l) => l.first()!.item.obj))
      this.sortedObjs = {objs, keys: objs.map(objKey)}
    }

    this.dirtyObjs.clear()
    return this.sortedObjs.objs
  }

  private exposedEntries(): ExposedEntry[] {
    const held = this.sortedExposed
    if (held && this.dirtyExposed.size === 0) return held.items
    if (held) {
      this.sortedExposed = patchSorted(
        held.items,
        held.keys,
        this.dirtyExposed,
        (k) => this.exposed.get(k)?.last()?.item,
        (a, _ak, b) => compareExposed(a, b),
        locateExposed,
      )
    } else {
      const items = [...this.exposed.values()].map((l) => l.last()!.item).sort(compareExposed)
      this.sortedExposed = {items, keys: items.map(exposedKey)}
    }

    this.dirtyExposed.clear()
    return this.sortedExposed.items
  }

  private problemList(): Problem[] {
    if (this.problemsCache && !this.dirtyProblems && this.conflictsSettled) return this.problemsCache
    const all = new Map<string, Problem>()
    for (const [k, {p}] of this.problems) all.set(k, p)
    for (const lost of this.conflicts.values()) for (const p of lost) all.set(problemKey(p), p)
    this.problemsCache = [...all.values()].sort(compareProblems)
    this.dirtyProblems = false
    this.conflictsSettled = true
    return this.problemsCache
  }

  private sortedKeys(owner: string): string[] {
    return [...this.owners.get(owner)!.keys()].sort()
  }

  /** exposed ip -> sorted objKeys, owners in sorted order; only the changed owners are rebuilt. */
  private contributionRecord(): Record<string, string[]> {
    if (!this.contribCache || !this.sortedOwners || this.dirtyOwners.size * 8 > this.sortedOwners.length) {
      this.sortedOwners = [...this.owners.keys()].sort()
    } else if (this.dirtyOwners.size > 0) {
      const held = this.sortedOwners
      const byName = (a: string, _ak: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)
      this.sortedOwners = patchSorted(
        held,
        held,
        this.dirtyOwners,
        (o) => (this.owners.has(o) ? o : undefined),
        byName,
        (_items, keys, k) => {
          const at = bisect(keys.length, (m) => keys[m]! < k)
          return keys[at] === k ? at : -1
        },
      ).keys
    } else {
      return this.contribCache
    }

    const old = this.contribCache
    const out: Record<string, string[]> = {}
    for (const o of this.sortedOwners) out[o] = old && !this.dirtyOwners.has(o) && old[o] ? old[o] : this.sortedKeys(o)
    this.dirtyOwners.clear()
    this.contribCache = out
    return out
  }

  private own(owner: string, key: string, d: number): void {
    this.dirtyOwners.add(owner)
    let m = this.owners.get(owner)
    if (!m) this.owners.set(owner, (m = new Map()))
    const n = (m.get(key) ?? 0) + d
    if (n > 0) m.set(key, n)
    else m.delete(key)
    if (m.size === 0) this.owners.delete(owner)
  }
}
