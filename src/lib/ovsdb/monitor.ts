import type {DatabaseSchema} from './schema.js'
import type {ConditionClause, ConditionUpdate} from './types.js'

// One registered monitor: its replica, its wire requests for each protocol level, and how replies
// and notifications feed the replica. Survives reconnects; the client re-issues it on each session.
import {type Json, ZERO_UUID} from './codec.js'
import {sameClauses} from './condition-equal.js'
import {type Replica, ReplicaInconsistencyError} from './replica.js'

/** Monitor methods from newest to oldest; the client falls back along this list on "unknown method". */
export const MONITOR_METHODS = ['monitor_cond_since', 'monitor_cond', 'monitor'] as const
export type MonitorMethod = (typeof MONITOR_METHODS)[number]

export class MonitorHandle {
  /** Connection the monitor is currently established on (identity only). */
  activeOn: object | undefined
  private resolveFirst!: () => void
  private rejectFirst!: (err: Error) => void
  /** Settles when the first snapshot has been delivered (or the client is closed before). */
  readonly firstSnapshot: Promise<void>
  /** Conditions asked for, per table (undefined = every row); version bumped by each change. */
  private readonly wanted = new Map<string, ConditionClause[] | undefined>()
  private wantedVersion = 0
  /** The conditions (as a key) and version the replica's contents reflect, once the server said so. */
  private contentKey: string | undefined
  private ackedVersion = -1
  /** The conditions of ackedVersion, restored when the server refuses newer ones. */
  private ackedWhere: Map<string, ConditionClause[] | undefined> | undefined
  /** A monitor request or monitor_cond_change in flight: what it asks for. */
  private requested: {key: string; version: number; where: Map<string, ConditionClause[] | undefined>} | undefined
  private waiters: Array<{version: number; resolve: () => void; reject: (err: Error) => void}> = []
  private schema: DatabaseSchema | undefined
  /** The server takes no conditions (plain `monitor`): the replica holds every row, a superset of any condition. */
  private unconditional = false
  /** A monitor_cond_change is in flight. */
  private changing = false

  constructor(
    readonly id: string,
    readonly replica: Replica,
  ) {
    this.firstSnapshot = new Promise<void>((res, rej) => {
      this.resolveFirst = res
      this.rejectFirst = rej
    })
    this.firstSnapshot.catch(() => {})
    for (const [table, req] of Object.entries(replica.spec)) this.wanted.set(table, req.where)
  }

  /** Records new conditions; resolves once the server has applied them (or they went into a new monitor request). */
  want(update: ConditionUpdate): Promise<void> {
    let changed = false
    for (const [table, where] of Object.entries(update)) {
      if (!this.wanted.has(table)) continue
      if (sameClauses(this.wanted.get(table), where)) continue
      this.wanted.set(table, where)
      changed = true
    }

    if (changed) this.wantedVersion++
    if (this.unconditional || this.ackedVersion >= this.wantedVersion) return Promise.resolve()
    return new Promise<void>((resolve, reject) => {
      this.waiters.push({version: this.wantedVersion, resolve, reject})
    })
  }

  /** Conditions wanted but not yet sent (the client then issues monitor_cond_change). */
  get needsChange(): boolean {
    return (
      !this.unconditional &&
      !this.changing &&
      this.activeOn !== undefined &&
      this.ackedVersion < this.wantedVersion &&
      this.requested === undefined
    )
  }

  /**
   * The params of monitor_cond_change for the wanted conditions; marks them in flight. Only the
   * tables whose conditions differ from those the server holds are sent (the others keep theirs):
   * a new local port changes one table's clauses, and re-sending every table's would make the
   * server re-read and re-evaluate them all. A table's clauses are replaced, never patched, so
   * `want` stores a new list for a table that changed and keeps the old one otherwise.
   */
  changeParams(): Json[] {
    const where = new Map(this.wanted)
    this.requested = {key: conditionKey(this.wantedVersion), version: this.wantedVersion, where}
    this.changing = true
    const held = this.ackedWhere
    const requests: Record<string, Json> = {}
    for (const [table, clauses] of where) {
      if (!this.schema?.tables.has(table)) continue
      if (held?.has(table) && held.get(table) === clauses) continue
      requests[table] = [{where: this.wireWhere(table, clauses)}]
    }

    return [this.id, this.id, requests]
  }

  /** The server acknowledged the conditions in flight (its row inserts/deletes were delivered before). */
  changeAcked(): void {
    this.changing = false
    const r = this.requested
    this.requested = undefined
    if (!r) return
    this.contentKey = r.key
    this.ack(r.version, r.where)
  }

  /** The server refused the conditions in flight: they are dropped, the replica keeps the previous ones. */
  changeRefused(err: Error): void {
    this.changing = false
    const r = this.requested
    this.requested = undefined
    if (!r) return
    for (const [table] of r.where) this.wanted.set(table, this.ackedWhere?.get(table))
    this.wantedVersion = Math.max(this.ackedVersion, 0)
    const failed = this.waiters
    this.waiters = []
    for (const w of failed) w.reject(err)
  }

