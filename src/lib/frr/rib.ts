import type {Vtysh} from './vtysh.js'

// What FRR carries, for all exposed prefixes at once: the VRF's zebra RIB (connected routes of
// bgp-nic), the VRF's BGP table (redistributed), the default instance's BGP table (leaked by
// `import vrf`), and, per neighbour of the default instance, its session state and the prefixes
// FRR advertises to it. Read with a FIXED number of vtysh processes whatever the number of IPs:
//   1. `show running-config` (leak lines, drain state),
//   2. one batch of JSON show commands (both RIBs and tables of both families, the neighbours),
//   3. one batch of `advertised-routes json`, one per established neighbour and active family.
// Every prefix is canonical (`addr/len`, RFC 5952), so callers look them up as strings.
import {DependencyError} from '../errors.js'
import {canonicalIp, ipFamily, isIfName} from '../net/ip.js'
import {frrWarning, splitJsonDocuments} from './json-stream.js'
import {defaultInstanceAsn, instanceKey, parseBgpInstances} from './running-config.js'

export const DRAIN_ROUTE_MAP = 'ovn-bgp-drain'

export interface FrrNeighbour {
  /** Neighbour address (or interface name for unnumbered sessions), as FRR names it. */
  peer: string
  /** FRR's bgpState: Established, Active, Connect, Idle ... */
  state: string
  established: boolean
  /** Administratively shut down (`neighbor X shutdown`). */
  shutdown: boolean
  /** Prefixes FRR advertises to it (both families); empty unless established. */
  advertised: Set<string>
}

export interface FrrView {
  vrf: string
  /** Prefixes in the VRF's zebra RIB. */
  vrfRib: Set<string>
  /** Prefixes in the VRF's BGP table (redistribute connected / kernel). */
  vrfBgp: Set<string>
  /** Prefixes in the default instance's BGP table (leaked by `import vrf`). */
  leaked: Set<string>
  neighbours: FrrNeighbour[]
  /** Leak configuration lines absent from the running config, as `block > sub-block > line`. */
  leakMissing: string[]
  /** `bgp graceful-shutdown` in the default instance. */
  gracefulShutdown: boolean
  /** The drain route-map is applied to the VRF import (the leaked routes are withdrawn). */
  importBlocked: boolean
  /** vtysh processes spawned to build this view. */
  vtyshCalls: number
  /** Commands FRR rejected or warned about (missing VRF ...), for reports. */
  warnings: string[]
}

/** A prefix key as FRR prints it, canonical; undefined when it is not a prefix. */
function canonicalPrefix(p: string): string | undefined {
  const [addr, len, extra] = p.split('/')
  if (extra !== undefined || addr === undefined || len === undefined || !/^\d{1,3}$/.test(len)) return undefined
  if (!ipFamily(addr)) return undefined
  return `${canonicalIp(addr)}/${Number(len)}`
}

function keysOf(doc: unknown, field?: string): Set<string> {
  const out = new Set<string>()
  let obj = doc
  if (field !== undefined)
    obj = obj !== null && typeof obj === 'object' ? (obj as Record<string, unknown>)[field] : undefined
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) return out
  for (const k of Object.keys(obj)) {
    const c = canonicalPrefix(k)
    if (c) out.add(c)
  }

  return out
}

/** The leak lines (import vrf, redistribute) missing from a running configuration. Pure. */
function missingLeakLines(
  running: string,
  vrf: string,
  asn: string | undefined,
  redistribute: readonly string[] = ['connected'],
): string[] {
  const inst = parseBgpInstances(running)
  const as = defaultInstanceAsn(running) ?? asn ?? '?'
  const missing: string[] = []
  for (const af of ['ipv4 unicast', 'ipv6 unicast']) {
    if (!inst.get(instanceKey(as, undefined))?.families.get(af)?.has(`import vrf ${vrf}`))
      missing.push(`router bgp ${as} > address-family ${af} > import vrf ${vrf}`)
    for (const r of redistribute) {
      if (!inst.get(instanceKey(as, vrf))?.families.get(af)?.has(`redistribute ${r}`))
        missing.push(`router bgp ${as} vrf ${vrf} > address-family ${af} > redistribute ${r}`)
    }
  }

  return missing
}

/** Drain state as configured in the running configuration. Pure. */
export function drainStateOf(running: string): {gracefulShutdown: boolean; importBlocked: boolean} {
  const as = defaultInstanceAsn(running)
  const inst = as === undefined ? undefined : parseBgpInstances(running).get(instanceKey(as, undefined))
  const blocked = [...(inst?.families.values() ?? [])].some((f) => f.has(`import vrf route-map ${DRAIN_ROUTE_MAP}`))
  return {gracefulShutdown: inst?.lines.has('bgp graceful-shutdown') ?? false, importBlocked: blocked}
}

/** A neighbour name safe for an argv: an IP address or an interface name (unnumbered). */
function safePeer(p: string): boolean {
  return !p.startsWith('-') && (ipFamily(p) !== undefined || isIfName(p))
}

