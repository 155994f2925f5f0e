// Deterministic ordering of planner output, so that dry-run output, JSON results and tests never
// depend on NB row order or Map iteration order.
import {cmp} from './problems.js'
import {KIND_ORDER, objKey, type ExposedEntry, type StateKind, type StateObj} from './types.js'

const RANK = new Map<StateKind, number>(KIND_ORDER.map((k, i) => [k, i]))

function rank(o: StateObj): number {
  return RANK.get(o.kind) ?? KIND_ORDER.length
}

/** KIND_ORDER (links, sysctls, addresses, rules, routes, neighbours, NDP proxies, flows), then key. */
export function compareObjs(a: StateObj, b: StateObj): number {
  return rank(a) - rank(b) || cmp(objKey(a), objKey(b))
}

/** Reverse KIND_ORDER (what depends on a device goes before the device), then key. */
export function compareObjsForRemoval(a: StateObj, b: StateObj): number {
  return rank(b) - rank(a) || cmp(objKey(a), objKey(b))
}

export function sortObjs(objs: readonly StateObj[]): StateObj[] {
  return [...objs].sort(compareObjs)
}

/** By ip, then kind, then source table/name/uuid. */
export function compareExposed(a: ExposedEntry, b: ExposedEntry): number {
  return (
    cmp(a.ip, b.ip) ||
    cmp(a.kind, b.kind) ||
    cmp(a.source.table, b.source.table) ||
    cmp(a.source.name, b.source.name) ||
    cmp(a.source.uuid, b.source.uuid)
  )
}

/** Rows sorted by name then uuid: the order in which the planner visits NB rows. */
export function byNameThenUuid<T extends {uuid: string; name: string}>(rows: Iterable<T>): T[] {
  return [...rows].sort((a, b) => cmp(a.name, b.name) || cmp(a.uuid, b.uuid))
}