  /** The session ended: whatever was in flight will be re-requested by the next monitor request. */
  sessionLost(): void {
    this.changing = false
    this.requested = undefined
  }

  private ack(version: number, where: ReadonlyMap<string, ConditionClause[] | undefined>): void {
    this.ackedVersion = Math.max(this.ackedVersion, version)
    this.ackedWhere = new Map(where)
    const done = this.waiters.filter((w) => w.version <= this.ackedVersion)
    this.waiters = this.waiters.filter((w) => w.version > this.ackedVersion)
    for (const w of done) w.resolve()
  }

  /**
   * A clause on a column the server lacks would make the server refuse the whole monitor; the
   * table then asks for every row (a superset of what any clause could have selected).
   */
  private wireWhere(table: string, clauses: ConditionClause[] | undefined): Json {
    if (clauses === undefined) return [true]
    if (clauses.length === 0) return [false]
    const ts = this.schema?.tables.get(table)
    for (const c of clauses) {
      if (typeof c === 'boolean' || c[0] === '_uuid') continue
      if (ts && !ts.columns.has(c[0])) return [true]
    }

    return clauses as unknown as Json
  }

  get db(): string {
    return this.replica.db
  }

  /** The params of the monitor request for `method`; binds the replica to the server schema. */
  params(method: MonitorMethod, schema: DatabaseSchema): Json[] {
    const cols = this.replica.prepare(schema)
    this.schema = schema
    this.unconditional = method === 'monitor'
    const where = new Map(this.wanted)
    const key = this.unconditional ? 'all' : conditionKey(this.wantedVersion)
    this.requested = {key, version: this.wantedVersion, where}
    this.changing = false
    const requests: Record<string, Json> = {}
    for (const [table, columns] of cols) {
      if (method === 'monitor') requests[table] = {columns}
      else {
        const clauses = where.get(table)
        requests[table] = [clauses === undefined ? {columns} : {columns, where: this.wireWhere(table, clauses)}]
      }
    }

    const p: Json[] = [this.db, this.id, requests]
    // resume only a replica that holds a complete state for exactly these conditions: rows that
    // match new conditions but did not change since the txn id would otherwise never be sent
    const resumable = this.replica.isSynced && this.contentKey === key
    if (method === 'monitor_cond_since') p.push(resumable ? (this.replica.lastTxnId ?? ZERO_UUID) : ZERO_UUID)
    return p
  }

  /**
   * Feeds the reply of the monitor request to the replica. Returns whether the server resumed
   * (monitor_cond_since found=true: only missed updates were sent).
   */
  applyReply(method: MonitorMethod, result: Json): boolean {
    let resumed = false
    if (method === 'monitor_cond_since') {
      if (!Array.isArray(result) || result.length !== 3)
        throw new ReplicaInconsistencyError('malformed monitor_cond_since reply')
      const [found, txn, updates] = result
      this.replica.lastTxnId = undefined
      if (found === true && this.replica.isSynced) {
        this.replica.applyUpdate2(updates as Json)
        resumed = true
      } else {
        this.replica.loadSnapshot(updates as Json, 'update2')
      }

      if (typeof txn === 'string' && txn !== ZERO_UUID) this.replica.lastTxnId = txn
    } else {
      this.replica.lastTxnId = undefined
      this.replica.loadSnapshot(result, method === 'monitor' ? 'update1' : 'update2')
    }

    const r = this.requested
    this.requested = undefined
    if (r) {
      this.contentKey = r.key
      this.ack(r.version, r.where)
    }

    if (this.unconditional) this.ack(this.wantedVersion, this.wanted)
    this.resolveFirst()
    return resumed
  }

  /** Feeds one notification addressed to this monitor. */
  applyNotification(method: string, params: Json[]): void {
    switch (method) {
      case 'update': {
        this.replica.applyUpdate1(params[1] as Json)
        break
      }

      case 'update2': {
        this.replica.applyUpdate2(params[1] as Json)
        break
      }

      case 'update3': {
        const txn = params[1]
        this.replica.lastTxnId = undefined
        this.replica.applyUpdate2(params[2] as Json)
        if (typeof txn === 'string') this.replica.lastTxnId = txn

        break
      }
      // No default
    }
  }

  /** Forget the resume point: the next session rebuilds the replica from a full snapshot. */
  invalidate(): void {
    this.replica.lastTxnId = undefined
  }

  fail(err: Error): void {
    this.rejectFirst(err)
    for (const w of this.waiters) w.reject(err)
    this.waiters = []
  }
}

/**
 * Names the conditions of a version, to compare what was asked with what the replica holds: `want`
 * moves the version with every change and a refusal moves it back to the conditions acknowledged,
 * so one version always stands for one set of conditions.
 */
function conditionKey(version: number): string {
  return `conditions ${version}`
}
