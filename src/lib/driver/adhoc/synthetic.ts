// Explicit mode of the ad-hoc verbs (a node without NB access): the values given on the command
// line become a tiny NB snapshot, shaped like what Neutron writes, on which the real planner runs.
// So an explicit `expose-ip --ip A --mac M --bridge br-ex --vlan 100` and `expose-ip --port P` for a
// port with those values plan the same objects: there is one planner, never a second encoding of
// what an exposure needs.
//
// The snapshot: a provider switch whose localnet maps to the physnet of --bridge (tag --vlan), and,
// per method, a bound VM port, a local router gateway (cr-lrp) with a router interface, FIP ports
// with their NATs, or load balancers. Rows are named `adhoc-*`; the target selects the entries of
// the rows standing for the values given (never the helper cr-lrp's own addresses).
import type {AgentConfig, BridgeMapping} from '../../config/types.js'
import type {LoadBalancer, LogicalSwitchPort, Nat} from '../../nb/model.js'
import type {LocalContext} from '../../planner/context.js'
import type {ExposedKind} from '../../planner/types.js'
import type {AdhocTarget} from './targets.js'
import type {Method} from './verbs.js'

import {ValidationError} from '../../errors.js'
import {type NbRows, NbState} from '../../nb/state.js'
import {hostCidr, ipFamily} from '../../net/ip.js'

export interface ExplicitValues {
  ip: string[]
  bridge?: string | undefined
  vlan?: number | undefined
  mac?: string | undefined
  cidr: string[]
  via: string[]
}

/** Stand-ins for values a withdraw does not need (object identities never include them). */
const PLACEHOLDER_MAC = '02:00:00:00:00:00'
const PLACEHOLDER_V4 = ['192.0.2.1', '192.0.2.2']
const PLACEHOLDER_V6 = ['2001:db8::1', '2001:db8::2']

const PROVIDER_ID = 'adhoc-provider'
const PROVIDER_LS = `neutron-${PROVIDER_ID}`
const TENANT_LS = 'neutron-adhoc-tenant'
const ROUTER = 'adhoc-router'

export interface SyntheticNb {
  nb: NbState
  target: AdhocTarget
}

/** The mapping of --bridge (the planner wires only mapped bridges); else a usage error naming --bridge. */
function mappingOf(ctx: LocalContext, bridge: string | undefined): BridgeMapping {
  const list = ctx.bridgeMappings.map((m) => `${m.physnet}:${m.bridge}`).join(',') || 'none'
  if (bridge === undefined) {
    const first = [...ctx.bridgeMappings].sort((a, b) => a.index - b.index)[0]
    if (first) return first
    throw new ValidationError('--bridge is needed: no bridge mappings are configured', {
      suggestions: ['set bridge_mappings (--bridge-mappings physnet1:br-ex)'],
    })
  }

  const m = ctx.bridgeMappings.find((b) => b.bridge === bridge)
  if (!m)
    throw new ValidationError(`--bridge ${bridge}: not in the bridge mappings (${list})`, {
      suggestions: ['use a mapped bridge or set bridge_mappings'],
    })
  return m
}

/** The localnet name whose `patch-<name>-to-br-int` port is on the bridge (so its MAC-tweak flows are planned). */
function localnetName(ctx: LocalContext, bridge: string): string {
  const m = (ctx.patchPorts[bridge] ?? []).map((p) => /^patch-(provnet-.+)-to-br-int$/.exec(p.name)?.[1]).find(Boolean)
  return m ?? 'provnet-adhoc'
}

function port(name: string, p: Partial<LogicalSwitchPort>): LogicalSwitchPort {
  return {
    uuid: `adhoc-lsp-${name}`,
    name,
    type: '',
    addresses: [],
    up: true,
    tag: undefined,
    options: {},
    externalIds: {},
    ...p,
  }
}

