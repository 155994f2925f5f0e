// The explain report: for each IP, top to bottom, the layers NB -> decision -> kernel -> OVS ->
// FRR, each ok / missing / unexpected / skipped with its reason. Pure assembly of data gathered by
// the command (the planner's result and why-trace, the observed node objects, the FRR view), so
// the verdicts are unit-tested without a node.
//
// Contract: a layer "agrees" when it matches the decision: an exposed IP needs every object and
// every FRR stage; a not-exposed IP must have none of them. The first layer that disagrees is the
// IP's `broken` layer; any disagreement makes the command exit 3. "Not exposed" with every layer
// agreeing is a valid answer (exit 0).
import type {NbView} from '../nb/model.js'
import type {DesiredResult} from '../planner/desired.js'
import type {Why} from '../planner/why.js'
import type {Target} from './target.js'

import {type FrrView, prefixState} from '../frr/rib.js'
import {hostCidr} from '../net/ip.js'
import {type ExposedKind, objKey, objValue, type StateObj} from '../planner/types.js'
import {type NbRowInfo, nbRows} from './rows.js'

type LayerName = 'nb' | 'decision' | 'kernel' | 'ovs' | 'frr'
export type ItemStatus = 'ok' | 'missing' | 'unexpected' | 'different' | 'skipped'
export type LayerStatus = 'ok' | 'missing' | 'unexpected' | 'skipped'

interface LayerItem {
  /** What is checked, e.g. `address bgp-nic 172.24.4.226/32`, `advertised to 192.0.2.2`. */
  what: string
  status: ItemStatus
  /** Why it is not ok, or what is there instead; null when there is nothing to add. */
  detail: string | null
}

interface Layer {
  layer: LayerName
  status: LayerStatus
  reason: string
  items: LayerItem[]
}

export interface IpReport {
  ip: string
  exposed: boolean
  kinds: ExposedKind[]
  /** The decision's reason (first exposing row's, else every row's). */
  reason: string
  rows: NbRowInfo[]
  layers: Layer[]
  /** First layer that disagrees with the decision; null when all agree. */
  broken: LayerName | null
}

export interface ExplainReport {
  target: Target
  chassis: {name: string; id: string}
  /** null when FRR was not consulted. */
  drained: boolean | null
  ips: IpReport[]
  ok: boolean
}

export interface ExplainInputs {
  nb: NbView
  target: Target
  desired: DesiredResult
  whys: Why[]
  chassis: {name: string; id: string}
  bgpNic: string
  /** Owned objects on the node; undefined = node layers not read (offline). */
  observed?: readonly StateObj[] | undefined
  /** undefined = FRR not read; `frrError` says why. */
  frr?: FrrView | undefined
  frrError?: string
  /** Why node layers are skipped (e.g. "offline: --nb-file"). */
  offline?: string
}

const describe = (o: StateObj): string => {
  switch (o.kind) {
    case 'address': {
      return `address ${o.dev} ${o.cidr}`
    }

    case 'rule': {
      return `rule to ${o.dst} lookup ${o.table} priority ${o.priority}`
    }

    case 'route': {
      return `route ${o.dst}${o.via ? ` via ${o.via}` : ''} dev ${o.dev} table ${o.table}`
    }

    case 'neigh': {
      return `neighbour ${o.ip} lladdr ${o.mac} dev ${o.dev}`
    }

    case 'ndp-proxy': {
      return `NDP proxy ${o.ip} dev ${o.dev}`
    }

    case 'vlan': {
      return `VLAN device ${o.name} (link ${o.link}, id ${o.id})`
    }

    case 'sysctl': {
      return `sysctl ${o.key}=${o.value}`
    }

    case 'flow': {
      return `flow cookie=0x3e7 ${o.bridge} in_port=${o.inPort} ${o.family === 4 ? 'ip' : 'ipv6'} mod_dl_dst:${o.mac}`
    }
  }
}

function layerOf(layer: LayerName, items: LayerItem[], okReason: string): Layer {
  const bad = items.filter((i) => i.status !== 'ok' && i.status !== 'skipped')
  if (bad.length === 0) return {layer, status: 'ok', reason: okReason, items}
  const status: LayerStatus = bad.some((i) => i.status === 'missing' || i.status === 'different')
    ? 'missing'
    : 'unexpected'
  return {
    layer,
    status,
    reason: bad.map((i) => `${i.what}: ${i.status}${i.detail ? ` (${i.detail})` : ''}`).join('; '),
    items,
  }
}

