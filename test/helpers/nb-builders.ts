// Small builders of typed NB rows (nb/model.ts) with sensible defaults, for planner and NB tests.
// Every builder takes the fields that matter for a test and derives the rest (uuid from name).
import type {
  LoadBalancer,
  LogicalRouter,
  LogicalRouterPort,
  LogicalSwitch,
  LogicalSwitchPort,
  Nat,
  NbGlobal,
} from '../../src/lib/nb/model.js'

type Ids = Record<string, string>

/** Raw LSP with defaults: type '' (VM), no addresses, up, no tag. */
export function lsp(p: Partial<LogicalSwitchPort> & {name: string}): LogicalSwitchPort {
  return {uuid: `lsp-${p.name}`, type: '', addresses: [], up: true, tag: undefined, options: {}, externalIds: {}, ...p}
}

export interface VmSpec {
  name: string
  mac?: string
  ips?: string[]
  /** neutron:network_name */
  net?: string
  /** options:requested-chassis (comma list allowed) */
  chassis?: string
  /** external_ids:neutron:host_id */
  hostId?: string
  /** neutron:cidrs (space-joined) */
  cidrs?: string[]
  /** neutron:port_fip */
  fip?: string
  up?: boolean | undefined
  type?: string
}

/** A workload port: addresses "MAC IP...", bound by requested-chassis and/or neutron:host_id. */
export function vm(s: VmSpec): LogicalSwitchPort {
  const ext: Ids = {}
  if (s.net !== undefined) ext['neutron:network_name'] = s.net
  if (s.hostId !== undefined) ext['neutron:host_id'] = s.hostId
  if (s.cidrs !== undefined) ext['neutron:cidrs'] = s.cidrs.join(' ')
  if (s.fip !== undefined) ext['neutron:port_fip'] = s.fip
  const options: Ids = s.chassis === undefined ? {} : {'requested-chassis': s.chassis}
  const addr = [s.mac ?? 'fa:16:3e:00:00:01', ...(s.ips ?? [])].join(' ')
  return lsp({
    name: s.name,
    type: s.type ?? '',
    addresses: [addr],
    up: 'up' in s ? s.up : true,
    options,
    externalIds: ext,
  })
}

/** A localnet port of network `physnet`, optionally VLAN-tagged. */
export function localnet(name: string, physnet: string, tag?: number): LogicalSwitchPort {
  return lsp({name, type: 'localnet', addresses: ['unknown'], up: undefined, tag, options: {network_name: physnet}})
}

export interface RouterIfSpec {
  name: string
  router: string
  net: string
  cidrs: string[]
  scope4?: string
  scope6?: string
  up?: boolean
}

/** A Neutron router interface (type router, device_owner network:router_interface). */
export function routerIf(s: RouterIfSpec): LogicalSwitchPort {
  const ext: Ids = {
    'neutron:device_owner': 'network:router_interface',
    'neutron:device_id': s.router,
    'neutron:network_name': s.net,
    'neutron:cidrs': s.cidrs.join(' '),
  }
  if (s.scope4 !== undefined) ext['neutron:subnet_pool_addr_scope4'] = s.scope4
  if (s.scope6 !== undefined) ext['neutron:subnet_pool_addr_scope6'] = s.scope6
  return lsp({name: s.name, type: 'router', addresses: ['router'], up: s.up ?? true, externalIds: ext})
}

/** A switch holding `ports` (rows or uuids). */
export function ls(name: string, ports: Array<LogicalSwitchPort | string> = []): LogicalSwitch {
  return {uuid: `ls-${name}`, name, ports: ports.map((p) => (typeof p === 'string' ? p : p.uuid))}
}

export function lr(name: string, nat: Nat[] = []): LogicalRouter {
  return {uuid: `lr-${name}`, name, nat: nat.map((n) => n.uuid)}
}

export interface LrpSpec {
  name: string
  mac?: string
  networks: string[]
  /** neutron:network_name (provider LS of the gateway) */
  net?: string
  /** neutron:router_name */
  router?: string
  /** status:hosting-chassis; null = status column present but key unset */
  hosting?: string | null
}

export function lrp(s: LrpSpec): LogicalRouterPort {
  const ext: Ids = {}
  if (s.net !== undefined) ext['neutron:network_name'] = s.net
  if (s.router !== undefined) ext['neutron:router_name'] = s.router
  const status: Ids = s.hosting ? {'hosting-chassis': s.hosting} : {}
  return {
    uuid: `lrp-${s.name}`,
    name: s.name,
    mac: s.mac ?? 'fa:16:3e:aa:00:01',
    networks: s.networks,
    status,
    externalIds: ext,
  }
}

export interface NatSpec {
  uuid: string
  type?: string
  externalIp: string
  externalMac?: string
  logicalIp?: string
  logicalPort?: string
  gatewayPort?: string
  /** neutron:fip_network_id (without the neutron- prefix) */
  fipNet?: string
}

export function nat(s: NatSpec): Nat {
  const ext: Ids = s.fipNet === undefined ? {} : {'neutron:fip_network_id': s.fipNet}
  return {
    uuid: s.uuid,
    type: s.type ?? 'dnat_and_snat',
    externalIp: s.externalIp,
    externalMac: s.externalMac,
    logicalIp: s.logicalIp ?? '10.0.0.5',
    logicalPort: s.logicalPort,
    gatewayPort: s.gatewayPort,
    externalIds: ext,
  }
}

export interface LbSpec {
  name: string
  vips?: Record<string, string>
  /** external_ids as given (lr_ref, neutron:router_name, neutron:vip, neutron:vip_fip, neutron:vip_port_id) */
  ext?: Ids
}

export function lb(s: LbSpec): LoadBalancer {
  return {uuid: `lb-${s.name}`, name: s.name, vips: s.vips ?? {}, externalIds: s.ext ?? {}}
}

/** NB_Global; `distributed` is the raw neutron:fip-distributed value (undefined = key absent). */
export function nbGlobal(distributed?: string): NbGlobal {
  return {uuid: 'nb-global', externalIds: distributed === undefined ? {} : {'neutron:fip-distributed': distributed}}
}
