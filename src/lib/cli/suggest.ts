// "Did you mean ...?" for a mistyped command or flag: the candidates closest by edit distance
// (Damerau-Levenshtein with adjacent transpositions), within a distance that grows with the length.

/** Optimal string alignment distance between a and b. */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({length: a.length + 1}, (_, i) =>
    Array.from({length: b.length + 1}, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  )
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost)
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1)
      d[i]![j] = v
    }
  }

  return d[a.length]![b.length]!
}

/**
 * Up to `max` candidates at the smallest distance from `input`, if that distance is at most a third
 * of its length (at least 1, at most 3); a candidate that starts with `input` (an abbreviation of
 * three or more characters) counts as distance 0.
 */
export function closest(input: string, candidates: Iterable<string>, max = 3): string[] {
  const limit = Math.min(3, Math.max(1, Math.floor(input.length / 3)))
  const scored: Array<[string, number]> = []
  for (const c of new Set(candidates)) {
    if (c === input) continue
    const dist = c.startsWith(input) && input.length >= 3 ? 0 : editDistance(input, c)
    if (dist <= limit) scored.push([c, dist])
  }

  scored.sort((x, y) => x[1] - y[1] || x[0].localeCompare(y[0]))
  const best = scored[0]?.[1]
  return scored
    .filter(([, d]) => d === best)
    .slice(0, max)
    .map(([c]) => c)
}
