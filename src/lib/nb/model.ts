// Typed rows of the OVN Northbound tables the driver reads (docs/upstream-behaviour.md#nb-tables-and-columns),
// one NB row change in that typed form, and the read-only, indexed view the planner queries. Rows
// are immutable values; maps are plain string records.
import type {ChangeKind} from '../ovsdb/types.js'

export type StrMap = Readonly<Record<string, string>>

export interface LogicalSwitchPort {
  uuid: string
  name: string
  /** '' (VM), 'virtual', 'router', 'localnet', ... */
  type: string
  /** Raw `addresses` column; element 0 is "MAC IP1 [IP2 ...]" (or 'router', 'unknown' ...). */
  addresses: readonly string[]
  /** up[0]; undefined when the optional column is empty. */
  up: boolean | undefined
  /** tag[0] (localnet VLAN); undefined when empty. */
  tag: number | undefined
  options: StrMap
  externalIds: StrMap
}

export interface LogicalSwitch {
  uuid: string
  name: string
  ports: readonly string[]
}

export interface LogicalRouter {
  uuid: string
  name: string
  nat: readonly string[]
}

export interface LogicalRouterPort {
  uuid: string
  name: string
  mac: string
  networks: readonly string[]
  /** undefined when the server's schema has no LRP `status` column (OVN < 23.09). */
  status: StrMap | undefined
  externalIds: StrMap
}

export interface Nat {
  uuid: string
  type: string
  externalIp: string
  externalMac: string | undefined
  logicalIp: string
  logicalPort: string | undefined
  /** LRP uuid; undefined when unset or when the schema lacks the column. */
  gatewayPort: string | undefined
  externalIds: StrMap
}

export interface LoadBalancer {
  uuid: string
  name: string
  /** "VIP[:port]" (IPv6: "[addr]:port") -> members */
  vips: StrMap
  externalIds: StrMap
}

export interface NbGlobal {
  uuid: string
  externalIds: StrMap
}

export type NbRow =
  LogicalSwitchPort | LogicalSwitch | LogicalRouter | LogicalRouterPort | Nat | LoadBalancer | NbGlobal

/**
 * One NB row change, decoded once (nb/decode.ts decodeChange, called by NbState.applyChange) and
 * read as such by the incremental planner and the event matchers. `old` follows python-ovs IDL
 * semantics, which upstream's match functions depend on: it holds the changed columns only, so
 * "old has X" means "X changed"; a missing field is never filled from the current row.
 */
export interface NbChange<T = NbRow> {
  kind: ChangeKind
  table: string
  uuid: string
  /** insert/update: the row after the change; delete: its last values. */
  row: T
  /** update only: the previous values of the changed columns; a field is present iff its column changed. */
  old: Partial<T> | undefined
}

export interface NbCapabilities {
  /** Logical_Router_Port.status exists (OVN >= 23.09, NB schema >= 7.1.0). */
  lrpStatus: boolean
  /** NAT.gateway_port exists. */
  natGatewayPort: boolean
}

/**
 * Indexed, read-only view of the NB replica. Every lookup is O(result), never a scan of a table,
 * except the explicit `all*()` iterators (used by full reconciles and by `show-exposed --source nb`).
 */
export interface NbView {
  readonly capabilities: NbCapabilities
  /**
   * Row writes since the view was created, when the view counts them (NbState does): the same
   * view with the same count has the same contents. Lets the planner's periodic self-check skip a
   * recomputation whose inputs it has already verified.
   */
  readonly writes?: number

  lsp(uuid: string): LogicalSwitchPort | undefined
  lspByName(name: string): LogicalSwitchPort | undefined
  /** LSPs whose external_ids:neutron:network_name == lsName. */
  lspsByNetwork(lsName: string): Iterable<LogicalSwitchPort>
  /** LSPs whose options:requested-chassis (any element of the comma list) or external_ids:neutron:host_id is `chassis`. */
  lspsByChassis(chassis: string): Iterable<LogicalSwitchPort>
  /** Router-interface LSPs (type router, neutron:device_owner network:router_interface) whose neutron:device_id == routerId. */
  routerInterfaces(routerId: string): Iterable<LogicalSwitchPort>
  /** LSPs of type localnet whose options:network_name == physnet. */
  localnetsByPhysnet(physnet: string): Iterable<LogicalSwitchPort>
  allLsps(): Iterable<LogicalSwitchPort>

  ls(uuid: string): LogicalSwitch | undefined
  lsByName(name: string): LogicalSwitch | undefined
  /** Localnet LSPs that are ports of the switch named lsName, in the switch's port order. */
  localnetPortsOfLs(lsName: string): LogicalSwitchPort[]
  /** Ports of type 'virtual' on the switch named lsName. */
  hasVirtualPort(lsName: string): boolean

  lr(uuid: string): LogicalRouter | undefined
  lrByName(name: string): LogicalRouter | undefined

  lrp(uuid: string): LogicalRouterPort | undefined
  /** LRPs whose status:hosting-chassis == chassisId. */
  lrpsByHostingChassis(chassisId: string): Iterable<LogicalRouterPort>
  allLrps(): Iterable<LogicalRouterPort>

  nat(uuid: string): Nat | undefined
  natsByLogicalPort(lspName: string): Iterable<Nat>
  natsByGatewayPort(lrpUuid: string): Iterable<Nat>
  allNats(): Iterable<Nat>

  lb(uuid: string): LoadBalancer | undefined
  /** LBs whose external_ids lr_ref or neutron:router_name, minus one leading 'neutron-', == routerId. */
  lbsByRouter(routerId: string): Iterable<LoadBalancer>
  allLbs(): Iterable<LoadBalancer>

  nbGlobal(): NbGlobal | undefined
}
