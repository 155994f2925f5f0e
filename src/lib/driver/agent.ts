// The `watch` daemon: base setup, the NB monitor chained into event classification and the
// level-triggered reconcile loop, periodic full reconciles, FRR leak upkeep, metrics. Stopping it
// leaves the datapath as it is, so a restart does not flap routes.
import type {AgentConfig} from '../config/types.js'
import type {Logger} from '../log.js'
import type {Gauge} from '../metrics/registry.js'
import type {NbChange} from '../nb/model.js'
import type {ExposedKind, FlowObj, StateKind} from '../planner/types.js'
import type {Reconciler} from '../reconciler/reconcile.js'
import type {PassResult} from '../reconciler/types.js'
import type {NbSource} from './nb-source.js'
import type {DaemonSeams} from './seams.js'

import {keepDrained} from '../drain/drain.js'
import {AgentError} from '../errors.js'
import {leakSettingsFromConfig} from '../frr/leak.js'
import {FrrUpkeep} from '../frr/upkeep.js'
import {AgentMetrics} from '../metrics/index.js'
import {MetricsServer} from '../metrics/server.js'
import {ovsRunDir, VswitchdWatch} from '../ovs/vswitchd-watch.js'
import {type OvsFacts, resolveIdentity} from '../reconciler/local-context.js'
import {type PassTrigger, ReconcileLoop} from '../reconciler/loop.js'
import {unannouncedIps} from '../reconciler/unannounced.js'
import {type AgentView, classifyChange, isRelevant, needsFullSync} from './events.js'
import {StartupClock} from './startup-clock.js'
import {agentView} from './view.js'

/** Main-thread time a slice of the planner's deferred build may take (reconciler/deferred-build.ts). */
const BUILD_SLICE_MS = 20

export interface AgentOptions {
  /** The node's layers and connections (src/lib/runtime.ts builds them; the daemon closes them). */
  rt: DaemonSeams
  cfg: AgentConfig
  logger: Logger
  metrics?: AgentMetrics
  debounceMs?: number
  /** Longest a change waits for its pass during a burst (ReconcileLoop maxWaitMs). */
  maxWaitMs?: number
}

export class Agent {
  readonly metrics: AgentMetrics
  private loop: ReconcileLoop | undefined
  private source: NbSource | undefined
  private reconciler: Reconciler | undefined
  private server: MetricsServer | undefined
  private frr: FrrUpkeep | undefined
  private vswitchd: VswitchdWatch | undefined
  private drainedGauge: Gauge | undefined
  private snapshotSeen = false
  private view: AgentView | undefined
  private viewFor: unknown
  private readonly logger: Logger
  private stopping = false
  private baseFailed = false
  private baseRunning = false
  /** A reconcile pass failed and none succeeded since (the FRR upkeep's periodic ticks wait). */
  private passesFailing = false

  constructor(private readonly opts: AgentOptions) {
    this.metrics = opts.metrics ?? new AgentMetrics()
    this.logger = opts.logger
  }

