// vtysh prints the outputs of several `-c ... json` commands back to back, without separators:
// `{...}{...}` (each pretty-printed). This splits such a stream into its top-level JSON values.
// Pure; never throws: a value that does not parse is returned as undefined, in its position.

/** The top-level JSON objects/arrays in `text`, in order. Text outside them is ignored. */
export function splitJsonDocuments(text: string): unknown[] {
  const out: unknown[] = []
  let depth = 0
  let start = -1
  let inString = false
  let escaped = false
  for (let i = 0; i < text.length; i++) {
    const c = text[i]
    if (inString) {
      if (escaped) escaped = false
      else if (c === '\\') escaped = true
      else if (c === '"') inString = false
      continue
    }

    if (c === '"') {
      if (depth > 0) inString = true
    } else if (c === '{' || c === '[') {
      if (depth === 0) start = i
      depth++
    } else if ((c === '}' || c === ']') && depth > 0) {
      depth--
      if (depth === 0) {
        out.push(parseOrUndefined(text.slice(start, i + 1)))
        start = -1
      }
    }
  }

  return out
}

function parseOrUndefined(s: string): unknown {
  try {
    return JSON.parse(s)
  } catch {
    return undefined
  }
}

/** `{"warning": "..."}`: how FRR's JSON commands say "no such VRF / neighbour / family". */
export function frrWarning(doc: unknown): string | undefined {
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) return undefined
  const w = (doc as Record<string, unknown>).warning
  return typeof w === 'string' ? w : undefined
}
