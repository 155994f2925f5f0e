// The incremental planner's subjects: one fragment per unit the full pass visits, each replayed with
// the same rule function computeDesired runs for it, against a read-tracking NB view (tracking.ts).
//
// | fragment | exists for | rule | order (full pass position) |
// |---|---|---|---|
// | base | always | base wiring, capability problems | 1 |
// | lrp | each LRP hosted here | planCrLrp -> the router it makes local | 3, lrp name, uuid |
// | rif | each router interface of a local router | planSubnet | 4, router, rif name, uuid, 0 |
// | tip | each port of a network a rif exposes in host mode | planTenantIp | 4, router, rif name, uuid, 1, port name, uuid |
// | port | each port naming this chassis | planLocalPort (VM, distributed FIPs) | 5, port name, uuid |
// | cfip | each LRP hosted here, centralized mode | planCentralizedFips | 6, lrp name, uuid |
// | lb | each LB of a local router | planLb | 7, router, lb name, uuid |
// | routers | always | duplicate local gateway problems | - |
import type {LogicalSwitchPort} from '../nb/model.js'
import type {Contributor} from './contributions.js'
import type {LocalRouter} from './crlrp.js'
import type {FragmentData, Order} from './fragment.js'
import type {Source} from './problems.js'
import type {TenantIpScope, TenantNetwork} from './tenant.js'

import {DEP} from './tracking.js'

export type FragKind = 'base' | 'lrp' | 'rif' | 'tip' | 'port' | 'cfip' | 'lb' | 'routers'

export interface Frag extends Contributor {
  readonly id: string
  readonly kind: FragKind
  order: Order
  data: FragmentData
  deps: string[]
  /** Taken out of the planner (its row left the subject set); stale references ignore it. */
  dead?: boolean
}

export interface LrpFrag extends Frag {
  kind: 'lrp'
  uuid: string
  /** The router this cr-lrp makes local, when it was planned. */
  router: LocalRouter | undefined
}

export interface RifFrag extends Frag {
  kind: 'rif'
  router: string
  uuid: string
  rif: LogicalSwitchPort | undefined
  src: Source | undefined
  /** The tenant network entry this interface records (computeDesired's tenantNetworks). */
  net: TenantNetwork | undefined
  /** Host mode: the network whose ports are `tips`, with their scope filter. */
  scope: TenantIpScope | undefined
  scopeSig: string | undefined
  /** The network under which this fragment is indexed for its tips (tipNets). */
  tipNet: string | undefined
  tips: Map<string, TipFrag>
}

/** A fragment of one NB row (port, LRP): its uuid identifies it. */
export interface RowFrag extends Frag {
  uuid: string
}

export interface TipFrag extends RowFrag {
  kind: 'tip'
  parent: RifFrag
}

export interface LbFrag extends RowFrag {
  kind: 'lb'
  router: string
}

export interface RouterNode {
  gw: LocalRouter
  sig: string
  rifs: Map<string, RifFrag>
  lbs: Map<string, LbFrag>
}

export const EMPTY_DATA: FragmentData = {adds: [], exposed: [], problems: new Map()}

export function newFrag<K extends FragKind>(kind: K, id: string): Frag & {kind: K} {
  return {id, kind, order: [], data: EMPTY_DATA, deps: []}
}

/** What of a local router the rules behind it read; equal signatures = nothing behind it to redo. */
export function routerSig(r: LocalRouter): string {
  const w = r.wire
  return JSON.stringify([
    r.router,
    r.lrp,
    r.mac,
    r.providerLs,
    r.ips,
    w.bridge,
    w.vlan,
    w.dev,
    w.table,
    w.localnet.uuid,
    w.localnet.name,
  ])
}

/**
 * The tenant networks map handed to planLb: records which networks an LB asked about, so that a
 * network becoming (or ceasing to be) a tenant network here re-plans exactly those LBs. Only `has`
 * and `get` answer (the only calls the LB rule makes); the map itself stays empty.
 */
export class TrackedNets extends Map<string, TenantNetwork> {
  constructor(
    private readonly nets: ReadonlyMap<string, TenantNetwork>,
    private readonly deps: Set<string>,
  ) {
    super()
  }

  override has(key: string): boolean {
    this.deps.add(DEP.tenantNet(key))
    return this.nets.has(key)
  }

  override get(key: string): TenantNetwork | undefined {
    this.deps.add(DEP.tenantNet(key))
    return this.nets.get(key)
  }
}
