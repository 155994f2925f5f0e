import type {OvsdbLogger} from './logger.js'
import type {Atom, MonitorSpec, ReplicaListener, Row, RowChange, Value} from './types.js'

// Generic replica of monitored tables: table -> uuid -> decoded Row, kept up to date from monitor
// replies and update/update2/update3 notifications, emitting RowChanges as documented in types.ts.
//
// Guarantees:
//  - A notification is applied to the replica as a whole, then its changes are delivered in server
//    order; a listener therefore reads the replica in its post-transaction state.
//  - Rows are immutable snapshots: a change replaces the Row object, so a Row a consumer kept is
//    never modified behind its back. `old` of an update holds exactly the columns whose value
//    changed, with their previous values.
//  - update2/update3 "modify" carries a diff (ovsdb-server(7), "update2 notification"): for a
//    column whose type allows more than one element (max > 1) a set diff is toggled (symmetric
//    difference) and a map diff removes a key given with its current value and sets every other
//    key given; for max = 1 (scalars and optional values) the diff is the new value.
//  - A snapshot that arrives after the first one (reconnect without resume) is compared with the
//    current contents; the difference is delivered as ordinary changes, then onSnapshot({resync:true}).
//  - An update that does not fit the replica (modify/delete of an unknown row, insert of a known
//    one) throws ReplicaInconsistencyError after delivering what was applied; the owner then
//    rebuilds the replica from a fresh snapshot.
//  - Listener exceptions are logged and swallowed: one faulty consumer never causes updates to be lost.
import {cloneValue, decodeRow, decodeValue, defaultValue, type Json, valuesEqual} from './codec.js'
import {columnType, type DatabaseSchema, type TableSchema} from './schema.js'

export class ReplicaInconsistencyError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'ReplicaInconsistencyError'
  }
}

export type UpdateFormat = 'update2' | 'update1'

type JsonObject = Record<string, Json>

function asObject(j: Json | undefined, what: string): JsonObject {
  if (!j || typeof j !== 'object' || Array.isArray(j))
    throw new ReplicaInconsistencyError(`${what}: expected an object`)
  return j
}

export class Replica {
  /** The transaction id of the last applied update (monitor_cond_since only). */
  lastTxnId: string | undefined
  private tables = new Map<string, Map<string, Row>>()
  private cols = new Map<string, string[]>()
  private schemas = new Map<string, TableSchema>()
  private synced = false
  private readonly warned = new Set<string>()

  constructor(
    readonly db: string,
    readonly spec: MonitorSpec,
    private readonly listener: ReplicaListener,
    private readonly logger: OvsdbLogger,
  ) {}

  /** True once the first snapshot was delivered. */
  get isSynced(): boolean {
    return this.synced
  }

  /**
   * Binds the replica to the server's schema for a new session and returns the columns to ask for,
   * per table. Tables and columns the server lacks are dropped, with one warning each per replica.
   */
  prepare(schema: DatabaseSchema): Map<string, string[]> {
    const request = new Map<string, string[]>()
    this.schemas.clear()
    this.cols.clear()
    for (const [table, want] of Object.entries(this.spec)) {
      const ts = schema.tables.get(table)
      if (!ts) {
        this.warnOnce(`t:${table}`, 'monitored table missing from server schema; not monitored', {table})
        continue
      }

      const asked = want.columns ?? [...ts.columns.keys()]
      const cols: string[] = []
      for (const c of asked) {
        if (c === '_uuid') continue
        if (ts.columns.has(c)) cols.push(c)
        else
          this.warnOnce(`c:${table}.${c}`, 'monitored column missing from server schema; not monitored', {
            table,
            column: c,
          })
      }

      this.schemas.set(table, ts)
      this.cols.set(table, cols)
      request.set(table, cols)
      if (!this.tables.has(table)) this.tables.set(table, new Map())
    }

    return request
  }

  /** The monitored columns that exist on the server (without `_uuid`); [] for an unmonitored table. */
  columns(table: string): readonly string[] {
    return this.cols.get(table) ?? []
  }

  hasColumn(table: string, column: string): boolean {
    return column === '_uuid' ? this.cols.has(table) : this.columns(table).includes(column)
  }

  get(table: string, uuid: string): Row | undefined {
    return this.tables.get(table)?.get(uuid)
  }

  rows(table: string): IterableIterator<Row> {
    return (this.tables.get(table) ?? new Map<string, Row>()).values()
  }

