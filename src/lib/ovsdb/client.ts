// OvsdbClient: one logical connection to an OVSDB database served by one or more remotes, with
// monitors that survive reconnects.
//
// States: idle -> connecting -> syncing -> ready -> reconnecting -> connecting ... ; any -> closed.
//  connecting:   opening the transport to the next remote and, when the server has the `_Server`
//                database, checking that each monitored database is `connected` (a clustered member
//                cut off from its cluster is skipped) and, with leaderOnly, is the leader.
//  syncing:      (re-)issuing every monitor; the replicas get their snapshot or resume.
//  ready:        requests are served; a lost connection leads to reconnecting.
//  reconnecting: waiting for the retry strategy's delay; then the next remote (rotation).
// Remotes are shuffled once (injectable random) and tried in turn, like python-ovs with a list.
import {EventEmitter} from 'node:events'

import type {Json} from './codec.js'
import type {ConditionUpdate, MonitorSpec, ReplicaListener} from './types.js'

import {classifyConnectFailure, ConnectionError, OvsdbError} from './errors.js'
import {DEFAULT_MAX_MESSAGE_BYTES} from './framing.js'
import {nullOvsdbLogger, type OvsdbLogger} from './logger.js'
import {MONITOR_METHODS, MonitorHandle, type MonitorMethod} from './monitor.js'
import {checkTransactResult, type Operation, type OperationResult} from './ops.js'
import {parseRemotes, type Remote, shuffled} from './remote.js'
import {Replica, ReplicaInconsistencyError} from './replica.js'
import {exponentialBackoff, type RetryStrategy} from './retry.js'
import {RpcConnection} from './rpc.js'
import {type DatabaseSchema, parseDatabaseSchema} from './schema.js'
import {SERVER_MONITOR, ServerWatch} from './server-watch.js'
import {openStream, type SslFiles} from './transport.js'

/** Server errors that make a monitor request fail the same way on every member and every attempt. */
const PERMANENT_MONITOR_ERRORS = new Set(['unknown database', 'syntax error', 'unknown table', 'unknown column'])

/** ovsdb-server's answer for a clustered database this member cannot serve yet (it is joining). */
const isNotAvailable = (e: unknown): boolean => e instanceof OvsdbError && e.error === 'database not available'

export type ClientState = 'idle' | 'connecting' | 'syncing' | 'ready' | 'reconnecting' | 'closed'

export interface OvsdbClientOptions {
  /** One remote or a comma-separated list (cluster members): tcp:H:P, ssl:H:P, unix:PATH. */
  remotes: string
  /** Required for ssl: remotes. */
  ssl?: SslFiles
  /** Keepalive probe interval; 0 disables. Default 60000 ms (upstream agent's value). */
  probeIntervalMs?: number
  /** Timeout of one transport connect (incl. TLS handshake). Default 10000 ms. */
  connectTimeoutMs?: number
  /** How long transact/getSchema/listDbs wait for the ready state. Default 180000 ms. */
  readyTimeoutMs?: number
  retry?: RetryStrategy
  /** Random source for remote shuffling and the default backoff jitter. */
  random?: () => number
  logger?: OvsdbLogger
  /** Skip cluster members whose `_Server` Database row says connected=false. Default true. */
  requireConnected?: boolean
  /** Only accept the cluster leader. Default false (reads need no leader; the NB driver is not leader-only). */
  leaderOnly?: boolean
  /**
   * How long a session waits on an ovsdb-server relay that reports its upstream lost, before it
   * tries the next remote (server-watch.ts: why relays are waited on). Default 10000 ms; 0 leaves
   * such a relay at once, like a cluster member cut off from its majority.
   */
  relayWaitMs?: number
  maxMessageBytes?: number
  /** The first monitor method to try (tests force older protocols). Default monitor_cond_since. */
  monitorMethod?: MonitorMethod
}

export interface ClientStats {
  connects: number
  resumes: number
  snapshots: number
  echoRequestsAnswered: number
  probesSent: number
  /** monitor_cond_change requests acknowledged by a server. */
  conditionChanges: number
  /** Bytes received from servers over every connection so far. */
  bytesReceived: number
}

export interface StateChange {
  state: ClientState
  previous: ClientState
  remote?: string
  error?: Error
}

