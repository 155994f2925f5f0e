import type {LoadBalancer, LogicalRouterPort, LogicalSwitch, LogicalSwitchPort, NbView} from '../../nb/model.js'
import type {DesiredResult} from '../../planner/desired.js'
import type {ExposedEntry, ExposedKind} from '../../planner/types.js'
import type {ForcedLocal} from './forced-local.js'
import type {Method} from './verbs.js'

// NB mode of the ad-hoc verbs: the NB object a command names (--port, --router [--network], --lb),
// found by name or uuid, and which of the planner's exposed entries belong to it. Selection reads
// the planner result only (entries and their source rows), so an object is exposed exactly as a
// sync would expose it; `force` lists the rows a withdraw sees as local (forced-local.ts).
import {ValidationError} from '../../errors.js'
import {hostingChassis, isRouterInterface, lbRouterKeys, stripNeutronPrefix} from '../../nb/keys.js'

/** The resolved object, as reported under `target` in the JSON result. */
export interface TargetInfo {
  mode: 'nb' | 'explicit'
  /** NB mode: the table and row the command named; router/network add context. */
  table?: string
  uuid?: string
  name?: string
  router?: string
  network?: string
  /** Explicit mode: the values given. */
  values?: Record<string, unknown>
}

export interface AdhocTarget {
  info: TargetInfo
  /** This object's entries in a planner result computed on `nb`. */
  select(r: DesiredResult, nb: NbView): ExposedEntry[]
  /** Rows a withdraw treats as local when asking what the object would need here. */
  force: ForcedLocal
  /** Rows whose planner problems are reported with the result. */
  rows: ReadonlySet<string>
}

export interface ObjectRefs {
  port?: string | undefined
  router?: string | undefined
  network?: string | undefined
  lb?: string | undefined
}

const LSP = 'Logical_Switch_Port'

function unknown(what: string, ref: string, flag: string): ValidationError {
  return new ValidationError(`--${flag} ${ref}: no ${what} with that name or uuid in the NB database`, {
    code: 'UNKNOWN_OBJECT',
    suggestions: [
      `check the name (ovn-nbctl list ${what})`,
      'or give explicit values (--ip, --bridge ...) to act without NB',
    ],
  })
}

function findPort(nb: NbView, ref: string): LogicalSwitchPort {
  const r = nb.lsp(ref) ?? nb.lspByName(ref)
  if (!r) throw unknown(LSP, ref, 'port')
  return r
}

function findLb(nb: NbView, ref: string): LoadBalancer {
  const r = nb.lb(ref) ?? [...nb.allLbs()].find((l) => l.name === ref)
  if (!r) throw unknown('Load_Balancer', ref, 'lb')
  return r
}

function findNetwork(nb: NbView, ref: string): LogicalSwitch {
  const r = nb.ls(ref) ?? nb.lsByName(ref) ?? nb.lsByName(`neutron-${ref}`)
  if (!r) throw unknown('Logical_Switch', ref, 'network')
  return r
}

/** Gateway LRPs of a router id: LRPs naming it in neutron:router_name that are (or were) cr-lrps. */
function gatewayLrps(nb: NbView, routerId: string): LogicalRouterPort[] {
  return [...nb.allLrps()].filter(
    (l) =>
      l.externalIds['neutron:router_name'] === routerId &&
      (hostingChassis(l) !== undefined || l.externalIds['neutron:is_ext_gw'] === 'True'),
  )
}

/** --router: a gateway LRP (name/uuid, `cr-lrp-` prefix allowed) or a router (LR name/uuid, router id). */
function findRouter(nb: NbView, ref: string): {routerId: string; lrps: LogicalRouterPort[]} {
  const bare = ref.startsWith('cr-') ? ref.slice(3) : ref
  const lrp = nb.lrp(bare) ?? [...nb.allLrps()].find((l) => l.name === bare)
  if (lrp) {
    const routerId = lrp.externalIds['neutron:router_name'] ?? ''
    if (!routerId)
      throw new ValidationError(
        `--router ${ref}: Logical_Router_Port ${lrp.name} has no external_ids:neutron:router_name (not a router gateway port)`,
      )
    return {routerId, lrps: [lrp]}
  }

  const lr = nb.lr(ref) ?? nb.lrByName(ref) ?? nb.lrByName(`neutron-${ref}`)
  const routerId = lr ? stripNeutronPrefix(lr.name) : ref
  const lrps = gatewayLrps(nb, routerId)
  if (!lr && lrps.length === 0) throw unknown('Logical_Router', ref, 'router')
  return {routerId, lrps}
}

