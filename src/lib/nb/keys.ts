// Index keys derived from typed rows: which chassis a port names, which router an LB belongs to ...
// Shared by the NB indexes and the planner so both read the NB columns the same way
// (docs/upstream-behaviour.md#locality, docs/upstream-behaviour.md#nb-tables-and-columns).
import type {LoadBalancer, LogicalRouterPort, LogicalSwitchPort, StrMap} from './model.js'

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

/**
 * The chassis a port is bound to (upstream `port_chassis`): for non-virtual ports with
 * options:requested-chassis, our name if it is one of the comma-separated elements (live migration
 * lists source and destination), else the first element; otherwise external_ids:neutron:host_id
 * (the only binding source of virtual ports); otherwise undefined. Works on partial rows (the `old`
 * of an update): a missing `type` counts as a VM port, missing options/external_ids are skipped.
 */
export function portChassis(
  p: {type?: string; options?: StrMap; externalIds?: StrMap},
  chassisName: string,
): string | undefined {
  if ((p.type ?? '') !== 'virtual' && p.options) {
    const list = requestedChassis({options: p.options})
    if (list.length > 0) return list.includes(chassisName) ? chassisName : list[0]
  }

  const host = p.externalIds?.['neutron:host_id']
  return host || undefined
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
  return v || undefined
}
