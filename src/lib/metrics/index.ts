// Public surface of the metrics layer: the daemon's metric set, the HTTP endpoint, the registry.
export {
  AgentMetrics,
  COMMIT_TO_KERNEL_BUCKETS,
  RECONCILE_BUCKETS,
  type ChangeAction,
  type FrrCheckResult,
  type KindCounts,
  type PassOutcome,
  type PassSummary,
} from './agent-metrics.js'
export {INITIAL_NOT_READY_REASON, Readiness, type ReadinessState} from './readiness.js'
export {
  Counter,
  EXPOSITION_CONTENT_TYPE,
  Gauge,
  Histogram,
  Registry,
  type FamilyInfo,
  type HistogramOptions,
  type LabelValues,
  type MetricOptions,
} from './registry.js'
export {MetricsServer, parseListenAddress, type ListenAddress, type MetricsServerOptions} from './server.js'
