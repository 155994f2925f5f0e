// Provider-network port events (docs/upstream-behaviour.md#logicalswitchportprovidercreateevent,
// docs/upstream-behaviour.md#logicalswitchportproviderdeleteevent,
// docs/upstream-behaviour.md#localnetcreatedeleteevent) and our IP-change event (fix of
// docs/upstream-behaviour.md#bug-9-port-ip-change).
import type {LogicalSwitchPort, NbChange} from '../../nb/model.js'
import type {AgentView} from './agent-view.js'
import type {CallInfo, DriverCall, EventSpec} from './types.js'

import {changed, oldOrRow} from '../../nb/decode.js'
import {
  addressList,
  hasAdditionalBinding,
  hasIp,
  isActiveHere,
  isLocalPort,
  isVmPort,
  KEY_CIDRS,
  networkOf,
  portIps,
  splitList,
} from '../../nb/keys.js'

type Ctx = NbChange<LogicalSwitchPort>
const LSP = 'Logical_Switch_Port'
const always = () => true

/** Upstream `make_lsp_dict`: the argument dict of the port's driver calls. */
export function lspInfo(p: LogicalSwitchPort, logicalSwitch = networkOf(p)): CallInfo {
  return {
    mac: addressList(p)[0] ?? null,
    cidrs: splitList(p.externalIds[KEY_CIDRS]),
    type: p.type,
    logical_switch: logicalSwitch ?? null,
  }
}

/** The port's LS, unless it is a tenant network exposed here (then tenant events own the port). */
function providerSideLs(r: LogicalSwitchPort, view: AgentView): string | undefined {
  const ls = networkOf(r)
  return ls !== undefined && !view.localTenantNetworks.has(ls) ? ls : undefined
}

/** Up, bound here, on a bridge-mapped provider network. */
function exposableHere(r: LogicalSwitchPort, ls: string, view: AgentView): boolean {
  return isActiveHere(r, view.chassisName) && view.isProviderLs(ls)
}

export const providerCreate: EventSpec<LogicalSwitchPort> = {
  name: 'LogicalSwitchPortProviderCreateEvent',
  table: LSP,
  kinds: ['update'],
  action: 'expose_ip',
  active: always,
  match({row}, view) {
    if (!isVmPort(row) || !hasIp(row)) return false
    const ls = providerSideLs(row, view)
    if (ls === undefined || !exposableHere(row, ls, view)) return false
    const ips = portIps(row)
    // No condition on `old`: any update of an up, local, unexposed provider port exposes it.
    return ips.length > 0 && !ips.some((ip) => view.isExposed(ls, ip))
  },
  run: ({row}) => [{fn: 'expose_ip', ips: portIps(row), info: lspInfo(row)}],
}

export const providerDelete: EventSpec<LogicalSwitchPort> = {
  name: 'LogicalSwitchPortProviderDeleteEvent',
  table: LSP,
  kinds: ['update', 'delete'],
  action: 'withdraw_ip',
  active: always,
  match(ctx, view) {
    const {row} = ctx
    if (!isVmPort(row) || !hasIp(row)) return false
    const ls = providerSideLs(row, view)
    const ips = portIps(row)
    if (ls === undefined || !ips.some((ip) => view.isExposed(ls, ip))) return false
    if (ctx.kind === 'delete') return true
    // Went down, unless a second binding exists (live migration: the destination takes over).
    if (changed(ctx, 'up') && ctx.old?.up === true && row.up !== true && !hasAdditionalBinding(row.options)) return true
    return !isLocalPort(row, view.chassisName)
  },
  run: ({row}) => [{fn: 'withdraw_ip', ips: portIps(row), info: lspInfo(row)}],
}

interface IpDelta {
  tenant: boolean
  withdraw: string[]
  expose: string[]
}

/**
 * Addresses changed on a port whose IPs are (partly) exposed: what upstream's create/delete pair
 * misses. Withdraw = removed IPs still exposed; expose = added IPs, when no other event covers them
 * (provider: ProviderCreate already fires while no IP is exposed; tenant: TenantCreate fires on up).
 */
function ipDelta(ctx: Ctx, view: AgentView): IpDelta | undefined {
  const {row} = ctx
  if (ctx.kind !== 'update' || !changed(ctx, 'addresses') || !isVmPort(row)) return undefined
  const ls = networkOf(row)
  if (ls === undefined || networkOf({externalIds: oldOrRow(ctx, 'externalIds')}) !== ls) return undefined
  const tenant = view.localTenantNetworks.has(ls)
  if (tenant && !(view.tenantExposure && view.advertisement === 'host')) return undefined
  const now = portIps(row)
  const before = portIps({addresses: ctx.old?.addresses ?? []})
  const withdraw = before.filter((ip) => !now.includes(ip) && view.isExposed(ls, ip))
  const added = now.filter((ip) => !before.includes(ip) && !view.isExposed(ls, ip))
  let expose: string[] = []
  if (tenant) {
    if (row.up === true && !changed(ctx, 'up')) expose = added
  } else if (exposableHere(row, ls, view) && now.some((ip) => view.isExposed(ls, ip))) {
    expose = added
  }

  return {tenant, withdraw, expose}
}

export const ipsChanged: EventSpec<LogicalSwitchPort> = {
  name: 'LogicalSwitchPortIPsChangedEvent',
  table: LSP,
  kinds: ['update'],
  action: 'expose_ip',
  active: always,
  match(ctx, view) {
    const d = ipDelta(ctx, view)
    return d !== undefined && (d.withdraw.length > 0 || d.expose.length > 0)
  },
  run(ctx, view) {
    const d = ipDelta(ctx, view)
    if (!d) return []
    const info = lspInfo(ctx.row)
    const calls: DriverCall[] = []
    if (d.withdraw.length > 0) calls.push({fn: d.tenant ? 'withdraw_remote_ip' : 'withdraw_ip', ips: d.withdraw, info})
    if (d.expose.length > 0) calls.push({fn: d.tenant ? 'expose_remote_ip' : 'expose_ip', ips: d.expose, info})
    return calls
  },
}

const LOCALNET = 'localnet'

export const localnetCreateDelete: EventSpec<LogicalSwitchPort> = {
  name: 'LocalnetCreateDeleteEvent',
  table: LSP,
  // Upstream watches create/delete only; an update of a localnet's type, physnet or VLAN tag
  // changes which networks are provider networks just as much, so it triggers the same resync.
  kinds: ['insert', 'delete', 'update'],
  action: 'sync',
  fullSync: true,
  active: (view) => view.exposingMethod !== 'vrf',
  match(ctx) {
    if (ctx.kind !== 'update') return ctx.row.type === LOCALNET
    const wasLocalnet = oldOrRow(ctx, 'type') === LOCALNET
    if (ctx.row.type !== LOCALNET && !wasLocalnet) return false
    return changed(ctx, 'type') || changed(ctx, 'options') || changed(ctx, 'tag')
  },
  run: () => [{fn: 'sync', ips: [], info: {}}],
}
