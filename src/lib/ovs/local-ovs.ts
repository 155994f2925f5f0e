// The local Open_vSwitch database, live: an OvsdbClient monitor feeding LocalOvsState.
// The monitor (and so this view) survives ovsdb-server restarts: the client reconnects and the
// replica resyncs; LocalOvsState then emits the identity/mapping/bridge events that changed.
// Configuration overrides (chassis_name, chassis_id, bridge_mappings, ovn_nb_connection) are
// applied by the consumer (reconciler/local-context.ts resolveIdentity), not here.
import {connectError, DependencyError} from '../errors.js'
import {type Logger, NullLogger} from '../log.js'
import {classifyConnectFailure, OvsdbClient} from '../ovsdb/index.js'
import {
  LOCAL_OVS_MONITOR,
  type LocalOvsEvent,
  LocalOvsState,
  type OvsIdentity,
  type PatchPort,
} from './local-ovs-state.js'

const OPEN_VSWITCH_DB = 'Open_vSwitch'

export interface LocalOvsOptions {
  /** `ovsdb_connection`, e.g. unix:/var/run/openvswitch/db.sock. */
  remote: string
  logger?: Logger
  /** How long to wait for the first connection and snapshot. Default 10 s; Infinity waits until there. */
  connectTimeoutMs?: number
  /** Reject at once when the database is permanently unreachable (one-shot commands). */
  failFast?: boolean
  /** Aborts the wait (SIGTERM during start-up). */
  signal?: AbortSignal
  /** Probe interval of the connection; upstream used 60 s. */
  probeIntervalMs?: number
}

export class LocalOvs {
  private constructor(
    private readonly client: OvsdbClient,
    readonly state: LocalOvsState,
  ) {}

  /**
   * Connects and waits for the first complete snapshot. Throws DependencyError (exit 4) when the
   * database cannot be reached within the timeout.
   */
  static async connect(opts: LocalOvsOptions): Promise<LocalOvs> {
    const logger = (opts.logger ?? new NullLogger()).child({component: 'local-ovs'})
    const timeoutMs = opts.connectTimeoutMs ?? 10_000
    const client = new OvsdbClient({
      remotes: opts.remote,
      logger,
      readyTimeoutMs: Number.isFinite(timeoutMs) ? timeoutMs : 10_000,
      probeIntervalMs: opts.probeIntervalMs ?? 60_000,
    })
    const state = new LocalOvsState(logger)
    const abort = (): void => void client.close()
    if (opts.signal?.aborted) abort()
    opts.signal?.addEventListener('abort', abort, {once: true})
    try {
      await client.connect({timeoutMs, failFast: opts.failFast === true})
      await withTimeout(client.monitor(OPEN_VSWITCH_DB, LOCAL_OVS_MONITOR, state, logger), timeoutMs)
    } catch (error) {
      await client.close()
      const failure = classifyConnectFailure(error)
      if (failure.permanent) {
        throw connectError(error as Error, failure, {
          what: 'the local Open vSwitch database',
          remote: opts.remote,
          remoteOption: 'ovsdb_connection',
          port: 6640,
        })
      }

      throw new DependencyError(
        `cannot read the local Open vSwitch database at ${opts.remote}: ${(error as Error).message}`,
        {
          code: 'OVSDB_UNAVAILABLE',
          cause: error,
          suggestions: ['check that ovsdb-server is running', 'check the ovsdb_connection option'],
        },
      )
    } finally {
      opts.signal?.removeEventListener('abort', abort)
    }

    return new LocalOvs(client, state)
  }

  identity(): OvsIdentity {
    return this.state.identity()
  }

  bridgeMac(bridge: string): string | undefined {
    return this.state.bridgeMac(bridge)
  }

  patchPorts(bridge: string): PatchPort[] {
    return this.state.patchPorts(bridge)
  }

  waitForOfport(name: string, timeoutMs: number): Promise<number | undefined> {
    return this.state.waitForOfport(name, timeoutMs)
  }

  subscribe(fn: (ev: LocalOvsEvent) => void): () => void {
    return this.state.subscribe(fn)
  }

  async close(): Promise<void> {
    this.state.close()
    await this.client.close()
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  if (!Number.isFinite(ms)) return p
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no snapshot within ${ms} ms`)), ms)
    p.then(
      (v) => {
        clearTimeout(t)
        resolve(v)
      },
      (error: unknown) => {
        clearTimeout(t)
        reject(error instanceof Error ? error : new Error(String(error)))
      },
    )
  })
}