  size(table: string): number {
    return this.tables.get(table)?.size ?? 0
  }

  tableNames(): string[] {
    return [...this.tables.keys()]
  }

  /** Full contents (a monitor reply, or monitor_cond_since with found=false). */
  loadSnapshot(updates: Json, format: UpdateFormat): void {
    const fresh = new Map<string, Map<string, Row>>()
    for (const table of this.cols.keys()) fresh.set(table, new Map())
    for (const [table, rowsJ] of Object.entries(asObject(updates, 'table-updates'))) {
      const ts = this.schemas.get(table)
      const target = fresh.get(table)
      if (!ts || !target) continue
      for (const [uuid, ruJ] of Object.entries(asObject(rowsJ, table))) {
        const ru = asObject(ruJ, `${table} ${uuid}`)
        const rowJ = format === 'update2' ? (ru.initial ?? ru.insert) : ru.new
        if (rowJ === undefined) continue
        target.set(uuid, this.decodeFull(ts, asObject(rowJ, uuid), uuid))
      }
    }

    const changes: RowChange[] = []
    const resync = this.synced
    if (resync) {
      this.diffInto(fresh, changes)
    } else {
      for (const [table, rows] of fresh)
        for (const [uuid, row] of rows) changes.push({table, kind: 'insert', uuid, row})
    }

    this.tables = fresh
    this.synced = true
    this.emit(changes)
    try {
      this.listener.onSnapshot?.({resync})
    } catch (error) {
      this.logger.error('replica listener onSnapshot failed', {db: this.db, err: (error as Error).message})
    }
  }

  /** Applies the table-updates2 of an update2/update3 notification or a found=true resume reply. */
  applyUpdate2(updates: Json): void {
    const changes: RowChange[] = []
    try {
      for (const [table, rowsJ] of Object.entries(asObject(updates, 'table-updates2'))) {
        const ts = this.schemas.get(table)
        const rows = this.tables.get(table)
        if (!ts || !rows) continue
        for (const [uuid, ruJ] of Object.entries(asObject(rowsJ, table))) {
          const ru = asObject(ruJ, `${table} ${uuid}`)
          const full = ru.initial ?? ru.insert
          if (full !== undefined) this.insert(table, ts, rows, uuid, asObject(full, uuid), changes)
          else if (ru.modify !== undefined) this.modify2(table, ts, rows, uuid, asObject(ru.modify, uuid), changes)
          else if ('delete' in ru) this.remove(table, rows, uuid, changes)
        }
      }
    } finally {
      this.emit(changes)
    }
  }

  /** Applies the table-updates of a version 1 `update` notification (old/new row pairs). */
  applyUpdate1(updates: Json): void {
    const changes: RowChange[] = []
    try {
      for (const [table, rowsJ] of Object.entries(asObject(updates, 'table-updates'))) {
        const ts = this.schemas.get(table)
        const rows = this.tables.get(table)
        if (!ts || !rows) continue
        for (const [uuid, ruJ] of Object.entries(asObject(rowsJ, table))) {
          const ru = asObject(ruJ, `${table} ${uuid}`)
          if (ru.new !== undefined && ru.old === undefined)
            this.insert(table, ts, rows, uuid, asObject(ru.new, uuid), changes)
          else if (ru.new !== undefined)
            this.modify1(table, ts, rows, uuid, asObject(ru.old, uuid), asObject(ru.new, uuid), changes)
          else if (ru.old !== undefined) this.remove(table, rows, uuid, changes)
        }
      }
    } finally {
      this.emit(changes)
    }
  }

  private decodeFull(ts: TableSchema, j: JsonObject, uuid: string): Row {
    return decodeRow(j, ts, this.cols.get(ts.name) ?? [], uuid)
  }

  private insert(
    table: string,
    ts: TableSchema,
    rows: Map<string, Row>,
    uuid: string,
    j: JsonObject,
    out: RowChange[],
  ): void {
    if (rows.has(uuid)) throw new ReplicaInconsistencyError(`insert of existing row ${table} ${uuid}`)
    const row = this.decodeFull(ts, j, uuid)
    rows.set(uuid, row)
    out.push({table, kind: 'insert', uuid, row})
  }

