// Decoded OVSDB data model shared by the client, the generic replica and its consumers.
//
// Decoding rule (needs the column's schema type, which the replica has):
//  - scalar column (min 1, max 1):           the atom itself
//  - set column (max > 1 or min 0, no value): Atom[] (always an array, even for 0 or 1 element)
//  - map column:                              Map<Atom, Atom>
//  - uuid atoms (refs and _uuid):             plain strings (the schema says they are uuids)
export type Atom = string | number | boolean
export type Value = Atom | Atom[] | Map<Atom, Atom>

/** A row as decoded; `_uuid` is always present on replica rows. */
export type Row = Record<string, Value> & {_uuid: string}

export type ChangeKind = 'insert' | 'update' | 'delete'

/**
 * One row change, with python-ovs IDL semantics (which the NB driver's event matching relies on):
 *  - insert: `row` = the new row; no `old`.
 *  - update: `row` = the row after the change; `old` = ONLY the columns that changed, with their
 *            previous values ("old has column X" means "X changed").
 *  - delete: `row` = the last values of the deleted row; no `old`.
 */
export interface RowChange {
  table: string
  kind: ChangeKind
  uuid: string
  row: Row
  old?: Partial<Record<string, Value>>
}

export interface SnapshotInfo {
  /**
   * false: the first complete initial contents after start.
   * true:  the replica was rebuilt from a fresh snapshot after a reconnect that could not resume;
   *        the differences old -> new were already delivered as ordinary RowChanges before this.
   */
  resync: boolean
}

/** What a replica consumer implements. Callbacks run synchronously, in server order. */
export interface ReplicaListener {
  onChange(change: RowChange): void
  onSnapshot?(info: SnapshotInfo): void
}

/**
 * One clause of a monitor condition, in wire form: `[column, function, value]` (values as in
 * `transact`, e.g. `['uuid', u]`, `['map', [[k, v]]]`), or `true` / `false`.
 */
export type ConditionClause =
  [column: string, fn: '==' | '!=' | '<' | '<=' | '>' | '>=' | 'includes' | 'excludes', value: unknown] | boolean

/**
 * Which tables and columns to monitor. Omitted columns = all columns of the table.
 * `where` (conditional monitoring, monitor_cond and newer): the table's rows that match ANY clause
 * (a disjunction, as ovsdb-server evaluates monitor conditions); omitted = every row; `[]` is sent
 * as `[false]` (no row), never as an empty condition, which ovsdb-server reads as "every row".
 */
export type MonitorSpec = Record<string, {columns?: string[]; where?: ConditionClause[]}>

/** New conditions for some monitored tables (see MonitorSpec `where`); tables left out keep theirs. */
export type ConditionUpdate = Record<string, ConditionClause[] | undefined>
