// The `_Server` watch of a session. Like python-ovs, the client monitors the `_Server` database's
// `Database` rows: a member whose database is not `connected` (cut off from its RAFT majority),
// or not the leader when leaderOnly is set, is refused at connect time and left as soon as it
// becomes so later. Standalone databases are always connected.
import type {Json} from './codec.js'
import {ConnectionError} from './errors.js'
import type {RpcConnection} from './rpc.js'

/** Monitor id of the internal `_Server` watch; user monitors are "m1", "m2", ... */
export const SERVER_MONITOR = '_server'

type ServerUpdates = {Database?: Record<string, Record<string, Record<string, Json>>>}

export interface ServerWatchOptions {
  requireConnected: boolean
  leaderOnly: boolean
}

export class ServerWatch {
  /** `_Server` Database row uuid -> name, for the databases watched on the current connection. */
  private watched = new Map<string, string>()

  constructor(private readonly opts: ServerWatchOptions) {}

  /**
   * Checks a new connection with a `list_dbs` round trip and starts the watch for `dbs`; throws ConnectionError('not-ready') if one of
   * them is unusable on this member. A database the server does not list is left to the monitor
   * request (which fails for that monitor alone).
   */
  async check(conn: RpcConnection, dbs: string[]): Promise<void> {
    this.watched = new Map()
    // always one round trip: "ready" then means the server answered (with TLS 1.3 a server that
    // refuses our certificate says so only after the handshake completed on our side)
    const all = (await conn.request('list_dbs', [])) as string[]
    if (!this.opts.requireConnected && !this.opts.leaderOnly) return
    if (dbs.length === 0 || !all.includes('_Server')) return
    const req = {Database: [{columns: ['name', 'model', 'connected', 'leader']}]}
    const initial = (await conn.request('monitor_cond', ['_Server', SERVER_MONITOR, req])) as ServerUpdates
    for (const [uuid, u] of Object.entries(initial.Database ?? {})) {
      const row = u.initial ?? {}
      if (typeof row.name !== 'string' || !dbs.includes(row.name)) continue
      this.watched.set(uuid, row.name)
      // initial rows omit default-valued columns: a missing `connected`/`leader` means false
      const why = this.unusable({connected: false, leader: false, ...row})
      if (why) throw new ConnectionError('not-ready', `database ${row.name}: ${why}`, {remote: conn.remote})
    }
  }

  /** Handles an update2 notification of the watch; closes `conn` when a watched database becomes unusable. */
  onUpdate(conn: RpcConnection, params: Json[]): void {
    const updates = (params[1] ?? {}) as ServerUpdates
    for (const [uuid, ru] of Object.entries(updates.Database ?? {})) {
      const db = this.watched.get(uuid)
      if (!db) continue
      const why = ru.modify ? this.unusable(ru.modify) : 'delete' in ru ? 'database removed from the server' : undefined
      if (why) {
        conn.close(new ConnectionError('not-ready', `database ${db}: ${why}`, {remote: conn.remote}))
        return
      }
    }
  }

  /** Why a row (defaults filled in) or an update2 diff (changed columns only) makes the member unusable. */
  private unusable(row: Record<string, Json>): string | undefined {
    if (row.connected === false) return 'member not connected to its cluster'
    if (this.opts.leaderOnly && row.leader === false) return 'member is not the leader'
    return undefined
  }
}
