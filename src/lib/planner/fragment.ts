// A fragment is what one planning unit (one subject's contribution: a local port, a cr-lrp, one
// router interface, one tenant port behind it, one LB ...) wants, recorded instead of merged, so that
// the incremental planner can take it back out and put a recomputed one in (incremental.ts). The
// rules write into a FragmentSink exactly as into the Collector of a full pass; merged.ts then
// reproduces the Collector's semantics (dedupe, first-contributor-wins conflicts, last-wins exposed
// entries) from all fragments, using each fragment's `order`: its position in the full pass's
// visiting order (rule rank, then the NB rows it is reached through, by name then uuid).
import type {PlanSink} from './collector.js'
import type {Problem, Source} from './problems.js'

import {type ExposedEntry, keyedValue, objKey, type StateObj} from './types.js'

/** Position of a fragment in the full pass's visiting order; compared element by element. */
export type Order = readonly string[]

export interface RecordedAdd {
  key: string
  value: string
  obj: StateObj
  source: Source
  owner?: string
}

export interface RecordedExposed {
  key: string
  entry: ExposedEntry
}

export interface FragmentData {
  adds: RecordedAdd[]
  exposed: RecordedExposed[]
  /** By problemKey; a fragment reports a problem once. */
  problems: Map<string, Problem>
}

/** Never written: FragmentSink replaces it with its own map at the first problem. */
const NO_PROBLEMS: Map<string, Problem> = new Map()

export function problemKey(p: Source & {reason: string}): string {
  return `${p.table}|${p.uuid}|${p.name}|${p.reason}`
}

export function exposedKey(e: ExposedEntry): string {
  return `${e.ip}|${e.kind}|${e.source.table}|${e.source.uuid}`
}

/**
 * Records every add (also repeated and conflicting ones: conflicts are decided across fragments
 * by merged.ts). `add` therefore always returns true; no rule uses the return value.
 */
export class FragmentSink implements FragmentData, PlanSink {
  adds: RecordedAdd[] = []
  exposed: RecordedExposed[] = []
  /** The shared empty map until a first problem: most fragments report none. */
  problems: Map<string, Problem> = NO_PROBLEMS

  add(obj: StateObj, source: Source, owner?: string): boolean {
    const key = objKey(obj)
    this.adds.push({key, value: keyedValue(obj, key), obj, source, ...(owner === undefined ? {} : {owner})})
    return true
  }

  expose(entry: ExposedEntry): void {
    this.exposed.push({key: exposedKey(entry), entry})
  }

  problem(source: Source, reason: string): void {
    const p = {...source, reason}
    if (this.problems === NO_PROBLEMS) this.problems = new Map()
    this.problems.set(problemKey(p), p)
  }

  /**
   * Trims what the sink keeps once it is complete (the planner holds one per fragment, 10,000 and
   * more): arrays grown by push keep up to 16 spare slots each, a copy has none.
   */
  compact(): this {
    this.adds = [...this.adds]
    this.exposed = [...this.exposed]
    return this
  }

  guard(source: Source, fn: () => void): void {
    try {
      fn()
    } catch (error) {
      this.problem(source, `internal error while planning: ${error instanceof Error ? error.message : String(error)}`)
    }
  }
}

export function compareOrder(a: Order, b: Order): number {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) {
    const x = a[i]!
    const y = b[i]!
    if (x !== y) return x < y ? -1 : 1
  }

  return a.length - b.length
}