/** A placeholder address of `family` that is none of the values given. */
function spare(family: 4 | 6, taken: readonly string[]): string {
  return (family === 4 ? PLACEHOLDER_V4 : PLACEHOLDER_V6).find((a) => !taken.includes(a))!
}

class Builder {
  readonly rows: Required<Pick<NbRows, 'lsps' | 'lss' | 'lrs' | 'lrps' | 'nats' | 'lbs'>> = {
    lsps: [],
    lss: [],
    lrs: [],
    lrps: [],
    nats: [],
    lbs: [],
  }
  private readonly members = new Map<string, string[]>()

  constructor(
    private readonly ctx: LocalContext,
    private readonly cfg: AgentConfig,
    readonly v: ExplicitValues,
  ) {}

  add(ls: string, p: LogicalSwitchPort): LogicalSwitchPort {
    this.rows.lsps.push(p)
    this.members.set(ls, [...(this.members.get(ls) ?? []), p.uuid])
    return p
  }

  /** The provider network of --bridge/--vlan. */
  provider(): void {
    const m = mappingOf(this.ctx, this.v.bridge)
    this.add(
      PROVIDER_LS,
      port(localnetName(this.ctx, m.bridge), {
        type: 'localnet',
        addresses: ['unknown'],
        up: undefined,
        tag: this.v.vlan,
        options: {network_name: m.physnet},
      }),
    )
  }

  /** A VM port bound here with "MAC IP..." on `ls`. */
  vm(name: string, ls: string, ips: readonly string[], extra: Record<string, string> = {}): LogicalSwitchPort {
    return this.add(
      ls,
      port(name, {
        addresses: [[this.v.mac ?? PLACEHOLDER_MAC, ...ips].join(' ')],
        options: {'requested-chassis': this.ctx.chassisName},
        externalIds: {'neutron:network_name': ls, 'neutron:host_id': this.ctx.chassisName, ...extra},
      }),
    )
  }

  /** A router whose gateway port (cr-lrp) is hosted here, on the provider network, addresses --via. */
  router(): void {
    const taken = [...this.v.ip, ...this.v.via]
    const via = this.v.via.length > 0 ? this.v.via : [spare(4, taken), spare(6, taken)]
    this.rows.lrs.push({uuid: 'adhoc-lr', name: `neutron-${ROUTER}`, nat: []})
    this.rows.lrps.push({
      uuid: 'adhoc-lrp',
      name: 'lrp-adhoc-gateway',
      mac: this.v.mac ?? PLACEHOLDER_MAC,
      networks: via.map(hostCidr),
      status: {'hosting-chassis': this.ctx.chassisId},
      externalIds: {'neutron:network_name': PROVIDER_LS, 'neutron:router_name': ROUTER, 'neutron:is_ext_gw': 'True'},
    })
  }

  /** A router interface on the tenant network with `cidrs`, in the configured address scopes. */
  routerInterface(cidrs: readonly string[]): LogicalSwitchPort {
    const scope = this.cfg.addressScopes[0]
    const scopes: Record<string, string> = scope
      ? {'neutron:subnet_pool_addr_scope4': scope, 'neutron:subnet_pool_addr_scope6': scope}
      : {}
    return this.add(
      TENANT_LS,
      port('adhoc-router-interface', {
        type: 'router',
        addresses: ['router'],
        externalIds: {
          'neutron:device_owner': 'network:router_interface',
          'neutron:device_id': ROUTER,
          'neutron:network_name': TENANT_LS,
          'neutron:cidrs': cidrs.join(' '),
          ...scopes,
        },
      }),
    )
  }

  lb(i: number, vip: string, ext: Record<string, string>): LoadBalancer {
    const lb: LoadBalancer = {
      uuid: `adhoc-lb-${i}`,
      name: `adhoc-lb-${i}`,
      vips: {[ipFamily(vip) === 6 ? `[${vip}]:80` : `${vip}:80`]: ''},
      externalIds: {lr_ref: `neutron-${ROUTER}`, ...ext},
    }
    this.rows.lbs.push(lb)
    return lb
  }

