// IPs NB wants advertised that a pass left off bgp-nic, and why. The kernel layer adds an IP's
// bgp-nic address only once its wiring (rule, route, neighbour, NDP proxy) succeeded (announce only
// what is wired, kernel/apply.ts); a failed wiring op therefore shows up as two failed results: the
// op itself, and the address with "not announced: wiring failed (...)". Failed keys are retried by
// the next pass, so the failures of the last pass are the IPs unannounced now.
import type {StateKind} from '../planner/types.js'
import type {OpResult} from './types.js'

import {wiringIp} from '../kernel/types.js'

/** What kept an IP off bgp-nic: the kind of its failed wiring op, or `address` (the add itself failed). */
export type UnannouncedCause = Extract<StateKind, 'address' | 'ndp-proxy' | 'neigh' | 'route' | 'rule'>

/**
 * The IPs whose bgp-nic address failed to be added in a pass, each with the cause: the kind of the
 * first failed add that wires the same IP (in result order), else `address`.
 */
export function unannouncedIps(failed: readonly OpResult[], bgpNic: string): Map<string, UnannouncedCause> {
  const wiring = new Map<string, UnannouncedCause>()
  for (const f of failed) {
    if (f.action !== 'add') continue
    const ip = wiringIp(f.obj)
    if (ip !== undefined && !wiring.has(ip)) wiring.set(ip, f.obj.kind as UnannouncedCause)
  }

  const out = new Map<string, UnannouncedCause>()
  for (const f of failed) {
    if (f.action !== 'add' || f.obj.kind !== 'address' || f.obj.dev !== bgpNic) continue
    const ip = f.obj.cidr.split('/')[0]!
    out.set(ip, wiring.get(ip) ?? 'address')
  }

  return out
}
