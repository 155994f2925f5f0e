// Typed `transact` operations (RFC 7047 section 5.2) and wire helpers. Rows and values are in wire
// form (Json); build them with the helpers below or with codec.encodeValue from decoded values.
import type {Json} from './codec.js'

import {OvsdbError} from './errors.js'

export type Condition = [
  column: string,
  fn: '==' | '!=' | '<' | '<=' | '>' | '>=' | 'includes' | 'excludes',
  value: Json,
]
export type Mutation = [column: string, mutator: '+=' | '-=' | '*=' | '/=' | '%=' | 'insert' | 'delete', value: Json]
export type WireRow = Record<string, Json>

export type Operation =
  | {op: 'insert'; table: string; row: WireRow; 'uuid-name'?: string; uuid?: string}
  | {op: 'select'; table: string; where: Condition[]; columns?: string[]}
  | {op: 'update'; table: string; where: Condition[]; row: WireRow}
  | {op: 'mutate'; table: string; where: Condition[]; mutations: Mutation[]}
  | {op: 'delete'; table: string; where: Condition[]}
  | {
      op: 'wait'
      table: string
      where: Condition[]
      columns: string[]
      until: '==' | '!='
      rows: WireRow[]
      timeout?: number
    }
  | {op: 'commit'; durable: boolean}
  | {op: 'abort'}
  | {op: 'comment'; comment: string}
  | {op: 'assert'; lock: string}

/** One entry of a successful transact result, by operation. */
export interface OperationResult {
  /** insert */
  uuid?: [string, string]
  /** update, mutate, delete */
  count?: number
  /** select (wire form; decode with codec.decodeRow) */
  rows?: WireRow[]
}

export const wire = {
  uuid: (u: string): Json => ['uuid', u],
  namedUuid: (name: string): Json => ['named-uuid', name],
  set: (atoms: Json[]): Json => ['set', atoms],
  map: (entries: Iterable<[Json, Json]>): Json => ['map', [...entries].map(([k, v]) => [k, v])],
}

/** The inserted row's uuid from an insert result. */
export function insertedUuid(r: OperationResult | undefined): string {
  const u = r?.uuid?.[1]
  if (typeof u !== 'string') throw new Error('not an insert result')
  return u
}

/**
 * Checks a transact reply. RFC 7047: the result array has one entry per operation; a failing
 * operation has {error, details} and the rest are null, and a commit-time failure (e.g. a
 * referential integrity violation) appears as one extra entry after the operations.
 */
export function checkTransactResult(ops: readonly Operation[], result: Json): OperationResult[] {
  if (!Array.isArray(result)) throw new OvsdbError('transact', 'malformed reply', JSON.stringify(result).slice(0, 200))
  for (const [i, r] of result.entries()) {
    if (r && typeof r === 'object' && !Array.isArray(r) && typeof r.error === 'string') {
      const details = typeof r.details === 'string' ? r.details : undefined
      throw new OvsdbError('transact', r.error, details, i < ops.length ? i : undefined)
    }
  }

  return result as OperationResult[]
}
