// Distributed floating-IP events on the VM port (docs/upstream-behaviour.md#logicalswitchportfipcreateevent,
// docs/upstream-behaviour.md#logicalswitchportfipdeleteevent): registered while FIPs are
// distributed (NB_Global neutron:fip-distributed not "False").
import type {LogicalSwitchPort, Nat, NbChange, NbView} from '../../nb/model.js'
import type {AgentView} from './agent-view.js'
import type {DriverCall, EventSpec} from './types.js'

import {changed} from '../../nb/decode.js'
import {
  hasIp,
  ipKey,
  isActiveHere,
  isLocalPort,
  isVmPort,
  KEY_FIP_NET,
  KEY_PORT_FIP,
  networkOf,
  portChassis,
} from '../../nb/keys.js'

type Ctx = NbChange<LogicalSwitchPort>
const LSP = 'Logical_Switch_Port'
const distributed = (view: AgentView) => view.distributed

function fipOf(p: Partial<LogicalSwitchPort>): string | undefined {
  const f = p.externalIds?.[KEY_PORT_FIP]
  return f ? ipKey(f) : undefined
}

/** The port's FIP before this update (undefined when external_ids did not change or had none). */
function oldFip(ctx: Ctx): string | undefined {
  return ctx.old ? fipOf(ctx.old) : undefined
}

/** First NAT naming the port, dnat_and_snat first, then by uuid (upstream takes its first match). */
function natOfPort(nb: NbView, lspName: string): Nat | undefined {
  const nats = [...nb.natsByLogicalPort(lspName)]
  nats.sort(
    (a, b) => Number(b.type === 'dnat_and_snat') - Number(a.type === 'dnat_and_snat') || (a.uuid < b.uuid ? -1 : 1),
  )
  return nats[0]
}

/** Upstream `get_port_external_ip_and_ls` + `expose_fip`; no call when the NAT is incomplete. */
export function exposeFipCall(nat: Nat | undefined, mac: string | undefined, lsp: LogicalSwitchPort): DriverCall[] {
  const net = nat?.externalIds[KEY_FIP_NET]
  if (!nat || !net || !mac) return []
  return [
    {
      fn: 'expose_fip',
      ips: [ipKey(nat.externalIp)],
      info: {mac, provider_ls: `neutron-${net}`, lsp: lsp.name, logical_switch: networkOf(lsp) ?? null},
    },
  ]
}

export const fipCreate: EventSpec<LogicalSwitchPort> = {
  name: 'LogicalSwitchPortFIPCreateEvent',
  table: LSP,
  kinds: ['update'],
  action: 'expose_fip',
  active: distributed,
  match(ctx, view) {
    const {row} = ctx
    if (!isVmPort(row) || !hasIp(row)) return false
    const fip = fipOf(row)
    if (!isActiveHere(row, view.chassisName) || fip === undefined) return false
    // Came up here (end of a live migration). An empty `up` before counts as down.
    if (changed(ctx, 'up') && ctx.old?.up !== true) return true
    if (oldFip(ctx) === fip) {
      // Same FIP: only a binding change (e.g. neutron:host_id re-added on a virtual port) exposes,
      // not revision-number-only updates. Old columns that did not change are absent here.
      return portChassis(ctx.old ?? {}, view.chassisName) !== portChassis(row, view.chassisName)
    }

    const ls = networkOf(row)
    return ls === undefined || !view.isExposed(ls, fip)
  },
  run({row}, view) {
    const nat = natOfPort(view.nb, row.name)
    return exposeFipCall(nat, nat?.externalMac, row)
  },
}

export const fipDelete: EventSpec<LogicalSwitchPort> = {
  name: 'LogicalSwitchPortFIPDeleteEvent',
  table: LSP,
  kinds: ['update', 'delete'],
  action: 'withdraw_fip',
  active: distributed,
  match(ctx, view) {
    const {row} = ctx
    if (!isVmPort(row) || !hasIp(row)) return false
    const cur = fipOf(row)
    const before = oldFip(ctx)
    const fip = before ?? cur
    const ls = networkOf(row)
    if (fip === undefined || ls === undefined || !view.isExposed(ls, fip)) return false
    if (ctx.kind === 'delete') return true
    if (changed(ctx, 'up') && ctx.old?.up === true && row.up !== true) return true
    if (before !== undefined && cur !== before) return true
    return !isLocalPort(row, view.chassisName)
  },
  run(ctx) {
    const fip = oldFip(ctx) ?? fipOf(ctx.row)
    if (fip === undefined) return []
    return [{fn: 'withdraw_fip', ips: [fip], info: {lsp: ctx.row.name, logical_switch: networkOf(ctx.row) ?? null}}]
  },
}
