import type {NbCapabilities} from '../../nb/model.js'
import type {TypedRow} from '../../nb/state.js'
import type {ChangeKind, Row, RowChange} from '../../ovsdb/types.js'

// A RowChange decoded for the matchers: the current row as a typed NB row, and `old` as a typed
// PARTIAL row holding only the columns that changed (python-ovs IDL semantics, which the upstream
// match functions depend on: "old has X" = "X changed"). A missing column of `old` is absent, never
// filled from the current row, unless a matcher asks for that explicitly (`oldOrRow`).
import {
  decodeLb,
  decodeLr,
  decodeLrp,
  decodeLs,
  decodeLsp,
  decodeNat,
  decodeNbGlobal,
  NB_TABLES,
} from '../../nb/decode.js'

export interface ChangeCtx<T = TypedRow> {
  kind: ChangeKind
  table: string
  uuid: string
  /** insert/update: the row after the change; delete: its last values. */
  row: T
  /** update only: decoded changed columns; a field is present iff its column changed. */
  old: Partial<T> | undefined
}

/** snake_case column -> camelCase field of the typed rows (external_ids -> externalIds). */
function fieldOf(column: string): string {
  return column.replaceAll(/_([a-z])/g, (_, c: string) => c.toUpperCase())
}

function decoderFor(table: string, caps: NbCapabilities): ((row: Row) => TypedRow) | undefined {
  switch (table) {
    case NB_TABLES.lsp: {
      return decodeLsp
    }

    case NB_TABLES.ls: {
      return decodeLs
    }

    case NB_TABLES.lr: {
      return decodeLr
    }

    case NB_TABLES.lrp: {
      return (r) => decodeLrp(r, caps.lrpStatus)
    }

    case NB_TABLES.nat: {
      return decodeNat
    }

    case NB_TABLES.lb: {
      return decodeLb
    }

    case NB_TABLES.nbGlobal: {
      return decodeNbGlobal
    }

    default: {
      return undefined
    }
  }
}

/** Decodes a change of a known NB table; undefined for other tables. */
export function decodeChange(change: RowChange, caps: NbCapabilities): ChangeCtx | undefined {
  const decode = decoderFor(change.table, caps)
  if (!decode) return undefined
  const row = decode({...change.row, _uuid: change.uuid})
  let old: Partial<TypedRow> | undefined
  if (change.kind === 'update' && change.old) {
    // Decode the changed columns alone (absent ones decode to empty), then keep only those fields.
    const full = decode({...(change.old as Row), _uuid: change.uuid}) as unknown as Record<string, unknown>
    const partial: Record<string, unknown> = {}
    for (const col of Object.keys(change.old)) {
      if (change.old[col] === undefined || col === '_uuid') continue
      const f = fieldOf(col)
      if (f in full) partial[f] = full[f]
    }

    old = partial as Partial<TypedRow>
  }

  return {kind: change.kind, table: change.table, uuid: change.uuid, row, old}
}

/** The column behind `field` changed in this update. */
export function changed<T>(ctx: ChangeCtx<T>, field: keyof T & string): boolean {
  return ctx.old !== undefined && field in ctx.old
}

/** Previous value of `field`: from `old` when it changed, else the (unchanged) current value. */
export function oldOrRow<T, K extends keyof T & string>(ctx: ChangeCtx<T>, field: K): T[K] {
  return ctx.old !== undefined && field in ctx.old ? (ctx.old[field] as T[K]) : ctx.row[field]
}
