// The `watch` daemon: base setup, the NB monitor chained into event classification and the
// level-triggered reconcile loop, periodic full reconciles, FRR leak upkeep, metrics. Stopping it
// leaves the datapath as it is, so a restart does not flap routes.
import {stat} from 'node:fs/promises'
import {join} from 'node:path'

import type {AgentConfig} from '../config/types.js'
import {AgentError} from '../errors.js'
import type {Logger} from '../log.js'
import {leakSettingsFromConfig} from '../frr/leak.js'
import {AgentMetrics} from '../metrics/index.js'
import {MetricsServer} from '../metrics/server.js'
import type {ExposedKind, StateKind} from '../planner/types.js'
import {objKey} from '../planner/types.js'
import type {RowChange} from '../ovsdb/types.js'
import {ReconcileLoop, type PassTrigger} from '../reconciler/loop.js'
import {resolveIdentity, type OvsFacts} from '../reconciler/local-context.js'
import type {Reconciler} from '../reconciler/reconcile.js'
import type {PassResult} from '../reconciler/types.js'
import type {Runtime} from '../runtime.js'
import {classifyChange, isRelevant, needsFullSync, type AgentView} from './events.js'
import type {NbSource} from './nb-source.js'
import {agentView} from './view.js'

export interface AgentOptions {
  rt: Runtime
  cfg: AgentConfig
  logger: Logger
  metrics?: AgentMetrics
  debounceMs?: number
  /** Longest a change waits for its pass during a burst (ReconcileLoop maxWaitMs). */
  maxWaitMs?: number
}

/** Identity of FRR's vty sockets: changes when zebra or bgpd restart (then the leak is re-checked). */
async function frrIdentity(dir: string): Promise<string> {
  const parts: string[] = []
  for (const d of ['zebra.vty', 'bgpd.vty']) {
    try {
      const s = await stat(join(dir, d))
      parts.push(`${s.ino}:${s.ctimeMs}`)
    } catch {
      parts.push('absent')
    }
  }
  return parts.join('|')
}

