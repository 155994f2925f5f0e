// What a kernel notification means for the watched model's owner (watched.ts), as pure functions
// of the notification, the observed scope and the last desired state (objKey -> objValue):
// whether it is drift (a pass should follow at once, docs/kernel.md "Drift"), and whether it
// concerns a device that decides what ovn-bgp owns (a delta observation is then refused).
import type {MonitorEvent} from './monitor-parse.js'
import type {ObserveScope} from './types.js'

import {objKey, objValue} from '../planner/types.js'
import {eventObj} from './notify-keys.js'

/** A device whose state decides what is owned: a provider bridge, bgp-nic, the VRF (any, before a scope is known). */
export function ownershipDevice(scope: ObserveScope | undefined, name: string): boolean {
  return !scope || name === scope.bgpNic || name === scope.bgpVrf || scope.bridges.some((b) => b.name === name)
}

/**
 * Why `e` is drift of the desired state, or undefined. Drift: an owned desired object removed or
 * changed (a neighbour no longer permanent, an NDP proxy flag cleared, a route or neighbour with
 * another value), a provider bridge or desired VLAN device deleted or set down, and such a device
 * coming (back) up: what a pass failed to wire through it while it was down can now be repaired.
 * `wasUp`: the device's state in the model before `e`. Nothing is drift before a scope is known.
 */
export function driftOf(
  e: MonitorEvent,
  wasUp: boolean,
  scope: ObserveScope | undefined,
  desired: ReadonlyMap<string, string>,
): string | undefined {
  if (!scope) return undefined
  if (e.type === 'link') {
    const bridge = scope.bridges.some((b) => b.name === e.link.name)
    const vlan = desired.has(`vlan|${e.link.name}`)
    if (!bridge && !vlan) return undefined
    if (e.deleted || !e.link.up) return `link ${e.link.name} ${e.deleted ? 'deleted' : 'down'}`
    if (!wasUp) return `link ${e.link.name} up`
    return undefined
  }

  const obj = eventObj(e)
  if (!obj) return undefined
  const want = desired.get(objKey(obj))
  if (want === undefined) return undefined
  if (e.deleted) return `${objKey(obj)} deleted`
  if (e.type === 'neigh' && !e.neigh.permanent) return `${objKey(obj)} no longer permanent`
  if (e.type === 'netconf' && e.proxyNeigh === false) return `${objKey(obj)} cleared`
  if ((e.type === 'route' || e.type === 'neigh') && objValue(obj) !== want) return `${objKey(obj)} changed`
  return undefined
}