export class OvsdbClient extends EventEmitter {
  private readonly counters: ClientStats = {
    connects: 0,
    resumes: 0,
    snapshots: 0,
    echoRequestsAnswered: 0,
    probesSent: 0,
    conditionChanges: 0,
    bytesReceived: 0,
  }
  private current: ClientState = 'idle'
  private readonly remotes: Remote[]
  private readonly logger: OvsdbLogger
  private readonly retry: RetryStrategy
  private readonly monitors = new Map<string, MonitorHandle>()
  private conn: RpcConnection | undefined
  private monitorLevel: number
  private nextMonitor = 1
  private sleepTimer: NodeJS.Timeout | undefined
  private wake: (() => void) | undefined
  private loop: Promise<void> | undefined
  private readonly serverWatch: ServerWatch
  private readonly schemas = new WeakMap<RpcConnection, Map<string, Promise<DatabaseSchema>>>()
  /** The error of the last failed connection attempt or lost connection. */
  lastError: Error | undefined

  constructor(private readonly opts: OvsdbClientOptions) {
    super()
    this.remotes = shuffled(parseRemotes(opts.remotes), opts.random)
    this.logger = opts.logger ?? nullOvsdbLogger
    this.retry = opts.retry ?? exponentialBackoff(opts.random ? {random: opts.random} : {})
    this.monitorLevel = MONITOR_METHODS.indexOf(opts.monitorMethod ?? 'monitor_cond_since')
    this.serverWatch = new ServerWatch({
      requireConnected: opts.requireConnected !== false,
      leaderOnly: opts.leaderOnly === true,
      relayWaitMs: opts.relayWaitMs ?? 10_000,
    })
  }

  /** Counters since construction, including the current connection's echo traffic. */
  get stats(): ClientStats {
    const c = {...this.counters}
    if (this.conn) {
      c.echoRequestsAnswered += this.conn.stats.echoRequestsAnswered
      c.probesSent += this.conn.stats.probesSent
      c.bytesReceived += this.conn.stats.bytesReceived
    }

    return c
  }

  get state(): ClientState {
    return this.current
  }

  /** The remote of the current connection, if any. */
  get remote(): string | undefined {
    return this.conn?.remote
  }

  /**
   * Starts connecting (if idle) and resolves when ready; rejects with the last error on timeout
   * (`timeoutMs: Infinity` waits until ready or closed). With `failFast`, rejects as soon as every
   * remote has failed with a permanent error (classifyConnectFailure), with that error; the client
   * itself keeps retrying until closed.
   */
  async connect(opts: {timeoutMs?: number; failFast?: boolean} = {}): Promise<void> {
    if (this.current === 'idle') this.loop = this.run()
    await this.readyConnection(opts.timeoutMs ?? this.opts.readyTimeoutMs ?? 180_000, opts.failFast === true)
  }

  /**
   * Registers a monitor (kept across reconnects) and resolves with its replica once the first
   * snapshot was delivered to `listener`. Columns the server lacks are dropped with a warning;
   * see replica.columns()/hasColumn().
   */
  async monitor(db: string, spec: MonitorSpec, listener: ReplicaListener, logger?: OvsdbLogger): Promise<Replica> {
    if (this.isClosed()) throw new ConnectionError('disposed', 'client is closed')
    const handle = new MonitorHandle(`m${this.nextMonitor++}`, new Replica(db, spec, listener, logger ?? this.logger))
    this.monitors.set(handle.id, handle)
    const {conn} = this
    if (conn && this.current === 'ready') {
      this.establish(conn, handle).catch((error: Error) => conn.close(this.asConnError(error, conn.remote)))
    }

    await handle.firstSnapshot
    return handle.replica
  }

  /**
   * Changes the conditions of a running monitor (monitor_cond_change). Resolves once the server
   * acknowledged them: rows that newly match were delivered as inserts and rows that stopped
   * matching as deletes before that, in server order. Changes made while disconnected, or while
   * another change is in flight, are sent with the next request (the newest conditions win);
   * against a server without conditional monitoring the replica holds every row and this resolves
   * at once. Rejects with the server's OvsdbError if it refuses the conditions (the previous ones stay).
   */
  changeConditions(replica: Replica, update: ConditionUpdate): Promise<void> {
    const h = [...this.monitors.values()].find((m) => m.replica === replica)
    if (!h) return Promise.reject(new Error('changeConditions: not a monitor of this client'))
    const done = h.want(update)
    this.pumpConditions(h)
    return done
  }

