// A small JSON Schema (draft 2020-12) validator for the subset schemas/*.json use. Any keyword
// outside the subset throws, so a schema can never look stricter than what is checked.
// $ref: "#/$defs/x" inside a file, "other.json" or "other.json#/$defs/x" for a file of the same
// directory (resolved against the referring file, as a retrieval URI would be).
import {readFileSync} from 'node:fs'
import {join} from 'node:path'

type Schema = boolean | {[k: string]: unknown}

const ANNOTATIONS = new Set(['$schema', '$id', '$defs', '$comment', 'title', 'description', 'examples'])
const KEYWORDS = new Set([
  '$ref', 'type', 'enum', 'const', 'properties', 'required', 'additionalProperties', 'propertyNames', 'items',
  'minItems', 'minimum', 'minLength', 'pattern', 'anyOf',
])

export const DRAFT = 'https://json-schema.org/draft/2020-12/schema'

const typeOf = (v: unknown): string =>
  v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v === 'number' ? (Number.isInteger(v) ? 'integer' : 'number') : typeof v

function hasType(v: unknown, t: string): boolean {
  const actual = typeOf(v)
  return actual === t || (t === 'number' && actual === 'integer')
}

const ptr = (path: string, key: string | number): string => `${path}/${String(key).replaceAll('~', '~0').replaceAll('/', '~1')}`

export class SchemaSet {
  private readonly files = new Map<string, Schema>()

  constructor(private readonly dir: string) {}

  file(name: string): Schema {
    let s = this.files.get(name)
    if (s === undefined) {
      s = JSON.parse(readFileSync(join(this.dir, name), 'utf8')) as Schema
      this.files.set(name, s)
    }
    return s
  }

  private resolve(ref: string, file: string): {schema: Schema; file: string} {
    const [target, fragment = ''] = ref.split('#', 2) as [string, string?]
    const f = target === '' ? file : target
    let node: unknown = this.file(f)
    for (const part of fragment.split('/').filter(Boolean)) {
      node = (node as Record<string, unknown> | undefined)?.[part.replaceAll('~1', '/').replaceAll('~0', '~')]
      if (node === undefined) throw new Error(`unresolvable $ref ${ref} in ${file}`)
    }
    return {schema: node as Schema, file: f}
  }

  /** Errors as "<JSON pointer>: <what is wrong>"; empty when `doc` is valid against schema file `name`. */
  validate(name: string, doc: unknown): string[] {
    const errors: string[] = []
    this.check(this.file(name), name, doc, '', errors)
    return errors
  }

  private check(schema: Schema, file: string, v: unknown, path: string, errors: string[]): void {
    const at = path || '/'
    if (schema === true) return
    if (schema === false) {
      errors.push(`${at}: not allowed`)
      return
    }
    for (const k of Object.keys(schema)) if (!KEYWORDS.has(k) && !ANNOTATIONS.has(k)) throw new Error(`${file}: keyword ${k} is outside the validator's subset`)
    if (typeof schema.$ref === 'string') {
      const r = this.resolve(schema.$ref, file)
      this.check(r.schema, r.file, v, path, errors)
    }
    if (schema.type !== undefined) {
      const types = (Array.isArray(schema.type) ? schema.type : [schema.type]) as string[]
      if (!types.some((t) => hasType(v, t))) {
        errors.push(`${at}: expected ${types.join(' or ')}, got ${typeOf(v)}`)
        return
      }
    }
    if (schema.enum !== undefined && !(schema.enum as unknown[]).some((e) => e === v)) errors.push(`${at}: ${JSON.stringify(v)} is not one of ${JSON.stringify(schema.enum)}`)
    if ('const' in schema && schema.const !== v) errors.push(`${at}: expected ${JSON.stringify(schema.const)}, got ${JSON.stringify(v)}`)
    if (typeof v === 'string') {
      if (typeof schema.minLength === 'number' && v.length < schema.minLength) errors.push(`${at}: shorter than ${schema.minLength}`)
      if (typeof schema.pattern === 'string' && !new RegExp(schema.pattern, 'u').test(v)) errors.push(`${at}: ${JSON.stringify(v)} does not match ${schema.pattern}`)
    }
    if (typeof v === 'number' && typeof schema.minimum === 'number' && v < schema.minimum) errors.push(`${at}: ${v} < ${schema.minimum}`)
    if (Array.isArray(v)) {
      if (typeof schema.minItems === 'number' && v.length < schema.minItems) errors.push(`${at}: fewer than ${schema.minItems} items`)
      if (schema.items !== undefined) for (const [i, item] of v.entries()) this.check(schema.items as Schema, file, item, ptr(path, i), errors)
    }
    if (typeOf(v) === 'object') {
      const obj = v as Record<string, unknown>
      const props = (schema.properties ?? {}) as Record<string, Schema>
      for (const r of (schema.required ?? []) as string[]) if (!(r in obj)) errors.push(`${at}: required key "${r}" missing`)
      for (const [k, val] of Object.entries(obj)) {
        if (schema.propertyNames !== undefined) {
          const sub: string[] = []
          this.check(schema.propertyNames as Schema, file, k, ptr(path, k), sub)
          if (sub.length) errors.push(`${ptr(path, k)}: key not allowed (${sub.join('; ')})`)
        }
        if (k in props) this.check(props[k]!, file, val, ptr(path, k), errors)
        else if (schema.additionalProperties === false) errors.push(`${at}: unexpected key "${k}"`)
        else if (schema.additionalProperties !== undefined) this.check(schema.additionalProperties as Schema, file, val, ptr(path, k), errors)
      }
    }
    if (schema.anyOf !== undefined) {
      const alts = schema.anyOf as Schema[]
      const results = alts.map((s) => {
        const e: string[] = []
        this.check(s, file, v, path, e)
        return e
      })
      if (!results.some((e) => e.length === 0)) errors.push(`${at}: matches none of anyOf (${results.map((e) => e.join('; ')).join(' | ')})`)
    }
  }
}
