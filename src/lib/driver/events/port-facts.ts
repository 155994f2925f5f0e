// Facts about Logical_Switch_Port rows as upstream's watchers read them (docs/upstream-behaviour.md#locality,
// docs/upstream-behaviour.md#nb-tables-and-columns): binding
// chassis, address list, the info dicts passed to the driver. Work on full rows and on the partial
// `old` rows of an update (a missing column counts as empty, never as "unchanged").
import {portChassis} from '../../nb/keys.js'

export {portChassis} from '../../nb/keys.js'
import type {LogicalSwitchPort, StrMap} from '../../nb/model.js'
import type {CallInfo} from './types.js'

import {tryCanonicalIp} from '../../net/ip.js'

const VM_LIKE_TYPES: ReadonlySet<string> = new Set(['', 'virtual'])
export const KEY_NETWORK = 'neutron:network_name'
export const KEY_HOST = 'neutron:host_id'
export const KEY_PORT_FIP = 'neutron:port_fip'
export const KEY_CIDRS = 'neutron:cidrs'
export const KEY_DEVICE_ID = 'neutron:device_id'
export const KEY_DEVICE_OWNER = 'neutron:device_owner'
export const KEY_FIP_NET = 'neutron:fip_network_id'

type PortLike = Partial<Pick<LogicalSwitchPort, 'type' | 'options' | 'externalIds' | 'addresses' | 'up'>>

/** Canonical IP when `s` parses, else `s` unchanged (upstream compares raw strings). */
export function ipKey(s: string): string {
  return tryCanonicalIp(s) ?? s
}

export function isVmLike(type: string | undefined): boolean {
  return VM_LIKE_TYPES.has(type ?? '')
}

export function isLocalPort(p: PortLike, chassisName: string): boolean {
  return portChassis(p, chassisName) === chassisName
}

/** options:requested-chassis lists more than one chassis (live migration in progress). */
export function hasAdditionalBinding(options: StrMap): boolean {
  return (options['requested-chassis'] ?? '').includes(',')
}

/** addresses[0] split on whitespace: [MAC, IP...]; [] when the column is empty. */
export function addressList(p: PortLike): string[] {
  const first = p.addresses?.[0] ?? ''
  return first.trim().split(/\s+/).filter(Boolean)
}

/** Upstream `has_ip`: addresses[0] holds a MAC and something else. */
export function hasIp(p: PortLike): boolean {
  return addressList(p).length > 1
}

/** IPs of addresses[0] (canonical where they parse). */
export function portIps(p: PortLike): string[] {
  return addressList(p).slice(1).map(ipKey)
}

export function networkOf(p: PortLike): string | undefined {
  const n = p.externalIds?.[KEY_NETWORK]
  return n || undefined
}

export function isUp(p: PortLike): boolean {
  return p.up === true
}

/** Upstream `make_lsp_dict`. */
export function lspInfo(p: LogicalSwitchPort, logicalSwitch = networkOf(p)): CallInfo {
  return {
    mac: addressList(p)[0] ?? null,
    cidrs: splitWords(p.externalIds[KEY_CIDRS]),
    type: p.type,
    logical_switch: logicalSwitch ?? null,
  }
}

export function splitWords(s: string | undefined): string[] {
  return (s ?? '').split(/\s+/).filter(Boolean)
}

/** Upstream `addr_scopes` flattened into two keys. */
export function addressScopes(p: LogicalSwitchPort): CallInfo {
  return {
    address_scope4: p.externalIds['neutron:subnet_pool_addr_scope4'] || null,
    address_scope6: p.externalIds['neutron:subnet_pool_addr_scope6'] || null,
  }
}
