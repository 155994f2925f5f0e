// The composition root: builds the objects a command needs from the configuration, lazily, and
// closes what it opened. Commands get a Runtime from `runtimeFactory.create`, an object property so
// command tests can replace it (ESM module bindings cannot be stubbed).
import type {AgentConfig} from './config/types.js'
import type {Logger} from './log.js'

import {NbFileServer} from './driver/nb-file.js'
import {NbSource, type NbSourceHandlers, nbSourceOptions} from './driver/nb-source.js'
import {ScopeCacheFile} from './driver/scope-cache.js'
import {DependencyError} from './errors.js'
import {type CommandRunner, ExecRunner} from './exec/runner.js'
import {FrrLeak} from './frr/leak.js'
import {Vtysh} from './frr/vtysh.js'
import {checkStateDir} from './kernel/index.js'
import {LocalOvs} from './ovs/local-ovs.js'
import {OfctlFlows} from './ovs/ofctl.js'
import {defaultKernelFactory, type KernelFactory, type KernelParts} from './reconciler/kernel-parts.js'
import {NodeContextSource, resolveIdentity} from './reconciler/local-context.js'
import {NodeDatapath} from './reconciler/node-datapath.js'
import {Reconciler} from './reconciler/reconcile.js'

/** How long a daemon's flow dump waits for ovs-vswitchd. */
const FLOW_DUMP_TIMEOUT_MS = 10_000
export interface RuntimeOptions {
  /** Plan only: never create rt_tables entries. */
  dryRun?: boolean
  runner?: CommandRunner
  /** How long to wait for the NB snapshot / the local OVS database (explicit values win). */
  nbTimeoutMs?: number
  ovsTimeoutMs?: number
  /** An NB database file (or `ovsdb-client backup` output) served privately instead of the NB server. */
  nbFile?: string | undefined
  /** One-shot commands' --timeout: the wait for NB and for the local OVS. Default 10 s. */
  timeoutMs?: number
  /**
   * The daemon: wait for NB and the local OVS as long as it takes (the OVSDB client retries with
   * backoff and logs each failed attempt) until close(). Otherwise (one-shot commands) a permanent
   * failure (TLS verification, unreadable SSL files, DNS, not OVSDB, refused) fails at once.
   */
  waitForever?: boolean
}

const DEFAULT_ONE_SHOT_TIMEOUT_MS = 10_000

export class Runtime {
  readonly runner: CommandRunner
  private nbSource: NbSource | undefined
  private nbFileServer: NbFileServer | undefined
  /** undefined = not tried yet; null = tried, not reachable. */
  private ovsConn: LocalOvs | undefined | null
  private kernelParts: KernelParts | undefined
  /** Aborted by close(): ends the waits of ovs() and nb(). */
  private readonly closing = new AbortController()
  private stateDirChecked: Promise<void> | undefined
  private watched = false

  constructor(
    readonly cfg: AgentConfig,
    readonly logger: Logger,
    private readonly opts: RuntimeOptions = {},
    private readonly kernelFactory: KernelFactory = defaultKernelFactory,
  ) {
    this.runner = opts.runner ?? new ExecRunner()
  }

  /**
   * The local Open_vSwitch facts, or undefined when OVS cannot be reached and the configuration
   * carries the identity overrides (chassis_id, bridge_mappings): planning then works without OVS.
   */
  async ovs(): Promise<LocalOvs | undefined> {
    if (this.ovsConn !== undefined) return this.ovsConn ?? undefined
    const overrides = this.cfg.chassisId !== undefined && this.cfg.bridgeMappings !== undefined
    // With the identity configured, OVS is optional: one short attempt, its failures at debug level.
    const logger = overrides ? quiet(this.logger) : this.logger
    const oneShot = this.opts.timeoutMs ?? DEFAULT_ONE_SHOT_TIMEOUT_MS
    const wait =
      this.opts.ovsTimeoutMs ?? (overrides ? Math.min(1000, oneShot) : this.opts.waitForever ? Infinity : oneShot)
    if (wait === Infinity)
      this.logger.info('connecting to the local Open vSwitch database (retried until it answers)', {
        ovsdb: this.cfg.ovsdbConnection,
      })
    try {
      this.ovsConn = await LocalOvs.connect({
        remote: this.cfg.ovsdbConnection,
        logger,
        connectTimeoutMs: wait,
        failFast: !this.opts.waitForever,
        signal: this.closing.signal,
      })
      return this.ovsConn
    } catch (error) {
      this.ovsConn = null
      if (!overrides) throw error
      this.logger.info('local OVS not reachable; using configured identity and bridge mappings', {
        ovsdb: this.cfg.ovsdbConnection,
      })
      return undefined
    }
  }