export class Agent {
  readonly metrics: AgentMetrics
  private loop: ReconcileLoop | undefined
  private source: NbSource | undefined
  private reconciler: Reconciler | undefined
  private server: MetricsServer | undefined
  private frrTimer: NodeJS.Timeout | undefined
  private frrSeen = ''
  private snapshotSeen = false
  private prevDesired = new Set<string>()
  private view: AgentView | undefined
  private viewFor: unknown
  private readonly logger: Logger
  private stopping = false
  private baseFailed = false
  private baseRunning = false

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
      this.server = await MetricsServer.start({address: cfg.metricsAddress, registry: this.metrics.registry, readiness: this.metrics.readiness, logger: this.logger})
    }
    this.metrics.readiness.markNotReady(`waiting for the local Open vSwitch database (${cfg.ovsdbConnection})`)
    const ovs = await rt.ovs()
    this.checkStopped()
    ovs?.subscribe((ev) => {
      this.logger.info('local OVS changed', {event: ev.kind, ...('bridge' in ev ? {bridge: ev.bridge} : {})})
      this.loop?.request('resync')
    })
    await rt.checkStateDir()
    await this.ensureBase(ovs)
    await this.ensureFrr(true)
    this.checkStopped()
    this.reconciler = await rt.reconciler()
    this.metrics.readiness.markNotReady(`waiting for the NB database snapshot (${cfg.ovnNbConnection ?? 'remote from OVS external_ids:ovn-nb-remote'})`)
    this.source = await rt.nb({
      onChange: (c) => this.onChange(c),
      onSnapshot: (info) => {
        const first = !this.snapshotSeen
        this.snapshotSeen = true
        this.logger.info(first ? 'NB snapshot complete' : 'NB resynced', {resync: info.resync})
        if (!first) this.loop?.request('resync')
      },
      onState: (state, error) => {
        this.metrics.setNbConnectionState(state)
        this.logger.info('NB connection', {state, ...(error ? {error: error.message} : {})})
      },
    })
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
          if (this.baseFailed) void this.ensureBase(ovs)
        },
      },
    })
    const first = await this.loop.start()
    if (cfg.frrReconcileInterval > 0) {
      this.frrTimer = setInterval(() => void this.ensureFrr(false), cfg.frrReconcileInterval * 1000)
      this.frrTimer.unref?.()
    }
    return first
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
      const base = await this.opts.rt.kernel().ensureBase({clearVrfRoutes: this.baseFailed ? false : this.opts.cfg.clearVrfRoutesOnStartup, bridges: this.bridges(ovs)})
      if (base.changed.length) this.logger.info('base setup', {changed: base.changed})
      if (this.baseFailed) this.logger.info('base setup recovered')
      this.baseFailed = false
    } catch (error) {
      if (!this.baseFailed) this.logger.error('base setup failed; retried with the next reconcile attempt', {error: (error as Error).message})
      this.baseFailed = true
    } finally {
      this.baseRunning = false
    }
  }

  get passes(): number {
    return this.loop?.passes ?? 0
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
    if (this.frrTimer) clearInterval(this.frrTimer)
    await this.loop?.stop()
    await this.server?.close()
    await this.opts.rt.close()
  }

  private onChange(change: RowChange): void {
    if (!this.snapshotSeen || !this.source || !this.reconciler) return // the initial dump is one reconcile, not an event storm
    const view = this.currentView(this.source, this.reconciler)
    const events = classifyChange(change, view, (p) => this.logger.warn('event matcher failed', {event: p.name, error: p.message}))
    for (const e of events) {
      this.metrics.recordNbEvent(e.name)
      this.logger.info('event', {class: e.name, table: change.table, kind: change.kind, uuid: change.uuid, calls: e.calls.map((c) => c.fn)})
    }
    if (needsFullSync(events)) this.loop?.request('resync')
    else if (events.length > 0 || isRelevant(change, view)) this.loop?.request('event')
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
    const drift: Partial<Record<StateKind, number>> = {}
    for (const o of r.plan.add) if (this.prevDesired.has(objKey(o))) drift[o.kind] = (drift[o.kind] ?? 0) + 1
    this.prevDesired = new Set(this.reconciler?.lastDesired?.objects.map(objKey) ?? [])
    const exposed: Partial<Record<ExposedKind, number>> = {}
    for (const e of r.exposed) exposed[e.kind] = (exposed[e.kind] ?? 0) + 1
    this.metrics.recordPass({
      result: r.failed.length ? 'partial' : 'ok',
      durationSeconds: r.durationMs / 1000,
      full: true,
      added: r.added,
      removed: r.removed,
      failed: Object.fromEntries(r.failed.map((f) => [f.obj.kind, r.failed.filter((x) => x.obj.kind === f.obj.kind).length])),
      driftRepaired: trigger === 'start' ? {} : drift,
      exposed,
    })
    if (since !== undefined && r.changed) this.metrics.recordCommitToKernel((performance.now() - since) / 1000)
  }

  /** frr_sync: VRF + bgp-nic + leak config; FRR is only asked again when its sockets changed. */
  private async ensureFrr(force: boolean): Promise<void> {
    const {rt, cfg} = this.opts
    try {
      const id = await frrIdentity(cfg.frrVtySocket)
      if (!force && id === this.frrSeen) return
      if (!force) await rt.kernel().ensureBase({clearVrfRoutes: false, bridges: this.bridges(await rt.ovs())})
      const res = await rt.frr().ensure(leakSettingsFromConfig(cfg))
      this.frrSeen = id
      if (res.changed) this.logger.info('FRR leak configuration applied', {missing: res.missing, ok: res.ok})
    } catch (error) {
      this.logger.error('FRR leak configuration failed', {error: (error as Error).message})
    }
  }
}