const skipped = (layer: LayerName, reason: string): Layer => ({layer, status: 'skipped', reason, items: []})

/** Owned objects that concern `ip` although nobody wants them (not exposed, or leftovers). */
function strays(ip: string, observed: readonly StateObj[], desiredKeys: ReadonlySet<string>): StateObj[] {
  const cidr = hostCidr(ip)
  return observed.filter((o) => {
    if (desiredKeys.has(objKey(o))) return false
    switch (o.kind) {
      case 'address': {
        return o.cidr === cidr
      }

      case 'rule':
      case 'route': {
        return o.dst === cidr
      }

      case 'neigh': {
        return o.ip === ip
      }

      default: {
        return false
      }
    }
  })
}

/**
 * The per-device sysctls an exposure depends on: proxy_arp (IPv4) or proxy_ndp (IPv6) of each
 * provider bridge or VLAN device its own objects live on. Base wiring plans them per device, not
 * per IP, so they are not among the IP's contributions; they are taken from the planner's desired
 * objects (never recomputed here), so a device the planner gives no sysctl adds nothing.
 */
export function deviceSysctls(ip: string, own: readonly StateObj[], byKey: ReadonlyMap<string, StateObj>): StateObj[] {
  const v6 = ip.includes(':')
  const devices = new Set<string>()
  for (const o of own) {
    if (o.kind === 'route' || o.kind === 'neigh' || o.kind === 'ndp-proxy') devices.add(o.dev)
    if (o.kind === 'vlan') devices.add(o.name)
  }

  const out: StateObj[] = []
  for (const dev of [...devices].sort()) {
    const key = v6
      ? `net.ipv6.conf.${dev.replaceAll('.', '/')}.proxy_ndp`
      : `net.ipv4.conf.${dev.replaceAll('.', '/')}.proxy_arp`
    const o = byKey.get(objKey({kind: 'sysctl', key, value: '1'}))
    if (o) out.push(o)
  }

  return out
}

function nodeLayers(inp: ExplainInputs, ip: string, exposed: boolean): Layer[] {
  const {desired, observed} = inp
  if (observed === undefined)
    return [skipped('kernel', inp.offline ?? 'node not read'), skipped('ovs', inp.offline ?? 'node not read')]
  const byKey = new Map(desired.state.objects.map((o) => [objKey(o), o]))
  const have = new Map(observed.map((o) => [objKey(o), o]))
  const own = (desired.contributions[ip] ?? []).map((k) => byKey.get(k)).filter((o): o is StateObj => o !== undefined)
  const wanted = [...own, ...deviceSysctls(ip, own, byKey)]
  const kernel: LayerItem[] = []
  const ovs: LayerItem[] = []
  for (const o of wanted) {
    const h = have.get(objKey(o))
    const item: LayerItem =
      h === undefined
        ? {what: describe(o), status: 'missing', detail: null}
        : objValue(h) === objValue(o)
          ? {what: describe(o), status: 'ok', detail: null}
          : {what: describe(o), status: 'different', detail: `node has ${describe(h)}`}
    ;(o.kind === 'flow' ? ovs : kernel).push(item)
  }

  for (const o of strays(ip, observed, new Set(byKey.keys())))
    kernel.push({what: describe(o), status: 'unexpected', detail: 'owned by ovn-bgp but not wanted by NB'})
  const n = kernel.filter((i) => i.status === 'ok').length
  return [
    layerOf('kernel', kernel, exposed ? `${n} object(s) as planned` : 'nothing for this IP, as planned'),
    layerOf(
      'ovs',
      ovs,
      ovs.length > 0 ? `${ovs.length} cookie-999 flow(s) as planned` : 'no flow depends on this IP alone',
    ),
  ]
}

