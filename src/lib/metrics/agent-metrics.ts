// The metric set of the `watch` daemon, as typed handles. The daemon owns one AgentMetrics, calls
// the record* methods from its loop, and serves `registry`/`readiness` with MetricsServer when
// --metrics-address is set. Every method is cheap and synchronous; none throws on valid input.
//
// Names and labels are a public contract (dashboards, alerts): see docs/operations.md.
import type {Logger} from '../log.js'
import type {ClientState} from '../ovsdb/client.js'
import type {ExposedKind, StateKind} from '../planner/types.js'

import {Readiness} from './readiness.js'
import {type Counter, type Gauge, type Histogram, Registry} from './registry.js'
import {MetricsServer} from './server.js'

type PassOutcome = 'ok' | 'partial' | 'error'
export type FrrCheckResult = 'ok' | 'applied' | 'failed'
const FRR_CHECK_RESULTS: readonly FrrCheckResult[] = ['ok', 'applied', 'failed']
type ChangeAction = 'add' | 'remove'

// Records keyed by the union make the compiler flag a kind added elsewhere but not declared here.
const NB_STATES: Record<ClientState, true> = {
  idle: true,
  connecting: true,
  syncing: true,
  ready: true,
  reconnecting: true,
  closed: true,
}
const STATE_KINDS: Record<StateKind, true> = {
  vlan: true,
  sysctl: true,
  address: true,
  rule: true,
  route: true,
  neigh: true,
  'ndp-proxy': true,
  flow: true,
}
const EXPOSED_KINDS: Record<ExposedKind, true> = {
  vm: true,
  fip: true,
  'cr-lrp': true,
  'lb-vip': true,
  'lb-fip': true,
  'tenant-ip': true,
  subnet: true,
}
/** What can keep an IP NB wants off bgp-nic: a failed add of its wiring, or of the address itself. */
const UNANNOUNCED_CAUSES: readonly StateKind[] = ['rule', 'route', 'neigh', 'ndp-proxy', 'address']
const RESULTS: readonly PassOutcome[] = ['ok', 'partial', 'error']
const ACTIONS: readonly ChangeAction[] = ['add', 'remove']

/** Seconds; a pass over a few objects takes milliseconds, a 10k-address resync tens of seconds. */
const RECONCILE_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120]
/** Seconds; debounce plus netlink work, normally well under a second. */
const COMMIT_TO_KERNEL_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]

export type KindCounts<K extends string> = Partial<Record<K, number>>

export interface PassSummary {
  result: PassOutcome
  durationSeconds: number
  /** A full resync (startup, periodic, after reconnect) rather than an incremental pass. */
  full: boolean
  added?: KindCounts<StateKind>
  removed?: KindCounts<StateKind>
  /** Objects whose add or remove failed in this pass. */
  failed?: KindCounts<StateKind>
  /** Owned objects found missing or altered in the kernel/OVS and put back (drift), by kind. */
  driftRepaired?: KindCounts<StateKind>
  /** When given: the complete count of advertised addresses by kind (absent kinds become 0). */
  exposed?: KindCounts<ExposedKind>
  /**
   * When given: the complete count of IPs NB wants advertised whose bgp-nic address is missing after
   * this pass, by the kind of the failed add that kept it off (absent causes become 0).
   */
  unannounced?: KindCounts<StateKind>
}

export class AgentMetrics {
  readonly registry = new Registry()
  readonly readiness = new Readiness()
  readonly nbConnectionState: Gauge<'state'>
  readonly nbEvents: Counter<'class'>
  readonly reconcilePasses: Counter<'result'>
  readonly reconcileDuration: Histogram
  readonly reconcileChanges: Counter<'kind' | 'action'>
  readonly reconcileFailures: Counter<'kind'>
  readonly exposedIps: Gauge<'kind'>
  readonly unannouncedIps: Gauge<'cause'>
  readonly driftRepaired: Counter<'kind'>
  readonly nbCommitToKernel: Histogram
  readonly consecutiveFailures: Gauge
  readonly lastSuccess: Gauge
  readonly desiredMismatch: Counter
  readonly buildInfo: Gauge<'version' | 'commit' | 'nodejs'>
  readonly nbReconnects: Counter
  readonly frrChecks: Counter<'result'>
  readonly stuckPasses: Counter
  /** Set while /readyz is not ready because of a stuck pass: whether it was ready before. */
  private stuck: {wasReady: boolean} | undefined
  private nbState: ClientState | undefined

