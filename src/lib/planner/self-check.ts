// Incremental vs scratch: the comparison the periodic full pass makes. Any difference is a bug of
// the incremental planner (a change it did not scope, a shared object it dropped); the caller
// reports it with the subjects involved and uses the scratch result.
import type {DesiredResult} from './desired.js'

import {exposedKey, problemKey} from './fragment.js'
import {runAtOnce, runInTurns} from './in-turns.js'
import {objKey, objValue} from './types.js'

type DifferenceArea = 'object' | 'exposed' | 'problem' | 'contribution' | 'router' | 'tenant-network' | 'distributed'

export interface Difference {
  area: DifferenceArea
  key: string
  /** The incremental planner's value (undefined = missing there). */
  incremental?: string
  /** The full computation's value (undefined = missing there). */
  scratch?: string
  /** Subjects (fragments, or NB rows of the scratch result) that produce this key. */
  subjects: string[]
}

function diffMaps(
  area: DifferenceArea,
  inc: Map<string, string>,
  scratch: Map<string, string>,
  out: Difference[],
): void {
  for (const [k, v] of inc) {
    const s = scratch.get(k)
    if (s !== v) out.push({area, key: k, incremental: v, ...(s === undefined ? {} : {scratch: s}), subjects: []})
  }

  for (const [k, s] of scratch) if (!inc.has(k)) out.push({area, key: k, scratch: s, subjects: []})
}

const byKey = <T>(items: readonly T[], key: (t: T) => string, value: (t: T) => string): Map<string, string> =>
  new Map(items.map((t) => [key(t), value(t)]))

/**
 * Plain data equal in value: primitives by ===, arrays item by item, objects key by key. Stricter
 * than the comparison diffDesired makes (an absent key and an undefined one differ here), which is
 * what a fast path may be: a false answer only sends the caller to diffDesired.
 */
function samePlain(a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false
    for (let i = 0; i < a.length; i++) if (!samePlain(a[i], b[i])) return false
    return true
  }

  if (Array.isArray(b)) return false
  // for-in over both instead of Object.keys: no key arrays allocated (tens of thousands of objects)
  const ra = a as Record<string, unknown>
  const rb = b as Record<string, unknown>
  let keys = 0
  for (const k in ra) {
    if (!Object.hasOwn(ra, k)) continue
    if (!samePlain(ra[k], rb[k])) return false
    keys++
  }

  for (const k in rb) if (Object.hasOwn(rb, k)) keys--
  return keys === 0
}

/**
 * Whether two desired results are the same, item for item in the same order: the common answer
 * of every self-check, found without building a key and a value string per object (diffDesired
 * builds maps of both results: on a large node that cost more than computing the scratch result).
 * Both results list everything in one deterministic order, so equal results are equal sequences;
 * false (a difference, or the same items in another order) means: ask diffDesired.
 */
export function sameDesired(inc: DesiredResult, scratch: DesiredResult): boolean {
  return runAtOnce(sameDesiredSteps(inc, scratch, Number.POSITIVE_INFINITY))
}

/** Items compared between two yields of sameDesiredSteps (tens of ms in a small VM). */
const SAME_CHUNK = 2000

/**
 * sameDesired, `between` awaited every few thousand items: the daemon compares its background
 * check between passes, the event loop free in between. Both results must be taken in one turn
 * and be read whole first (their objects and contributions are built on first read): they are
 * then fixed, whatever the NB does meanwhile.
 */
export async function sameDesiredInTurns(
  inc: DesiredResult,
  scratch: DesiredResult,
  between: () => Promise<void>,
  chunk = SAME_CHUNK,
): Promise<boolean> {
  return runInTurns(sameDesiredSteps(inc, scratch, chunk), between)
}

/** The comparison, yielding after every `chunk` items (Infinity: never). */
function* sameDesiredSteps(inc: DesiredResult, scratch: DesiredResult, chunk: number): Generator<void, boolean> {
  if (inc.distributed !== scratch.distributed) return false
  let n = 0
  const lists: Array<[readonly unknown[], readonly unknown[]]> = [
    [inc.state.objects, scratch.state.objects],
    [inc.state.exposed, scratch.state.exposed],
    [inc.problems, scratch.problems],
  ]
  for (const [a, b] of lists) {
    if (a.length !== b.length) return false
    for (const [i, x] of a.entries()) {
      if (!samePlain(x, b[i])) return false
      if (++n % chunk === 0) yield
    }
  }

  if (!samePlain(inc.routers, scratch.routers) || !samePlain(inc.tenantNetworks, scratch.tenantNetworks)) return false
  const ca = inc.contributions
  const cb = scratch.contributions
  let keys = 0
  for (const k in ca) {
    if (!Object.hasOwn(ca, k)) continue
    if (!samePlain(ca[k], cb[k])) return false
    keys++
    if (++n % chunk === 0) yield
  }

  for (const k in cb) if (Object.hasOwn(cb, k)) keys--
  return keys === 0
}