const isKind = (e: ExposedEntry, ...kinds: ExposedKind[]) => kinds.includes(e.kind)
const networkOfUuid = (nb: NbView, uuid: string) => nb.lsp(uuid)?.externalIds['neutron:network_name']
const info = (table: string, row: {uuid: string; name: string}, extra: Partial<TargetInfo> = {}): TargetInfo => ({
  mode: 'nb',
  table,
  uuid: row.uuid,
  name: row.name,
  ...extra,
})

/** Tenant IPs (host mode) of VMs on networks this router exposes through the subnets chosen. */
function tenantIpsOf(
  r: DesiredResult,
  nb: NbView,
  e: ExposedEntry,
  routerId: string,
  networks?: ReadonlySet<string>,
): boolean {
  if (e.kind !== 'tenant-ip') return false
  const net = networkOfUuid(nb, e.source.uuid)
  if (net === undefined || (networks && !networks.has(net))) return false
  return r.tenantNetworks.some((t) => t.network === net && t.router === routerId)
}

/** LB VIP/FIP entries of the LBs attached to a router. */
function lbOfRouter(nb: NbView, e: ExposedEntry, routerId: string): boolean {
  if (!isKind(e, 'lb-vip', 'lb-fip') || e.source.table !== 'Load_Balancer') return false
  const lb = nb.lb(e.source.uuid)
  return lb !== undefined && lbRouterKeys(lb).includes(routerId)
}

/** A router's interfaces: optionally only those on one network. */
function routerIfs(nb: NbView, routerId: string, network?: string): LogicalSwitchPort[] {
  return [...nb.routerInterfaces(routerId)].filter(
    (p) => network === undefined || p.externalIds['neutron:network_name'] === network,
  )
}

function routerTarget(nb: NbView, ref: string): AdhocTarget {
  const {routerId, lrps} = findRouter(nb, ref)
  const lrpIds = new Set(lrps.map((l) => l.uuid))
  const rifIds = new Set(routerIfs(nb, routerId).map((p) => p.uuid))
  const lbIds = new Set([...nb.lbsByRouter(routerId)].map((l) => l.uuid))
  const first = lrps[0]
  return {
    info: first ? info('Logical_Router_Port', first, {router: routerId}) : {mode: 'nb', router: routerId},
    // docs/upstream-behaviour.md#expose_ip step 2: the cr-lrp, then its router's subnets (and their tenant IPs) and LBs
    select: (r, view) =>
      r.state.exposed.filter(
        (e) =>
          (e.kind === 'cr-lrp' && lrpIds.has(e.source.uuid)) ||
          (e.kind === 'subnet' && rifIds.has(e.source.uuid)) ||
          tenantIpsOf(r, view, e, routerId) ||
          lbOfRouter(view, e, routerId),
      ),
    force: {lsps: rifIds, lrps: lrpIds},
    rows: new Set([...lrpIds, ...rifIds, ...lbIds]),
  }
}

function subnetTarget(nb: NbView, refs: ObjectRefs): AdhocTarget {
  let routerId: string
  let rifs: LogicalSwitchPort[]
  let network: string | undefined
  if (refs.port === undefined) {
    if (refs.router === undefined || refs.network === undefined)
      throw new ValidationError('give --port (a router interface), or --router with --network')
    routerId = findRouter(nb, refs.router).routerId
    network = findNetwork(nb, refs.network).name
    rifs = routerIfs(nb, routerId, network)
    if (rifs.length === 0)
      throw new ValidationError(`--network ${refs.network}: router ${routerId} has no interface on ${network}`, {
        code: 'UNKNOWN_OBJECT',
      })
  } else {
    const p = findPort(nb, refs.port)
    if (!isRouterInterface(p))
      throw new ValidationError(
        `--port ${refs.port}: ${p.name} is not a router interface (type router, device_owner network:router_interface)`,
      )
    routerId = p.externalIds['neutron:device_id'] ?? ''
    rifs = [p]
  }

  const rifIds = new Set(rifs.map((p) => p.uuid))
  const nets = new Set(rifs.map((p) => p.externalIds['neutron:network_name'] ?? ''))
  const lrps = gatewayLrps(nb, routerId)
  return {
    info: info(LSP, rifs[0]!, {router: routerId, network: network ?? [...nets][0] ?? ''}),
    // docs/upstream-behaviour.md#expose_subnet: the interface's CIDRs, then (host mode) the IPs of the VMs on its
    // network
    select: (r, view) =>
      r.state.exposed.filter(
        (e) => (e.kind === 'subnet' && rifIds.has(e.source.uuid)) || tenantIpsOf(r, view, e, routerId, nets),
      ),
    force: {lsps: rifIds, lrps: new Set(lrps.map((l) => l.uuid))},
    rows: rifIds,
  }
}

