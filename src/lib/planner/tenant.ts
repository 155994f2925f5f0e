// Tenant networks behind local cr-lrps (docs/upstream-behaviour.md#tenant-vm-ips,
// docs/upstream-behaviour.md#expose_subnet, docs/upstream-behaviour.md#withdraw_subnet,
// docs/upstream-behaviour.md#local-cr-lrps, docs/upstream-behaviour.md#full-sync,
// docs/upstream-behaviour.md#ipv6-gua-tenant-exposure, docs/upstream-behaviour.md#snat-check-and-address-scopes).
// Enabled by
// expose_tenant_networks or expose_ipv6_gua_tenant_networks. For each up router-interface port of
// a local router: its subnets (neutron:cidrs) get a rule + route via the cr-lrp (host mode: CIDR as
// given; subnet mode: the network prefix, plus the VRF-table route that FRR redistributes); in host
// mode every up VM/virtual port of the network also gets its IPs on bgp-nic (no rule/route: the
// subnet rule carries the traffic). Filters, in upstream order: SNAT check (optional), GUA-only,
// address scopes (all subnets denied -> nothing at all, not even VM IPs).
import type {LogicalSwitchPort} from '../nb/model.js'
import type {PlanEnv} from './context.js'
import type {LocalRouter} from './crlrp.js'

import {isActiveRouterInterface, isVmPort, networkOf, splitList} from '../nb/keys.js'
import {ipFamily, ipInCidr, isIpv6Gua, type ParsedCidr, tryCanonicalIp} from '../net/ip.js'
import {byNameThenUuid} from './collector.js'
import {type AddressScopes, addressScopes, parseCidrs, reportedLspAddresses, scopeAllowed} from './parse.js'
import {rowSource, type Source} from './problems.js'
import {announce, record, wireSubnet} from './wiring.js'

const LSP = 'Logical_Switch_Port'

/** A tenant network exposed through a local router: the `tenantNetworks` part of the result. */
export interface TenantNetwork {
  /** LS name (neutron-<net uuid>). */
  network: string
  router: string
  routerPort: Source
  /** CIDRs wired (as installed: host bits kept in host mode, prefixes in subnet mode). */
  cidrs: string[]
}

export function planTenantNetworks(
  env: PlanEnv,
  routers: ReadonlyMap<string, LocalRouter>,
): Map<string, TenantNetwork> {
  const nets = new Map<string, TenantNetwork>()
  if (!env.tenantEnabled) return nets
  for (const router of [...routers.keys()].sort()) {
    const gw = routers.get(router)!
    for (const rif of byNameThenUuid(env.nb.routerInterfaces(router))) {
      if (!isActiveRouterInterface(rif)) continue
      const src = rowSource(LSP, rif)
      env.out.guard(src, () => {
        const scope = planSubnet(env, gw, rif, src, nets)
        if (scope) planTenantIps(env, gw, scope)
      })
    }
  }

  return nets
}

/** Host mode: the network whose VM ports get their IPs on bgp-nic, and the scopes filtering them. */
export interface TenantIpScope {
  network: string
  scopes: AddressScopes
}

/**
 * The subnets of one up router interface of a local router (recorded into `nets`); returns what
 * host mode then exposes of the network's ports, or undefined when nothing is.
 */
export function planSubnet(
  env: PlanEnv,
  gw: LocalRouter,
  rif: LogicalSwitchPort,
  src: Source,
  nets: Map<string, TenantNetwork>,
): TenantIpScope | undefined {
  const network = networkOf(rif)
  if (network === undefined) {
    env.out.problem(src, 'router interface without external_ids:neutron:network_name')
    return undefined
  }

  const parsed = parseCidrs(splitList(rif.externalIds['neutron:cidrs']))
  for (const b of parsed.bad) env.out.problem(src, `invalid CIDR ${JSON.stringify(b)} in neutron:cidrs`)
  const cidrs = env.cfg.requireSnatDisabledForTenantNetworks
    ? withoutSnat(env, gw.router, parsed.values, src)
    : parsed.values
  if (cidrs === undefined || cidrs.length === 0) return undefined
  const scopes = addressScopes(rif)
  let wired = env.subnetMode ? dedupe(cidrs.map((c) => ({...c, addr: c.network}))) : cidrs
  if (env.guaOnly) wired = wired.filter((c) => isIpv6Gua(c.addr))
  if (wired.length > 0) {
    const allowed = wired.filter((c) => scopeAllowed(c.family, scopes, env.cfg.addressScopes))
    if (allowed.length === 0) return undefined // ExposeDeniedForAddressScope upstream: no VM IPs either
    for (const c of allowed) {
      wireSubnet(env, gw, c, src)
      record(env, `${c.addr}/${c.len}`, 'subnet', gw.wire, src)
    }

    const held = nets.get(network)
    const list = allowed.map((c) => `${c.addr}/${c.len}`)
    if (held) held.cidrs.push(...list.filter((c) => !held.cidrs.includes(c)))
    else nets.set(network, {network, router: gw.router, routerPort: src, cidrs: list})
  }

  return env.subnetMode ? undefined : {network, scopes}
}

function dedupe(cidrs: ParsedCidr[]): ParsedCidr[] {
  const seen = new Set<string>()
  return cidrs.filter((c) => !seen.has(`${c.addr}/${c.len}`) && seen.add(`${c.addr}/${c.len}`))
}

/** Drops CIDRs whose address lies in the logical_ip of an `snat` NAT of router neutron-<router>. */
function withoutSnat(env: PlanEnv, router: string, cidrs: ParsedCidr[], src: Source): ParsedCidr[] | undefined {
  const lr = env.nb.lrByName(`neutron-${router}`)
  if (!lr) {
    env.out.problem(src, `router neutron-${router} not found: SNAT check impossible, subnet not exposed`)
    return undefined
  }

  const snat: string[] = []
  for (const u of lr.nat) {
    const n = env.nb.nat(u)
    if (n?.type === 'snat') snat.push(n.logicalIp)
  }

  return cidrs.filter((c) => !snat.some((l) => inLogicalIp(c.addr, l)))
}

function inLogicalIp(addr: string, logicalIp: string): boolean {
  if (!logicalIp.includes('/')) return tryCanonicalIp(logicalIp) === addr
  try {
    return ipInCidr(addr, logicalIp)
  } catch {
    return false
  }
}

/** Host mode: IPs of every up VM/virtual port of the network on bgp-nic (scope and GUA filtered). */
function planTenantIps(env: PlanEnv, gw: LocalRouter, scope: TenantIpScope): void {
  for (const lsp of byNameThenUuid(env.nb.lspsByNetwork(scope.network))) planTenantIp(env, gw, lsp, scope.scopes)
}

/** One port of a tenant network exposed in host mode (skipped unless a VM/virtual port that is up). */
export function planTenantIp(env: PlanEnv, gw: LocalRouter, lsp: LogicalSwitchPort, scopes: AddressScopes): void {
  if (!isVmPort(lsp) || lsp.up !== true) return
  const src = rowSource(LSP, lsp)
  const addrs = reportedLspAddresses(lsp, (reason) => env.out.problem(src, reason))
  if (addrs === undefined) return
  for (const ip of addrs.ips) {
    if (!scopeAllowed(ipFamily(ip)!, scopes, env.cfg.addressScopes)) continue
    if (env.guaOnly && !isIpv6Gua(ip)) continue
    announce(env, ip, src)
    record(env, ip, 'tenant-ip', gw.wire, src)
  }
}