  /**
   * Starts everything; resolves after the first reconcile pass (undefined when it failed: the loop
   * retries with backoff). Waits for the local OVS and NB as long as the Runtime does (the daemon:
   * until they answer, not ready meanwhile); stop() ends the wait, and start() then rejects.
   */
  async start(): Promise<PassResult | undefined> {
    const {rt, cfg} = this.opts
    if (cfg.metricsAddress) {
      this.server = await MetricsServer.start({
        address: cfg.metricsAddress,
        registry: this.metrics.registry,
        readiness: this.metrics.readiness,
        logger: this.logger,
      })
    }

    const clock = new StartupClock()
    this.metrics.readiness.markNotReady(`waiting for the local Open vSwitch database (${cfg.ovsdbConnection})`)
    rt.useWatchedKernel()
    const ovs = await rt.ovs()
    clock.mark('ovs')
    this.checkStopped()
    ovs?.subscribe((ev) => {
      this.logger.info('local OVS changed', {event: ev.kind, ...('bridge' in ev ? {bridge: ev.bridge} : {})})
      this.loop?.request('resync')
    })
    await rt.checkStateDir()
    this.reconciler = await rt.reconciler()
    // The planner's build after a pass that put it off, and the periodic self-check's reference,
    // yield every BUILD_SLICE_MS: NB changes, keepalives, /metrics and timers are served while a
    // large node builds. A ready check is compared by the next pass, asked for here.
    this.reconciler.enableIncremental(
      {defer: (fn) => setImmediate(fn), sliceMs: BUILD_SLICE_MS},
      {backgroundCheck: true},
    )
    // A ready self-check is compared between passes; a pass follows only when it has work.
    this.reconciler.compareWhenReady(
      () => this.source?.nb,
      () => this.loop?.request('event'),
    )
    this.frr = this.frrUpkeep()
    const nbWanted = cfg.ovnNbConnection ?? 'remote from OVS external_ids:ovn-nb-remote'
    this.metrics.readiness.markNotReady(`waiting for the NB database snapshot (${nbWanted})`)
    // The node's side (VRF, bgp-nic, tables, the drain state) and the NB snapshot need nothing from
    // each other; the first pass needs both, so they run side by side (the FRR leak check as well).
    let nodeReady = false
    const [{frrChecked}, source] = await Promise.all([
      this.prepareNode(ovs).then((r) => {
        nodeReady = true
        clock.mark('node')
        return r
      }),
      this.connectNb().then((s) => {
        clock.mark('nb')
        if (!nodeReady) this.metrics.readiness.markNotReady('waiting for the base wiring')
        return s
      }),
    ])
    this.source = source
    this.checkStopped()
    this.snapshotSeen = true
    this.metrics.readiness.markNotReady('waiting for the first full reconcile')
    this.loop = new ReconcileLoop({
      reconciler: this.reconciler,
      nb: this.source.nb,
      pruneAllowed: () => this.snapshotSeen && this.source?.client.state === 'ready',
      debounceMs: this.opts.debounceMs ?? 50,
      ...(this.opts.maxWaitMs === undefined ? {} : {maxWaitMs: this.opts.maxWaitMs}),
      fullIntervalMs: cfg.reconcileInterval * 1000,
      logger: this.logger,
      observer: {
        onPass: (r, trigger, since) => this.onPass(r, trigger, since),
        onPassError: (error, _trigger, f) => {
          this.metrics.recordPassFailure({
            durationSeconds: f.durationMs / 1000,
            consecutiveFailures: f.consecutiveFailures,
            retryInSeconds: f.retryInMs / 1000,
            reason: error.message,
          })
          this.passesFailing = true
          if (this.baseFailed && !this.stopping) void this.ensureBase(ovs)
        },
        onPassStuck: (s) =>
          this.metrics.recordPassStuck({trigger: s.trigger, stage: s.stage, runningSeconds: s.runningMs / 1000}),
      },
    })
    // the pass a change asks for goes before the scope's conditions are computed again
    this.source.followScopeAfter(async () => this.loop?.afterPass())
    // Drift of the node (an owned desired object deleted or changed, a bridge/VLAN device set down,
    // seen in the netlink notifications; flows a full pass could not dump yet): a pass follows at
    // once instead of at the periodic one.
    this.reconciler.onDrift((reason) => {
      this.logger.debug('kernel drift', {reason})
      this.loop?.request('event')
    })
    const first = await this.loop.start()
    clock.mark('first-pass')
    await frrChecked
    clock.mark('frr')
    this.logger.info('start-up', clock.report())
    if (cfg.frrReconcileInterval > 0) await this.frr.start(cfg.frrReconcileInterval * 1000)
    if (ovs) {
      // A restarted ovs-vswitchd comes back with empty flow tables; the OVS database does not change.
      this.vswitchd = new VswitchdWatch({
        runDir: ovsRunDir(cfg.ovsEnv, cfg.ovsdbConnection),
        bridges: () => this.bridges(ovs),
        onRestart: (bridges) => void this.restoreFlows(bridges),
        logger: this.logger,
      })
      await this.vswitchd.start()
    }

    // The incremental planner's build, left by the first pass (it applied a scratch computation),
    // runs after start() has resolved: readiness and READY=1 do not wait for it.
    setImmediate(() => this.reconciler?.buildDeferred())
    return first
  }

