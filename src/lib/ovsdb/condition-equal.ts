// Equality of monitor conditions without serialising them. A chassis-scoped monitor recomputes its
// conditions after every change, and one table's clause list can hold tens of thousands of
// clauses (one per local port): comparing two JSON texts of that size per change cost more than
// the change itself. Clause values are OVSDB atoms or ["uuid"|"set"|"map", ...] arrays.
import type {ConditionClause, ConditionUpdate} from './types.js'

function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (!sameValue(a[i], b[i])) return false
  return true
}

/** Whether two clause lists are the same, in the same order (undefined = every row). */
export function sameClauses(
  a: readonly ConditionClause[] | undefined,
  b: readonly ConditionClause[] | undefined,
): boolean {
  return a === b || (a !== undefined && b !== undefined && sameValue(a, b))
}

/** Whether two condition updates ask for the same tables with the same clauses. */
export function sameConditions(a: ConditionUpdate, b: ConditionUpdate): boolean {
  const ka = Object.keys(a)
  if (ka.length !== Object.keys(b).length) return false
  return ka.every((t) => t in b && sameClauses(a[t], b[t]))
}
