// "Why is this IP (not) exposed here?", in the planner's own terms, for ONE IP on demand. The
// normal pass (computeDesired) is not slowed by it: explainIp takes the pass's result (what is
// exposed, the problems of each row) and re-walks only the NB rows that carry the IP (ports, router
// gateway ports, NATs, load balancers), applying the same conditions the rules apply, in the same
// order, and stops at the first one that fails. Pure, like the rest of the planner.
import type {AgentConfig} from '../config/types.js'
import type {LoadBalancer, LogicalRouterPort, LogicalSwitchPort, Nat, NbView} from '../nb/model.js'
import type {DesiredResult} from './desired.js'
import type {Source} from './problems.js'
import type {ExposedKind} from './types.js'

import {
  hostingChassis,
  isRouterInterface,
  isVmPort,
  networkOf,
  portChassis,
  requestedChassis,
  stripNeutronPrefix,
} from '../nb/keys.js'
import {ipFamily, isIpv6Gua, isMac, tryCanonicalIp} from '../net/ip.js'
import {Collector} from './collector.js'
import {type LocalContext, makeEnv, type PlanEnv} from './context.js'
import {PF_LB_PREFIX} from './lb.js'
import {addressScopes, lbVipIps, lspAddresses, parseCidrs, scopeAllowed} from './parse.js'
import {bridgeStatus, isWire, physnetBridges} from './provider.js'

/** One NB row that carries the IP, with the verdict of the rule that looks at it. */
interface WhyStep {
  subject: Source
  /** What the row would make of the IP: vm, fip, cr-lrp ... */
  role: ExposedKind
  exposed: boolean
  reason: string
}

export interface Why {
  ip: string
  exposed: boolean
  kinds: ExposedKind[]
  steps: WhyStep[]
}

const LSP = 'Logical_Switch_Port'
const LRP = 'Logical_Router_Port'

const src = (table: string, row: {uuid: string; name?: string}, name?: string): Source => ({
  table,
  uuid: row.uuid,
  name: name ?? row.name ?? '',
})

