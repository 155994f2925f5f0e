// The planner's inputs besides the NB snapshot, as plain data gathered by the caller from the local
// OVS database and the host (docs/upstream-behaviour.md#local-ovs-database, docs/upstream-behaviour.md#full-sync,
// docs/upstream-behaviour.md#bridge-routing-tables), and the environment every planning rule shares.
import type {AgentConfig} from '../config/types.js'
import type {NbView} from '../nb/model.js'
import type {PlanSink} from './collector.js'
import type {LocalContext} from './local-context.js'

import {type LsClassifier, makeClassifier} from './provider.js'

export type {LocalContext, PatchPort} from './local-context.js'

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

/**
 * "False" = centralized; "True", any other value or a missing key = distributed
 * (docs/upstream-behaviour.md#distributedflagchangedevent).
 */
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
