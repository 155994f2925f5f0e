// The owned kernel objects under some objKeys, read from the watched model by key: what
// ownedObjects (observe.ts) would report for those keys, without walking the whole model. An event
// pass asks only for the keys its change touched, so its cost follows the change, not the node.
//
// Contract (checked by a property test against ownedObjects): for every key k,
//   ownedAt(model, scope, keys).get(k)  ==  the object with objKey k in ownedObjects(model.raw(), scope)
// including the ledger's side effects for neighbours and NDP proxies under those keys: a present
// entry whose desired twin is identical is adopted, and a ledger key whose entry is gone is dropped
// unless it is desired (only for the keys asked; the periodic full observe handles the rest).
import type {Ledger} from './ledger.js'
import type {KernelModel} from './model.js'
import type {LinkInfo} from './parse.js'
import type {KernelObj, ObserveScope} from './types.js'

import {objValue, type StateObj} from '../planner/types.js'
import {deviceSysctlKey} from './commands.js'
import {isOwnedVlan, ownedAddress, ownedRoute, ownedRule} from './observe.js'

/** What the owned view needs to know once per call: the owned devices and tables. */
interface Owned {
  scope: ObserveScope
  bridgeTables: Set<number>
  devices: Set<string>
  /** Owned VLAN devices by name. */
  vlans: Map<string, LinkInfo>
  /** Owned sysctl key -> value '1' objects (built on first use). */
  sysctls?: Map<string, KernelObj>
  desiredOf: (key: string) => StateObj | undefined
}

function ownedDevicesOf(
  model: KernelModel,
  bridges: ReadonlySet<string>,
): {devices: Set<string>; vlans: Map<string, LinkInfo>} {
  const devices = new Set<string>()
  const vlans = new Map<string, LinkInfo>()
  for (const b of bridges) if (model.links.has(b)) devices.add(b)
  for (const l of model.links.values()) {
    if (isOwnedVlan(l, bridges)) {
      vlans.set(l.name, l)
      devices.add(l.name)
    }
  }

  return {devices, vlans}
}

type Lookup = (model: KernelModel, o: Owned, p: string[], key: string) => KernelObj | undefined

function address(model: KernelModel, o: Owned, p: string[]): KernelObj | undefined {
  const a = model.addrs.get(`${p[0]}|${p[1]}`)
  return a && ownedAddress(a, o.scope.bgpNic, o.devices)
}

function rule(model: KernelModel, o: Owned, p: string[]): KernelObj | undefined {
  const r = model.rules.get(p.join('|'))
  return r && ownedRule(r, o.bridgeTables)
}

function route(model: KernelModel, o: Owned, p: string[]): KernelObj | undefined {
  const r = model.routes.get(p.join('|'))
  return r && ownedRoute(r, o.bridgeTables, o.scope)
}

function neigh(model: KernelModel, o: Owned, p: string[]): KernelObj | undefined {
  const n = model.neighs.get(`${p[0]}|${p[1]}`)
  if (!n || !n.permanent || !n.mac || !o.devices.has(n.dev)) return undefined
  return {kind: 'neigh', family: n.family, ip: n.ip, dev: n.dev, mac: n.mac}
}

function proxy(model: KernelModel, o: Owned, p: string[]): KernelObj | undefined {
  const x = model.proxies.get(`${p[0]}|${p[1]}`)
  return x && o.devices.has(x.dev) ? {kind: 'ndp-proxy', ip: x.ip, dev: x.dev} : undefined
}

function vlan(_model: KernelModel, o: Owned, p: string[], key: string): KernelObj | undefined {
  const v = o.vlans.get(p[0] ?? '')
  if (!v) return undefined
  const obj: KernelObj = {kind: 'vlan', name: v.name, link: v.link!, id: v.vlanId!}
  // A desired VLAN device that is down is reported missing (observe.ts).
  return v.up || o.desiredOf(key)?.kind !== 'vlan' ? obj : undefined
}

function sysctl(model: KernelModel, o: Owned, _p: string[], key: string): KernelObj | undefined {
  o.sysctls ??= ownedSysctls(model, o.devices)
  return o.sysctls.get(key)
}

/** The owned kernel object with objKey `key`, by its kind (no entry: flows, unknown kinds). */
const LOOKUP: Record<string, Lookup> = {
  address,
  rule,
  route,
  neigh,
  'ndp-proxy': proxy,
  vlan,
  sysctl,
}

/** The owned devices' proxy_arp / proxy_ndp set to 1, by objKey (as observe reports them). */
function ownedSysctls(model: KernelModel, devices: ReadonlySet<string>): Map<string, KernelObj> {
  const out = new Map<string, KernelObj>()
  for (const dev of devices) {
    for (const [fam, name] of [
      [4, 'proxy_arp'],
      [6, 'proxy_ndp'],
    ] as const) {
      if (model.netconf.get(`${fam}|${dev}`) !== true) continue
      let key: string
      try {
        key = deviceSysctlKey(fam, dev, name)
      } catch {
        continue // a device name the sysctl key syntax cannot carry is never ours
      }

      out.set(`sysctl|${key}`, {kind: 'sysctl', key, value: '1'})
    }
  }

  return out
}

/**
 * The owned objects under `keys`, by key (absent keys: nothing owned there). `desiredOf` is the
 * desired state's lookup (adoption of identical neighbours/proxies, desired-but-down VLANs).
 * Neighbour and proxy ownership is the ledger's, as in ownedObjects; the ledger is saved only when
 * one of these keys changed it.
 */
export async function ownedAt(
  d: {ledger: Ledger; model: KernelModel},
  scope: ObserveScope,
  keys: Iterable<string>,
  desiredOf: (key: string) => StateObj | undefined,
): Promise<Map<string, KernelObj>> {
  const {model} = d
  const o: Owned = {
    scope,
    desiredOf,
    bridgeTables: new Set(scope.bridges.map((b) => b.table)),
    ...ownedDevicesOf(model, new Set(scope.bridges.map((b) => b.name))),
  }
  const out = new Map<string, KernelObj>()
  let loaded = false
  for (const key of keys) {
    const cut = key.indexOf('|')
    const obj = LOOKUP[key.slice(0, cut)]?.(model, o, key.slice(cut + 1).split('|'), key)
    if (key.startsWith('neigh|') || key.startsWith('ndp-proxy|')) {
      if (!loaded) await d.ledger.load()
      loaded = true
      const want = desiredOf(key)
      // Vanished: forgotten unless desired (the pass re-creates it), as ownedObjects does.
      if (!obj) {
        if (want?.kind !== 'neigh' && want?.kind !== 'ndp-proxy') d.ledger.delete(key)
        continue
      }

      if (
        !d.ledger.has(key) &&
        want &&
        (want.kind === 'neigh' || want.kind === 'ndp-proxy') &&
        objValue(want) === objValue(obj)
      )
        d.ledger.add(key)
      if (d.ledger.has(key)) out.set(key, obj)
      continue
    }

    if (obj) out.set(key, obj)
  }

  if (loaded) await d.ledger.save()
  return out
}
