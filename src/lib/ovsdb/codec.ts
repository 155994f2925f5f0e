// OVSDB JSON values (RFC 7047 section 5.1) <-> decoded values (types.ts), driven by column types.
import type {Atom, Row, Value} from './types.js'

import {type BaseType, columnType, type ColumnType, type TableSchema} from './schema.js'

/** A value as it appears on the wire. */
export type Json = null | boolean | number | string | Json[] | {[k: string]: Json}

export const ZERO_UUID = '00000000-0000-0000-0000-000000000000'

/** Thrown when the server sends something that does not match the column type. */
export class DecodeError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'DecodeError'
  }
}

function decodeAtom(j: Json, base: BaseType, where: string): Atom {
  if (Array.isArray(j)) {
    if (j.length === 2 && (j[0] === 'uuid' || j[0] === 'named-uuid') && typeof j[1] === 'string') return j[1]
    throw new DecodeError(`${where}: expected an atom`)
  }

  switch (base.type) {
    case 'integer':
    case 'real': {
      if (typeof j === 'number') return j
      break
    }

    case 'boolean': {
      if (typeof j === 'boolean') return j
      break
    }

    case 'string':
    case 'uuid': {
      if (typeof j === 'string') return j
      break
    }
  }

  throw new DecodeError(`${where}: expected ${base.type}, got ${JSON.stringify(j)}`)
}

function isTagged(j: Json, tag: string): j is [string, Json[]] {
  return Array.isArray(j) && j.length === 2 && j[0] === tag && Array.isArray(j[1])
}

export function decodeValue(j: Json, t: ColumnType, where = 'value'): Value {
  if (t.kind === 'map') {
    const m = new Map<Atom, Atom>()
    if (!isTagged(j, 'map')) throw new DecodeError(`${where}: expected ["map", ...]`)
    for (const pair of j[1]) {
      if (!Array.isArray(pair) || pair.length !== 2) throw new DecodeError(`${where}: bad map pair`)
      m.set(decodeAtom(pair[0] as Json, t.key, where), decodeAtom(pair[1] as Json, t.value as BaseType, where))
    }

    return m
  }

  if (t.kind === 'set') {
    if (isTagged(j, 'set')) return j[1].map((a) => decodeAtom(a, t.key, where))
    return [decodeAtom(j, t.key, where)]
  }

  if (isTagged(j, 'set')) {
    // a scalar may legally be sent as a one-element set
    if (j[1].length === 1) return decodeAtom(j[1][0] as Json, t.key, where)
    throw new DecodeError(`${where}: expected one atom`)
  }

  return decodeAtom(j, t.key, where)
}

/** The value a column holds when ovsdb-server omits it (empty set/map, 0, "", false, zero uuid). */
export function defaultValue(t: ColumnType): Value {
  if (t.kind === 'map') return new Map()
  if (t.kind === 'set') return []
  switch (t.key.type) {
    case 'integer':
    case 'real': {
      return 0
    }

    case 'boolean': {
      return false
    }

    case 'string': {
      return ''
    }

    case 'uuid': {
      return ZERO_UUID
    }
  }
}

/**
 * Decodes a full row (initial/insert/select). `columns` = the columns the row must carry;
 * those absent from `j` get their default value (the server omits default-valued columns).
 */
export function decodeRow(j: Record<string, Json>, table: TableSchema, columns: Iterable<string>, uuid: string): Row {
  const row = {_uuid: uuid} as Row
  for (const c of columns) {
    if (c === '_uuid') continue
    const t = columnType(table, c)
    if (!t) continue
    const v = j[c]
    row[c] = v === undefined ? defaultValue(t) : decodeValue(v, t, `${table.name}.${c}`)
  }

  return row
}

function encodeAtom(a: Atom, base: BaseType): Json {
  return base.type === 'uuid' ? ['uuid', a as string] : a
}

/** Encodes a decoded value for a transact row or a `where` clause. */
export function encodeValue(v: Value, t: ColumnType): Json {
  if (v instanceof Map) {
    const vt = t.value ?? t.key
    return ['map', [...v].map(([k, x]) => [encodeAtom(k, t.key), encodeAtom(x, vt)])]
  }

  if (Array.isArray(v)) return ['set', v.map((a) => encodeAtom(a, t.key))]
  return encodeAtom(v, t.key)
}

/** Copies a value so that later in-place changes to the replica never alias it. */
export function cloneValue(v: Value): Value {
  if (v instanceof Map) return new Map(v)
  if (Array.isArray(v)) return [...v]
  return v
}

function atomKey(a: Atom): string {
  return typeof a === 'string' ? 's' + a : typeof a === 'number' ? 'n' + a : 'b' + a
}

/** Equality of decoded values; sets compare as sets (the order is not significant). */
export function valuesEqual(a: Value | undefined, b: Value | undefined): boolean {
  if (a === b) return true
  if (a instanceof Map) {
    if (!(b instanceof Map) || a.size !== b.size) return false
    for (const [k, x] of a) if (!b.has(k) || b.get(k) !== x) return false
    return true
  }

  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false
    if (a.length <= 1) return a[0] === b[0]
    const s = new Set(a.map(atomKey))
    return b.every((x) => s.has(atomKey(x)))
  }

  return false
}