  build(): NbState {
    const lss = [...this.members].map(([name, ports]) => ({uuid: `adhoc-ls-${name}`, name, ports}))
    return NbState.fromRows({...this.rows, lss})
  }
}

/** Target over synthetic rows: entries of `kinds` whose source is one of `uuids`. */
function target(v: ExplicitValues, kinds: ExposedKind[], uuids: readonly string[]): AdhocTarget {
  const ids = new Set(uuids)
  const values = Object.fromEntries(
    Object.entries(v).filter(([, x]) => x !== undefined && !(Array.isArray(x) && x.length === 0)),
  )
  return {
    info: {mode: 'explicit', values},
    select: (r) => r.state.exposed.filter((e) => kinds.includes(e.kind) && ids.has(e.source.uuid)),
    force: {lsps: new Set(), lrps: new Set()},
    rows: ids,
  }
}

/** The synthetic NB and target of one method's explicit values (already validated and canonical). */
export function syntheticNb(method: Method, v: ExplicitValues, ctx: LocalContext, cfg: AgentConfig): SyntheticNb {
  const b = new Builder(ctx, cfg, v)
  b.provider()
  let t: AdhocTarget
  switch (method) {
    case 'ip': {
      const p = b.vm('adhoc-port', PROVIDER_LS, v.ip, v.cidr.length > 0 ? {'neutron:cidrs': v.cidr.join(' ')} : {})
      t = target(v, ['vm'], [p.uuid])
      break
    }

    case 'remote-ip': {
      // the subnet carrying the traffic is not this verb's: one host route per IP keeps the network exposed
      b.router()
      b.routerInterface(v.ip.map(hostCidr))
      t = target(v, ['tenant-ip'], [b.vm('adhoc-tenant-port', TENANT_LS, v.ip).uuid])
      break
    }

    case 'subnet': {
      b.router()
      const rif = b.routerInterface(v.cidr)
      const vms = v.ip.length > 0 ? [b.vm('adhoc-tenant-port', TENANT_LS, v.ip).uuid] : []
      t = target(v, ['subnet', 'tenant-ip'], [rif.uuid, ...vms])
      break
    }

    case 'fip': {
      const nats: Nat[] = v.ip.map((ip, i) => ({
        uuid: `adhoc-nat-${i}`,
        type: 'dnat_and_snat',
        externalIp: ip,
        externalMac: v.mac ?? PLACEHOLDER_MAC,
        logicalIp: ip,
        logicalPort: `adhoc-fip-port-${i}`,
        gatewayPort: undefined,
        externalIds: {'neutron:fip_network_id': PROVIDER_ID},
      }))
      for (const [i, n] of nats.entries())
        b.vm(`adhoc-fip-port-${i}`, TENANT_LS, [spare(4, v.ip)], {'neutron:port_fip': n.externalIp})
      b.rows.nats.push(...nats)
      t = target(
        v,
        ['fip'],
        nats.map((n) => n.uuid),
      )
      break
    }

    case 'lb-vip':
    case 'lb-fip': {
      b.router()
      const vipPort = b.vm('adhoc-vip-port', PROVIDER_LS, [])
      const taken = [...v.ip, ...v.via]
      const lbs = v.ip.map((ip, i) =>
        method === 'lb-vip'
          ? b.lb(i, ip, {'neutron:vip': ip, 'neutron:vip_port_id': vipPort.name})
          : // neutron:vip names an address the LB does not listen on: only the FIP is exposed
            b.lb(i, ip, {
              'neutron:vip': spare(ipFamily(ip) ?? 4, taken),
              'neutron:vip_fip': ip,
              'neutron:vip_port_id': vipPort.name,
            }),
      )
      t = target(
        v,
        [method],
        lbs.map((l) => l.uuid),
      )
      break
    }
  }

  return {nb: b.build(), target: t}
}