  /**
   * The first pass's dumps started, base wiring, then the drain state (a drained node is drained in
   * FRR before anything is added).
   * The FRR leak check (its device part is what ensureBase just did) starts then and runs alongside
   * the NB snapshot and the first pass: bgpd imports and redistributes whatever is on bgp-nic
   * whenever the leak lines appear, so the pass need not wait for it. `frrChecked` settles with it.
   */
  private async prepareNode(ovs: OvsFacts | undefined): Promise<{frrChecked: Promise<void>}> {
    // The first pass's dumps (the kernel model's load: its monitor, then one dump; the flows) need
    // nothing from the base wiring, so they start with it, alongside the NB snapshot: the model
    // takes what the wiring changes from its notifications (the monitor listens before the dump).
    // After the wiring they were still loading when a seeded NB snapshot was in, and the first
    // pass's planner shared the main thread with them (bench/README.md, 5 December 15:25-16:15).
    void this.reconciler!.prefetchObservation()
    await this.ensureBase(ovs)
    this.checkStopped()
    await this.keepDrained()
    const frrChecked = this.frr!.check({devices: false}).then(
      () => undefined,
      (error: unknown) => this.logger.warn('FRR leak check failed at start', {error: (error as Error).message}),
    )
    return {frrChecked}
  }

  /** The NB source, resolved once it holds a complete snapshot (every row change reaches the planner). */
  private async connectNb(): Promise<NbSource> {
    return this.opts.rt.nb({
      onChange: (c) => this.onChange(c),
      onSnapshot: (info) => {
        const first = !this.snapshotSeen
        this.snapshotSeen = true
        this.logger.info(first ? 'NB snapshot complete' : 'NB resynced', {resync: info.resync})
        if (!first) this.reconciler?.markAll('NB resync')
        if (!first) this.loop?.request('resync')
      },
      onState: (state, error) => {
        this.metrics.setNbConnectionState(state)
        this.logger.info('NB connection', {state, ...(error ? {error: error.message} : {})})
        // A reconnect's resync reaches the replica (and asks for passes) while the client is still
        // 'syncing', and a pass then may not prune (pruneAllowed): the removals it held back wait
        // for a pass that starts once the client is ready. Without it they waited for the periodic
        // pass whenever the resync's pass started before 'ready' (the loop's leading edge starts a
        // pass on the next tick).
        if (state === 'ready' && this.snapshotSeen) this.loop?.request('resync')
      },
    })
  }

  private checkStopped(): void {
    if (this.stopping) throw new AgentError('stopped during start-up', {code: 'STOPPED'})
  }

  /**
   * VRF, bgp-nic, bridge tables (rt_tables). A failure (e.g. rt_tables not writable) does not stop
   * the daemon: it is logged, and retried whenever a pass fails (the passes need the same things,
   * so they fail and back off until it is fixed).
   */
  private async ensureBase(ovs: OvsFacts | undefined): Promise<void> {
    if (this.baseRunning) return
    this.baseRunning = true
    try {
      const base = await this.opts.rt.kernel().ensureBase({
        clearVrfRoutes: this.baseFailed ? false : this.opts.cfg.clearVrfRoutesOnStartup,
        bridges: this.bridges(ovs),
      })
      if (base.changed.length > 0) this.logger.info('base setup', {changed: base.changed})
      if (this.baseFailed) this.logger.info('base setup recovered')
      this.baseFailed = false
    } catch (error) {
      if (!this.baseFailed)
        this.logger.error('base setup failed; retried with the next reconcile attempt', {
          error: (error as Error).message,
        })
      this.baseFailed = true
    } finally {
      this.baseRunning = false
    }
  }

  get passes(): number {
    return this.loop?.passes ?? 0
  }

  /** How long the current reconcile pass has been running (ms), undefined between passes. */
  passRunningMs(): number | undefined {
    return this.loop?.passRunningMs()
  }