  /**
   * Connected NB source holding a complete snapshot; `handlers` and `opts` only on the first call.
   * `allRows`: replicate every row whatever [ovn] nb_monitor_scope says (look-ups of arbitrary rows).
   */
  async nb(handlers: NbSourceHandlers = {}, opts: {allRows?: boolean} = {}): Promise<NbSource> {
    if (this.nbSource) return this.nbSource
    if (this.opts.nbFile !== undefined)
      this.nbFileServer ??= await NbFileServer.start(this.opts.nbFile, {runner: this.runner})
    const identity = resolveIdentity(this.cfg, await this.ovs())
    const remote = this.nbFileServer?.remote ?? identity.nbRemote
    if (!remote) {
      throw new DependencyError(
        'no NB database configured: set [ovn] ovn_nb_connection or OVS external_ids:ovn-nb-remote',
        {
          code: 'NB_NOT_CONFIGURED',
          suggestions: ['ovn-bgp sync --ovn-nb-connection tcp:192.0.2.10:6641'],
        },
      )
    }

    const nbOpts = nbSourceOptions(this.cfg, remote, this.logger, opts.allRows ? undefined : identity)
    // The scope of the last run seeds this one's (a hint: driver/scope-cache.ts); a dry run only reads it.
    if (nbOpts.scope && !this.nbFileServer)
      nbOpts.scopeStore = new ScopeCacheFile(this.cfg.stateDir, nbOpts.scope, this.logger, {save: !this.opts.dryRun})
    const src = new NbSource(nbOpts, handlers)
    const wait =
      this.opts.nbTimeoutMs ?? (this.opts.waitForever ? Infinity : (this.opts.timeoutMs ?? DEFAULT_ONE_SHOT_TIMEOUT_MS))
    if (wait === Infinity) this.logger.info('connecting to the NB database (retried until it answers)', {nb: remote})
    await src.start(wait, {failFast: !this.opts.waitForever, signal: this.closing.signal})
    this.nbSource = src
    return src
  }

  kernel(): KernelParts {
    this.kernelParts ??= this.kernelFactory(this.cfg, this.runner, this.logger.child({component: 'kernel'}), {
      watched: this.watched,
    })
    return this.kernelParts
  }

  /**
   * The daemon's kernel layer: a netlink-watched model and long-lived `ip -batch` processes instead
   * of dumps and a process per group. Call before the first kernel().
   */
  useWatchedKernel(): void {
    this.watched = true
  }

  flows(): OfctlFlows {
    return new OfctlFlows(this.runner, {
      ofctlPath: this.cfg.ovsOfctlPath,
      env: this.cfg.ovsEnv,
      logger: this.logger.child({component: 'ovs'}),
      // The daemon's passes do not wait on a busy ovs-vswitchd (node-datapath.ts); a one-shot
      // command has nothing to retry with, so it waits.
      ...(this.watched ? {dumpTimeoutMs: FLOW_DUMP_TIMEOUT_MS} : {}),
    })
  }

  /** vtysh on the configured FRR socket directory (read-only queries: explain, show-exposed, drain). */
  vtysh(): Vtysh {
    return new Vtysh(this.runner, {
      vtyshPath: this.cfg.vtyshPath,
      socketDir: this.cfg.frrVtySocket,
      logger: this.logger.child({component: 'frr'}),
    })
  }

  frr(): FrrLeak {
    const logger = this.logger.child({component: 'frr'})
    return new FrrLeak(
      new Vtysh(this.runner, {vtyshPath: this.cfg.vtyshPath, socketDir: this.cfg.frrVtySocket, logger}),
      logger,
    )
  }

  /**
   * Before anything is applied: state_dir must be writable (the ledger is saved during passes), or
   * DependencyError (exit 4) naming the option. Once per Runtime; dry runs skip it.
   */
  async checkStateDir(): Promise<void> {
    if (this.opts.dryRun) return
    this.stateDirChecked ??= checkStateDir(this.cfg.stateDir)
    await this.stateDirChecked
  }

  async reconciler(): Promise<Reconciler> {
    await this.checkStateDir()
    const k = this.kernel()
    const ovs = await this.ovs()
    // Dry runs plan as if the bridges existed, so a node without them still shows the full plan.
    const local = new NodeContextSource({
      cfg: this.cfg,
      ovs,
      tables: k.tables,
      createTables: !this.opts.dryRun,
      ...(this.opts.dryRun ? {} : {links: () => k.links()}),
    })
    const datapath = new NodeDatapath(
      k.layer,
      ovs ? this.flows() : undefined,
      k.staleBridges && ((s) => k.staleBridges!(s)),
      {logger: this.logger.child({component: 'datapath'})},
    )
    return new Reconciler({cfg: this.cfg, datapath, local, logger: this.logger.child({component: 'reconciler'})})
  }

  /**
   * Ends the external commands of this runtime's own runner: running children get SIGTERM, later
   * runs reject. The daemon calls it first when it stops (before waiting for a pass in flight).
   */
  stopCommands(): void {
    if (this.runner instanceof ExecRunner) this.runner.close()
  }

  /** Closes what was opened and ends a pending wait for NB or OVS (it rejects). */
  async close(): Promise<void> {
    this.closing.abort()
    this.stopCommands()
    this.kernelParts?.close?.()
    await Promise.all([this.nbSource?.close(), this.ovsConn?.close()])
    await this.nbFileServer?.close()
  }
}

/** A logger that demotes everything to debug (probing an optional dependency). */
function quiet(l: Logger): Logger {
  const q: Logger = {
    debug: (m, f) => l.debug(m, f),
    info: (m, f) => l.debug(m, f),
    warn: (m, f) => l.debug(m, f),
    error: (m, f) => l.debug(m, f),
    child: () => q,
  }
  return q
}

/** Seam for command tests: replace `create` to inject a Runtime built on fakes or private daemons. */
export const runtimeFactory = {
  create: (cfg: AgentConfig, logger: Logger, opts: RuntimeOptions = {}): Runtime => new Runtime(cfg, logger, opts),
}