function frrLayer(inp: ExplainInputs, ip: string, exposed: boolean): Layer {
  const view = inp.frr
  if (inp.observed === undefined && view === undefined) return skipped('frr', inp.offline ?? 'FRR not read')
  if (!view)
    return exposed
      ? {layer: 'frr', status: 'missing', reason: inp.frrError ?? 'FRR not read', items: []}
      : skipped('frr', inp.frrError ?? 'FRR not read')
  const prefix = hostCidr(ip)
  const st = prefixState(view, prefix)
  const items: LayerItem[] = []
  const expect = (what: string, present: boolean, want: boolean, whyMissing: string) => {
    if (present === want) items.push({what, status: 'ok', detail: null})
    else
      items.push(
        want
          ? {what, status: 'missing', detail: whyMissing}
          : {what, status: 'unexpected', detail: 'not exposed by NB'},
      )
  }

  const drained = view.importBlocked
  const leakWhy = (needle: string) => view.leakMissing.filter((l) => l.includes(needle)).join(', ')
  expect(
    `${prefix} in VRF ${view.vrf} RIB`,
    st.vrfRib,
    exposed,
    'zebra has no connected route for it (is the address on bgp-nic?)',
  )
  expect(
    `${prefix} in VRF ${view.vrf} BGP table`,
    st.vrfBgp,
    exposed,
    leakWhy('redistribute') ? `missing ${leakWhy('redistribute')}` : 'not redistributed',
  )
  if (drained) {
    items.push({
      what: `${prefix} leaked into the default instance`,
      status: 'ok',
      detail: st.leaked ? 'still present while draining' : 'withdrawn: node drained',
    })
  } else {
    expect(
      `${prefix} leaked into the default instance`,
      st.leaked,
      exposed,
      leakWhy('import vrf') ? `missing ${leakWhy('import vrf')}` : 'not imported from the VRF',
    )
  }

  if (exposed && !drained && view.neighbours.length === 0)
    items.push({
      what: 'advertised to a BGP neighbour',
      status: 'missing',
      detail: 'no neighbour configured in the default instance',
    })
  for (const n of st.neighbours) {
    const what = `advertised to ${n.peer}`
    if (drained)
      items.push({
        what,
        status: 'ok',
        detail: n.advertised ? 'still advertised while draining' : 'withdrawn: node drained',
      })
    else if (exposed && !n.established)
      items.push({
        what,
        status: 'missing',
        detail: `session ${n.state}${view.neighbours.find((x) => x.peer === n.peer)?.shutdown ? ' (admin shutdown)' : ''}`,
      })
    else expect(what, n.advertised, exposed, 'in the table but not sent (outbound policy?)')
  }

  const reason = drained
    ? 'node drained: the leak is blocked on purpose'
    : exposed
      ? `in the VRF, leaked, advertised to ${st.neighbours.filter((n) => n.advertised).length} of ${st.neighbours.length} neighbour(s)`
      : 'not in FRR, as planned'
  return layerOf('frr', items, reason)
}

export function buildReport(inp: ExplainInputs): ExplainReport {
  const ips: IpReport[] = inp.whys.map((why) => {
    const rows = nbRows(inp.nb, why)
    const exposedSteps = why.steps.filter((s) => s.exposed)
    const reason =
      exposedSteps.length > 0
        ? exposedSteps.map((s) => s.reason).join('; ')
        : why.steps.length > 0
          ? why.steps.map((s) => `${s.subject.table} ${s.subject.name || s.subject.uuid}: ${s.reason}`).join('; ')
          : 'no NB row carries this IP'
    const nbLayer: Layer = {
      layer: 'nb',
      status: 'ok',
      reason: rows.length > 0 ? `${rows.length} row(s)` : 'no row carries this IP',
      items: rows.map((r) => ({what: `${r.table} ${r.name || r.uuid}`, status: 'ok' as const, detail: r.detail})),
    }
    const decision: Layer = {
      layer: 'decision',
      status: 'ok',
      reason: why.exposed ? `exposed (${why.kinds.join(', ')}): ${reason}` : `not exposed: ${reason}`,
      items: [],
    }
    const layers = [nbLayer, decision, ...nodeLayers(inp, why.ip, why.exposed), frrLayer(inp, why.ip, why.exposed)]
    const broken = layers.find((l) => l.status === 'missing' || l.status === 'unexpected')?.layer ?? null
    return {ip: why.ip, exposed: why.exposed, kinds: why.kinds, reason, rows, layers, broken}
  })
  return {
    target: inp.target,
    chassis: inp.chassis,
    drained: inp.frr ? inp.frr.importBlocked || inp.frr.gracefulShutdown : null,
    ips,
    ok: ips.every((r) => r.broken === null),
  }
}
