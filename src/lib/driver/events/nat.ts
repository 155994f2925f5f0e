// NAT (dnat_and_snat) events (docs/upstream-behaviour.md#natmacaddedevent,
// docs/upstream-behaviour.md#centralized-fip-events): distributed FIPs whose MAC ovn-northd/neutron
// fills in later, and centralized FIPs created on / deleted from a gateway hosted here.
import type {LogicalSwitchPort, Nat, NbChange} from '../../nb/model.js'
import type {AgentView} from './agent-view.js'
import type {EventSpec} from './types.js'

import {changed} from '../../nb/decode.js'
import {ipKey, isVmPort, KEY_FIP_NET, KEY_HOST, networkOf, requestedChassis} from '../../nb/keys.js'
import {exposeFipCall} from './lsp-fip.js'

type Ctx = NbChange<Nat>
const NAT = 'NAT'
const DNAT_SNAT = 'dnat_and_snat'

function natLsp(nat: Nat, view: AgentView): LogicalSwitchPort | undefined {
  return nat.logicalPort === undefined ? undefined : view.nb.lspByName(nat.logicalPort)
}

/**
 * The FIP's port is bound here: virtual ports by neutron:host_id; VM ports when our chassis is in
 * requested-chassis. Upstream compares requested-chassis to the chassis name exactly and so misses
 * the comma list of a live migration (docs/upstream-behaviour.md#bug-10-nat-mac-event); we accept our chassis anywhere
 * in it.
 */
function boundHere(lsp: LogicalSwitchPort, view: AgentView): boolean {
  if (lsp.type === 'virtual') return lsp.externalIds[KEY_HOST] === view.chassisName
  if (lsp.type !== '') return false
  return requestedChassis(lsp).includes(view.chassisName)
}

export const natMacAdded: EventSpec<Nat> = {
  name: 'NATMACAddedEvent',
  table: NAT,
  kinds: ['update'],
  action: 'expose_fip',
  active: (view) => view.distributed,
  match(ctx, view) {
    const {row} = ctx
    if (row.type !== DNAT_SNAT) return false
    const lsp = natLsp(row, view)
    if (!lsp || !boundHere(lsp, view)) return false
    if (!changed(ctx, 'externalMac')) return false
    if (row.externalMac === undefined || ctx.old?.externalMac === row.externalMac) return false
    return row.externalIds[KEY_FIP_NET] !== undefined && row.externalIp !== ''
  },
  run({row}, view) {
    const lsp = natLsp(row, view)
    return lsp ? exposeFipCall(row, row.externalMac, lsp) : []
  },
}

/** Gateway LRP of the NAT is hosted on this chassis. */
function gatewayHere(nat: Nat, view: AgentView): boolean {
  const gw = nat.gatewayPort === undefined ? undefined : view.nb.lrp(nat.gatewayPort)
  return gw !== undefined && gw.status?.['hosting-chassis'] === view.chassisId
}

/** Upstream `FipOnCRLRPBaseEvent` match: VM-like port, FIP network known, gateway hosted here. */
function centralizedFipHere(ctx: Ctx, view: AgentView): boolean {
  const {row} = ctx
  if (row.type !== DNAT_SNAT || row.logicalPort === undefined) return false
  const lsp = natLsp(row, view)
  if (!lsp || !isVmPort(lsp)) return false
  return row.externalIds[KEY_FIP_NET] !== undefined && gatewayHere(row, view)
}

export const exposeFipOnCrLrp: EventSpec<Nat> = {
  name: 'ExposeFIPOnCRLRP',
  table: NAT,
  kinds: ['insert'],
  action: 'expose_fip',
  active: (view) => !view.distributed,
  match: centralizedFipHere,
  run({row}, view) {
    const lsp = natLsp(row, view)
    const gw = row.gatewayPort === undefined ? undefined : view.nb.lrp(row.gatewayPort)
    return lsp ? exposeFipCall(row, gw?.mac, lsp) : []
  },
}

export const withdrawFipOnCrLrp: EventSpec<Nat> = {
  name: 'WithdrawFIPOnCRLRP',
  table: NAT,
  kinds: ['delete'],
  action: 'withdraw_fip',
  active: (view) => !view.distributed,
  match(ctx, view) {
    if (centralizedFipHere(ctx, view)) return true
    // The port or the gateway may be deleted in the same transaction (the replica already lacks
    // them); upstream then drops the event. A FIP we still expose must be withdrawn regardless.
    return ctx.row.type === DNAT_SNAT && view.isExposedAnywhere(ipKey(ctx.row.externalIp))
  },
  run({row}, view) {
    const lsp = natLsp(row, view)
    return [
      {
        fn: 'withdraw_fip',
        ips: [ipKey(row.externalIp)],
        info: {lsp: lsp?.name ?? null, logical_switch: lsp ? (networkOf(lsp) ?? null) : null},
      },
    ]
  },
}
