// How ovn-bgp connects to the Northbound database: the database name and the client options taken
// from the configuration. Shared by the daemon's NB source and the doctor's NB check, so that both
// connect the same way (SSL files only for ssl: remotes, as upstream).
import type {Logger} from '../log.js'

export const NB_DB = 'OVN_Northbound'

export interface NbSourceOptions {
  remotes: string
  ssl?: {privateKey: string; certificate: string; caCert: string}
  logger: Logger
  probeIntervalMs?: number
  connectTimeoutMs?: number
}

/** The configuration options the NB connection reads (a subset of AgentConfig). */
export interface NbConnectionConfig {
  ovsdbConnectionTimeout: number
  ovnNbPrivateKey: string
  ovnNbCertificate: string
  ovnNbCaCert: string
}

/** NB remote and SSL files from the configuration (SSL only for ssl: remotes, as upstream). */
export function nbSourceOptions(cfg: NbConnectionConfig, remote: string, logger: Logger): NbSourceOptions {
  const opts: NbSourceOptions = {remotes: remote, logger, connectTimeoutMs: cfg.ovsdbConnectionTimeout * 1000}
  if (remote.split(',').some((r) => r.trim().startsWith('ssl:'))) {
    opts.ssl = {privateKey: cfg.ovnNbPrivateKey, certificate: cfg.ovnNbCertificate, caCert: cfg.ovnNbCaCert}
  }
  return opts
}
