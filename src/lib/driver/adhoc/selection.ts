// Which desired objects an ad-hoc verb may touch, from the planner's `contributions` (exposed ip ->
// objKeys its exposure needs). Pure.
//
// Expose: the objects the target's IPs need, plus the unowned base wiring those objects sit on (the
// VLAN device, its proxy_arp/proxy_ndp sysctls and ARP/NDP helper addresses, the default routes of
// the bridge table, the bridge's MAC-tweak flows), which sync creates at start-up and which an ad-hoc
// expose on a node never synced would otherwise lack. Nothing is ever removed by an expose.
// Withdraw: the objects the target's IPs need, minus every object that another exposed IP or the
// base wiring needs (NDP proxies, flows, VLAN devices, default routes are shared). When the rest of
// the node is unknown (explicit mode, no NB), the shared kinds are never withdrawn.
import type {DesiredResult} from '../../planner/desired.js'

import {type ExposedEntry, objKey, type StateKind, type StateObj} from '../../planner/types.js'

/** Kinds that several exposures can share by key: withdrawn only when the whole node is known. */
const SHARED_KINDS: ReadonlySet<StateKind> = new Set(['ndp-proxy', 'flow', 'vlan', 'sysctl'])

/** The contribution keys of an entry (subnets are keyed by their CIDR as wired, IPs by the IP). */
function entryKey(e: ExposedEntry): string {
  return e.ip
}

/** objKeys of every object wanted by some exposed IP, except the `except` ones. */
function ownedKeys(r: DesiredResult, except: ReadonlySet<string> = new Set()): Set<string> {
  const out = new Set<string>()
  for (const [ip, keys] of Object.entries(r.contributions)) if (!except.has(ip)) for (const k of keys) out.add(k)
  return out
}

function keysOf(r: DesiredResult, entries: readonly ExposedEntry[]): Set<string> {
  const out = new Set<string>()
  for (const e of entries) for (const k of r.contributions[entryKey(e)] ?? []) out.add(k)
  return out
}

/** Devices, tables and bridges the target's objects use (bgp-nic and the VRF table excluded by the caller's data). */
function footprint(objs: readonly StateObj[]): {devs: Set<string>; tables: Set<number>; bridges: Set<string>} {
  const devs = new Set<string>()
  const tables = new Set<number>()
  const bridges = new Set<string>()
  for (const o of objs) {
    if (o.kind === 'route' || o.kind === 'neigh' || o.kind === 'ndp-proxy') devs.add(o.dev)
    if (o.kind === 'rule' || o.kind === 'route') tables.add(o.table)
    if (o.kind === 'flow') bridges.add(o.bridge)
  }

  return {devs, tables, bridges}
}

/** Base-wiring objects (wanted by no exposed IP) that the given objects depend on. */
function supportOf(r: DesiredResult, objs: readonly StateObj[]): StateObj[] {
  const owned = ownedKeys(r)
  const {devs, tables, bridges} = footprint(objs)
  for (const o of r.state.objects) if (o.kind === 'vlan' && devs.has(o.name)) bridges.add(o.link)
  for (const d of devs) bridges.add(d.split('.')[0] ?? d)
  // the bridge under a VLAN device gets its sysctls and helper addresses too (upstream ensures both)
  const wired = new Set([...devs, ...bridges])
  const confDevs = new Set([...wired].map((d) => d.replaceAll('.', '/')))
  return r.state.objects.filter((o) => {
    if (owned.has(objKey(o))) return false
    switch (o.kind) {
      case 'vlan': {
        return devs.has(o.name)
      }

      case 'sysctl': {
        return [...confDevs].some(
          (d) => o.key.endsWith(`.conf.${d}.proxy_arp`) || o.key.endsWith(`.conf.${d}.proxy_ndp`),
        )
      }

      case 'address': {
        return wired.has(o.dev)
      }

      case 'route': {
        return o.dst === 'default' && tables.has(o.table)
      }

      case 'flow': {
        return bridges.has(o.bridge)
      }

      default: {
        return false
      }
    }
  })
}

/** objKeys an expose of `entries` adds (when missing): their contributions and the base wiring under them. */
export function exposeKeys(r: DesiredResult, entries: readonly ExposedEntry[]): Set<string> {
  const keys = keysOf(r, entries)
  const objs = r.state.objects.filter((o) => keys.has(objKey(o)))
  for (const o of supportOf(r, objs)) keys.add(objKey(o))
  return keys
}

export interface WithdrawInput {
  /** Planner result in which the target is exposed (forced-local what-if, or the synthetic NB). */
  what: DesiredResult
  entries: readonly ExposedEntry[]
  /** The node's real desired state (NB mode); undefined when it is unknown (explicit mode). */
  real: DesiredResult | undefined
}

/** objKeys a withdraw of `entries` removes (when present and owned). */
export function withdrawKeys({what, entries, real}: WithdrawInput): Set<string> {
  const mine = new Set(entries.map(entryKey))
  const keys = keysOf(what, entries)
  const kindOf = new Map(what.state.objects.map((o) => [objKey(o), o.kind]))
  if (real === undefined) {
    for (const k of keys) if (SHARED_KINDS.has(kindOf.get(k) ?? 'vlan')) keys.delete(k)
    return keys
  }

  const needed = ownedKeys(real, mine)
  const owned = ownedKeys(real)
  for (const o of real.state.objects) if (!owned.has(objKey(o))) needed.add(objKey(o))
  for (const k of needed) keys.delete(k)
  return keys
}

const fam = (s: string) => (s.includes(':') ? 6 : 4)

/** Sorted distinct IPs (and CIDRs) of the entries, for the report. */
export function entryIps(entries: readonly ExposedEntry[]): string[] {
  const out = [...new Set(entries.map((e) => e.ip))]
  return out.sort((a, b) => fam(a) - fam(b) || a.localeCompare(b, 'en', {numeric: true}))
}