  /**
   * `processMetrics` (default true): prom-client's default collectors (process CPU, memory, open
   * files, event-loop lag, GC, heap) in the same registry; tests of exact output turn them off.
   */
  constructor(opts: {processMetrics?: boolean; build?: {version?: string; commit?: string}} = {}) {
    const r = this.registry
    this.nbConnectionState = r.gauge({
      name: 'ovn_bgp_nb_connection_state',
      help: 'Northbound DB connection state: 1 for the current state, 0 for the others.',
      labelNames: ['state'],
    })
    this.nbEvents = r.counter({
      name: 'ovn_bgp_nb_events_total',
      help: 'Northbound DB row events handled, by event class.',
      labelNames: ['class'],
    })
    this.reconcilePasses = r.counter({
      name: 'ovn_bgp_reconcile_passes_total',
      help: 'Reconcile passes, by result (ok, partial, error).',
      labelNames: ['result'],
    })
    this.reconcileDuration = r.histogram({
      name: 'ovn_bgp_reconcile_duration_seconds',
      help: 'Wall time of one reconcile pass.',
      buckets: RECONCILE_BUCKETS,
    })
    this.reconcileChanges = r.counter({
      name: 'ovn_bgp_reconcile_changes_total',
      help: 'Kernel and OVS objects added or removed by reconcile passes.',
      labelNames: ['kind', 'action'],
    })
    this.reconcileFailures = r.counter({
      name: 'ovn_bgp_reconcile_failures_total',
      help: 'Kernel and OVS object changes that failed, by kind.',
      labelNames: ['kind'],
    })
    this.exposedIps = r.gauge({
      name: 'ovn_bgp_exposed_ips',
      help: 'Addresses and prefixes currently advertised, by kind.',
      labelNames: ['kind'],
    })
    this.unannouncedIps = r.gauge({
      name: 'ovn_bgp_unannounced_ips',
      help: 'IPs NB wants advertised that are not on bgp-nic because an operation failed in the last pass, by the kind of the failed operation (rule, route, neigh, ndp-proxy: the wiring; address: the address itself). The IPs are in the log and in `ovn-bgp sync --json`.',
      labelNames: ['cause'],
    })
    this.driftRepaired = r.counter({
      name: 'ovn_bgp_drift_repaired_total',
      help: 'Owned objects found missing or altered outside ovn-bgp and put back, by kind.',
      labelNames: ['kind'],
    })
    this.nbCommitToKernel = r.histogram({
      name: 'ovn_bgp_nb_commit_to_kernel_seconds',
      help: 'Latency from receiving a Northbound DB update to the matching kernel change being applied.',
      buckets: COMMIT_TO_KERNEL_BUCKETS,
    })

    this.consecutiveFailures = r.gauge({
      name: 'ovn_bgp_reconcile_consecutive_failures',
      help: 'Reconcile passes that failed in a row (0 after a successful pass).',
    })
    this.lastSuccess = r.gauge({
      name: 'ovn_bgp_last_successful_reconcile_timestamp_seconds',
      help: 'Unix time of the end of the last reconcile pass that did not fail (0: none yet).',
    })
    this.consecutiveFailures.set({}, 0)
    this.lastSuccess.set({}, 0)
    this.desiredMismatch = r.counter({
      name: 'ovn_bgp_desired_mismatch_total',
      help: 'Differences between the incremental desired state and a full recomputation found by periodic passes (each one is a bug; the full result was used).',
    })

    this.buildInfo = r.gauge({
      name: 'ovn_bgp_build_info',
      help: 'Always 1; the labels say which ovn-bgp build and Node.js runtime run.',
      labelNames: ['version', 'commit', 'nodejs'],
    })
    this.nbReconnects = r.counter({
      name: 'ovn_bgp_nb_reconnects_total',
      help: 'Times an established Northbound DB connection was lost (retries during one outage count once).',
    })
    this.frrChecks = r.counter({
      name: 'ovn_bgp_frr_checks_total',
      help: 'Checks of the FRR VRF/leak configuration, by result: ok (nothing to do), applied (configuration was changed), failed.',
      labelNames: ['result'],
    })
    this.stuckPasses = r.counter({
      name: 'ovn_bgp_reconcile_stuck_passes_total',
      help: 'Reconcile passes still running after the watchdog bound (default 5 min); such a pass is not cancelled, and no other pass runs until it ends.',
    })
    this.setBuildInfo(opts.build ?? {})

    // Pre-declare the closed label sets so that rate() and absent() work from the first scrape.
    for (const state of Object.keys(NB_STATES)) this.nbConnectionState.declare({state})
    for (const result of RESULTS) this.reconcilePasses.declare({result})
    for (const kind of Object.keys(STATE_KINDS)) {
      for (const action of ACTIONS) this.reconcileChanges.declare({kind, action})
      this.reconcileFailures.declare({kind})
      this.driftRepaired.declare({kind})
    }

    for (const kind of Object.keys(EXPOSED_KINDS)) this.exposedIps.declare({kind})
    for (const cause of UNANNOUNCED_CAUSES) this.unannouncedIps.declare({cause})
    for (const result of FRR_CHECK_RESULTS) this.frrChecks.declare({result})
    this.setNbConnectionState('idle')
    if (opts.processMetrics ?? true) r.collectDefaults()
  }

  /**
   * Serves this metric set and its readiness on `address` (host:port, the metrics_address option);
   * resolves once listening, rejects with DependencyError when the address cannot be bound.
   */
  serve(address: string, logger?: Logger): Promise<MetricsServer> {
    return MetricsServer.start({
      address,
      registry: this.registry,
      readiness: this.readiness,
      ...(logger ? {logger} : {}),
    })
  }

