// Router gateway port (cr-lrp) events: ovn-northd moving status:hosting-chassis to or away from this
// chassis (docs/upstream-behaviour.md#chassisredirectcreateevent,
// docs/upstream-behaviour.md#chassisredirectdeleteevent, and the second half of
// docs/upstream-behaviour.md#centralized-fip-events).
import type {LogicalRouterPort, NbChange, StrMap} from '../../nb/model.js'
import type {AgentView} from './agent-view.js'
import type {CallInfo, DriverCall, EventSpec} from './types.js'

import {changed} from '../../nb/decode.js'
import {ipKey, KEY_FIP_NET, KEY_NETWORK, networkOf} from '../../nb/keys.js'

type Ctx = NbChange<LogicalRouterPort>
const LRP = 'Logical_Router_Port'
const always = () => true
const centralized = (view: AgentView) => !view.distributed

function hosting(status: StrMap | undefined): string | undefined {
  const h = status?.['hosting-chassis']
  return h || undefined
}

/** Hosting chassis before and after an update that changed `status` (undefined: not such an update). */
function hostingMove(ctx: Ctx): {from: string | undefined; to: string | undefined} | undefined {
  if (ctx.kind !== 'update' || !changed(ctx, 'status')) return undefined
  const from = hosting(ctx.old?.status)
  const to = hosting(ctx.row.status)
  return from === to ? undefined : {from, to}
}

/** Addresses of `networks` without their prefix length. */
function lrpIps(lrp: LogicalRouterPort): string[] {
  return lrp.networks.map((n) => ipKey(n.split('/')[0] ?? n))
}

/** Upstream `make_lrp_dict`. */
function lrpInfo(lrp: LogicalRouterPort): CallInfo {
  return {
    mac: lrp.mac,
    cidrs: lrp.networks,
    type: 'crlrp',
    logical_switch: lrp.externalIds[KEY_NETWORK] || null,
    router: lrp.externalIds['neutron:router_name'] || null,
  }
}

export const chassisRedirectCreate: EventSpec<LogicalRouterPort> = {
  name: 'ChassisRedirectCreateEvent',
  table: LRP,
  // Update only: ovn-northd fills `status` after the port is created.
  kinds: ['update'],
  action: 'expose_ip',
  active: always,
  match(ctx, view) {
    if (ctx.row.networks.length === 0) return false
    return hostingMove(ctx)?.to === view.chassisId
  },
  run: ({row}) => [{fn: 'expose_ip', ips: lrpIps(row), info: lrpInfo(row)}],
}

export const chassisRedirectDelete: EventSpec<LogicalRouterPort> = {
  name: 'ChassisRedirectDeleteEvent',
  table: LRP,
  kinds: ['update', 'delete'],
  action: 'withdraw_ip',
  active: always,
  match(ctx, view) {
    if (ctx.row.networks.length === 0) return false
    if (ctx.kind === 'delete') return hosting(ctx.row.status) === view.chassisId
    return hostingMove(ctx)?.from === view.chassisId
  },
  run: ({row}) => [{fn: 'withdraw_ip', ips: lrpIps(row), info: lrpInfo(row)}],
}

/**
 * Centralized NAT exposer, per dnat_and_snat NAT whose gateway_port is this LRP
 * (docs/upstream-behaviour.md#centralized-fip-events).
 */
function natCalls(fn: 'expose_fip' | 'withdraw_fip', lrp: LogicalRouterPort, view: AgentView): DriverCall[] {
  const calls: DriverCall[] = []
  const nats = [...view.nb.natsByGatewayPort(lrp.uuid)].filter((n) => n.type === 'dnat_and_snat')
  nats.sort((a, b) => (a.uuid < b.uuid ? -1 : 1))
  for (const nat of nats) {
    const lsp = nat.logicalPort === undefined ? undefined : view.nb.lspByName(nat.logicalPort)
    const base = {lsp: lsp?.name ?? null, logical_switch: lsp ? (networkOf(lsp) ?? null) : null}
    if (fn === 'withdraw_fip') {
      calls.push({fn, ips: [ipKey(nat.externalIp)], info: base})
      continue
    }

    const net = nat.externalIds[KEY_FIP_NET]
    if (!lsp || !net) continue
    calls.push({fn, ips: [ipKey(nat.externalIp)], info: {mac: lrp.mac, provider_ls: `neutron-${net}`, ...base}})
  }

  return calls
}

export const crLrpChassisChangeExpose: EventSpec<LogicalRouterPort> = {
  name: 'CrLrpChassisChangeExposeEvent',
  table: LRP,
  kinds: ['update'],
  action: 'expose_fip',
  active: centralized,
  match: (ctx, view) => hostingMove(ctx)?.to === view.chassisId,
  run: ({row}, view) => natCalls('expose_fip', row, view),
}

export const crLrpChassisChangeWithdraw: EventSpec<LogicalRouterPort> = {
  name: 'CrLrpChassisChangeWithdrawEvent',
  table: LRP,
  kinds: ['update'],
  action: 'withdraw_fip',
  active: centralized,
  match: (ctx, view) => hostingMove(ctx)?.from === view.chassisId,
  run: ({row}, view) => natCalls('withdraw_fip', row, view),
}