/** Every difference between two desired results, as sets keyed by objKey / entry / problem. */
export function diffDesired(inc: DesiredResult, scratch: DesiredResult): Difference[] {
  const out: Difference[] = []
  diffMaps('object', byKey(inc.state.objects, objKey, objValue), byKey(scratch.state.objects, objKey, objValue), out)
  diffMaps(
    'exposed',
    byKey(inc.state.exposed, exposedKey, (e) => JSON.stringify(e)),
    byKey(scratch.state.exposed, exposedKey, (e) => JSON.stringify(e)),
    out,
  )
  diffMaps(
    'problem',
    byKey(inc.problems, problemKey, () => 'reported'),
    byKey(scratch.problems, problemKey, () => 'reported'),
    out,
  )
  const contrib = (r: DesiredResult) => new Map(Object.entries(r.contributions).map(([k, v]) => [k, v.join(' ')]))
  diffMaps('contribution', contrib(inc), contrib(scratch), out)
  diffMaps(
    'router',
    byKey(
      inc.routers,
      (r) => r.router,
      (r) => JSON.stringify(r),
    ),
    byKey(
      scratch.routers,
      (r) => r.router,
      (r) => JSON.stringify(r),
    ),
    out,
  )
  diffMaps(
    'tenant-network',
    byKey(
      inc.tenantNetworks,
      (t) => t.network,
      (t) => JSON.stringify(t),
    ),
    byKey(
      scratch.tenantNetworks,
      (t) => t.network,
      (t) => JSON.stringify(t),
    ),
    out,
  )
  if (inc.distributed !== scratch.distributed)
    out.push({
      area: 'distributed',
      key: 'distributed',
      incremental: String(inc.distributed),
      scratch: String(scratch.distributed),
      subjects: [],
    })
  return out
}

/**
 * What attribution reads of the incremental planner: the fragments behind an object key and the NB
 * rows behind an exposure. Declared here (IncrementalPlanner implements it) so that this file does
 * not depend on the planner that calls it.
 */
export interface SubjectIndex {
  subjectsOf(key: string): readonly string[]
  exposersOf(key: string): readonly string[]
}

/**
 * Names the subjects of each difference: the incremental fragments that produce the key, and the
 * NB rows whose exposures need it in the scratch result (from its contributions).
 */
export function attributeDifferences(diffs: Difference[], planner: SubjectIndex, scratch: DesiredResult): Difference[] {
  // the common case, every periodic pass: nothing to attribute, so no index of the whole result
  if (diffs.length === 0) return diffs
  const rowsOf = new Map<string, Set<string>>()
  const sourcesOfIp = new Map<string, string[]>()
  for (const e of scratch.state.exposed) {
    const list = sourcesOfIp.get(e.ip) ?? []
    list.push(`${e.source.table} ${e.source.name || e.source.uuid}`)
    sourcesOfIp.set(e.ip, list)
  }

  for (const [ip, keys] of Object.entries(scratch.contributions)) {
    for (const k of keys) {
      let set = rowsOf.get(k)
      if (!set) rowsOf.set(k, (set = new Set()))
      for (const s of sourcesOfIp.get(ip) ?? []) set.add(s)
    }
  }

  return diffs.map((d) => {
    const subjects = new Set<string>()
    switch (d.area) {
      case 'object': {
        for (const s of planner.subjectsOf(d.key)) subjects.add(s)
        for (const s of rowsOf.get(d.key) ?? []) subjects.add(s)

        break
      }

      case 'exposed': {
        for (const s of planner.exposersOf(d.key)) subjects.add(s)
        const [table, uuid] = d.key.split('|').slice(2)
        subjects.add(`${table} ${uuid}`)

        break
      }

      case 'problem': {
        const [table, uuid, name] = d.key.split('|')
        subjects.add(`${table} ${name || uuid}`)

        break
      }

      default: {
        subjects.add(d.key)
      }
    }

    return {...d, subjects: [...subjects]}
  })
}
