// diff: desired x observed -> Plan. Pure.
//
// - add: desired objects whose key is not observed, or observed with other attributes (a replace:
//   appliers use replace semantics: `ip route replace`, `ip neigh replace`, add-flow).
// - remove: observed objects whose key is not desired. `observed` is expected to hold only objects
//   ovn-bgp owns (the observe side filters by table, proto, cookie, device); defensively, sysctls
//   are never removed. A VLAN device whose link or id changed cannot be modified in place: the
//   observed one is removed and the desired one added.
// - unchanged: desired objects already observed with the same attributes.
// Order: add in KIND_ORDER, remove in reverse KIND_ORDER, each then by objKey. Duplicate keys in
// an input count once (first occurrence).
import {sortObjs, sortObjsKeyed} from './collector.js'
import {runAtOnce, runInTurns} from './in-turns.js'
import {keyedValue, objKey, objValue, type Plan, type StateObj} from './types.js'

/** Objects compared between two yields of diffSteps (a few tens of ms in a small VM). */
const DIFF_CHUNK = 4000

/**
 * The diff, yielding after every `chunk` objects walked (Infinity: never). The arrays must not
 * change meanwhile (the planner's and the kernel layer's never do: each change makes new ones).
 */
function* diffSteps(desired: readonly StateObj[], observed: readonly StateObj[], chunk: number): Generator<void, Plan> {
  let n = 0
  const want = new Map<string, StateObj>()
  const have = new Map<string, StateObj>()
  for (const [objs, m] of [
    [desired, want],
    [observed, have],
  ] as const) {
    for (const o of objs) {
      const k = objKey(o)
      if (!m.has(k)) m.set(k, o)
      if (++n % chunk === 0) yield
    }
  }

  // the keys built above go with their objects into the sort (a cold start adds every object)
  const add: StateObj[] = []
  const addKeys: string[] = []
  const remove: StateObj[] = []
  const removeKeys: string[] = []
  let unchanged = 0
  for (const [k, o] of want) {
    const h = have.get(k)
    if (h && keyedValue(h, k) === keyedValue(o, k)) unchanged++
    else {
      add.push(o)
      addKeys.push(k)
      if (h && h.kind === 'vlan') {
        remove.push(h)
        removeKeys.push(k)
      }
    }

    if (++n % chunk === 0) yield
  }

  for (const [k, o] of have) {
    if (!want.has(k) && o.kind !== 'sysctl') {
      remove.push(o)
      removeKeys.push(k)
    }
  }

  return {add: sortObjsKeyed(add, addKeys), remove: sortObjsKeyed(remove, removeKeys, true), unchanged}
}

export function diff(desired: readonly StateObj[], observed: readonly StateObj[]): Plan {
  return runAtOnce(diffSteps(desired, observed, Number.POSITIVE_INFINITY))
}

/**
 * diff(desired, observed), `between` awaited every few thousand objects: the same plan, with the
 * event loop free in between (the periodic audit runs while passes do). Neither array may change
 * until it resolves.
 */
export async function diffInTurns(
  desired: readonly StateObj[],
  observed: readonly StateObj[],
  between: () => Promise<void>,
  chunk = DIFF_CHUNK,
): Promise<Plan> {
  return runInTurns(diffSteps(desired, observed, chunk), between)
}

/**
 * The diff of only the objects under `keys` (a change's delta): equal to diff(desired, observed)
 * restricted to those keys (its add/remove filtered by objKey in `keys`), without walking the rest.
 * `desiredOf`/`observedOf` look one key up in the whole desired state / owned observation. Its
 * `unchanged` counts only the examined keys; a caller whose other keys are known to be in sync
 * reports the whole count itself.
 */
export function diffKeys(
  keys: Iterable<string>,
  desiredOf: (key: string) => StateObj | undefined,
  observedOf: (key: string) => StateObj | undefined,
): Plan {
  const add: StateObj[] = []
  const remove: StateObj[] = []
  let unchanged = 0
  for (const k of new Set(keys)) {
    const o = desiredOf(k)
    const h = observedOf(k)
    if (o) {
      if (h && objValue(h) === objValue(o)) unchanged++
      else {
        add.push(o)
        if (h && h.kind === 'vlan') remove.push(h)
      }
    } else if (h && h.kind !== 'sysctl') remove.push(h)
  }

  return {add: sortObjs(add), remove: sortObjs(remove, true), unchanged}
}

/** The part of a plan selected by `keep` (e.g. the objects of one exposed IP for expose-ip). */
export function restrictPlan(plan: Plan, keep: (obj: StateObj, action: 'add' | 'remove') => boolean): Plan {
  return {
    add: plan.add.filter((o) => keep(o, 'add')),
    remove: plan.remove.filter((o) => keep(o, 'remove')),
    unchanged: plan.unchanged,
  }
}

/** Predicate for restrictPlan: objects whose key is in `keys` (e.g. computeDesired's contributions[ip]). */
export function byKeys(keys: Iterable<string>): (obj: StateObj) => boolean {
  const set = new Set(keys)
  return (o) => set.has(objKey(o))
}
