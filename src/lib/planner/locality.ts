// Which NB rows belong to this chassis (spec §2.2).
import type {LogicalRouterPort, LogicalSwitchPort} from '../nb/model.js'
import {hostingChassis, isRouterInterface, requestedChassis} from '../nb/keys.js'

/** LSP types that are workloads (VMs, and virtual ports such as Octavia amphora VIPs). */
export const VM_TYPES: ReadonlySet<string> = new Set(['', 'virtual'])

export function isVmPort(lsp: LogicalSwitchPort): boolean {
  return VM_TYPES.has(lsp.type)
}

/**
 * The chassis a port is bound to, as upstream `port_chassis`: for non-virtual ports with
 * options:requested-chassis, our name if it is one of the comma-separated elements (live migration
 * lists source and destination), else the first element; otherwise external_ids:neutron:host_id
 * (the only binding source of virtual ports); otherwise undefined.
 */
export function portChassis(lsp: LogicalSwitchPort, chassisName: string): string | undefined {
  if (lsp.type !== 'virtual') {
    const rc = requestedChassis(lsp)
    if (rc.length > 0) return rc.includes(chassisName) ? chassisName : rc[0]
  }
  const host = lsp.externalIds['neutron:host_id']
  return host ? host : undefined
}

/** Bound here and up: the condition for exposing a workload port on this chassis. */
export function isActiveHere(lsp: LogicalSwitchPort, chassisName: string): boolean {
  return lsp.up === true && portChassis(lsp, chassisName) === chassisName
}

/** Router-interface LSP that is up (upstream `get_active_local_lrps`). */
export function isActiveRouterInterface(lsp: LogicalSwitchPort): boolean {
  return isRouterInterface(lsp) && lsp.up === true
}

/** A cr-lrp is local iff status:hosting-chassis is our chassis id. */
export function isLocalCrLrp(lrp: LogicalRouterPort, chassisId: string): boolean {
  return hostingChassis(lrp) === chassisId
}

/** Network (LS name) an LSP belongs to according to Neutron: external_ids:neutron:network_name. */
export function networkOf(lsp: {externalIds: Readonly<Record<string, string>>}): string | undefined {
  const v = lsp.externalIds['neutron:network_name']
  return v ? v : undefined
}
