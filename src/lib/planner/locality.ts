// Which NB rows belong to this chassis (docs/upstream-behaviour.md#locality).
import type {LogicalSwitchPort} from '../nb/model.js'

import {isRouterInterface, portChassis} from '../nb/keys.js'

export {portChassis} from '../nb/keys.js'

/** LSP types that are workloads (VMs, and virtual ports such as Octavia amphora VIPs). */
const VM_TYPES: ReadonlySet<string> = new Set(['', 'virtual'])

export function isVmPort(lsp: LogicalSwitchPort): boolean {
  return VM_TYPES.has(lsp.type)
}

/** Bound here and up: the condition for exposing a workload port on this chassis. */
export function isActiveHere(lsp: LogicalSwitchPort, chassisName: string): boolean {
  return lsp.up === true && portChassis(lsp, chassisName) === chassisName
}

/** Router-interface LSP that is up (upstream `get_active_local_lrps`). */
export function isActiveRouterInterface(lsp: LogicalSwitchPort): boolean {
  return isRouterInterface(lsp) && lsp.up === true
}

/** Network (LS name) an LSP belongs to according to Neutron: external_ids:neutron:network_name. */
export function networkOf(lsp: {externalIds: Readonly<Record<string, string>>}): string | undefined {
  const v = lsp.externalIds['neutron:network_name']
  return v || undefined
}
