// The planner's inputs besides the NB snapshot, as plain data gathered by the caller from the local
// OVS database and the host (spec §2.1, §6.4-6.5), and the environment every planning rule shares.
import type {AgentConfig, BridgeMapping} from '../config/types.js'
import type {NbView} from '../nb/model.js'
import type {PlanSink} from './collector.js'
import {type LsClassifier, makeClassifier} from './provider.js'

export interface PatchPort {
  /** `patch-provnet-*` or `patch-<localnet LSP name>-to-br-int`. */
  name: string
  /** OpenFlow port number; ports without one (not yet assigned) should be left out by the caller. */
  ofport: number
}

export interface LocalContext {
  /** OVS external_ids:hostname (or the configured override): matched against requested-chassis / neutron:host_id. */
  chassisName: string
  /** OVS external_ids:system-id: matched against LRP status:hosting-chassis. */
  chassisId: string
  /** ovn-bridge-mappings, in configuration order (index = 1-based position). */
  bridgeMappings: BridgeMapping[]
  /** Routing table number of each provider bridge (rt_tables). A mapped bridge missing here is a problem. */
  bridgeTables: Record<string, number>
  /** MAC address of each provider bridge, written by the MAC-tweak flows. */
  bridgeMacs: Record<string, string>
  /** Patch ports on each provider bridge with their ofports. */
  patchPorts: Record<string, PatchPort[]>
  /** Links present on the host; when given, a mapped bridge absent from it is a problem (never created). */
  existingBridges?: string[]
}

/** Everything a planning rule reads, plus the collector it writes into. */
export interface PlanEnv {
  nb: NbView
  ctx: LocalContext
  cfg: AgentConfig
  out: PlanSink
  /** Provider/tenant classification of logical switches, memoised for this pass. */
  ls: LsClassifier
  /** NB_Global external_ids:neutron:fip-distributed != "False". */
  distributed: boolean
  /** expose_tenant_networks or expose_ipv6_gua_tenant_networks. */
  tenantEnabled: boolean
  /** Tenant exposure limited to IPv6 GUAs (the GUA flag without expose_tenant_networks). */
  guaOnly: boolean
  subnetMode: boolean
}

/** Spec §4.12: "False" = centralized; "True", any other value or a missing key = distributed. */
export function isDistributed(nb: NbView): boolean {
  return nb.nbGlobal()?.externalIds['neutron:fip-distributed'] !== 'False'
}

/** The environment of one planning run writing into `out`; `ls` defaults to a fresh memoised classifier. */
export function makeEnv(nb: NbView, ctx: LocalContext, cfg: AgentConfig, out: PlanSink, ls?: LsClassifier): PlanEnv {
  return {
    nb,
    ctx,
    cfg,
    out,
    ls: ls ?? makeClassifier(ctx, (n) => nb.localnetPortsOfLs(n)),
    distributed: isDistributed(nb),
    tenantEnabled: cfg.exposeTenantNetworks || cfg.exposeIpv6GuaTenantNetworks,
    guaOnly: !cfg.exposeTenantNetworks && cfg.exposeIpv6GuaTenantNetworks,
    subnetMode: cfg.advertisementMethodTenantNetworks === 'subnet',
  }
}
