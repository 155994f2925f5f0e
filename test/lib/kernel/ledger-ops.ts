// Seeded change steps for the ledger crash test (ledger-crash.test.ts): the test and the child it
// SIGKILLs derive the same steps from the same seed and starting set.

/** mulberry32: a small seeded generator, so a failing run can be repeated. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d_2b_79_f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
}

const key = (i: number): string =>
  `neigh|br-ex|10.${Math.floor(i / 256) % 256}.${i % 256}.${Math.floor(i / 65_536) + 1}`

/**
 * One save's worth of changes: mostly 1-3 adds or removes, sometimes a burst of 300 (which makes
 * the save compact). Returns the changes as [op, key] and applies them to `set`.
 */
export function step(rand: () => number, set: Set<string>): Array<['+' | '-', string]> {
  const n = rand() < 0.05 ? 300 : 1 + Math.floor(rand() * 3)
  const out: Array<['+' | '-', string]> = []
  for (let i = 0; i < n; i++) {
    const k = key(Math.floor(rand() * 4000))
    if (set.has(k) && rand() < 0.45) {
      set.delete(k)
      out.push(['-', k])
    } else if (!set.has(k)) {
      set.add(k)
      out.push(['+', k])
    }
  }

  return out
}
