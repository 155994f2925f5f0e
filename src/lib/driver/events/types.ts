// Shared types of the NB event classifier: the upstream event class names, the driver calls their
// `run` would make, and the shape of one matcher ("event spec").
import type {NbChange} from '../../nb/model.js'
import type {ChangeKind} from '../../ovsdb/types.js'
import type {AgentView} from './agent-view.js'

/** Upstream ovn-bgp-agent NB watcher class names, plus our own additions (see docs/events.md). */
export const EVENT_NAMES = [
  'LogicalSwitchPortProviderCreateEvent',
  'LogicalSwitchPortProviderDeleteEvent',
  'LogicalSwitchPortIPsChangedEvent',
  'LogicalSwitchPortFIPCreateEvent',
  'LogicalSwitchPortFIPDeleteEvent',
  'LocalnetCreateDeleteEvent',
  'ChassisRedirectCreateEvent',
  'ChassisRedirectDeleteEvent',
  'LogicalSwitchPortSubnetAttachEvent',
  'LogicalSwitchPortSubnetDetachEvent',
  'LogicalSwitchPortTenantCreateEvent',
  'LogicalSwitchPortTenantDeleteEvent',
  'DistributedFlagChangedEvent',
  'NATMACAddedEvent',
  'ExposeFIPOnCRLRP',
  'WithdrawFIPOnCRLRP',
  'CrLrpChassisChangeExposeEvent',
  'CrLrpChassisChangeWithdrawEvent',
  'OVNLBCreateEvent',
  'OVNLBDeleteEvent',
  'OVNPFCreateEvent',
  'OVNPFDeleteEvent',
] as const
export type EventName = (typeof EVENT_NAMES)[number]

/** Upstream driver methods an event's `run` calls (`sync` = full resync). */
export type DriverFn =
  | 'expose_ip'
  | 'withdraw_ip'
  | 'expose_fip'
  | 'withdraw_fip'
  | 'expose_subnet'
  | 'withdraw_subnet'
  | 'expose_remote_ip'
  | 'withdraw_remote_ip'
  | 'expose_ovn_lb_vip'
  | 'withdraw_ovn_lb_vip'
  | 'expose_ovn_lb_fip'
  | 'withdraw_ovn_lb_fip'
  | 'expose_ovn_pf_lb_fip'
  | 'withdraw_ovn_pf_lb_fip'
  | 'sync'

export type CallInfo = Readonly<Record<string, string | readonly string[] | null>>

/**
 * One driver call upstream's `run` would make for this change, given the current NB. Informational
 * (logs, tests): the daemon itself recomputes the desired state instead of replaying calls.
 */
export interface DriverCall {
  fn: DriverFn
  /** Addresses the call is about (canonical where they parse; raw text otherwise). */
  ips: readonly string[]
  /** The upstream call's argument dict, flattened (e.g. {mac, cidrs, type, logical_switch}). */
  info: CallInfo
}

/** Short description of the changed row, for log lines. */
export interface ChangeSubject {
  table: string
  uuid: string
  name: string
  ips: readonly string[]
}

export interface MatchedEvent {
  name: EventName
  /** The class's nominal driver call (stable label for "events by class/action" metrics). */
  action: DriverFn
  /** The change warrants a full resync (localnet create/delete, FIP mode switch). */
  fullSync: boolean
  subject: ChangeSubject
  /** What upstream's `run` would call; may be empty (e.g. NAT not found, non VM-like port). */
  calls: readonly DriverCall[]
}

/** A matcher raised: treated as no match (upstream logs and drops it too). */
export interface MatcherProblem {
  name: EventName
  subject: ChangeSubject
  message: string
}

/**
 * One event class: where it listens, and its match/run logic as pure functions. `match` and `run`
 * may throw (treated as no match by the classifier); `run` is only called after `match` said yes.
 */
export interface EventSpec<T = unknown> {
  name: EventName
  table: string
  kinds: readonly ChangeKind[]
  action: DriverFn
  fullSync?: boolean
  /** Registered for this agent configuration / FIP mode (docs/upstream-behaviour.md#plumbing-and-registration)? */
  active(view: AgentView): boolean
  match(change: NbChange<T>, view: AgentView): boolean
  run(change: NbChange<T>, view: AgentView): DriverCall[]
}