/** LRPs of routers with an interface on the port's network (a tenant IP is exposed through them). */
function gatewaysOfNetwork(nb: NbView, network: string | undefined): {rifs: string[]; lrps: string[]} {
  if (network === undefined) return {rifs: [], lrps: []}
  const rifs = [...nb.lspsByNetwork(network)].filter(isRouterInterface)
  const lrps = rifs.flatMap((p) => gatewayLrps(nb, p.externalIds['neutron:device_id'] ?? ''))
  return {rifs: rifs.map((p) => p.uuid), lrps: lrps.map((l) => l.uuid)}
}

function portTarget(nb: NbView, method: 'ip' | 'remote-ip' | 'fip', ref: string): AdhocTarget {
  const p = findPort(nb, ref)
  if (method === 'fip') {
    const nats = [...nb.allNats()].filter(
      (n) =>
        n.type === 'dnat_and_snat' && (n.logicalPort === p.name || n.externalIds['neutron:fip_port_id'] === p.name),
    )
    const natIds = new Set(nats.map((n) => n.uuid))
    return {
      info: info(LSP, p),
      select: (r) =>
        r.state.exposed.filter((e) => e.kind === 'fip' && e.source.table === 'NAT' && natIds.has(e.source.uuid)),
      force: {lsps: new Set([p.uuid]), lrps: new Set(nats.flatMap((n) => (n.gatewayPort ? [n.gatewayPort] : [])))},
      rows: new Set([p.uuid, ...natIds]),
    }
  }

  const kind: ExposedKind = method === 'ip' ? 'vm' : 'tenant-ip'
  const gw =
    method === 'remote-ip' ? gatewaysOfNetwork(nb, p.externalIds['neutron:network_name']) : {rifs: [], lrps: []}
  return {
    info: info(LSP, p),
    select: (r) => r.state.exposed.filter((e) => e.kind === kind && e.source.uuid === p.uuid),
    force: {lsps: new Set([p.uuid, ...gw.rifs]), lrps: new Set(gw.lrps)},
    rows: new Set([p.uuid]),
  }
}

function lbTarget(nb: NbView, kind: 'lb-vip' | 'lb-fip', ref: string): AdhocTarget {
  const lb = findLb(nb, ref)
  const lrps = lbRouterKeys(lb).flatMap((id) => gatewayLrps(nb, id))
  return {
    info: info('Load_Balancer', lb, {router: lbRouterKeys(lb)[0] ?? ''}),
    select: (r) => r.state.exposed.filter((e) => e.kind === kind && e.source.uuid === lb.uuid),
    force: {lsps: new Set(), lrps: new Set(lrps.map((l) => l.uuid))},
    rows: new Set([lb.uuid]),
  }
}

/** The object flags a verb needs, checked before NB is contacted (exit 2, not a connection attempt). */
export function checkRefs(method: Method, refs: ObjectRefs): void {
  switch (method) {
    case 'ip': {
      need(refs.port ?? refs.router, '--port or --router')
      break
    }

    case 'subnet': {
      need(refs.port ?? refs.network, '--port (a router interface), or --router with --network')
      break
    }

    case 'lb-vip':
    case 'lb-fip': {
      need(refs.lb, '--lb')
      break
    }

    default: {
      need(refs.port, '--port')
    }
  }
}

/** Resolves the NB object of one verb; unknown names are a usage error (exit 2). */
export function resolveTarget(nb: NbView, method: Method, refs: ObjectRefs): AdhocTarget {
  switch (method) {
    case 'ip': {
      if (refs.router !== undefined) return routerTarget(nb, refs.router)
      return portTarget(nb, 'ip', need(refs.port, '--port or --router'))
    }

    case 'remote-ip':
    case 'fip': {
      return portTarget(nb, method, need(refs.port, '--port'))
    }

    case 'subnet': {
      return subnetTarget(nb, refs)
    }

    case 'lb-vip':
    case 'lb-fip': {
      return lbTarget(nb, method, need(refs.lb, '--lb'))
    }
  }
}

function need(v: string | undefined, what: string): string {
  if (v === undefined) throw new ValidationError(`name the object with ${what}, or give explicit values with --ip`)
  return v
}
