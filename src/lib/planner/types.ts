// The desired/observed node state as data. The planner produces DesiredState; the kernel, OVS and
// FRR layers observe the same object kinds (only what ovn-bgp owns) and apply Plans of them.
// All addresses are canonical (see net/ip.ts) so that keys compare as strings.
import type {Family} from '../net/ip.js'

/**
 * Ownership markers shared with the upstream agent, so both can be swapped without churn
 * (docs/upstream-behaviour.md#what-ovn-bgp-keeps-and-what-it-changes).
 */
export const RULE_PRIORITY = 32_000
/** `proto boot`: routes ovn-bgp installs in bridge tables and (subnet mode) the VRF table. */
export const ROUTE_PROTO = 3
export const FLOW_COOKIE = 999
export const FLOW_PRIORITY = 900
export const HELPER_V4_PREFIX = '169.254.'
export const HELPER_V6_PREFIX = 'fd53:d91e:400:7f17::'

/** An address on a device: exposed /32 and /128 on bgp-nic, ARP/NDP helper addresses on bridges. */
export interface AddressObj {
  kind: 'address'
  dev: string
  /** `ip/len`, canonical. */
  cidr: string
}

/** `ip rule ... to <dst> lookup <table> priority <priority>`. */
export interface RuleObj {
  kind: 'rule'
  family: Family
  /** `addr/len`, canonical (host bits kept, as upstream installs tenant CIDRs "as given"). */
  dst: string
  table: number
  priority: number
}

export interface RouteObj {
  kind: 'route'
  family: Family
  table: number
  /** 'default' or canonical `addr/len`. */
  dst: string
  dev: string
  via?: string
  /** 'link' for device routes (IPv4 only), undefined = kernel default. */
  scope?: 'link'
  proto: number
}

/** Permanent neighbour (static ARP/NDP entry). */
export interface NeighObj {
  kind: 'neigh'
  family: Family
  ip: string
  dev: string
  mac: string
}

export interface NdpProxyObj {
  kind: 'ndp-proxy'
  ip: string
  dev: string
}

export interface VlanObj {
  kind: 'vlan'
  /** `<bridge[:10]>.<id>` */
  name: string
  link: string
  id: number
}

export interface SysctlObj {
  kind: 'sysctl'
  /** e.g. net.ipv4.conf.br-ex/100.proxy_arp (dots inside the device name written as '/'). */
  key: string
  value: string
}

/** The pair of MAC-tweak flows direction: one `ip` and one `ipv6` flow per patch port. */
export interface FlowObj {
  kind: 'flow'
  bridge: string
  inPort: number
  family: Family
  /** Bridge MAC written by mod_dl_dst. */
  mac: string
}

export type StateObj = AddressObj | RuleObj | RouteObj | NeighObj | NdpProxyObj | VlanObj | SysctlObj | FlowObj
export type StateKind = StateObj['kind']

/** Order in which kinds are added; removal uses the reverse. Links before addresses, rules before routes. */
export const KIND_ORDER: readonly StateKind[] = [
  'vlan',
  'sysctl',
  'address',
  'rule',
  'route',
  'neigh',
  'ndp-proxy',
  'flow',
]

/**
 * Identity of an object: two objects with the same key are the same kernel/OVS object, possibly
 * with different attributes (then the add is a replace).
 */
export function objKey(o: StateObj): string {
  switch (o.kind) {
    case 'address': {
      return `address|${o.dev}|${o.cidr}`
    }

    case 'rule': {
      return `rule|${o.family}|${o.priority}|${o.dst}|${o.table}`
    }

    case 'route': {
      return `route|${o.family}|${o.table}|${o.dst}`
    }

    case 'neigh': {
      return `neigh|${o.dev}|${o.ip}`
    }

    case 'ndp-proxy': {
      return `ndp-proxy|${o.dev}|${o.ip}`
    }

    case 'vlan': {
      return `vlan|${o.name}`
    }

    case 'sysctl': {
      return `sysctl|${o.key}`
    }

    case 'flow': {
      return `flow|${o.bridge}|${o.inPort}|${o.family}`
    }
  }
}

/** Full identity including attributes: equal values mean "nothing to do". */
export function objValue(o: StateObj): string {
  return keyedValue(o, objKey(o))
}

/** [objKey, objValue] of `o`, the key built once (objValue alone builds it again). */
export function keyAndValue(o: StateObj): [string, string] {
  const key = objKey(o)
  return [key, keyedValue(o, key)]
}

/** objValue of `o` whose objKey `key` the caller already has (the planner builds both for every add). */
export function keyedValue(o: StateObj, key: string): string {
  switch (o.kind) {
    case 'route': {
      return `${key}|${o.dev}|${o.via ?? ''}|${o.scope ?? ''}|${o.proto}`
    }

    case 'neigh': {
      return `${key}|${o.mac}`
    }

    case 'vlan': {
      return `${key}|${o.link}|${o.id}`
    }

    case 'sysctl': {
      return `${key}|${o.value}`
    }

    case 'flow': {
      return `${key}|${o.mac}`
    }

    default: {
      return key
    }
  }
}

export type ExposedKind = 'vm' | 'fip' | 'cr-lrp' | 'lb-vip' | 'lb-fip' | 'tenant-ip' | 'subnet'

/** One advertised address or prefix, with where it came from: the `show-exposed` JSON contract. */
export interface ExposedEntry {
  /** Canonical IP (or CIDR for kind 'subnet'). */
  ip: string
  kind: ExposedKind
  bridge: string | null
  vlan: number | null
  source: {table: string; uuid: string; name: string}
}

export interface DesiredState {
  objects: StateObj[]
  exposed: ExposedEntry[]
}

/**
 * Set (not enumerable) by the incremental planner, whose `objects` list is built on first read:
 * at 10,000 ports, copying a 40,000-entry sorted array per change cost more than the change itself,
 * and a pass that diffs only the changed keys never reads it.
 */
export const OBJECT_COUNT = Symbol('objectCount')

/** The number of desired objects, without building a lazy `objects` list. */
export function objectCount(s: DesiredState): number {
  return (s as DesiredState & {[OBJECT_COUNT]?: number})[OBJECT_COUNT] ?? s.objects.length
}

export interface Plan {
  /** Objects to create or replace, in KIND_ORDER. */
  add: StateObj[]
  /** Owned objects to delete, in reverse KIND_ORDER. */
  remove: StateObj[]
  unchanged: number
}

/**
 * The result of one operation of a Plan, as every datapath layer reports it (the kernel layer and
 * ovs-ofctl for their objects, the reconciler for the whole plan): one per operation, and one
 * failure never aborts the others.
 */
export interface OpResult<O = StateObj> {
  action: 'add' | 'remove'
  obj: O
  ok: boolean
  /** Why it failed (set when !ok). */
  error?: string
}