  private pumpConditions(h: MonitorHandle): void {
    const {conn} = this
    if (!conn || h.activeOn !== conn || !h.needsChange || !this.monitors.has(h.id)) return
    conn.call('monitor_cond_change', h.changeParams(), (err) => {
      if (err instanceof OvsdbError) {
        this.logger.error('ovsdb server refused new monitor conditions; keeping the previous ones', {
          db: h.db,
          err: err.message,
        })
        h.changeRefused(err)
      } else if (err) h.sessionLost()
      else {
        this.counters.conditionChanges++
        h.changeAcked()
      }

      if (!err) this.pumpConditions(h)
    })
  }

  /** Stops a monitor and forgets its replica. */
  async cancelMonitor(replica: Replica): Promise<void> {
    for (const [id, h] of this.monitors) {
      if (h.replica !== replica) continue
      this.monitors.delete(id)
      if (this.conn && h.activeOn === this.conn && this.current === 'ready')
        await this.conn.request('monitor_cancel', [id]).catch(() => undefined)
    }
  }

  /**
   * Runs one transaction. Not retried: after a ConnectionError it may or may not have been applied.
   * `timeoutMs` bounds the wait for its reply once sent (ConnectionError 'timeout'; the connection
   * stays): without it, a server that holds the transaction (a `wait` op, a cluster member whose
   * leader went away) is waited for as long as the connection lives.
   */
  async transact(db: string, ops: Operation[], opts: {timeoutMs?: number} = {}): Promise<OperationResult[]> {
    const conn = await this.readyConnection(this.opts.readyTimeoutMs ?? 180_000)
    const result = await conn.request('transact', [db, ...(ops as unknown as Json[])], opts)
    return checkTransactResult(ops, result)
  }

  /**
   * The schema of `db`. A cluster member that has not (yet) joined its cluster answers "database
   * not available": that session is ended, so the connection loop moves on (to another member, or
   * to this one after the backoff), and the request is asked again there, within readyTimeoutMs.
   */
  async getSchema(db: string): Promise<DatabaseSchema> {
    const deadline = performance.now() + (this.opts.readyTimeoutMs ?? 180_000)
    for (;;) {
      const conn = await this.readyConnection(Math.max(0, deadline - performance.now()))
      try {
        return await this.schemaOn(conn, db)
      } catch (error) {
        if (!isNotAvailable(error) || performance.now() >= deadline) throw error
        this.logger.info('ovsdb database not available on this server yet (joining its cluster?); trying again', {
          db,
          remote: conn.remote,
        })
        conn.close(new ConnectionError('not-ready', `database ${db} not available`, {remote: conn.remote}))
      }
    }
  }

  async listDbs(): Promise<string[]> {
    const conn = await this.readyConnection(this.opts.readyTimeoutMs ?? 180_000)
    return (await conn.request('list_dbs', [])) as string[]
  }

  /** Closes the connection, stops reconnecting, clears every timer. Idempotent. */
  async close(): Promise<void> {
    if (this.isClosed()) return
    this.setState('closed')
    const err = new ConnectionError('disposed', 'client closed')
    for (const h of this.monitors.values()) h.fail(err)
    if (this.sleepTimer) clearTimeout(this.sleepTimer)
    this.wake?.()
    this.conn?.close(err)
    this.conn = undefined
    await this.loop
  }

  private isClosed(): boolean {
    return this.current === 'closed'
  }

  private setState(state: ClientState, error?: Error): void {
    if (state === this.current) return
    const change: StateChange = {state, previous: this.current}
    if (this.conn) change.remote = this.conn.remote
    if (error) change.error = error
    this.current = state
    this.logger.debug('ovsdb client state', {state, previous: change.previous, remote: change.remote})
    this.emit('state', change)
  }