  /** Addresses and prefixes currently wanted (last desired state). */
  exposedCount(): number {
    return this.reconciler?.lastDesired?.exposed.length ?? 0
  }

  private bridges(ovs: OvsFacts | undefined): string[] {
    return [...new Set(resolveIdentity(this.opts.cfg, ovs).bridgeMappings.map((m) => m.bridge))]
  }

  /** Waits until no reconcile is pending (tests, one-shot tooling). */
  async idle(): Promise<void> {
    await this.loop?.idle()
  }

  async stop(): Promise<void> {
    this.stopping = true
    this.metrics.readiness.markNotReady('stopping')
    const frr = this.frr?.stop()
    this.vswitchd?.stop()
    // Background work in flight (FRR check, base setup retry, flow replay) is a chain of child
    // processes: ending them here makes SIGTERM prompt instead of waiting for the chain's end.
    this.opts.rt.stopCommands()
    this.reconciler?.stopBackground()
    await Promise.all([this.loop?.stop(), frr, this.server?.close()])
    await this.opts.rt.close()
  }

  private onChange(change: NbChange): void {
    // every change, also those of the initial dump: the planner ignores them until it has a state
    const plannerReached = this.reconciler?.markChanged(change) ?? true
    if (!this.snapshotSeen || !this.source || !this.reconciler) return // the initial dump is one reconcile, not an event storm
    const view = this.currentView(this.source, this.reconciler)
    const events = classifyChange(change, view, (p) =>
      this.logger.warn('event matcher failed', {event: p.name, error: p.message}),
    )
    for (const e of events) {
      this.metrics.recordNbEvent(e.name)
      this.logger.info('event', {
        class: e.name,
        table: change.table,
        kind: change.kind,
        uuid: change.uuid,
        calls: e.calls.map((c) => c.fn),
      })
    }

    if (needsFullSync(events)) this.loop?.request('resync')
    // the planner knows every row its fragments read: a change the matchers miss but a fragment
    // depends on (an LB's VIP port arriving after the LB through the chassis scope) still counts
    else if (isRelevant(change, view, events) || plannerReached) this.loop?.request('event')
  }

  /**
   * The matchers' view of the agent, rebuilt only when a pass produced a new desired state: building
   * it costs O(exposed IPs), which per NB change would dominate the event path (bench/nb-scale.ts).
   */
  private currentView(source: NbSource, reconciler: Reconciler): AgentView {
    if (!this.view || this.viewFor !== reconciler.lastResult) {
      this.view = agentView(source.nb, this.opts.cfg, reconciler.lastContext, reconciler.lastResult)
      this.viewFor = reconciler.lastResult
    }

    return this.view
  }

  private onPass(r: PassResult, trigger: PassTrigger, since: number | undefined): void {
    if (this.passesFailing) {
      // The upkeep's periodic ticks waited while the passes failed: verify FRR's side now.
      this.passesFailing = false
      if (!this.stopping) this.frr?.check({devices: false}).catch(() => undefined)
    }

    // The reconciler counts the repairs (adds of objects the previous pass wanted) by key as it goes:
    // a set of the whole desired state per pass would cost O(node) per NB change.
    const drift: Partial<Record<StateKind, number>> = r.repaired ?? {}
    // An IP whose wiring (or address) failed is wanted but not advertised: counted apart, by cause.
    const off = unannouncedIps(r.failed, this.opts.cfg.bgpNic)
    const unannounced: Partial<Record<StateKind, number>> = {}
    for (const cause of off.values()) unannounced[cause] = (unannounced[cause] ?? 0) + 1
    const exposed: Partial<Record<ExposedKind, number>> = {}
    for (const e of r.exposed) if (!off.has(e.ip)) exposed[e.kind] = (exposed[e.kind] ?? 0) + 1
    this.metrics.recordPass({
      result: r.failed.length > 0 ? 'partial' : 'ok',
      durationSeconds: r.durationMs / 1000,
      full: true,
      added: r.added,
      removed: r.removed,
      failed: Object.fromEntries(
        r.failed.map((f) => [f.obj.kind, r.failed.filter((x) => x.obj.kind === f.obj.kind).length]),
      ),
      driftRepaired: trigger === 'start' ? {} : drift,
      exposed,
      unannounced,
    })
    if (r.desiredMismatches) this.metrics.recordDesiredMismatch(r.desiredMismatches)
    if (since !== undefined && r.changed) this.metrics.recordCommitToKernel((performance.now() - since) / 1000)
  }

