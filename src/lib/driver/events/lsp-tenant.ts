// Tenant-network events (docs/upstream-behaviour.md#logicalswitchportsubnetattachevent,
// docs/upstream-behaviour.md#logicalswitchportsubnetdetachevent,
// docs/upstream-behaviour.md#tenant-vm-events): router interfaces attached to / detached from a
// router whose cr-lrp is exposed here, and VM ports on such tenant networks (host advertisement only).
import type {LogicalSwitchPort, NbChange} from '../../nb/model.js'
import type {AgentView} from './agent-view.js'
import type {CallInfo, DriverCall, EventSpec} from './types.js'

import {changed} from '../../nb/decode.js'
import {
  hasIp,
  isActiveRouterInterface,
  isRouterInterface,
  isVmPort,
  KEY_CIDRS,
  KEY_DEVICE_ID,
  networkOf,
  portIps,
  splitList,
} from '../../nb/keys.js'
import {addressScopes} from '../../planner/parse.js'
import {lspInfo} from './lsp-provider.js'

type Ctx = NbChange<LogicalSwitchPort>
const LSP = 'Logical_Switch_Port'
const tenantOn = (view: AgentView) => view.tenantExposure
const tenantHostOn = (view: AgentView) => view.tenantExposure && view.advertisement === 'host'

function routerOf(p: Partial<LogicalSwitchPort>): string | undefined {
  const r = p.externalIds?.[KEY_DEVICE_ID]
  return r || undefined
}

/** Upstream `addr_scopes` flattened into two keys. */
function addressScopeInfo(p: LogicalSwitchPort): CallInfo {
  const s = addressScopes(p)
  return {address_scope4: s[4] ?? null, address_scope6: s[6] ?? null}
}

const isLocalRouter = (view: AgentView, r: string | undefined) => r !== undefined && view.localRouters.has(r)

function subnetCall(
  fn: 'expose_subnet' | 'withdraw_subnet',
  row: LogicalSwitchPort,
  router: string | undefined,
): DriverCall {
  return {
    fn,
    ips: splitList(row.externalIds[KEY_CIDRS]),
    info: {associated_router: router ?? null, network: networkOf(row) ?? null, ...addressScopeInfo(row)},
  }
}

export const subnetAttach: EventSpec<LogicalSwitchPort> = {
  name: 'LogicalSwitchPortSubnetAttachEvent',
  table: LSP,
  kinds: ['update'],
  action: 'expose_subnet',
  active: tenantOn,
  match(ctx, view) {
    const {row} = ctx
    if (!isActiveRouterInterface(row)) return false
    const router = routerOf(row)
    if (!isLocalRouter(view, router)) return false
    if (changed(ctx, 'up') && ctx.old?.up !== true) return true
    if (!changed(ctx, 'externalIds')) return false
    const before = routerOf(ctx.old ?? {})
    return before !== router && !isLocalRouter(view, before)
  },
  run: ({row}) => [subnetCall('expose_subnet', row, routerOf(row))],
}

/** Router the interface was detached from: the old device_id when this update changed it. */
function detachedRouter(ctx: Ctx): string | undefined {
  const now = routerOf(ctx.row)
  if (ctx.kind === 'update' && changed(ctx, 'externalIds')) {
    const before = routerOf(ctx.old ?? {})
    if (before !== undefined && before !== now) return before
  }

  return now
}

export const subnetDetach: EventSpec<LogicalSwitchPort> = {
  name: 'LogicalSwitchPortSubnetDetachEvent',
  table: LSP,
  kinds: ['update', 'delete'],
  action: 'withdraw_subnet',
  active: tenantOn,
  match(ctx, view) {
    const {row} = ctx
    if (!isRouterInterface(row)) return false
    const router = routerOf(row)
    if (ctx.kind === 'delete') return row.up === true && isLocalRouter(view, router)
    if (changed(ctx, 'up')) {
      if (ctx.old?.up !== true) return false
      return changed(ctx, 'externalIds') ? isLocalRouter(view, routerOf(ctx.old ?? {})) : isLocalRouter(view, router)
    }

    if (row.up !== true || !changed(ctx, 'externalIds')) return false
    const before = routerOf(ctx.old ?? {})
    return before !== undefined && before !== router && isLocalRouter(view, before)
  },
  run: (ctx) => [subnetCall('withdraw_subnet', ctx.row, detachedRouter(ctx))],
}

function tenantNet(row: LogicalSwitchPort, view: AgentView): string | undefined {
  const net = networkOf(row)
  return net !== undefined && view.localTenantNetworks.has(net) ? net : undefined
}

/** `run` of both tenant VM events: only VM-like ports carry remote IPs. */
function remoteIpCall(fn: 'expose_remote_ip' | 'withdraw_remote_ip', row: LogicalSwitchPort): DriverCall[] {
  if (!isVmPort(row)) return []
  return [{fn, ips: portIps(row), info: lspInfo(row)}]
}

export const tenantCreate: EventSpec<LogicalSwitchPort> = {
  name: 'LogicalSwitchPortTenantCreateEvent',
  table: LSP,
  kinds: ['update'],
  action: 'expose_remote_ip',
  active: tenantHostOn,
  match(ctx, view) {
    const {row} = ctx
    if (!hasIp(row) || row.up !== true) return false
    const net = tenantNet(row, view)
    if (net === undefined) return false
    if (changed(ctx, 'up') && ctx.old?.up !== true) return true
    return changed(ctx, 'externalIds') && networkOf(ctx.old ?? {}) !== net
  },
  run: ({row}) => remoteIpCall('expose_remote_ip', row),
}

export const tenantDelete: EventSpec<LogicalSwitchPort> = {
  name: 'LogicalSwitchPortTenantDeleteEvent',
  table: LSP,
  kinds: ['update', 'delete'],
  action: 'withdraw_remote_ip',
  active: tenantHostOn,
  match(ctx, view) {
    const {row} = ctx
    if (!hasIp(row) || tenantNet(row, view) === undefined) return false
    if (ctx.kind === 'delete') return row.up === true
    return changed(ctx, 'up') && ctx.old?.up === true
  },
  run: ({row}) => remoteIpCall('withdraw_remote_ip', row),
}
