import type {LogicalRouter, LogicalSwitchPort, NbView} from '../nb/model.js'
import type {Source} from '../planner/problems.js'

// What `explain <target>` is about: an IP, or the IPs of a port (by name or uuid: its addresses
// and floating IPs), of a router (name with or without `neutron-`, or uuid: gateway addresses, FIPs
// of its NATs, VIPs of its load balancers) or of a load balancer (name or uuid: its VIPs).
// NB strings become IPs only through the canonical parsers.
import {ConfigError} from '../errors.js'
import {isRouterInterface} from '../nb/keys.js'
import {tryCanonicalIp} from '../net/ip.js'
import {lbVipIps, lspAddresses, parseCidrs} from '../planner/parse.js'

type TargetKind = 'ip' | 'port' | 'router' | 'lb'

export interface Target {
  query: string
  kind: TargetKind
  /** The NB row the target names (none for an IP). */
  row: Source | null
  /** Canonical IPs to explain, sorted. */
  ips: string[]
}

function lspIps(lsp: LogicalSwitchPort): string[] {
  const a = lspAddresses(lsp)
  return a === undefined || typeof a === 'string' ? [] : a.ips
}

function sorted(ips: Iterable<string>): string[] {
  return [...new Set(ips)].sort()
}

function routerOf(nb: NbView, q: string): LogicalRouter | undefined {
  return nb.lr(q) ?? nb.lrByName(q) ?? nb.lrByName(`neutron-${q}`)
}

/** Resolves the target; a name that matches nothing is a usage error (exit 2). */
export function resolveTarget(nb: NbView, query: string): Target {
  const q = query.trim()
  const ip = tryCanonicalIp(q)
  if (ip !== undefined) return {query, kind: 'ip', row: null, ips: [ip]}
  const lsp = nb.lsp(q) ?? nb.lspByName(q)
  if (lsp && !isRouterInterface(lsp)) {
    const ips = lspIps(lsp)
    for (const n of nb.natsByLogicalPort(lsp.name)) {
      const f = n.type === 'dnat_and_snat' ? tryCanonicalIp(n.externalIp) : undefined
      if (f) ips.push(f)
    }

    return {query, kind: 'port', row: {table: 'Logical_Switch_Port', uuid: lsp.uuid, name: lsp.name}, ips: sorted(ips)}
  }

  const lr = routerOf(nb, q)
  if (lr) {
    const id = lr.name.startsWith('neutron-') ? lr.name.slice('neutron-'.length) : lr.name
    const ips: string[] = []
    for (const lrp of nb.allLrps()) {
      if (lrp.externalIds['neutron:router_name'] === id) ips.push(...parseCidrs(lrp.networks).values.map((c) => c.addr))
    }

    for (const u of lr.nat) {
      const n = nb.nat(u)
      const f = n?.type === 'dnat_and_snat' ? tryCanonicalIp(n.externalIp) : undefined
      if (f) ips.push(f)
    }

    for (const lb of nb.lbsByRouter(id)) ips.push(...lbVipIps(lb).values)
    return {query, kind: 'router', row: {table: 'Logical_Router', uuid: lr.uuid, name: lr.name}, ips: sorted(ips)}
  }

  const lb = nb.lb(q) ?? [...nb.allLbs()].find((l) => l.name === q)
  if (lb)
    return {query, kind: 'lb', row: {table: 'Load_Balancer', uuid: lb.uuid, name: lb.name}, ips: lbVipIps(lb).values}
  throw new ConfigError(
    `nothing in NB matches ${JSON.stringify(query)}: expected an IP address, a port, a router or a load balancer (name or uuid)`,
    {
      code: 'EXPLAIN_TARGET_UNKNOWN',
      suggestions: ['ovn-bgp show-exposed --source nb   # lists what NB exposes here, with the rows'],
    },
  )
}
