// The `watch` daemon: base setup, the NB monitor chained into event classification and the
// level-triggered reconcile loop, periodic full reconciles, FRR leak upkeep, metrics. Stopping it
// leaves the datapath as it is, so a restart does not flap routes.
import {stat} from 'node:fs/promises'
import {join} from 'node:path'

import type {AgentConfig} from '../config/types.js'
import type {Logger} from '../log.js'
import {leakSettingsFromConfig} from '../frr/leak.js'
import {keepDrained} from '../drain/drain.js'
import {AgentMetrics} from '../metrics/index.js'
import {MetricsServer} from '../metrics/server.js'
import type {Gauge} from '../metrics/registry.js'
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
  private drainedGauge: Gauge | undefined
  private snapshotSeen = false
  private prevDesired = new Set<string>()
  private view: AgentView | undefined
  private viewFor: unknown
  private readonly logger: Logger

  constructor(private readonly opts: AgentOptions) {
    this.metrics = opts.metrics ?? new AgentMetrics()
    this.logger = opts.logger
  }

  /** Starts everything; resolves after the first full reconcile. */
  async start(): Promise<PassResult | undefined> {
    const {rt, cfg} = this.opts
    if (cfg.metricsAddress) {
      this.server = await MetricsServer.start({address: cfg.metricsAddress, registry: this.metrics.registry, readiness: this.metrics.readiness, logger: this.logger})
    }
    const ovs = await rt.ovs()
    ovs?.subscribe((ev) => {
      this.logger.info('local OVS changed', {event: ev.kind, ...('bridge' in ev ? {bridge: ev.bridge} : {})})
      this.loop?.request('resync')
    })
    const base = await rt.kernel().ensureBase({clearVrfRoutes: cfg.clearVrfRoutesOnStartup, bridges: this.bridges(ovs)})
    if (base.changed.length) this.logger.info('base setup', {changed: base.changed})
    await this.ensureFrr(true)
    await this.keepDrained()
    this.reconciler = await rt.reconciler()
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
    this.snapshotSeen = true
    this.loop = new ReconcileLoop({
      reconciler: this.reconciler,
      nb: this.source.nb,
      pruneAllowed: () => this.snapshotSeen && this.source?.client.state === 'ready',
      debounceMs: this.opts.debounceMs ?? 50,
      fullIntervalMs: cfg.reconcileInterval * 1000,
      logger: this.logger,
      observer: {
        onPass: (r, trigger, since) => this.onPass(r, trigger, since),
        onPassError: () => this.metrics.recordPass({result: 'error', durationSeconds: 0, full: true}),
      },
    })
    const first = await this.loop.start()
    if (cfg.frrReconcileInterval > 0) {
      this.frrTimer = setInterval(() => void this.ensureFrr(false).then(() => this.keepDrained()), cfg.frrReconcileInterval * 1000)
      this.frrTimer.unref?.()
    }
    return first
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

  /**
   * A drained node (ovn-bgp drain, state in state_dir) stays drained: FRR's drain configuration is
   * re-applied at start and after FRR restarts; reported as the ovn_bgp_drained metric and on /readyz.
   */
  private async keepDrained(): Promise<void> {
    const gauge = (this.drainedGauge ??= this.metrics.registry.gauge({name: 'ovn_bgp_drained', help: 'The node is drained for maintenance (ovn-bgp drain): 1, else 0.'}))
    try {
      const r = await keepDrained(this.opts.cfg, this.opts.rt.vtysh())
      gauge.set({}, r.state ? 1 : 0)
      this.metrics.readiness.setDetail('drained', r.state ? `since ${r.state.since} (${r.state.phase})` : undefined)
      if (r.changed) this.logger.info('drain configuration re-applied to FRR', {since: r.state?.since, phase: r.state?.phase})
    } catch (error) {
      this.logger.error('drain state upkeep failed', {error: (error as Error).message})
    }
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
