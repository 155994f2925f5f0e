// Builds the AgentView the event matchers read from the last desired state: the same facts
// upstream's match functions read from the driver's in-memory dictionaries
// (docs/upstream-behaviour.md#in-memory-state).
import type {AgentConfig} from '../config/types.js'
import type {NbView} from '../nb/model.js'
import type {LocalContext} from '../planner/context.js'
import type {DesiredResult} from '../planner/desired.js'
import type {AgentView} from './events/agent-view.js'

import {makeClassifier} from '../planner/provider.js'

export function agentView(
  nb: NbView,
  cfg: AgentConfig,
  ctx: LocalContext | undefined,
  last: DesiredResult | undefined,
): AgentView {
  const exposed = new Set<string>()
  for (const e of last?.state.exposed ?? []) exposed.add(e.ip)
  const classifier = ctx ? makeClassifier(ctx, (n) => nb.localnetPortsOfLs(n)) : undefined
  return {
    chassisName: ctx?.chassisName ?? '',
    chassisId: ctx?.chassisId ?? '',
    distributed: last?.distributed ?? nb.nbGlobal()?.externalIds['neutron:fip-distributed'] !== 'False',
    tenantExposure: cfg.exposeTenantNetworks || cfg.exposeIpv6GuaTenantNetworks,
    advertisement: cfg.advertisementMethodTenantNetworks,
    exposingMethod: cfg.exposingMethod,
    localRouters: new Set((last?.routers ?? []).map((r) => r.router)),
    localTenantNetworks: new Set((last?.tenantNetworks ?? []).map((t) => t.network)),
    // Exposure is tracked per IP, not per (switch, IP): a superset of upstream's keyed lookup, which
    // can only make a change look relevant when it is not (costing one cheap reconcile).
    isExposed: (_ls, ip) => exposed.has(ip),
    isExposedAnywhere: (ip) => exposed.has(ip),
    isProviderLs: (ls) => (classifier ? typeof classifier.classify(ls) === 'object' : false),
    nb,
  }
}
