// The `_Server` watch of a session. Like python-ovs, the client monitors the `_Server` database's
// `Database` rows: a member whose database is not `connected` (cut off from its RAFT majority),
// or not the leader when leaderOnly is set, is refused at connect time and left as soon as it
// becomes so later. Standalone databases are always connected.
//
// Databases join the watch when a monitor on them starts, also on an already-ready session (a
// consumer that connects first and monitors afterwards is covered from the start).
//
// Relays are waited on, not left. A relay (`model` "relay") reports its database as not connected
// once it has failed to reach its upstream for a while (30 s in ovsdb-server 3.1): the whole
// cluster is down or restarting, and every relay of that cluster says the same. Leaving would
// only put the client into its reconnect backoff (up to 8 s), to find the relay connected again
// up to 8 s after it is. So a session on such a relay stays open, without monitors, until the
// relay says connected again (or `relayWaitMs` passes): the monitors then start at once, resumed
// where the relay's history allows. A live session whose relay loses its upstream is closed
// (the relay may rebuild its copy, which must not reach a replica as deletions) and reopened on
// the same relay at once, where it waits the same way.
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
  relay: boolean
}

export interface ServerWatchOptions {
  requireConnected: boolean
  leaderOnly: boolean
  /** How long a session waits for a relay to reconnect to its upstream (see above). */
  relayWaitMs: number
}

interface Waiter {
  db: string
  resolve: () => void
  reject: (err: Error) => void
}

export class ServerWatch {
  /** All `_Server` Database rows of the current connection, by uuid. */
  private rows = new Map<string, DbState>()
  private readonly watched = new Set<string>()
  private active = false
  private waiters: Waiter[] = []
  /**
   * How the last session ended, if a relay without upstream ended it: 'upstream-lost' (a live
   * session closed: reopen it on the same relay at once) or 'wait-expired' (ready() gave up).
   */
  relayEnd: 'upstream-lost' | 'wait-expired' | undefined

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
    this.relayEnd = undefined
    this.waiters = []
    const all = (await conn.request('list_dbs', [])) as string[]
    if ((!this.opts.requireConnected && !this.opts.leaderOnly) || !all.includes('_Server')) return
    const columns = ['name', 'model', 'connected', 'leader']
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
   * Adds `db` to the watch once it is usable on this member: at once, or, on a relay cut off from
   * its upstream, when the relay reports it connected again (at most relayWaitMs). Rejects with
   * ConnectionError('not-ready') if it is unusable here (a cluster member cut off from its
   * majority, a follower with leaderOnly, a relay that stayed cut off). A database the server
   * does not list is left to the monitor request (which then fails for that monitor alone).
   */
  async ready(conn: RpcConnection, db: string): Promise<void> {
    if (!this.active) {
      this.watched.add(db)
      return
    }

    const row = [...this.rows.values()].find((r) => r.name === db)
    const why = row && this.unusable(row)
    if (!why) {
      this.watched.add(db)
      return
    }

    if (!row.relay || row.connected || this.opts.leaderOnly || this.opts.relayWaitMs <= 0)
      throw new ConnectionError('not-ready', `database ${db}: ${why}`, {remote: conn.remote})
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter)
        this.relayEnd = 'wait-expired'
        reject(
          new ConnectionError('not-ready', `database ${db}: ${why} for ${this.opts.relayWaitMs} ms`, {
            remote: conn.remote,
          }),
        )
      }, this.opts.relayWaitMs)
      const waiter: Waiter = {
        db,
        resolve() {
          clearTimeout(timer)
          resolve()
        },
        reject(err) {
          clearTimeout(timer)
          reject(err)
        },
      }
      this.waiters.push(waiter)
    })
    this.watched.add(db)
  }

  /** Ends every wait of ready() (the session is closing). */
  abort(err: Error): void {
    const w = this.waiters
    this.waiters = []
    for (const x of w) x.reject(err)
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
        if (this.watched.has(row.name)) {
          why = this.unusable(row)
          if (why && row.relay && !row.connected) this.relayEnd = 'upstream-lost'
        } else if (!this.unusable(row)) {
          const go = this.waiters.filter((w) => w.db === row.name)
          this.waiters = this.waiters.filter((w) => w.db !== row.name)
          for (const w of go) w.resolve()
        }
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
    const none: DbState = {name: '', connected: false, leader: false, relay: false}
    const prev = full ? none : (this.rows.get(uuid) ?? none)
    const row: DbState = {
      name: typeof j.name === 'string' ? j.name : prev.name,
      connected: typeof j.connected === 'boolean' ? j.connected : prev.connected,
      leader: typeof j.leader === 'boolean' ? j.leader : prev.leader,
      relay: typeof j.model === 'string' ? j.model === 'relay' : prev.relay,
    }
    this.rows.set(uuid, row)
    return row
  }

  private unusable(row: DbState): string | undefined {
    if (!row.connected) return row.relay ? 'relay not connected to its upstream' : 'member not connected to its cluster'
    if (this.opts.leaderOnly && !row.leader) return 'member is not the leader'
    return undefined
  }
}