  /**
   * A drained node (ovn-bgp drain, state in state_dir) stays drained: FRR's drain configuration is
   * re-applied at start and after every FRR upkeep check (periodic, and when zebra/bgpd restart);
   * reported as the ovn_bgp_drained metric and on /readyz.
   */
  private async keepDrained(): Promise<void> {
    this.drainedGauge ??= this.metrics.registry.gauge({
      name: 'ovn_bgp_drained',
      help: 'The node is drained for maintenance (ovn-bgp drain): 1, else 0.',
    })
    const gauge = this.drainedGauge
    try {
      const r = await keepDrained(this.opts.cfg, this.opts.rt.vtysh())
      gauge.set({}, r.state ? 1 : 0)
      this.metrics.readiness.setDetail('drained', r.state ? `since ${r.state.since} (${r.state.phase})` : undefined)
      if (r.changed)
        this.logger.info('drain configuration re-applied to FRR', {since: r.state?.since, phase: r.state?.phase})
    } catch (error) {
      this.logger.error('drain state upkeep failed', {error: (error as Error).message})
    }
  }

  /**
   * frr_sync: the VRF and bgp-nic devices and the leak configuration, checked at start, every
   * frr_reconcile_interval and when zebra/bgpd restart (src/lib/frr/upkeep.ts). A re-created
   * bgp-nic has lost its addresses: a pass puts them back.
   */
  private frrUpkeep(): FrrUpkeep {
    const {rt, cfg} = this.opts
    return new FrrUpkeep({
      leak: rt.frr(),
      settings: leakSettingsFromConfig(cfg),
      socketDir: cfg.frrVtySocket,
      logger: this.logger,
      // While passes fail their retries redo the device part (ensureBase), and a check is a chain
      // of processes: a persistently failing node must stay idle between retries.
      paused: () => this.passesFailing,
      devices: async () => rt.kernel().ensureBase({clearVrfRoutes: false, bridges: this.bridges(await rt.ovs())}),
      onDevicesChanged: (changed) => {
        this.logger.info('VRF/bgp-nic devices repaired', {changed})
        this.loop?.request('resync')
      },
      // after every check: record its result, and re-apply the drain lines (an FRR restart loses
      // them with the rest of its configuration)
      onCheck: (out) => {
        this.metrics.recordFrrCheck(
          out.ok ? (out.leakApplied || out.devicesChanged.length > 0 ? 'applied' : 'ok') : 'failed',
        )
        void this.keepDrained()
      },
    })
  }

  /**
   * After an ovs-vswitchd restart: replay the last desired cookie-999 flows of those bridges at once
   * (one `ovs-ofctl add-flows` per bridge, idempotent), then a full pass to verify and fix the rest
   * (e.g. an ofport that changed). A full pass alone takes seconds on a large node.
   */
  private async restoreFlows(bridges: string[]): Promise<void> {
    const want = (this.reconciler?.lastDesired?.objects ?? []).filter(
      (o): o is FlowObj => o.kind === 'flow' && bridges.includes(o.bridge),
    )
    if (want.length > 0) {
      try {
        const res = await this.opts.rt.flows().apply({add: want, remove: [], removeForeign: []})
        const failed = res.filter((r) => !r.ok)
        this.logger.info('cookie-999 flows replayed after an ovs-vswitchd restart', {
          bridges,
          flows: want.length,
          failed: failed.length,
        })
      } catch (error) {
        this.logger.warn('replaying flows after an ovs-vswitchd restart failed', {
          bridges,
          error: (error as Error).message,
        })
      }
    }

    this.loop?.request('resync')
  }

  /** The FRR upkeep (tests: run a check now, read its counters). */
  get frrUpkeepState(): FrrUpkeep | undefined {
    return this.frr
  }
}