  private readyConnection(timeoutMs: number, failFast = false): Promise<RpcConnection> {
    if (this.current === 'ready' && this.conn && !this.conn.closed) return Promise.resolve(this.conn)
    return new Promise((resolve, reject) => {
      const onState = (c: StateChange): void => {
        if (c.state === 'ready' && this.conn) done(undefined, this.conn)
        else if (c.state === 'closed') done(new ConnectionError('disposed', 'client closed'))
      }

      // remotes whose latest attempt failed permanently
      const refusedBy = new Set<string>()
      const onAttemptFailed = (err: ConnectionError): void => {
        const remote = err.remote ?? ''
        if (!classifyConnectFailure(err).permanent) refusedBy.delete(remote)
        else if (refusedBy.add(remote).size >= this.remotes.length) done(err)
      }

      const timer = Number.isFinite(timeoutMs)
        ? setTimeout(() => {
            const why = this.lastError ? `; last error: ${this.lastError.message}` : ''
            done(
              new ConnectionError('not-ready', `not connected after ${timeoutMs} ms (state ${this.current})${why}`, {
                cause: this.lastError,
              }),
            )
          }, timeoutMs)
        : undefined
      const done = (err?: Error, conn?: RpcConnection): void => {
        if (timer) clearTimeout(timer)
        this.off('state', onState)
        this.off('attempt-failed', onAttemptFailed)
        if (err) reject(err)
        else resolve(conn as RpcConnection)
      }

      if (this.isClosed()) done(new ConnectionError('disposed', 'client closed'))
      else {
        this.on('state', onState)
        if (failFast) this.on('attempt-failed', onAttemptFailed)
      }
    })
  }

