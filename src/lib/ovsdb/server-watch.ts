// The `_Server` watch of a session. Like python-ovs, the client monitors the `_Server` database's
// `Database` rows: a member whose database is not `connected` (cut off from its RAFT majority),
// or not the leader when leaderOnly is set, is refused at connect time and left as soon as it
// becomes so later. Standalone databases are always connected.
//
// Databases join the watch when a monitor on them starts, also on an already-ready session (a
// consumer that connects first and monitors afterwards is covered from the start).
import type {Json} from './codec.js'
import type {RpcConnection} from './rpc.js'

import {ConnectionError, OvsdbError} from './errors.js'

/** Monitor id of the internal `_Server` watch; user monitors are "m1", "m2", ... */
export const SERVER_MONITOR = '_server'

type ServerUpdates = {Database?: Record<string, Record<string, Record<string, Json>>>}

interface DbState {
  name: string
  connected: boolean
  leader: boolean
}

export interface ServerWatchOptions {
  requireConnected: boolean
  leaderOnly: boolean
}

export class ServerWatch {
  /** All `_Server` Database rows of the current connection, by uuid. */
  private rows = new Map<string, DbState>()
  private readonly watched = new Set<string>()
  private active = false

  constructor(private readonly opts: ServerWatchOptions) {}

  /**
   * Checks a new connection with a `list_dbs` round trip (so "ready" means the server answered:
   * with TLS 1.3 a server refusing our certificate says so only after our side of the handshake)
   * and starts the `_Server` monitor when the server has that database and checks are enabled.
   */
  async start(conn: RpcConnection): Promise<void> {
    this.rows = new Map()
    this.watched.clear()
    this.active = false
    const all = (await conn.request('list_dbs', [])) as string[]
    if ((!this.opts.requireConnected && !this.opts.leaderOnly) || !all.includes('_Server')) return
    const columns = ['name', 'connected', 'leader']
    try {
      const initial = (await conn.request('monitor_cond', [
        '_Server',
        SERVER_MONITOR,
        {Database: [{columns}]},
      ])) as ServerUpdates
      for (const [uuid, u] of Object.entries(initial.Database ?? {})) this.apply(uuid, u.initial ?? {}, true)
    } catch (error) {
      if (!(error instanceof OvsdbError && error.isUnknownMethod)) throw error
      // a server without monitor_cond: check once at connect time, no live watch
      const res = (await conn.request('transact', [
        '_Server',
        {op: 'select', table: 'Database', where: [], columns: ['_uuid', ...columns]},
      ])) as Array<{rows?: Array<Record<string, Json>>}>
      for (const row of res[0]?.rows ?? []) this.apply(String((row._uuid as [string, string])[1]), row, true)
    }

    this.active = true
  }

  /**
   * Adds `db` to the watch; throws ConnectionError('not-ready') if it is unusable on this member
   * now. A database the server does not list is left to the monitor request (which then fails
   * for that monitor alone).
   */
  watch(conn: RpcConnection, db: string): void {
    this.watched.add(db)
    if (!this.active) return
    for (const row of this.rows.values()) {
      const why = row.name === db ? this.unusable(row) : undefined
      if (why) throw new ConnectionError('not-ready', `database ${db}: ${why}`, {remote: conn.remote})
    }
  }

  /** Handles an update2 notification of the watch; closes `conn` when a watched database becomes unusable. */
  onUpdate(conn: RpcConnection, params: Json[]): void {
    const updates = (params[1] ?? {}) as ServerUpdates
    for (const [uuid, ru] of Object.entries(updates.Database ?? {})) {
      let why: string | undefined
      const known = this.rows.get(uuid)
      if ('delete' in ru) {
        this.rows.delete(uuid)
        if (known && this.watched.has(known.name)) why = 'database removed from the server'
      } else {
        const row = this.apply(uuid, ru.insert ?? ru.initial ?? ru.modify ?? {}, ru.modify === undefined)
        if (this.watched.has(row.name)) why = this.unusable(row)
      }

      if (why) {
        conn.close(
          new ConnectionError('not-ready', `database ${known?.name ?? this.rows.get(uuid)?.name}: ${why}`, {
            remote: conn.remote,
          }),
        )
        return
      }
    }
  }

  /** Applies a full row (missing columns = defaults: false) or a diff (new values of changed columns). */
  private apply(uuid: string, j: Record<string, Json>, full: boolean): DbState {
    const prev = full
      ? {name: '', connected: false, leader: false}
      : (this.rows.get(uuid) ?? {name: '', connected: false, leader: false})
    const row: DbState = {
      name: typeof j.name === 'string' ? j.name : prev.name,
      connected: typeof j.connected === 'boolean' ? j.connected : prev.connected,
      leader: typeof j.leader === 'boolean' ? j.leader : prev.leader,
    }
    this.rows.set(uuid, row)
    return row
  }

  private unusable(row: DbState): string | undefined {
    if (!row.connected) return 'member not connected to its cluster'
    if (this.opts.leaderOnly && !row.leader) return 'member is not the leader'
    return undefined
  }
}