/** Explains one canonical IP against the result of a pass over the same inputs. */
export function explainIp(nb: NbView, ctx: LocalContext, cfg: AgentConfig, ip: string, desired: DesiredResult): Why {
  const env = makeEnv(nb, ctx, cfg, new Collector()) // a scratch sink: explaining plans nothing
  const ex = new Explainer(env, desired, ip)
  const steps: WhyStep[] = []
  for (const lsp of nb.allLsps()) if (isVmPort(lsp) && mentionedIps(lsp).includes(ip)) steps.push(ex.port(lsp))
  for (const lrp of nb.allLrps())
    if (parseCidrs(lrp.networks).values.some((c) => c.addr === ip)) steps.push(ex.gateway(lrp))
  for (const nat of nb.allNats())
    if (nat.type === 'dnat_and_snat' && tryCanonicalIp(nat.externalIp) === ip) steps.push(ex.fip(nat))
  for (const lb of nb.allLbs()) if (lbVipIps(lb).values.includes(ip)) steps.push(ex.lb(lb, ip))
  const entries = desired.state.exposed.filter((e) => e.ip === ip)
  steps.sort(
    (a, b) =>
      Number(b.exposed) - Number(a.exposed) ||
      cmp(a.subject.table, b.subject.table) ||
      cmp(a.subject.name, b.subject.name),
  )
  return {ip, exposed: entries.length > 0, kinds: [...new Set(entries.map((e) => e.kind))].sort(), steps}
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

/** Every IP element 0 of `addresses` mentions, even when the row is malformed (to explain why). */
function mentionedIps(lsp: LogicalSwitchPort): string[] {
  return (lsp.addresses[0] ?? '')
    .trim()
    .split(/\s+/)
    .map((t) => tryCanonicalIp(t))
    .filter((x): x is string => x !== undefined)
}

class Explainer {
  constructor(
    private readonly env: PlanEnv,
    private readonly desired: DesiredResult,
    private readonly ip: string,
  ) {}

  private exposedBy(uuid: string): ExposedKind | undefined {
    return this.desired.state.exposed.find((e) => e.source.uuid === uuid && e.ip === this.ip)?.kind
  }

  /** The planner's problems for a row, joined; undefined when it has none. */
  private problems(uuid: string): string | undefined {
    const p = this.desired.problems.filter((x) => x.uuid === uuid).map((x) => x.reason)
    return p.length > 0 ? p.join('; ') : undefined
  }

  private step(subject: Source, role: ExposedKind, reason: string): WhyStep {
    const kind = this.exposedBy(subject.uuid)
    if (kind) return {subject, role: kind, exposed: true, reason}
    const p = this.problems(subject.uuid)
    return {subject, role, exposed: false, reason: p ? `${reason}; skipped: ${p}` : reason}
  }

  private notExposed(subject: Source, role: ExposedKind, reason: string): WhyStep {
    if (this.exposedBy(subject.uuid)) return this.step(subject, role, reason)
    return {subject, role, exposed: false, reason}
  }

  private binding(lsp: LogicalSwitchPort): string | undefined {
    const me = this.env.ctx.chassisName
    if (lsp.up !== true) return lsp.up === false ? 'port is down (up=false)' : 'port has not come up yet (up is empty)'
    const c = portChassis(lsp, me)
    if (c === undefined) return 'port is not bound to any chassis (no requested-chassis, no neutron:host_id)'
    if (c !== me) return `bound to ${c}, not here (${me})`
    return undefined
  }

  private migration(lsp: LogicalSwitchPort): string {
    const rc = requestedChassis(lsp)
    return rc.length > 1
      ? ` (live migration: requested-chassis lists ${rc.join(', ')}; exposed where the port is up)`
      : ''
  }

  /** Where a provider network's exposures are wired, or why it cannot be. */
  private network(ls: string): {ok: true; where: string} | {ok: false; reason: string; tenant: boolean} {
    const w = this.env.ls.classify(ls)
    if (isWire(w)) return {ok: true, where: `provider network ${ls} on ${w.dev} (table ${w.table})`}
    if (w === 'tenant')
      return {
        ok: false,
        tenant: true,
        reason: `${ls} is not a provider network here (no localnet port mapped to a local bridge)`,
      }
    const localnet = this.env.nb.localnetPortsOfLs(ls)[0]
    const bridge = physnetBridges(this.env.ctx).get(localnet?.options.network_name ?? '') ?? ''
    const st = bridgeStatus(this.env.ctx, bridge)
    return {
      ok: false,
      tenant: false,
      reason: `provider network ${ls} cannot be wired: ${st.reason ?? `invalid VLAN tag ${String(localnet?.tag)}`}`,
    }
  }

  port(lsp: LogicalSwitchPort): WhyStep {
    const s = src(LSP, lsp)
    const bad = lspAddresses(lsp)
    if (typeof bad === 'string') return this.notExposed(s, 'vm', `malformed row: ${bad}`)
    const net = networkOf(lsp)
    if (net === undefined) return this.notExposed(s, 'vm', 'port has no external_ids:neutron:network_name')
    const n = this.network(net)
    if (!n.ok && n.tenant) return this.tenantPort(lsp, net)
    if (!n.ok) return this.notExposed(s, 'vm', n.reason)
    if (lsp.externalIds['neutron:port_fip'])
      return this.notExposed(
        s,
        'vm',
        `port has a floating IP (${lsp.externalIds['neutron:port_fip']}): the FIP is exposed, not the fixed IP`,
      )
    const b = this.binding(lsp)
    if (b) return this.notExposed(s, 'vm', b + this.migration(lsp))
    return this.step(s, 'vm', `bound here (${this.env.ctx.chassisName}) and up; ${n.where}${this.migration(lsp)}`)
  }

  /** The local gateway port of a router, or where it is hosted. */
  private routerGateway(router: string): {here: LogicalRouterPort | undefined; elsewhere: string[]} {
    const elsewhere: string[] = []
    let here: LogicalRouterPort | undefined
    for (const lrp of this.env.nb.allLrps()) {
      if (lrp.externalIds['neutron:router_name'] !== router) continue
      const hc = hostingChassis(lrp)
      if (hc === undefined) continue
      if (hc === this.env.ctx.chassisId) here = lrp
      else elsewhere.push(hc)
    }

    return {here, elsewhere}
  }

  private gatewayReason(router: string): string | undefined {
    const g = this.routerGateway(router)
    if (g.here) return undefined
    if (!this.env.nb.capabilities.lrpStatus)
      return 'NB schema has no Logical_Router_Port.status (OVN < 23.09): router gateways are not known'
    return g.elsewhere.length > 0
      ? `router gateway of ${router} hosted on ${g.elsewhere.join(', ')}, not here (${this.env.ctx.chassisId})`
      : `router ${router} has no gateway port hosted anywhere`
  }

  private tenantPort(lsp: LogicalSwitchPort, net: string): WhyStep {
    const s = src(LSP, lsp)
    const {cfg} = this.env
    if (!this.env.tenantEnabled)
      return this.notExposed(
        s,
        'tenant-ip',
        `tenant network ${net}, and tenant networks are off (expose_tenant_networks=False)`,
      )
    const rifs = [...this.env.nb.lspsByNetwork(net)].filter(isRouterInterface)
    if (rifs.length === 0) return this.notExposed(s, 'tenant-ip', `tenant network ${net} has no router interface`)
    const {ip} = this
    const reasons: string[] = []
    for (const rif of rifs) {
      const router = rif.externalIds['neutron:device_id'] ?? ''
      const gw = this.gatewayReason(router)
      if (gw) {
        reasons.push(gw)
        continue
      }

      if (rif.up !== true) {
        reasons.push(`router interface ${rif.name} of ${router} is down`)
        continue
      }

      if (this.env.subnetMode) {
        reasons.push('advertisement_method_tenant_networks=subnet: the subnet is advertised, not host IPs')
        continue
      }

      const scopes = addressScopes(rif)
      const fam = ipFamily(ip) ?? 4
      if (!scopeAllowed(fam, scopes, cfg.addressScopes)) {
        reasons.push(`address scope ${scopes[fam] ?? '(none)'} not in address_scopes (${cfg.addressScopes.join(', ')})`)
        continue
      }

      if (this.env.guaOnly && !isIpv6Gua(ip)) {
        reasons.push(
          'only IPv6 GUAs of tenant networks are exposed (expose_ipv6_gua_tenant_networks without expose_tenant_networks)',
        )
        continue
      }

      if (lsp.up !== true) {
        reasons.push('port is down')
        continue
      }

      return this.step(s, 'tenant-ip', `tenant network ${net} behind router ${router}, whose gateway is hosted here`)
    }

    return this.notExposed(s, 'tenant-ip', reasons.join('; '))
  }

  gateway(lrp: LogicalRouterPort): WhyStep {
    const s = src(LRP, lrp)
    if (!this.env.nb.capabilities.lrpStatus)
      return this.notExposed(
        s,
        'cr-lrp',
        'NB schema has no Logical_Router_Port.status (OVN < 23.09): cr-lrps are not exposed',
      )
    const hc = hostingChassis(lrp)
    if (hc === undefined)
      return this.notExposed(s, 'cr-lrp', 'not a gateway port hosted anywhere (no status:hosting-chassis)')
    if (hc !== this.env.ctx.chassisId)
      return this.notExposed(s, 'cr-lrp', `router gateway hosted on ${hc}, not here (${this.env.ctx.chassisId})`)
    const ls = networkOf(lrp)
    if (ls === undefined) return this.notExposed(s, 'cr-lrp', 'cr-lrp without external_ids:neutron:network_name')
    const n = this.network(ls)
    if (!n.ok) return this.notExposed(s, 'cr-lrp', n.reason)
    if (!isMac(lrp.mac))
      return this.notExposed(s, 'cr-lrp', `malformed MAC ${JSON.stringify(lrp.mac)} in row ${lrp.uuid}`)
    return this.step(s, 'cr-lrp', `router gateway hosted here (${hc}); ${n.where}`)
  }

  fip(nat: Nat): WhyStep {
    const s = src('NAT', nat, nat.logicalPort ?? nat.externalIp)
    if (this.env.distributed) {
      const lp = nat.logicalPort
      const lsp = lp ? this.env.nb.lspByName(lp) : undefined
      if (!lsp) return this.notExposed(s, 'fip', `distributed FIP whose logical port ${lp ?? '(none)'} does not exist`)
      if (!lsp.externalIds['neutron:port_fip'])
        return this.notExposed(s, 'fip', `port ${lsp.name} has no neutron:port_fip`)
      const b = this.binding(lsp)
      if (b) return this.notExposed(s, 'fip', `distributed FIP of port ${lsp.name}: ${b}${this.migration(lsp)}`)
      if (!nat.externalMac) return this.notExposed(s, 'fip', 'NAT has no external_mac: distributed FIP not exposed yet')
      return this.fipNetwork(nat, s, `distributed FIP of port ${lsp.name}, bound here and up`)
    }

    if (!this.env.nb.capabilities.natGatewayPort)
      return this.notExposed(s, 'fip', 'NB schema has no NAT.gateway_port: centralized FIPs are not exposed')
    const gw = nat.gatewayPort ? this.env.nb.lrp(nat.gatewayPort) : undefined
    if (!gw) return this.notExposed(s, 'fip', 'centralized FIP (neutron:fip-distributed=False) without a gateway_port')
    const hc = hostingChassis(gw)
    if (hc !== this.env.ctx.chassisId)
      return this.notExposed(
        s,
        'fip',
        `centralized FIP: router gateway ${gw.name} hosted on ${hc ?? 'no chassis'}, not here (${this.env.ctx.chassisId})`,
      )
    return this.fipNetwork(nat, s, `centralized FIP; gateway ${gw.name} hosted here`)
  }

  private fipNetwork(nat: Nat, s: Source, why: string): WhyStep {
    const id = nat.externalIds['neutron:fip_network_id']
    if (!id) return this.notExposed(s, 'fip', 'NAT without external_ids:neutron:fip_network_id')
    const n = this.network(`neutron-${id}`)
    if (!n.ok) return this.notExposed(s, 'fip', n.reason)
    return this.step(s, 'fip', `${why}; ${n.where}`)
  }

  lb(lb: LoadBalancer, ip: string): WhyStep {
    const s = src('Load_Balancer', lb)
    const isPf = lb.name.startsWith(PF_LB_PREFIX)
    const role: ExposedKind =
      isPf || tryCanonicalIp(lb.externalIds['neutron:vip_fip'] ?? '') === ip ? 'lb-fip' : 'lb-vip'
    const key = isPf ? 'neutron:router_name' : 'lr_ref'
    const owner = lb.externalIds[key]
    if (!owner) return this.notExposed(s, role, `load balancer without external_ids:${key}`)
    const router = stripNeutronPrefix(owner)
    const gw = this.gatewayReason(router)
    if (gw) return this.notExposed(s, role, gw)
    if (!isPf && role === 'lb-vip' && tryCanonicalIp(lb.externalIds['neutron:vip'] ?? '') !== ip)
      return this.notExposed(s, role, `${ip} is a key of vips but not the LB's neutron:vip`)
    return this.step(
      s,
      role,
      `${role === 'lb-fip' ? 'floating IP of' : 'VIP of'} load balancer ${lb.name} on router ${router}, whose gateway is hosted here`,
    )
  }
}
