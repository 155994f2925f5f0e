// The accumulator every planning rule writes into. Deduplication by objKey IS the reference
// counting of shared objects (an NDP proxy wanted by ten ports, a subnet rule wanted by two cr-lrp
// addresses): an object is desired while at least one contributor wants it. Two contributors that
// want the same key with different attributes (two ports claiming one IP with different MACs, two
// routers with the same tenant CIDR) are a conflict: the first one, in the planner's deterministic
// visiting order, wins and the loser is reported as a problem.
// Also here: the deterministic ordering of planner output (objects, exposed entries, NB rows), so
// that dry-run output, JSON results and tests never depend on NB row or Map iteration order.
import {cmp, compareProblems, type Problem, type Source} from './problems.js'
import {
  type DesiredState,
  type ExposedEntry,
  keyedValue,
  KIND_ORDER,
  objKey,
  type StateKind,
  type StateObj,
} from './types.js'

interface Held {
  obj: StateObj
  /** objValue of obj, built on the first add of the same key (most keys are added once). */
  value: string | undefined
  source: Source
}

export interface CollectedState {
  state: DesiredState
  problems: Problem[]
  /** Exposed ip (or subnet CIDR) -> objKeys of the objects its exposure needs, sorted. */
  contributions: Record<string, string[]>
}

/** What the planning rules write into: the Collector below, or a recording sink (incremental.ts). */
export interface PlanSink {
  /** Wants `obj` for `source`; `owner` = the exposed ip it serves. False when held with other attributes. */
  add(obj: StateObj, source: Source, owner?: string): boolean
  expose(entry: ExposedEntry): void
  problem(source: Source, reason: string): void
  /** Runs one rule for one row; an unexpected exception becomes a problem of that row (totality). */
  guard(source: Source, fn: () => void): void
}

export class Collector implements PlanSink {
  private readonly objs = new Map<string, Held>()
  private readonly exposed = new Map<string, ExposedEntry>()
  private readonly problems = new Map<string, Problem>()
  private readonly contrib = new Map<string, Set<string>>()

  /**
   * Wants `obj` on behalf of `source`; `owner` is the exposed ip it serves (for restricting plans
   * to one ip). Returns false when the key is already held with different attributes.
   */
  add(obj: StateObj, source: Source, owner?: string): boolean {
    const key = objKey(obj)
    const held = this.objs.get(key)
    if (owner !== undefined) this.owned(owner, key)
    if (!held) {
      this.objs.set(key, {obj, value: undefined, source})
      return true
    }

    if (held.obj === obj) return true
    held.value ??= keyedValue(held.obj, key)
    if (held.value === keyedValue(obj, key)) return true
    this.problem(
      source,
      `conflicts with ${held.source.table} ${held.source.name || held.source.uuid}: ${key} already wanted as ${held.value}`,
    )
    return false
  }

  expose(entry: ExposedEntry): void {
    const s = entry.source
    this.exposed.set(`${entry.ip}|${entry.kind}|${s.table}|${s.uuid}`, entry)
  }

  /** Names and reasons are clipped: an NB value can be megabytes, and it ends up in a log line. */
  problem(source: Source, reason: string): void {
    const r = clip(reason)
    const name = clip(source.name)
    this.problems.set(`${source.table}|${source.uuid}|${name}|${r}`, {...source, name, reason: r})
  }

  /** Runs one rule for one row; an unexpected exception becomes a problem of that row (totality). */
  guard(source: Source, fn: () => void): void {
    try {
      fn()
    } catch (error) {
      this.problem(source, `internal error while planning: ${error instanceof Error ? error.message : String(error)}`)
    }
  }

  result(): CollectedState {
    const contributions: Record<string, string[]> = {}
    for (const ip of [...this.contrib.keys()].sort()) contributions[ip] = [...this.contrib.get(ip)!].sort()
    return {
      state: {
        objects: sortKeyed([...this.objs].map(([k, h]) => ({o: h.obj, r: rank(h.obj), k}))),
        exposed: [...this.exposed.values()].sort(compareExposed),
      },
      problems: [...this.problems.values()].sort(compareProblems),
      contributions,
    }
  }

  private owned(owner: string, key: string): void {
    let set = this.contrib.get(owner)
    if (!set) this.contrib.set(owner, (set = new Set()))
    set.add(key)
  }
}

// ---- deterministic ordering ----

const RANK = new Map<StateKind, number>(KIND_ORDER.map((k, i) => [k, i]))

function rank(o: StateObj): number {
  return RANK.get(o.kind) ?? KIND_ORDER.length
}

/**
 * Sorted copy: KIND_ORDER (links, sysctls, addresses, rules, routes, neighbours, NDP proxies,
 * flows) then objKey; with `removal`, reverse KIND_ORDER (what depends on a device goes first).
 */
export function sortObjs(objs: readonly StateObj[], removal = false): StateObj[] {
  const sign = removal ? -1 : 1
  return sortKeyed(objs.map((o) => ({o, r: rank(o) * sign, k: objKey(o)})))
}

/** sortObjs of `objs` whose objKeys the caller built already: `keys[i]` is objKey(objs[i]). */
export function sortObjsKeyed(objs: readonly StateObj[], keys: readonly string[], removal = false): StateObj[] {
  const sign = removal ? -1 : 1
  return sortKeyed(objs.map((o, i) => ({o, r: rank(o) * sign, k: keys[i]!})))
}

/** sortObjs for objects whose keys (k) and ranks (r, signed) are known. */
function sortKeyed(items: Array<{o: StateObj; r: number; k: string}>): StateObj[] {
  return items.sort((a, b) => a.r - b.r || cmp(a.k, b.k)).map((x) => x.o)
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

const CLIP = 256

function clip(s: string): string {
  return s.length <= CLIP ? s : `${s.slice(0, CLIP - 40)}...(${s.length} characters)`
}
