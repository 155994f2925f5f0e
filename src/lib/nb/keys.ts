// The NB vocabulary: what the columns of a typed row mean (which chassis a port is bound to, its
// addresses and network, which router an LB belongs to ...). One reading shared by the NB indexes,
// the planner and the event matchers, so all three read the NB columns the same way
// (docs/upstream-behaviour.md#locality, docs/upstream-behaviour.md#nb-tables-and-columns).
// Port facts also work on the partial `old` rows of an update: a missing column counts as empty,
// never as "unchanged".
import type {LoadBalancer, LogicalRouterPort, LogicalSwitchPort, StrMap} from './model.js'

import {tryCanonicalIp} from '../net/ip.js'

const ROUTER_INTERFACE_OWNER = 'network:router_interface'
export const KEY_NETWORK = 'neutron:network_name'
export const KEY_HOST = 'neutron:host_id'
export const KEY_PORT_FIP = 'neutron:port_fip'
export const KEY_CIDRS = 'neutron:cidrs'
export const KEY_DEVICE_ID = 'neutron:device_id'
const KEY_DEVICE_OWNER = 'neutron:device_owner'
export const KEY_FIP_NET = 'neutron:fip_network_id'

type PortLike = Partial<Pick<LogicalSwitchPort, 'type' | 'options' | 'externalIds' | 'addresses' | 'up'>>

/** LSP types that are workloads (VMs, and virtual ports such as Octavia amphora VIPs). */
const VM_TYPES: ReadonlySet<string> = new Set(['', 'virtual'])

export function isVmPort(p: PortLike): boolean {
  return VM_TYPES.has(p.type ?? '')
}

/** Canonical IP when `s` parses, else `s` unchanged (upstream compares raw strings). */
export function ipKey(s: string): string {
  return tryCanonicalIp(s) ?? s
}

/** Space-separated list (neutron:cidrs), empty elements dropped. */
export function splitList(s: string | undefined): string[] {
  return (s ?? '').split(/\s+/).filter(Boolean)
}

/** addresses[0] split on whitespace: [MAC, IP...]; [] when the column is empty. */
export function addressList(p: PortLike): string[] {
  return splitList(p.addresses?.[0])
}

/** Upstream `has_ip`: addresses[0] holds a MAC and something else. */
export function hasIp(p: PortLike): boolean {
  return addressList(p).length > 1
}

/** IPs of addresses[0] (canonical where they parse, raw otherwise). */
export function portIps(p: PortLike): string[] {
  return addressList(p).slice(1).map(ipKey)
}

/** Network (LS name) a port belongs to according to Neutron: external_ids:neutron:network_name. */
export function networkOf(p: PortLike): string | undefined {
  return p.externalIds?.[KEY_NETWORK] || undefined
}

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
  const host = lsp.externalIds[KEY_HOST]
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

  const host = p.externalIds?.[KEY_HOST]
  return host || undefined
}

export function isLocalPort(p: PortLike, chassisName: string): boolean {
  return portChassis(p, chassisName) === chassisName
}

/** Bound here and up: the condition for exposing a workload port on this chassis. */
export function isActiveHere(p: PortLike, chassisName: string): boolean {
  return p.up === true && isLocalPort(p, chassisName)
}

/** options:requested-chassis lists more than one chassis (live migration in progress). */
export function hasAdditionalBinding(options: StrMap): boolean {
  return (options['requested-chassis'] ?? '').includes(',')
}

export function isRouterInterface(lsp: LogicalSwitchPort): boolean {
  return lsp.type === 'router' && lsp.externalIds[KEY_DEVICE_OWNER] === ROUTER_INTERFACE_OWNER
}

/** Router-interface LSP that is up (upstream `get_active_local_lrps`). */
export function isActiveRouterInterface(lsp: LogicalSwitchPort): boolean {
  return isRouterInterface(lsp) && lsp.up === true
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
