// Incremental vs scratch: the comparison the periodic full pass makes. Any difference is a bug of
// the incremental planner (a change it did not scope, a shared object it dropped); the caller
// reports it with the subjects involved and uses the scratch result.
import type {DesiredResult} from './desired.js'

import {exposedKey, problemKey} from './fragment.js'
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
