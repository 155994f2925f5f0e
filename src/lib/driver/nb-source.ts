// The NB side of the driver: one OvsdbClient monitoring the NB tables the driver reads (only the
// needed columns), feeding NbState and forwarding every change (already applied to NbState) to the
// owner. Capabilities (LRP `status`, NAT `gateway_port`) come from the server's schema, so an older
// OVN degrades with one warning instead of failing.
//
// With a chassis scope (default), the monitor asks only for the rows that can matter to this
// chassis (nb/scope.ts) and widens or narrows its conditions as the held rows change: after each
// batch of changes the conditions are recomputed and, when different, sent (monitor_cond_change).
// Rows that newly match arrive as inserts; rows that stop matching arrive as deletes, sent by the
// server once it applied the new conditions; both reach onChange like any other change.
// start() resolves only once the conditions reached their fixed point; settled() tells when a
// later change has been followed through (after the pass the change asked for, when the owner
// set a gate: followScopeAfter). Scoped, Logical_Switch rows come without `ports`: their localnet
// members come from one small monitor per localnet port (nb/switch-merge.ts).
import type {NbChange} from '../nb/model.js'

import {connectError, DependencyError} from '../errors.js'
import {NB_DB, type NbSourceOptions} from '../nb/connection.js'
import {NB_MONITOR_COLUMNS, NB_TABLES} from '../nb/decode.js'
import {coversConditions, scopeConditions, unionConditions} from '../nb/scope.js'
import {NbState} from '../nb/state.js'
import {SwitchMerge} from '../nb/switch-merge.js'
import {
  classifyConnectFailure,
  type ClientState,
  type ConditionUpdate,
  type MonitorSpec,
  OvsdbClient,
  type Replica,
  type RowChange,
  sameConditions,
  type SnapshotInfo,
  type StateChange,
} from '../ovsdb/index.js'

/**
 * The longest the scope's conditions wait for the gate after a change (followScopeAfter): a bound
 * for a pass that hangs, not a pace. It was 2 s, and on a burst whose pass ran 20 s the
 * recomputation (1-2 s of the only thread at 10,000 local ports in the emulated guest) fell inside
 * that pass, in front of its kernel apply.
 */
const FOLLOW_MAX_WAIT_MS = 60_000

/** At most one save of the scope's conditions (state_dir/nb-scope.json) per this long. */
const SCOPE_SAVE_INTERVAL_MS = 5 * 60_000

const clauseCount = (c: ConditionUpdate): number => Object.values(c).reduce((n, l) => n + (l?.length ?? 0), 0)

// The connection settings live in nb/connection.ts; re-exported for the existing callers.
export {nbSourceOptions, type NbSourceOptions} from '../nb/connection.js'

export interface NbSourceHandlers {
  /** Called after `change` was applied to the NbState, with the change as NbState decoded it. */
  onChange?(change: NbChange, nb: NbState): void
  /** Initial snapshot (resync=false) or a rebuilt replica after a reconnect (resync=true). */
  onSnapshot?(info: SnapshotInfo, nb: NbState): void
  onState?(state: ClientState, error?: Error): void
}

export class NbSource {
  readonly nb = new NbState()
  readonly client: OvsdbClient
  private replica: Replica | undefined
  /** The conditions last sent (undefined after a failure: the next computation sends again). */
  private conditions: ConditionUpdate | undefined
  /** start() has reached the conditions' first fixed point: later changes wait for followGate. */
  private following = false
  private followGate: (() => Promise<void>) | undefined
  private followMaxWaitMs = FOLLOW_MAX_WAIT_MS
  private scoping: Promise<void> | undefined
  private rescope = false
  /** The conditions last computed from the rows held: what the scope needs (saved for the next start). */
  private fixedPoint: ConditionUpdate | undefined
  private savedScope: ConditionUpdate | undefined
  private saveTimer: NodeJS.Timeout | undefined
  /** Started from a saved scope wider than needed: narrowed once the owner's gate is set. */
  private wide = false
  private readonly switches = new SwitchMerge()
  /** localnet uuid -> its membership monitor (undefined while it is being set up) */
  private readonly memberMonitors = new Map<string, Replica | undefined>()

  constructor(
    private readonly opts: NbSourceOptions,
    private readonly handlers: NbSourceHandlers = {},
  ) {
    this.client = new OvsdbClient({
      remotes: opts.remotes,
      ...(opts.ssl ? {ssl: opts.ssl} : {}),
      logger: opts.logger.child({component: 'ovsdb', db: NB_DB}),
      ...(opts.probeIntervalMs === undefined ? {} : {probeIntervalMs: opts.probeIntervalMs}),
      ...(opts.connectTimeoutMs === undefined ? {} : {connectTimeoutMs: opts.connectTimeoutMs}),
    })
    this.client.on('state', (s: StateChange) => handlers.onState?.(s.state, s.error))
  }

