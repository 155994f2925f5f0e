// How ovn-bgp connects to the Northbound database: the database name and the client options taken
// from the configuration. Shared by the daemon's NB source and the doctor's NB check, so that both
// connect the same way (SSL files only for ssl: remotes, as upstream).
import type {Logger} from '../log.js'
import type {ConditionUpdate} from '../ovsdb/types.js'
import type {ChassisScope} from './scope.js'

export const NB_DB = 'OVN_Northbound'

export interface NbSourceOptions {
  remotes: string
  ssl?: {privateKey: string; certificate: string; caCert: string}
  logger: Logger
  probeIntervalMs?: number
  connectTimeoutMs?: number
  /** Replicate only the rows that can matter to this chassis; undefined = every row. */
  scope?: ChassisScope
  /** With a scope: where its conditions are kept between runs (a hint for the next start). */
  scopeStore?: ScopeStore
}

/** Where NbSource keeps its scope's conditions between runs (driver/scope-cache.ts). */
export interface ScopeStore {
  /** The saved conditions for this chassis, or undefined (none, unreadable, or not valid). */
  load(): Promise<ConditionUpdate | undefined>
  /** Saves `conditions` (a fixed point of the scope); failures are logged, not thrown. */
  save(conditions: ConditionUpdate): Promise<void>
}

/** The configuration options the NB connection reads (a subset of AgentConfig). */
export interface NbConnectionConfig {
  ovsdbConnectionTimeout: number
  ovnNbPrivateKey: string
  ovnNbCertificate: string
  ovnNbCaCert: string
  nbMonitorScope: 'chassis' | 'all'
}

/**
 * NB remote and SSL files from the configuration (SSL only for ssl: remotes, as upstream); the
 * chassis scope from `identity` unless [ovn] nb_monitor_scope = all (or no identity is known).
 */
export function nbSourceOptions(
  cfg: NbConnectionConfig,
  remote: string,
  logger: Logger,
  identity?: ChassisScope,
): NbSourceOptions {
  const opts: NbSourceOptions = {remotes: remote, logger, connectTimeoutMs: cfg.ovsdbConnectionTimeout * 1000}
  if (cfg.nbMonitorScope !== 'all' && identity?.chassisName)
    opts.scope = {chassisName: identity.chassisName, chassisId: identity.chassisId}
  if (remote.split(',').some((r) => r.trim().startsWith('ssl:'))) {
    opts.ssl = {privateKey: cfg.ovnNbPrivateKey, certificate: cfg.ovnNbCertificate, caCert: cfg.ovnNbCaCert}
  }

  return opts
}
