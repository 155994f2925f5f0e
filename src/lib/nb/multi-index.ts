// key -> set of row uuids, maintained incrementally: callers pass the keys a row had before and has now.

export class MultiIndex {
  private readonly map = new Map<string, Set<string>>()

  /** Moves `uuid` from the `before` keys to the `after` keys. */
  update(uuid: string, before: readonly string[], after: readonly string[]): void {
    for (const k of before) {
      if (after.includes(k)) continue
      const s = this.map.get(k)
      if (!s) continue
      s.delete(uuid)
      if (s.size === 0) this.map.delete(k)
    }

    for (const k of after) {
      let s = this.map.get(k)
      if (!s) this.map.set(k, (s = new Set()))
      s.add(uuid)
    }
  }

  get(key: string): ReadonlySet<string> {
    return this.map.get(key) ?? EMPTY
  }

  get size(): number {
    return this.map.size
  }
}

const EMPTY: ReadonlySet<string> = new Set()