  /**
   * Connects, reads the schema, and resolves once the first complete snapshot is in `nb`.
   * `timeoutMs: Infinity` waits until NB is there (the daemon; the client retries with backoff and
   * logs each failed attempt); `failFast` rejects at once on a permanent failure (one-shot
   * commands); `signal` aborts the wait (SIGTERM during start-up) by closing the client.
   */
  async start(timeoutMs = 30_000, opts: {failFast?: boolean; signal?: AbortSignal} = {}): Promise<void> {
    const {client} = this
    const abort = (): void => void client.close()
    if (opts.signal?.aborted) abort()
    opts.signal?.addEventListener('abort', abort, {once: true})
    try {
      await this.startMonitor(timeoutMs, opts.failFast === true)
    } finally {
      opts.signal?.removeEventListener('abort', abort)
    }
  }

  private async startMonitor(timeoutMs: number, failFast: boolean): Promise<void> {
    const {scope, scopeStore} = this.opts
    const seed = scope && scopeStore ? scopeStore.load() : undefined
    try {
      await this.client.connect({timeoutMs, failFast})
    } catch (error) {
      await this.client.close()
      const failure = classifyConnectFailure(error)
      if (failure.permanent) {
        throw connectError(error as Error, failure, {
          what: 'the OVN NB database',
          remote: this.opts.remotes,
          remoteOption: '[ovn] ovn_nb_connection (or OVS external_ids:ovn-nb-remote)',
          sslOptions: '[ovn] ovn_nb_private_key, ovn_nb_certificate and ovn_nb_ca_cert',
          port: 6641,
        })
      }

      throw new DependencyError(
        `cannot reach the OVN NB database at ${this.opts.remotes}: ${(error as Error).message}`,
        {
          code: 'NB_UNREACHABLE',
          suggestions: [
            'check [ovn] ovn_nb_connection (or OVS external_ids:ovn-nb-remote)',
            'check the SSL files for ssl: remotes',
            'a longer --timeout waits longer',
          ],
          cause: error,
        },
      )
    }

    const schema = await this.client.getSchema(NB_DB)
    const has = (table: string, column: string): boolean => schema.tables.get(table)?.columns.has(column) ?? false
    this.nb.capabilities = {lrpStatus: has('Logical_Router_Port', 'status'), natGatewayPort: has('NAT', 'gateway_port')}
    if (!this.nb.capabilities.lrpStatus) {
      this.opts.logger.warn(
        'NB schema has no Logical_Router_Port.status (OVN < 23.09): cr-lrps, tenant networks and OVN LBs are not exposed',
        {
          schemaVersion: schema.version,
        },
      )
    }

    const spec: MonitorSpec = {}
    const saved = await seed
    this.savedScope = saved
    const fromNothing = scope ? scopeConditions(this.nb, scope) : {}
    const where = saved ? unionConditions(fromNothing, saved) : fromNothing
    if (saved) this.opts.logger.debug('NB scope seeded from the last run', {clauses: clauseCount(saved)})
    this.conditions = where
    for (const [table, all] of Object.entries(NB_MONITOR_COLUMNS)) {
      const clauses = where[table]
      const columns = this.opts.scope && table === NB_TABLES.ls ? ['name'] : all
      spec[table] = clauses === undefined ? {columns} : {columns, where: clauses}
    }

    const tMonitor = performance.now()
    this.replica = await this.client.monitor(NB_DB, spec, {
      onChange: (c) => {
        if (!this.opts.scope || c.table !== NB_TABLES.ls) this.deliver(c)
        else for (const x of this.switches.fromNameMonitor(c)) this.deliver(x)
      },
      onSnapshot: (info) => this.handlers.onSnapshot?.(info, this.nb),
    })
    this.opts.logger.debug('NB monitor snapshot', {
      ms: Math.round(performance.now() - tMonitor),
      rows: this.nb.counts(),
    })
    this.scheduleScope()
    await this.settled()
    this.following = true
    if (this.wide && this.followGate) this.narrow()
    this.scheduleSave(0)
  }

  /**
   * After start(), the conditions are computed again after a change only once `gate` resolves (the
   * daemon: the pass the change asked for has ended, ReconcileLoop.afterPass), or after `maxWaitMs`
   * at most (a pass that hangs cannot hold the scope back for ever).
   */
  followScopeAfter(gate: () => Promise<void>, maxWaitMs = FOLLOW_MAX_WAIT_MS): void {
    this.followMaxWaitMs = maxWaitMs
    this.followGate = gate
    if (this.wide && this.following) this.narrow()
  }

  /** Whether the conditions are still those of a saved scope, wider than the rows held need. */
  get startedWide(): boolean {
    return this.wide
  }

  /** The conditions go from the saved scope's to the computed ones, after the gate (the first pass). */
  private narrow(): void {
    this.wide = false
    this.scheduleScope()
  }

  get schemaReady(): boolean {
    return this.replica !== undefined
  }

  /** Whether the monitor asks only for this chassis' rows. */
  get scoped(): boolean {
    return this.opts.scope !== undefined
  }

  /**
   * Resolves once the monitor conditions follow the rows held (nothing to do when unscoped): the
   * replica then holds every row the planner reads for this chassis. Changes arriving meanwhile
   * extend the wait.
   */
  async settled(): Promise<void> {
    while (this.scoping) await this.scoping
  }

