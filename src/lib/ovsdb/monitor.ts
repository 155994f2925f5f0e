// One registered monitor: its replica, its wire requests for each protocol level, and how replies
// and notifications feed the replica. Survives reconnects; the client re-issues it on each session.
import {ZERO_UUID, type Json} from './codec.js'
import {ReplicaInconsistencyError, type Replica} from './replica.js'
import type {DatabaseSchema} from './schema.js'

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

  constructor(
    readonly id: string,
    readonly replica: Replica,
  ) {
    this.firstSnapshot = new Promise<void>((res, rej) => {
      this.resolveFirst = res
      this.rejectFirst = rej
    })
    this.firstSnapshot.catch(() => {})
  }

  get db(): string {
    return this.replica.db
  }

  /** The params of the monitor request for `method`; binds the replica to the server schema. */
  params(method: MonitorMethod, schema: DatabaseSchema): Json[] {
    const cols = this.replica.prepare(schema)
    const requests: Record<string, Json> = {}
    for (const [table, columns] of cols) {
      requests[table] = method === 'monitor' ? {columns} : [{columns}]
    }
    const p: Json[] = [this.db, this.id, requests]
    // resume only a replica that holds a complete state
    if (method === 'monitor_cond_since') p.push(this.replica.isSynced ? (this.replica.lastTxnId ?? ZERO_UUID) : ZERO_UUID)
    return p
  }

  /**
   * Feeds the reply of the monitor request to the replica. Returns whether the server resumed
   * (monitor_cond_since found=true: only missed updates were sent).
   */
  applyReply(method: MonitorMethod, result: Json): boolean {
    let resumed = false
    if (method === 'monitor_cond_since') {
      if (!Array.isArray(result) || result.length !== 3) throw new ReplicaInconsistencyError('malformed monitor_cond_since reply')
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
    this.resolveFirst()
    return resumed
  }

  /** Feeds one notification addressed to this monitor. */
  applyNotification(method: string, params: Json[]): void {
    if (method === 'update') this.replica.applyUpdate1(params[1] as Json)
    else if (method === 'update2') this.replica.applyUpdate2(params[1] as Json)
    else if (method === 'update3') {
      const txn = params[1]
      this.replica.lastTxnId = undefined
      this.replica.applyUpdate2(params[2] as Json)
      if (typeof txn === 'string') this.replica.lastTxnId = txn
    }
  }

  /** Forget the resume point: the next session rebuilds the replica from a full snapshot. */
  invalidate(): void {
    this.replica.lastTxnId = undefined
  }

  fail(err: Error): void {
    this.rejectFirst(err)
  }
}
