// Index keys derived from typed rows: which chassis a port names, which router an LB belongs to ...
// Shared by the NB indexes and the planner so both read the NB columns the same way (spec §2.2, §3).
import type {LoadBalancer, LogicalRouterPort, LogicalSwitchPort} from './model.js'

export const ROUTER_INTERFACE_OWNER = 'network:router_interface'

/** Elements of options:requested-chassis (comma list during live migration), trimmed, non-empty. */
export function requestedChassis(lsp: Pick<LogicalSwitchPort, 'options'>): string[] {
  const raw = lsp.options['requested-chassis'] ?? ''
  return raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
}

/** Every chassis name a port mentions (requested-chassis elements, neutron:host_id). */
export function chassisKeys(lsp: LogicalSwitchPort): string[] {
  const keys = new Set(requestedChassis(lsp))
  const host = lsp.externalIds['neutron:host_id']
  if (host) keys.add(host)
  return [...keys]
}

export function isRouterInterface(lsp: LogicalSwitchPort): boolean {
  return lsp.type === 'router' && lsp.externalIds['neutron:device_owner'] === ROUTER_INTERFACE_OWNER
}

/** Value with one leading 'neutron-' removed (router ids in LB external_ids). */
export function stripNeutronPrefix(s: string): string {
  return s.startsWith('neutron-') ? s.slice('neutron-'.length) : s
}

/** Routers an LB is attached to: lr_ref (OVN LBs) and neutron:router_name (port-forwarding LBs). */
export function lbRouterKeys(lb: LoadBalancer): string[] {
  const keys = new Set<string>()
  for (const k of ['lr_ref', 'neutron:router_name']) {
    const v = lb.externalIds[k]
    if (v) keys.add(stripNeutronPrefix(v))
  }
  return [...keys]
}

export function hostingChassis(lrp: LogicalRouterPort): string | undefined {
  const v = lrp.status?.['hosting-chassis']
  return v ? v : undefined
}
