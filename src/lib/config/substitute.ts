// oslo.config's value substitution: `$option`, `${option}`, `$group.option`, `${group.option}` in a
// value read from a configuration file are replaced by that option's value; `$$` and `\$` give a literal
// `$`. It follows Python's string.Template.safe_substitute with oslo's identifier pattern
// `[_a-z][._a-z0-9]*` (case-insensitive): a `$` not followed by an identifier stays as it is, and so
// does a reference that cannot be resolved (here: an option ovn-bgp does not know, reported to the caller
// so it can warn; oslo would resolve upstream-only options such as $state_path or $log_dir).

const TEMPLATE = /\$(?:(\$)|([_a-z][._a-z0-9]*)|\{([_a-z][._a-z0-9]*)\}|)/gi

/** Resolves `ref` (`option` or `group.option`) to text, or undefined when there is no such option. */
export type SubstitutionLookup = (ref: string) => string | undefined

export interface Substituted {
  value: string
  /** References left as written because the lookup did not know them. */
  unresolved: string[]
}

export function hasSubstitution(raw: string): boolean {
  return raw.includes('$')
}

export function substitute(raw: string, lookup: SubstitutionLookup): Substituted {
  const unresolved: string[] = []
  // oslo treats "\$" like the template escape "$$".
  const value = raw
    .replaceAll(String.raw`\$`, '$$$$')
    .replaceAll(TEMPLATE, (whole, escaped?: string, named?: string, braced?: string) => {
      if (escaped) return '$'
      const ref = named ?? braced
      if (!ref) return whole
      const found = lookup(ref)
      if (found === undefined) {
        unresolved.push(ref)
        return whole
      }

      return found
    })
  return {value, unresolved}
}

/** Python's str() of a resolved value, which is what oslo substitutes. */
export function pythonText(value: unknown): string {
  if (value === undefined || value === null) return ''
  if (typeof value === 'boolean') return value ? 'True' : 'False'
  if (Array.isArray(value)) return `[${value.map((v) => `'${String(v)}'`).join(', ')}]`
  if (typeof value === 'object') return JSON.stringify(value)
  return String(value)
}