  /** The connection loop: runs until close(). */
  private async run(): Promise<void> {
    let failures = 0
    let index = 0
    while (!this.isClosed()) {
      const remote = this.remotes[index % this.remotes.length] as Remote
      this.setState('connecting')
      let lost: ConnectionError | undefined
      try {
        const conn = await this.openSession(remote)
        failures = 0
        lost = await new Promise<ConnectionError>((resolve) => {
          conn.onClose(resolve)
        })
        this.counters.echoRequestsAnswered += conn.stats.echoRequestsAnswered
        this.counters.probesSent += conn.stats.probesSent
        this.counters.bytesReceived += conn.stats.bytesReceived
        if (!this.isClosed()) this.logger.warn('ovsdb connection lost', {remote: remote.text, err: lost.message})
      } catch (error) {
        lost = this.asConnError(error as Error, remote.text)
        if (!this.isClosed()) {
          this.logger.warn('ovsdb connection attempt failed', {remote: remote.text, err: lost.message})
          this.emit('attempt-failed', lost)
        }
      }

      this.conn = undefined
      for (const h of this.monitors.values()) h.sessionLost()
      if (this.isClosed()) break
      this.lastError = lost
      // a relay that answered but lost its upstream: back to it (or, after waiting on it in vain,
      // to the next remote) at the first delay, not at a grown backoff; see server-watch.ts
      const relay = this.serverWatch.relayEnd
      this.serverWatch.relayEnd = undefined
      failures = relay ? 1 : failures + 1
      if (relay !== 'upstream-lost') index++
      this.setState('reconnecting', lost)
      await this.sleep(this.retry(failures))
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.wake = resolve
      this.sleepTimer = setTimeout(resolve, ms)
    })
  }

  private async openSession(remote: Remote): Promise<RpcConnection> {
    const stream = await openStream(remote, {ssl: this.opts.ssl, timeoutMs: this.opts.connectTimeoutMs ?? 10_000})
    const conn = new RpcConnection(stream, {
      remote: remote.text,
      probeIntervalMs: this.opts.probeIntervalMs ?? 60_000,
      maxMessageBytes: this.opts.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES,
      logger: this.logger,
    })
    if (this.isClosed()) {
      conn.close()
      throw new ConnectionError('disposed', 'client closed', {remote: remote.text})
    }

    this.conn = conn
    conn.onNotification((method, params) => this.onNotification(conn, method, params))
    conn.onClose((err) => this.serverWatch.abort(err))
    try {
      await this.serverWatch.start(conn)
      this.setState('syncing')
      // monitors registered while syncing are picked up by the next pass
      for (;;) {
        const todo = [...this.monitors.values()].filter((h) => h.activeOn !== conn)
        if (todo.length === 0) break
        for (const h of todo) await this.establish(conn, h)
      }
    } catch (error) {
      conn.close(this.asConnError(error as Error, remote.text))
      throw error
    }

    if (conn.closed) throw new ConnectionError('closed', 'connection closed during setup', {remote: remote.text})
    this.counters.connects++
    this.setState('ready')
    this.logger.info('ovsdb connected', {remote: remote.text})
    return conn
  }

  /**
   * Starts one monitor on `conn`. A refusal that no other member or later attempt can change
   * (unknown database, a malformed request) drops that monitor only: monitor() rejects (or
   * 'monitor-failed' is emitted if it had been running) and the session goes on. Anything else,
   * e.g. "database not available" from a member still joining its cluster, ends the session so
   * that the next attempt (possibly on another member) retries it.
   */
  private async establish(conn: RpcConnection, h: MonitorHandle): Promise<void> {
    try {
      await this.serverWatch.ready(conn, h.db)
      await this.startMonitor(conn, h)
    } catch (error) {
      if (!(error instanceof OvsdbError) || !PERMANENT_MONITOR_ERRORS.has(error.error)) throw error
      this.monitors.delete(h.id)
      this.logger.error('ovsdb monitor refused by the server; dropped', {db: h.db, err: error.message})
      if (h.replica.isSynced) this.emit('monitor-failed', h.replica, error)
      h.fail(error)
    }
  }

  /** Issues the monitor request, falling back to older methods on "unknown method". */
  private async startMonitor(conn: RpcConnection, h: MonitorHandle): Promise<void> {
    const schema = await this.schemaOn(conn, h.db)
    for (;;) {
      const method = MONITOR_METHODS[this.monitorLevel] as MonitorMethod
      try {
        await new Promise<void>((resolve, reject) => {
          conn.call(method, h.params(method, schema), (err, result) => {
            if (err) return reject(err)
            try {
              // synchronous: later notifications must see the applied snapshot
              if (h.applyReply(method, result)) this.counters.resumes++
              else this.counters.snapshots++
              h.activeOn = conn
              resolve()
              // conditions changed while the request was in flight
              this.pumpConditions(h)
            } catch (error) {
              h.invalidate()
              reject(error instanceof Error ? error : new Error(String(error)))
            }
          })
        })
        return
      } catch (error) {
        if (error instanceof OvsdbError && error.isUnknownMethod && this.monitorLevel < MONITOR_METHODS.length - 1) {
          this.monitorLevel++
          this.logger.info('ovsdb server lacks monitor method; falling back', {
            method,
            next: MONITOR_METHODS[this.monitorLevel],
          })
          continue
        }

        throw error
      }
    }
  }

  /** The schema of `db` as served on `conn`, fetched once per connection (a server may change it across reconnects). */
  private schemaOn(conn: RpcConnection, db: string): Promise<DatabaseSchema> {
    const byDb = this.schemas.get(conn) ?? new Map<string, Promise<DatabaseSchema>>()
    this.schemas.set(conn, byDb)
    let p = byDb.get(db)
    if (!p) {
      p = conn.request('get_schema', [db]).then((j) => parseDatabaseSchema(j))
      p.catch(() => byDb.delete(db))
      byDb.set(db, p)
    }

    return p
  }

  private onNotification(conn: RpcConnection, method: string, params: Json[]): void {
    if (conn !== this.conn) return
    const id = params[0]
    if (id === SERVER_MONITOR) {
      if (method === 'update2') this.serverWatch.onUpdate(conn, params)
      return
    }

    const h = typeof id === 'string' ? this.monitors.get(id) : undefined
    if (!h) return
    if (method === 'monitor_canceled') {
      h.invalidate()
      conn.close(new ConnectionError('closed', `server canceled monitor of ${h.db}`, {remote: conn.remote}))
      return
    }

    try {
      h.applyNotification(method, params)
    } catch (error) {
      if (!(error instanceof ReplicaInconsistencyError)) throw error
      // rebuild from a fresh snapshot on a new session; the diff reaches the listener as changes
      h.invalidate()
      this.logger.warn('ovsdb replica inconsistent; resynchronising', {db: h.db, err: error.message})
      conn.close(new ConnectionError('closed', `replica inconsistent: ${error.message}`, {remote: conn.remote}))
    }
  }

  private asConnError(err: Error, remote: string): ConnectionError {
    if (err instanceof ConnectionError) return err
    return new ConnectionError('closed', err.message, {remote, cause: err})
  }
}
