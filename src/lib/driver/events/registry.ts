// Every event class, and which of them are registered for an agent configuration
// (docs/upstream-behaviour.md#plumbing-and-registration).
import type {AgentView} from './agent-view.js'
import type {EventName, EventSpec} from './types.js'

import {lbCreate, lbDelete, pfCreate, pfDelete} from './lb.js'
import {
  chassisRedirectCreate,
  chassisRedirectDelete,
  crLrpChassisChangeExpose,
  crLrpChassisChangeWithdraw,
} from './lrp.js'
import {fipCreate, fipDelete} from './lsp-fip.js'
import {ipsChanged, localnetCreateDelete, providerCreate, providerDelete} from './lsp-provider.js'
import {subnetAttach, subnetDetach, tenantCreate, tenantDelete} from './lsp-tenant.js'
import {exposeFipOnCrLrp, natMacAdded, withdrawFipOnCrLrp} from './nat.js'
import {distributedFlagChanged} from './nb-global.js'

/**
 * All classes, in upstream registration order (our additions next to their relatives). Method
 * parameter bivariance lets table-specific specs live in one list; the classifier only hands a
 * spec changes of its own table.
 */
export const ALL_EVENTS: readonly EventSpec[] = [
  providerCreate,
  providerDelete,
  ipsChanged,
  lbCreate,
  lbDelete,
  pfCreate,
  pfDelete,
  chassisRedirectCreate,
  chassisRedirectDelete,
  distributedFlagChanged,
  localnetCreateDelete,
  subnetAttach,
  subnetDetach,
  tenantCreate,
  tenantDelete,
  natMacAdded,
  fipCreate,
  fipDelete,
  exposeFipOnCrLrp,
  withdrawFipOnCrLrp,
  crLrpChassisChangeExpose,
  crLrpChassisChangeWithdraw,
] as readonly EventSpec[]

export function eventSpec(name: EventName): EventSpec {
  const spec = ALL_EVENTS.find((s) => s.name === name)
  if (!spec) throw new Error(`unknown event class ${name}`)
  return spec
}

/** Event classes registered for this configuration and FIP mode (the set swaps when the mode does). */
export function activeEvents(view: AgentView): EventName[] {
  return ALL_EVENTS.filter((s) => s.active(view)).map((s) => s.name)
}
