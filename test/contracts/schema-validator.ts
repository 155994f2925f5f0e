import type {ErrorObject, ValidateFunction} from 'ajv/dist/2020.js'

import * as ajvModule from 'ajv/dist/2020.js'
// schemas/*.json (JSON Schema draft 2020-12) compiled by ajv, strict mode: an unknown keyword or a
// misspelt one is an error when the schema compiles, so a schema can never look stricter than what
// is checked. $ref: "#/$defs/x" inside a file, "other.json" or "other.json#/$defs/x" for a file of
// the same directory (every file's $id is its file name).
import {readdirSync, readFileSync} from 'node:fs'
import {join} from 'node:path'

// ajv is CommonJS: its class is `module.exports.default`, which ESM sees as default.default
const Ajv2020 =
  (ajvModule as unknown as {default: {default: typeof ajvModule.Ajv2020}}).default.default ?? ajvModule.Ajv2020

export const DRAFT = 'https://json-schema.org/draft/2020-12/schema'

type Schema = boolean | {[k: string]: unknown}

function message(e: ErrorObject): string {
  const at = e.instancePath || '/'
  if (e.keyword === 'required')
    return `${at}: required key "${(e.params as {missingProperty: string}).missingProperty}" missing`
  return `${at}: ${e.message ?? e.keyword}${e.keyword === 'const' || e.keyword === 'enum' ? ` (${JSON.stringify(e.params)})` : ''}`
}

export class SchemaSet {
  private readonly files = new Map<string, Schema>()
  private readonly ajv: InstanceType<typeof ajvModule.Ajv2020>
  private readonly compiled = new Map<string, ValidateFunction>()

  constructor(dir: string) {
    this.ajv = new Ajv2020({strict: true, strictRequired: false, allErrors: true}) // anyOf branches require keys the parent defines
    for (const f of readdirSync(dir).filter((n) => n.endsWith('.json'))) {
      const s = JSON.parse(readFileSync(join(dir, f), 'utf8')) as Schema
      this.files.set(f, s)
      this.ajv.addSchema(s as object, f)
    }
  }

  file(name: string): Schema {
    const s = this.files.get(name)
    if (s === undefined) throw new Error(`no schema ${name}`)
    return s
  }

  /** Errors as "<JSON pointer>: <what is wrong>"; empty when `doc` is valid against schema file `name`. */
  validate(name: string, doc: unknown): string[] {
    let v = this.compiled.get(name)
    if (!v) {
      v = this.ajv.getSchema(name)
      if (!v) throw new Error(`no schema ${name}`)
      this.compiled.set(name, v)
    }

    return v(doc) ? [] : (v.errors ?? []).map(message)
  }
}