  /** ovn_bgp_build_info: the version and commit of this build (`unknown` when not given). */
  setBuildInfo(b: {version?: string; commit?: string}): void {
    this.buildInfo.set(
      {version: b.version ?? 'unknown', commit: b.commit ?? 'unknown', nodejs: process.versions.node},
      1,
    )
  }

  /** One check of the FRR leak configuration (watch's frr_reconcile_interval timer, FRR restarts). */
  recordFrrCheck(result: FrrCheckResult): void {
    this.frrChecks.inc({result})
  }

  /** Call on every OVSDB client state change. */
  setNbConnectionState(state: ClientState): void {
    // one outage, however many attempts it takes: the client goes reconnecting -> connecting ->
    // reconnecting per failed attempt, so only a connection that was up (syncing, ready) counts
    if (state === 'reconnecting' && (this.nbState === 'ready' || this.nbState === 'syncing')) this.nbReconnects.inc({})
    this.nbState = state
    for (const s of Object.keys(NB_STATES)) this.nbConnectionState.set({state: s}, s === state ? 1 : 0)
  }

  /** One handled NB event; `eventClass` is the matcher's stable name (e.g. `lsp-provider-create`). */
  recordNbEvent(eventClass: string, count = 1): void {
    this.nbEvents.inc({class: eventClass}, count)
  }

  /**
   * One finished reconcile pass. A full pass whose result is not `error` marks the daemon ready
   * (/readyz 200) and resets the failure streak; a failed pass (recordPassFailure) marks it not
   * ready until the next good one.
   */
  recordPass(p: PassSummary, nowSeconds = Date.now() / 1000): void {
    this.reconcilePasses.inc({result: p.result})
    this.reconcileDuration.observe({}, p.durationSeconds)
    addCounts(p.added, (kind, n) => this.reconcileChanges.inc({kind, action: 'add'}, n))
    addCounts(p.removed, (kind, n) => this.reconcileChanges.inc({kind, action: 'remove'}, n))
    addCounts(p.failed, (kind, n) => this.reconcileFailures.inc({kind}, n))
    addCounts(p.driftRepaired, (kind, n) => this.driftRepaired.inc({kind}, n))
    if (p.exposed) this.setExposed(p.exposed)
    if (p.unannounced)
      for (const cause of UNANNOUNCED_CAUSES) this.unannouncedIps.set({cause}, p.unannounced[cause] ?? 0)
    if (p.result !== 'error') {
      this.consecutiveFailures.set({}, 0)
      this.lastSuccess.set({}, Math.round(nowSeconds))
    }

    const wasReady = this.stuck?.wasReady ?? false
    this.stuck = undefined
    if ((p.full || wasReady) && p.result !== 'error' && !this.readiness.ready) this.readiness.markReady()
  }

  /**
   * A pass that overran the watchdog bound (ReconcileLoop onPassStuck): counted, and /readyz is not
   * ready with the reason until a pass ends well (then ready again if it was ready before).
   */
  recordPassStuck(s: {trigger: string; stage: string; runningSeconds: number}): void {
    this.stuckPasses.inc({})
    this.stuck ??= {wasReady: this.readiness.ready}
    this.readiness.markNotReady(
      `reconcile pass stuck: running for ${Math.round(s.runningSeconds)} s (${s.trigger} pass, in ${s.stage})`,
    )
  }

  /**
   * A pass that threw (nothing or only part of the plan was applied, no result): counted as an
   * `error` pass with its real duration; /readyz says why until a pass succeeds again.
   */
  recordPassFailure(f: {
    durationSeconds: number
    consecutiveFailures: number
    reason: string
    retryInSeconds?: number
  }): void {
    this.reconcilePasses.inc({result: 'error'})
    this.reconcileDuration.observe({}, f.durationSeconds)
    this.consecutiveFailures.set({}, f.consecutiveFailures)
    this.stuck = undefined
    const retry = f.retryInSeconds === undefined ? '' : `, retry in ${Math.round(f.retryInSeconds)} s`
    this.readiness.markNotReady(`reconcile failing (${f.consecutiveFailures} in a row${retry}): ${f.reason}`)
  }

  /** Differences found by one incremental-vs-full comparison (logged at error with their subjects). */
  recordDesiredMismatch(differences: number): void {
    this.desiredMismatch.inc({}, differences)
  }

  /** Complete advertised counts by kind: kinds not in `counts` are set to 0. */
  setExposed(counts: KindCounts<ExposedKind>): void {
    for (const kind of Object.keys(EXPOSED_KINDS) as ExposedKind[]) this.exposedIps.set({kind}, counts[kind] ?? 0)
  }

  /** Seconds between an NB update arriving and its kernel change being applied. */
  recordCommitToKernel(seconds: number): void {
    if (seconds >= 0) this.nbCommitToKernel.observe({}, seconds)
  }
}

function addCounts<K extends string>(counts: KindCounts<K> | undefined, add: (kind: string, n: number) => void): void {
  if (!counts) return
  for (const [kind, n] of Object.entries(counts) as Array<[string, number | undefined]>)
    if (n !== undefined && n > 0) add(kind, n)
}