export class FrrRib {
  constructor(
    private readonly vtysh: Vtysh,
    private readonly opts: {vrf: string; asn?: string; redistribute?: readonly string[]},
  ) {
    if (!isIfName(opts.vrf)) throw new DependencyError(`invalid VRF name ${JSON.stringify(opts.vrf)}`)
  }

  /** Reads the whole FRR side; throws DependencyError when FRR cannot be reached. */
  async read(): Promise<FrrView> {
    const {vrf} = this.opts
    const warnings: string[] = []
    const running = await this.vtysh.show('show running-config')
    const batch = [
      `show ip route vrf ${vrf} json`,
      `show ipv6 route vrf ${vrf} json`,
      `show bgp vrf ${vrf} ipv4 unicast json`,
      `show bgp vrf ${vrf} ipv6 unicast json`,
      'show bgp ipv4 unicast json',
      'show bgp ipv6 unicast json',
      'show bgp neighbors json',
    ]
    const first = await this.vtysh.showBatch(batch)
    const docs = splitJsonDocuments(first.stdout)
    if (docs.length < batch.length)
      warnings.push(`vtysh answered ${docs.length} of ${batch.length} queries: ${first.stderr.trim() || 'no output'}`)
    for (const [i, d] of docs.entries()) {
      const w = frrWarning(d)
      if (w) warnings.push(`${batch[i]}: ${w}`)
    }

    const vrfRib = new Set([...keysOf(docs[0]), ...keysOf(docs[1])])
    const vrfBgp = new Set([...keysOf(docs[2], 'routes'), ...keysOf(docs[3], 'routes')])
    const leaked = new Set([...keysOf(docs[4], 'routes'), ...keysOf(docs[5], 'routes')])
    const neighbours = this.neighbours(docs[6])
    let calls = 2
    const queries: Array<{n: FrrNeighbour; cmd: string}> = []
    for (const {n, families} of neighbours) {
      if (!n.established || !safePeer(n.peer)) continue
      for (const f of families)
        queries.push({n, cmd: `show bgp ${f} unicast neighbors ${n.peer} advertised-routes json`})
    }

    if (queries.length > 0) {
      calls++
      const adv = await this.vtysh.showBatch(queries.map((q) => q.cmd))
      const advDocs = splitJsonDocuments(adv.stdout)
      for (const [i, q] of queries.entries()) {
        const d = advDocs[i]
        if (d === undefined) warnings.push(`${q.cmd}: no answer`)
        for (const p of keysOf(d, 'advertisedRoutes')) q.n.advertised.add(p)
      }
    }

    return {
      vrf,
      vrfRib,
      vrfBgp,
      leaked,
      neighbours: neighbours.map((x) => x.n).sort((a, b) => (a.peer < b.peer ? -1 : a.peer > b.peer ? 1 : 0)),
      leakMissing: missingLeakLines(running, vrf, this.opts.asn, this.opts.redistribute),
      ...drainStateOf(running),
      vtyshCalls: calls,
      warnings,
    }
  }

  private neighbours(doc: unknown): Array<{n: FrrNeighbour; families: Array<'ipv4' | 'ipv6'>}> {
    if (doc === null || typeof doc !== 'object' || frrWarning(doc)) return []
    const out: Array<{n: FrrNeighbour; families: Array<'ipv4' | 'ipv6'>}> = []
    for (const [peer, raw] of Object.entries(doc as Record<string, unknown>)) {
      if (raw === null || typeof raw !== 'object') continue
      const r = raw as Record<string, unknown>
      const state = typeof r.bgpState === 'string' ? r.bgpState : 'unknown'
      const afi = (r.addressFamilyInfo ?? {}) as Record<string, unknown>
      const families: Array<'ipv4' | 'ipv6'> = []
      if ('ipv4Unicast' in afi) families.push('ipv4')
      if ('ipv6Unicast' in afi) families.push('ipv6')
      const shutdown =
        r.adminShutDown === true || (/admin/i.test(String(r.lastResetDueTo ?? '')) && state !== 'Established')
      out.push({n: {peer, state, established: state === 'Established', shutdown, advertised: new Set()}, families})
    }

    return out
  }
}

/** The FRR layers of one prefix: where along the chain it is. */
export interface PrefixFrrState {
  vrfRib: boolean
  vrfBgp: boolean
  leaked: boolean
  /** Per neighbour: advertised or not, and the session state. */
  neighbours: Array<{peer: string; state: string; established: boolean; advertised: boolean}>
}

export function prefixState(view: FrrView, prefix: string): PrefixFrrState {
  return {
    vrfRib: view.vrfRib.has(prefix),
    vrfBgp: view.vrfBgp.has(prefix),
    leaked: view.leaked.has(prefix),
    neighbours: view.neighbours.map((n) => ({
      peer: n.peer,
      state: n.state,
      established: n.established,
      advertised: n.advertised.has(prefix),
    })),
  }
}
