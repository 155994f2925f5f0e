// computeDesired: NB snapshot x local context x config -> everything a full sync of the upstream
// NB driver with exposing_method=underlay would leave on this node (docs/upstream-behaviour.md#driver-methods,
// docs/upstream-behaviour.md#full-sync), as data.
//
// Contract: pure (no I/O, clock or environment) and total (never throws on NB or local data: bad
// rows become `problems` and are skipped, the rest is still planned). Output order is
// deterministic: objects in KIND_ORDER then key, exposed entries by ip/kind/source, problems by
// table/name/uuid/reason. The reconciler diffs `state.objects` against observed state (diff.ts).
//
// Rule order matters only for conflicts (first contributor wins) and is fixed: base wiring,
// cr-lrps, tenant networks, local ports (VMs, distributed FIPs), centralized FIPs, load balancers.
import type {AgentConfig} from '../config/types.js'
import type {NbView} from '../nb/model.js'

import {planBaseWiring} from './base-wiring.js'
import {type CollectedState, Collector} from './collector.js'
import {type LocalContext, makeEnv, type PlanEnv} from './context.js'
import {localLrps, type LocalRouter, planCrLrps} from './crlrp.js'
import {planCentralizedFips} from './fip.js'
import {planLoadBalancers} from './lb.js'
import {planLocalPorts} from './ports.js'
import {configSource, localSource} from './problems.js'
import {planTenantNetworks, type TenantNetwork} from './tenant.js'

/** A local router as reported to callers (show-exposed, dry-run). */
export interface LocalRouterInfo {
  router: string
  lrp: {table: string; uuid: string; name: string}
  mac: string
  ips: string[]
  providerLs: string
  bridge: string
  vlan: number | null
}

export interface DesiredResult extends CollectedState {
  /** Routers whose cr-lrp is hosted here, by router id. */
  routers: LocalRouterInfo[]
  /** Tenant networks exposed through those routers, by network name. */
  tenantNetworks: TenantNetwork[]
  /** NB_Global neutron:fip-distributed != "False". */
  distributed: boolean
}

const SUPPORTED_DRIVER = 'nb_ovn_bgp_driver'

export function computeDesired(nb: NbView, ctx: LocalContext, cfg: AgentConfig): DesiredResult {
  const out = new Collector()
  const env = makeEnv(nb, ctx, cfg, out)
  if (!preflight(env)) return finish(env, out, new Map(), new Map())
  planBaseWiring(env)
  const lrps = localLrps(env)
  const routers = planCrLrps(env, lrps)
  const tenant = planTenantNetworks(env, routers)
  planLocalPorts(env)
  planCentralizedFips(env, lrps)
  planLoadBalancers(env, routers, tenant)
  return finish(env, out, routers, tenant)
}

/** Configuration this planner cannot serve: reported, and nothing is planned. */
export function preflight(env: PlanEnv): boolean {
  const {cfg, ctx, out} = env
  if (cfg.driver !== SUPPORTED_DRIVER)
    out.problem(configSource('driver'), `driver ${cfg.driver} is not supported (only ${SUPPORTED_DRIVER})`)
  if (cfg.exposingMethod !== 'underlay')
    out.problem(
      configSource('exposing_method'),
      `exposing method ${cfg.exposingMethod} is not supported (only underlay)`,
    )
  if (!ctx.chassisName) out.problem(localSource('chassis-name'), 'chassis name (OVS external_ids:hostname) is empty')
  if (!ctx.chassisId) out.problem(localSource('chassis-id'), 'chassis id (OVS external_ids:system-id) is empty')
  return (
    cfg.driver === SUPPORTED_DRIVER &&
    cfg.exposingMethod === 'underlay' &&
    Boolean(ctx.chassisName) &&
    Boolean(ctx.chassisId)
  )
}

function finish(
  env: PlanEnv,
  out: Collector,
  routers: ReadonlyMap<string, LocalRouter>,
  tenant: ReadonlyMap<string, TenantNetwork>,
): DesiredResult {
  return {
    ...out.result(),
    routers: [...routers.keys()].sort().map((k) => routerInfo(routers.get(k)!)),
    tenantNetworks: [...tenant.keys()].sort().map((k) => tenant.get(k)!),
    distributed: env.distributed,
  }
}

export function routerInfo(r: LocalRouter): LocalRouterInfo {
  return {
    router: r.router,
    lrp: r.lrp,
    mac: r.mac,
    ips: r.ips,
    providerLs: r.providerLs,
    bridge: r.wire.bridge,
    vlan: r.wire.vlan,
  }
}