  private deliver(c: RowChange): void {
    const decoded = this.nb.applyChange(c)
    // scopeConditions and the localnet monitors read no Logical_Switch row: a switch (its name, or
    // its membership from a localnet monitor) cannot change the conditions
    if (c.table !== NB_TABLES.ls) this.scheduleScope()
    if (decoded) this.handlers.onChange?.(decoded, this.nb)
  }

  private scheduleScope(): void {
    if (!this.opts.scope || !this.replica) return
    this.rescope = true
    this.scoping ??= this.followScope().finally(() => {
      this.scoping = undefined
    })
  }

  /** Recomputes the conditions after each batch of changes until they stop changing. */
  private async followScope(): Promise<void> {
    const scope = this.opts.scope!
    while (this.rescope) {
      // let the rest of the notification's changes apply first
      await new Promise<void>((resolve) => {
        setImmediate(resolve)
      })
      // Once started, the pass the change asked for goes first (at most followMaxWaitMs): at
      // 10,000 local ports computing the conditions again takes longer than planning the change;
      // rows the change makes relevant arrive a little later and ask for a pass of their own.
      const gate = this.following ? this.followGate : undefined
      if (gate) {
        let timer: NodeJS.Timeout | undefined
        await Promise.race([
          gate(),
          new Promise<void>((resolve) => {
            timer = setTimeout(resolve, this.followMaxWaitMs)
          }),
        ])
        clearTimeout(timer)
      }

      this.rescope = false
      const t0 = performance.now()
      const next: ConditionUpdate = scopeConditions(this.nb, scope)
      const computeMs = performance.now() - t0
      this.fixedPoint = next
      try {
        let send = this.replica !== undefined && !(this.conditions && sameConditions(this.conditions, next))
        // At start, conditions that cover the computed ones (a saved scope) already hold every row
        // the planner reads: the narrowing waits until the first pass has run (narrow()).
        const covered =
          send && !this.following && this.conditions !== undefined && coversConditions(this.conditions, next)
        if (covered) {
          this.wide = true
          send = false
        }

        if (send) {
          this.conditions = next
          await this.client.changeConditions(this.replica!, next)
          if (this.following) this.scheduleSave()
        }

        await this.followLocalnets()
        if (!this.following)
          this.opts.logger.debug('NB scope followed at start', {
            computeMs: Math.round(computeMs),
            sent: send,
            ...(covered ? {covered} : {}),
            ms: Math.round(performance.now() - t0),
            rows: this.nb.counts(),
          })
      } catch (error) {
        // the client is closed, or the server refused: the previous (wider or narrower) conditions stay
        if (this.client.state !== 'closed')
          this.opts.logger.error('NB monitor conditions not applied', {err: (error as Error).message})
        this.conditions = undefined
        return
      }
    }
  }

  /** One membership monitor per localnet port held: the switches whose `ports` include it. */
  private async followLocalnets(): Promise<void> {
    const want = new Set<string>()
    for (const p of this.nb.allLsps()) if (p.type === 'localnet') want.add(p.uuid)
    for (const [l, rep] of this.memberMonitors) {
      if (want.has(l)) continue
      this.memberMonitors.delete(l)
      if (rep) await this.client.cancelMonitor(rep)
      for (const x of this.switches.dropLocalnet(l)) this.deliver(x)
    }

    const added = [...want].filter((l) => !this.memberMonitors.has(l))
    await Promise.all(
      added.map(async (l) => {
        this.memberMonitors.set(l, undefined)
        const rep = await this.client
          .monitor(
            NB_DB,
            {[NB_TABLES.ls]: {columns: ['name'], where: [['ports', 'includes', ['uuid', l]]]}},
            {
              onChange: (c) => {
                if (!this.memberMonitors.has(l)) return
                for (const x of this.switches.fromMemberMonitor(l, c)) this.deliver(x)
              },
            },
          )
          .catch((error: Error) => {
            this.memberMonitors.delete(l) // asked again after the next change
            throw error
          })
        if (this.memberMonitors.has(l)) this.memberMonitors.set(l, rep)
        else await this.client.cancelMonitor(rep)
      }),
    )
  }

  /**
   * Saves the scope's fixed point for the next start (ScopeStore) once `delayMs` has passed, when it
   * differs from what was saved: a node whose ports come and go saves at most once per interval.
   */
  private scheduleSave(delayMs = SCOPE_SAVE_INTERVAL_MS): void {
    if (!this.opts.scopeStore || this.saveTimer) return
    this.saveTimer = setTimeout(() => {
      this.saveTimer = undefined
      void this.saveScope()
    }, delayMs)
    this.saveTimer.unref()
  }

  private async saveScope(): Promise<void> {
    const c = this.fixedPoint
    if (!c || !this.opts.scopeStore || (this.savedScope && sameConditions(this.savedScope, c))) return
    this.savedScope = c
    await this.opts.scopeStore.save(c)
  }

  async close(): Promise<void> {
    if (this.saveTimer) {
      clearTimeout(this.saveTimer)
      this.saveTimer = undefined
      await this.saveScope()
    }

    await this.client.close()
  }
}
