// The NB side of the driver: one OvsdbClient monitoring the NB tables the driver reads (only the
// needed columns), feeding NbState and forwarding every change (already applied to NbState) to the
// owner. Capabilities (LRP `status`, NAT `gateway_port`) come from the server's schema, so an older
// OVN degrades with one warning instead of failing.
import type {AgentConfig} from '../config/types.js'
import {connectError, DependencyError} from '../errors.js'
import type {Logger} from '../log.js'
import {NB_MONITOR_COLUMNS} from '../nb/decode.js'
import {NbState} from '../nb/state.js'
import {classifyConnectFailure, OvsdbClient, type ClientState, type StateChange, type MonitorSpec, type Replica, type RowChange, type SnapshotInfo} from '../ovsdb/index.js'

export const NB_DB = 'OVN_Northbound'

export interface NbSourceHandlers {
  /** Called after `change` was applied to the NbState. */
  onChange?(change: RowChange, nb: NbState): void
  /** Initial snapshot (resync=false) or a rebuilt replica after a reconnect (resync=true). */
  onSnapshot?(info: SnapshotInfo, nb: NbState): void
  onState?(state: ClientState, error?: Error): void
}

export interface NbSourceOptions {
  remotes: string
  ssl?: {privateKey: string; certificate: string; caCert: string}
  logger: Logger
  probeIntervalMs?: number
  connectTimeoutMs?: number
}

/** NB remote and SSL files from the configuration (SSL only for ssl: remotes, as upstream). */
export function nbSourceOptions(cfg: AgentConfig, remote: string, logger: Logger): NbSourceOptions {
  const opts: NbSourceOptions = {remotes: remote, logger, connectTimeoutMs: cfg.ovsdbConnectionTimeout * 1000}
  if (remote.split(',').some((r) => r.trim().startsWith('ssl:'))) {
    opts.ssl = {privateKey: cfg.ovnNbPrivateKey, certificate: cfg.ovnNbCertificate, caCert: cfg.ovnNbCaCert}
  }
  return opts
}

export class NbSource {
  readonly nb = new NbState()
  readonly client: OvsdbClient
  private replica: Replica | undefined

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
  async start(timeoutMs = 30000, opts: {failFast?: boolean; signal?: AbortSignal} = {}): Promise<void> {
    const abort = (): void => void this.client.close()
    if (opts.signal?.aborted) abort()
    opts.signal?.addEventListener('abort', abort, {once: true})
    try {
      await this.startMonitor(timeoutMs, opts.failFast === true)
    } finally {
      opts.signal?.removeEventListener('abort', abort)
    }
  }

  private async startMonitor(timeoutMs: number, failFast: boolean): Promise<void> {
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
      throw new DependencyError(`cannot reach the OVN NB database at ${this.opts.remotes}: ${(error as Error).message}`, {
        code: 'NB_UNREACHABLE',
        suggestions: ['check [ovn] ovn_nb_connection (or OVS external_ids:ovn-nb-remote)', 'check the SSL files for ssl: remotes', 'a longer --timeout waits longer'],
        cause: error,
      })
    }
    const schema = await this.client.getSchema(NB_DB)
    const has = (table: string, column: string): boolean => schema.tables.get(table)?.columns.has(column) ?? false
    this.nb.capabilities = {lrpStatus: has('Logical_Router_Port', 'status'), natGatewayPort: has('NAT', 'gateway_port')}
    if (!this.nb.capabilities.lrpStatus) {
      this.opts.logger.warn('NB schema has no Logical_Router_Port.status (OVN < 23.09): cr-lrps, tenant networks and OVN LBs are not exposed', {
        schemaVersion: schema.version,
      })
    }
    const spec: MonitorSpec = {}
    for (const [table, columns] of Object.entries(NB_MONITOR_COLUMNS)) spec[table] = {columns}
    this.replica = await this.client.monitor(NB_DB, spec, {
      onChange: (c) => {
        this.nb.applyChange(c)
        this.handlers.onChange?.(c, this.nb)
      },
      onSnapshot: (info) => this.handlers.onSnapshot?.(info, this.nb),
    })
  }

  get schemaReady(): boolean {
    return this.replica !== undefined
  }

  async close(): Promise<void> {
    await this.client.close()
  }
}
