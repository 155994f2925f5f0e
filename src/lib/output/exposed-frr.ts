import type {TenantAdvertisement} from '../config/types.js'
import type {FrrView} from '../frr/rib.js'
import type {ShowExposedResult} from './exposed.js'

// The FRR columns of `show-exposed` (node source), for all entries at once from one FRR view:
// in the VRF (zebra RIB), leaked into the default instance, and advertised to how many of the
// established neighbours. An entry the node exposes that FRR does not carry all the way is FRR
// drift (exit 3), except while the node is drained (the leak is withdrawn on purpose).
// A tenant subnet is in FRR only in subnet mode (advertisement_method_tenant_networks=subnet: a
// VRF-table route FRR redistributes, keyed by the network prefix); in host mode it is a rule and
// route via the cr-lrp on the node only, its VMs' addresses being what is advertised, so its FRR
// columns are null and it is never FRR drift.
import {hostCidr, networkCidr} from '../net/ip.js'

interface EntryFrr {
  /** In the VRF's RIB (the connected route of the bgp-nic address, or the subnet's kernel route). */
  vrf: boolean
  /** In the default instance's BGP table. */
  leaked: boolean
  /** Established neighbours it is advertised to. */
  advertised: number
  /** Established neighbours. */
  established: number
}

/**
 * The prefix an entry puts into FRR, as FRR keys it: a host route for addresses, the network
 * prefix for subnets (subnet mode); undefined when the entry puts nothing into FRR.
 */
export function frrPrefixOf(e: {ip: string; kind: string}, tenant: TenantAdvertisement): string | undefined {
  try {
    if (e.kind === 'subnet') return tenant === 'subnet' ? networkCidr(e.ip) : undefined
    return hostCidr(e.ip)
  } catch {
    return undefined
  }
}

/** Adds the FRR columns and FRR drift to a node-source result (in place); returns it. */
export function annotateFrr(
  r: ShowExposedResult,
  view: FrrView | undefined,
  opts: {tenant: TenantAdvertisement; error?: string | undefined},
): ShowExposedResult {
  const {error} = opts
  const out = r
  if (!view) {
    out.frr = {read: false, error: error ?? 'FRR not read', drained: false, neighbours: [], vtyshCalls: 0}
    out.drift.frr = 0
    return out
  }

  const drained = view.importBlocked || view.gracefulShutdown
  const est = view.neighbours.filter((n) => n.established)
  let drift = 0
  for (const e of out.entries) {
    const p = frrPrefixOf(e, opts.tenant)
    if (p === undefined) continue
    const f: EntryFrr = {
      vrf: view.vrfRib.has(p),
      leaked: view.leaked.has(p),
      advertised: est.filter((n) => n.advertised.has(p)).length,
      established: est.length,
    }
    e.frr = f
    if (e.state === 'ok' && !view.importBlocked && (!f.vrf || !f.leaked || f.advertised < f.established)) drift++
  }

  out.drift.frr = drift
  out.frr = {
    read: true,
    error: null,
    drained,
    neighbours: view.neighbours.map((n) => ({peer: n.peer, state: n.state})),
    vtyshCalls: view.vtyshCalls,
  }
  return out
}
