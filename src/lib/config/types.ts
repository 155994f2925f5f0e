// The resolved agent configuration: what every layer receives. Built by config/load.ts from
// defaults < config files (bgp-agent.conf, oslo INI) < environment < command-line flags.

export type ExposingMethod = 'underlay' | 'l2vni' | 'vrf' | 'dynamic' | 'ovn'
export type TenantAdvertisement = 'host' | 'subnet'
export type NbMonitorScope = 'chassis' | 'all'

export interface BridgeMapping {
  physnet: string
  bridge: string
  /** 1-based position in the mapping list (invalid entries still consume an index, as upstream). */
  index: number
}

export interface AgentConfig {
  // [DEFAULT], upstream options (same names in snake_case in the INI file)
  driver: string
  exposingMethod: ExposingMethod
  reconcileInterval: number
  frrReconcileInterval: number
  exposeTenantNetworks: boolean
  exposeIpv6GuaTenantNetworks: boolean
  advertisementMethodTenantNetworks: TenantAdvertisement
  requireSnatDisabledForTenantNetworks: boolean
  /** Empty = no address-scope filtering. */
  addressScopes: string[]
  bgpAS: string
  bgpRouterId: string | undefined
  bgpNic: string
  bgpVrf: string
  bgpVrfTableId: number
  clearVrfRoutesOnStartup: boolean
  /** Local Open_vSwitch database. */
  ovsdbConnection: string
  ovsdbConnectionTimeout: number
  debug: boolean
  logFile: string | undefined

  // [ovn] (also accepted, deprecated, in [DEFAULT])
  ovnNbConnection: string | undefined
  ovnNbPrivateKey: string
  ovnNbCertificate: string
  ovnNbCaCert: string
  /** ovn-bgp's own: which NB rows the monitor asks for (chassis-scoped conditions, or every row). */
  nbMonitorScope: NbMonitorScope

  // [agent]
  rootHelper: string

  // ovn-bgp's own options ([DEFAULT])
  /** Overrides OVS external_ids:hostname. */
  chassisName: string | undefined
  /** Overrides OVS external_ids:system-id. */
  chassisId: string | undefined
  /** Overrides OVS external_ids:ovn-bridge-mappings (`physnet:bridge,...`). */
  bridgeMappings: BridgeMapping[] | undefined
  vtyshPath: string
  /** FRR vty socket directory (upstream hard-codes /run/frr/). */
  frrVtySocket: string
  rtTablesPath: string
  /** Where ovn-bgp keeps its ledger of owned neighbours/NDP proxies. */
  stateDir: string
  /** ip, sysctl, ovs-ofctl, ovs-vsctl binaries (for non-standard installs and tests). */
  ipPath: string
  ovsOfctlPath: string
  /** Extra environment for OVS tools (OVS_RUNDIR ...), `KEY=VALUE,...`. */
  ovsEnv: Record<string, string>
  /** Prometheus endpoint `host:port`; undefined = off. */
  metricsAddress: string | undefined
  logJson: boolean
}
