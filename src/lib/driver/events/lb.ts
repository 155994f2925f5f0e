// Load balancer events (docs/upstream-behaviour.md#load-balancer-events): OVN (ovn-octavia) LBs on a router whose
// cr-lrp is exposed
// here, and port-forwarding LBs (`pf-floatingip-*`).
import type {LoadBalancer, NbChange, StrMap} from '../../nb/model.js'
import type {AgentView} from './agent-view.js'
import type {DriverCall, DriverFn, EventSpec} from './types.js'

import {changed} from '../../nb/decode.js'
import {
  KEY_VIP,
  lrRefRouter,
  PF_LB_PREFIX,
  pfRouter,
  sameVips,
  vipCount,
  vipIps,
  vipKeysSubset,
  vipRole,
} from './lb-vips.js'

type Ctx = NbChange<LoadBalancer>
const LB = 'Load_Balancer'
const always = () => true
const isLocal = (view: AgentView, r: string | undefined) => r !== undefined && view.localRouters.has(r)

/** external_ids before the update: `old`'s when they changed, else the row's (they are equal). */
function oldExt(ctx: Ctx): StrMap {
  return ctx.old?.externalIds ?? ctx.row.externalIds
}

/** The update changed lr_ref (compared without the `neutron-` prefix). */
function routerChanged(ctx: Ctx): boolean {
  return changed(ctx, 'externalIds') && lrRefRouter(ctx.old?.externalIds) !== lrRefRouter(ctx.row.externalIds)
}

function lbCall(fn: DriverFn, ip: string | undefined, lb: LoadBalancer, ext: StrMap, from: 'row' | 'old'): DriverCall {
  return {fn, ips: ip ? [ip] : [], info: {lb: lb.name, router: lrRefRouter(ext) ?? null, from}}
}

/** Calls for VIP addresses `ips`, classified against `ext` (neutron:vip / neutron:vip_fip). */
function vipCalls(ips: string[], lb: LoadBalancer, ext: StrMap, from: 'row' | 'old', expose: boolean): DriverCall[] {
  const calls: DriverCall[] = []
  for (const ip of ips) {
    const role = vipRole(ip, ext)
    if (role === 'vip') calls.push(lbCall(expose ? 'expose_ovn_lb_vip' : 'withdraw_ovn_lb_vip', ip, lb, ext, from))
    if (role === 'fip') calls.push(lbCall(expose ? 'expose_ovn_lb_fip' : 'withdraw_ovn_lb_fip', ip, lb, ext, from))
  }

  return calls
}

function dedupe(calls: DriverCall[]): DriverCall[] {
  const seen = new Set<string>()
  return calls.filter((c) => {
    const k = JSON.stringify(c)
    return seen.has(k) ? false : (seen.add(k), true)
  })
}

export const lbCreate: EventSpec<LoadBalancer> = {
  name: 'OVNLBCreateEvent',
  table: LB,
  // Upstream watches update only; an LB inserted complete (vips + lr_ref) is matched on insert too.
  kinds: ['insert', 'update'],
  action: 'expose_ovn_lb_vip',
  active: always,
  match(ctx, view) {
    const {row} = ctx
    if (vipCount(row.vips) === 0 || !isLocal(view, lrRefRouter(row.externalIds))) return false
    if (ctx.kind === 'insert') return true
    if (changed(ctx, 'vips')) {
      const before = ctx.old?.vips ?? {}
      if (vipCount(before) === 0) return true
      if (!sameVips(before, row.vips) && vipKeysSubset(before, row.vips)) return true
      // A VIP replaced by another in one update (neither key set contains the other).
      if (vipIps(row.vips).some((ip) => !vipIps(before).includes(ip))) return true
    }

    return routerChanged(ctx)
  },
  run(ctx) {
    const {row} = ctx
    const before = changed(ctx, 'vips') ? vipIps(ctx.old?.vips) : []
    const added = vipIps(row.vips).filter((ip) => !before.includes(ip))
    const calls = vipCalls(added, row, row.externalIds, 'row', true)
    if (routerChanged(ctx))
      calls.push(lbCall('expose_ovn_lb_vip', row.externalIds[KEY_VIP], row, row.externalIds, 'row'))
    return dedupe(calls)
  },
}

export const lbDelete: EventSpec<LoadBalancer> = {
  name: 'OVNLBDeleteEvent',
  table: LB,
  kinds: ['update', 'delete'],
  action: 'withdraw_ovn_lb_vip',
  active: always,
  match(ctx, view) {
    const {row} = ctx
    if (ctx.kind === 'delete') return vipCount(row.vips) > 0 && isLocal(view, lrRefRouter(row.externalIds))
    // Upstream checks locality only when external_ids changed; unchanged ones are the row's.
    const before = lrRefRouter(oldExt(ctx))
    if (!isLocal(view, before)) return false
    if (routerChanged(ctx)) return true
    if (!changed(ctx, 'vips')) return false
    const oldVips = ctx.old?.vips ?? {}
    if (!sameVips(oldVips, row.vips) && vipKeysSubset(row.vips, oldVips)) return true
    return vipIps(oldVips).some((ip) => !vipIps(row.vips).includes(ip))
  },
  run(ctx) {
    const {row} = ctx
    if (ctx.kind === 'delete') return dedupe(vipCalls(vipIps(row.vips), row, row.externalIds, 'row', false))
    const now = vipIps(row.vips)
    const removed = changed(ctx, 'vips') ? vipIps(ctx.old?.vips).filter((ip) => !now.includes(ip)) : []
    // Classified against the old external_ids, or the row's when they did not change (upstream
    // then withdraws nothing: docs/upstream-behaviour.md#bug-6-lb-vip-removal).
    const ext = oldExt(ctx)
    const calls = vipCalls(removed, row, ext, 'old', false)
    if (routerChanged(ctx)) calls.push(lbCall('withdraw_ovn_lb_vip', ext[KEY_VIP], row, ext, 'old'))
    return dedupe(calls)
  },
}

/** Port-forwarding LB on a local router, with at least one VIP. */
function pfLbHere(ctx: Ctx, view: AgentView): boolean {
  const {row} = ctx
  return row.name.startsWith(PF_LB_PREFIX) && vipCount(row.vips) > 0 && isLocal(view, pfRouter(row.externalIds))
}

/** The FIP of a PF LB: the address of its first VIP key (IPv6-safe, unlike upstream). */
function pfCall(fn: 'expose_ovn_pf_lb_fip' | 'withdraw_ovn_pf_lb_fip', lb: LoadBalancer): DriverCall[] {
  const fip = vipIps(lb.vips)[0]
  return [{fn, ips: fip ? [fip] : [], info: {lb: lb.name, router: pfRouter(lb.externalIds) ?? null}}]
}

export const pfCreate: EventSpec<LoadBalancer> = {
  name: 'OVNPFCreateEvent',
  table: LB,
  kinds: ['insert'],
  action: 'expose_ovn_pf_lb_fip',
  active: always,
  match: pfLbHere,
  run: ({row}) => pfCall('expose_ovn_pf_lb_fip', row),
}

export const pfDelete: EventSpec<LoadBalancer> = {
  name: 'OVNPFDeleteEvent',
  table: LB,
  kinds: ['delete'],
  action: 'withdraw_ovn_pf_lb_fip',
  active: always,
  match: pfLbHere,
  run: ({row}) => pfCall('withdraw_ovn_pf_lb_fip', row),
}
