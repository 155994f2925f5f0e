// The NB side of the driver: one OvsdbClient monitoring the NB tables the driver reads (only the
// needed columns), feeding NbState and forwarding every change (already applied to NbState) to the
// owner. Capabilities (LRP `status`, NAT `gateway_port`) come from the server's schema, so an older
// OVN degrades with one warning instead of failing.
import {DependencyError} from '../errors.js'
import {NB_DB, type NbSourceOptions} from '../nb/connection.js'
import {NB_MONITOR_COLUMNS} from '../nb/decode.js'
import {NbState} from '../nb/state.js'
import {OvsdbClient, type ClientState, type StateChange, type MonitorSpec, type Replica, type RowChange, type SnapshotInfo} from '../ovsdb/index.js'

// The connection settings live in nb/connection.ts; re-exported for the existing callers.
export {NB_DB, nbSourceOptions, type NbSourceOptions} from '../nb/connection.js'

export interface NbSourceHandlers {
  /** Called after `change` was applied to the NbState. */
  onChange?(change: RowChange, nb: NbState): void
  /** Initial snapshot (resync=false) or a rebuilt replica after a reconnect (resync=true). */
  onSnapshot?(info: SnapshotInfo, nb: NbState): void
  onState?(state: ClientState, error?: Error): void
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

  /** Connects, reads the schema, and resolves once the first complete snapshot is in `nb`. */
  async start(timeoutMs = 30000): Promise<void> {
    try {
      await this.client.connect({timeoutMs})
    } catch (error) {
      await this.client.close()
      throw new DependencyError(`cannot reach the OVN NB database at ${this.opts.remotes}: ${(error as Error).message}`, {
        code: 'NB_UNREACHABLE',
        suggestions: ['check [ovn] ovn_nb_connection (or OVS external_ids:ovn-nb-remote)', 'check the SSL files for ssl: remotes'],
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