  private modify2(
    table: string,
    ts: TableSchema,
    rows: Map<string, Row>,
    uuid: string,
    diff: JsonObject,
    out: RowChange[],
  ): void {
    const cur = rows.get(uuid)
    if (!cur) throw new ReplicaInconsistencyError(`modify of unknown row ${table} ${uuid}`)
    const next: Row = {...cur}
    const old: Record<string, Value> = {}
    for (const [col, dj] of Object.entries(diff)) {
      const t = columnType(ts, col)
      const prev = cur[col]
      if (!t || prev === undefined) continue
      const d = decodeValue(dj, t, `${table}.${col}`)
      const value = t.max > 1 ? applyDiff(prev, d) : d
      if (valuesEqual(prev, value)) continue
      old[col] = prev
      next[col] = value
    }

    this.commitModify(table, rows, uuid, next, old, out)
  }

  private modify1(
    table: string,
    ts: TableSchema,
    rows: Map<string, Row>,
    uuid: string,
    oldJ: JsonObject,
    newJ: JsonObject,
    out: RowChange[],
  ): void {
    const cur = rows.get(uuid)
    if (!cur) throw new ReplicaInconsistencyError(`modify of unknown row ${table} ${uuid}`)
    const decoded = this.decodeFull(ts, newJ, uuid)
    const next: Row = {...cur}
    const old: Record<string, Value> = {}
    for (const col of Object.keys(oldJ)) {
      const prev = cur[col]
      const value = decoded[col]
      if (prev === undefined || value === undefined || valuesEqual(prev, value)) continue
      old[col] = prev
      next[col] = value
    }

    this.commitModify(table, rows, uuid, next, old, out)
  }

  private commitModify(
    table: string,
    rows: Map<string, Row>,
    uuid: string,
    next: Row,
    old: Record<string, Value>,
    out: RowChange[],
  ): void {
    if (Object.keys(old).length === 0) return
    rows.set(uuid, next)
    out.push({table, kind: 'update', uuid, row: next, old})
  }

  private remove(table: string, rows: Map<string, Row>, uuid: string, out: RowChange[]): void {
    const cur = rows.get(uuid)
    if (!cur) throw new ReplicaInconsistencyError(`delete of unknown row ${table} ${uuid}`)
    rows.delete(uuid)
    out.push({table, kind: 'delete', uuid, row: cur})
  }

  /** Changes that turn the current contents into `fresh`: inserts and updates, then deletes. */
  private diffInto(fresh: Map<string, Map<string, Row>>, out: RowChange[]): void {
    const deletes: RowChange[] = []
    for (const [table, rows] of fresh) {
      const before = this.tables.get(table) ?? new Map<string, Row>()
      for (const [uuid, row] of rows) {
        const prev = before.get(uuid)
        if (!prev) {
          out.push({table, kind: 'insert', uuid, row})
          continue
        }

        const old: Record<string, Value> = {}
        const ts = this.schemas.get(table)
        for (const col of this.columns(table)) {
          // a column the server gained across the reconnect had its default value before
          const t = ts && columnType(ts, col)
          const was = prev[col] ?? (t ? defaultValue(t) : undefined)
          if (was !== undefined && !valuesEqual(was, row[col])) old[col] = was
        }

        if (Object.keys(old).length > 0) out.push({table, kind: 'update', uuid, row, old})
      }

      for (const [uuid, row] of before) if (!rows.has(uuid)) deletes.push({table, kind: 'delete', uuid, row})
    }

    out.push(...deletes)
  }

  private emit(changes: RowChange[]): void {
    for (const c of changes) {
      try {
        this.listener.onChange(c)
      } catch (error) {
        this.logger.error('replica listener onChange failed', {
          db: this.db,
          table: c.table,
          uuid: c.uuid,
          err: (error as Error).message,
        })
      }
    }
  }

  private warnOnce(key: string, msg: string, fields: Record<string, unknown>): void {
    if (this.warned.has(key)) return
    this.warned.add(key)
    this.logger.warn(msg, {db: this.db, ...fields})
  }
}

/** Applies an update2 diff to a set (toggle each element) or a map (same value = remove, else set). */
function applyDiff(prev: Value, diff: Value): Value {
  if (prev instanceof Map && diff instanceof Map) {
    const m = new Map(prev)
    for (const [k, v] of diff) {
      if (m.has(k) && m.get(k) === v) m.delete(k)
      else m.set(k, v)
    }

    return m
  }

  if (Array.isArray(prev) && Array.isArray(diff)) {
    const s = new Set<Atom>(prev)
    for (const a of diff) {
      if (s.has(a)) s.delete(a)
      else s.add(a)
    }

    return [...s]
  }

  return cloneValue(diff)
}
