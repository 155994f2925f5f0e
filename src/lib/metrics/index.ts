// Public surface of the metrics layer: the daemon's metric set, the HTTP endpoint, the registry.
export {AgentMetrics} from './agent-metrics.js'
