// What the watched kernel (watched.ts) derives from a notification or a scope: the objKey a
// notification changes, the StateObj it is about (drift), the model entry it touches (to tell a
// real change from the echo of our own op), the signature of a scope, and the netconf dump parsed. Pure functions.
import type {KernelModel} from './model.js'
import type {MonitorEvent} from './monitor-parse.js'
import type {ObserveScope} from './types.js'

import {type StateObj} from '../planner/types.js'
import {deviceSysctlKey} from './commands.js'

export const tablesOf = (s: ObserveScope): number[] => [...new Set([...s.bridges.map((b) => b.table), s.vrfTable])]

export const scopeSignature = (s: ObserveScope): string =>
  JSON.stringify([s.bgpNic, s.bgpVrf, s.vrfTable, s.bridges.map((b) => [b.name, b.table])])

/** The model's entry a (non-link) notification is about, as it is now. */
export function modelEntry(m: KernelModel, e: MonitorEvent): unknown {
  switch (e.type) {
    case 'addr': {
      return m.addrs.get(`${e.addr.dev}|${e.addr.cidr}`)
    }

    case 'rule': {
      return m.rules.get(`${e.rule.family}|${e.rule.priority}|${e.rule.dst ?? ''}|${e.rule.table ?? ''}`)
    }

    case 'route': {
      return m.routes.get(`${e.route.family}|${e.route.table}|${e.route.dst}`)
    }

    case 'neigh': {
      return (e.proxy ? m.proxies : m.neighs).get(`${e.neigh.dev}|${e.neigh.ip}`)
    }

    case 'netconf': {
      return m.netconf.get(`${e.family}|${e.dev}`)
    }

    default: {
      return undefined
    }
  }
}

/** A model entry as comparable text: fields sorted, undefined ones left out. */
export function canon(v: unknown): string {
  if (v === undefined) return ''
  if (typeof v !== 'object' || v === null) return JSON.stringify(v)
  const o = v as Record<string, unknown>
  return JSON.stringify(
    Object.keys(o)
      .sort()
      .filter((k) => o[k] !== undefined)
      .map((k) => [k, o[k]]),
  )
}

/** The objKey a (non-link) notification changes, whatever its owner: the same key the model files it under. */
export function eventKey(e: MonitorEvent): string | undefined {
  switch (e.type) {
    case 'addr': {
      return `address|${e.addr.dev}|${e.addr.cidr}`
    }

    case 'rule': {
      return e.rule.dst ? `rule|${e.rule.family}|${e.rule.priority}|${e.rule.dst}|${e.rule.table ?? ''}` : undefined
    }

    case 'route': {
      return `route|${e.route.family}|${e.route.table}|${e.route.dst}`
    }

    case 'neigh': {
      return `${e.proxy ? 'ndp-proxy' : 'neigh'}|${e.neigh.dev}|${e.neigh.ip}`
    }

    case 'netconf': {
      try {
        return `sysctl|${deviceSysctlKey(e.family, e.dev, e.family === 4 ? 'proxy_arp' : 'proxy_ndp')}`
      } catch {
        return undefined
      }
    }

    default: {
      return undefined
    }
  }
}

/** The StateObj a notification is about (for the drift check), when it is one of our kinds. */
export function eventObj(e: MonitorEvent): StateObj | undefined {
  switch (e.type) {
    case 'addr': {
      return {kind: 'address', dev: e.addr.dev, cidr: e.addr.cidr}
    }

    case 'rule': {
      return e.rule.dst && e.rule.table !== undefined
        ? {kind: 'rule', family: e.rule.family, dst: e.rule.dst, table: e.rule.table, priority: e.rule.priority}
        : undefined
    }

    case 'route': {
      const r = e.route
      if (!r.dev) return undefined
      return {
        kind: 'route',
        family: r.family,
        table: r.table,
        dst: r.dst,
        dev: r.dev,
        ...(r.via ? {via: r.via} : {}),
        ...(r.family === 4 && r.scope === 253 ? {scope: 'link' as const} : {}),
        proto: r.proto ?? 0,
      }
    }

    case 'neigh': {
      return e.proxy
        ? {kind: 'ndp-proxy', ip: e.neigh.ip, dev: e.neigh.dev}
        : {kind: 'neigh', family: e.neigh.family, ip: e.neigh.ip, dev: e.neigh.dev, mac: e.neigh.mac ?? ''}
    }

    case 'netconf': {
      return {
        kind: 'sysctl',
        key: `net.ipv${e.family}.conf.${e.dev.replaceAll('.', '/')}.${e.family === 4 ? 'proxy_arp' : 'proxy_ndp'}`,
        value: '1',
      }
    }

    default: {
      return undefined
    }
  }
}

/** `ip -json netconf show` -> `${family}|${dev}` -> proxy_neigh. */
export function parseNetconf(text: string): Map<string, boolean> {
  const out = new Map<string, boolean>()
  const t = text.trim()
  if (!t.startsWith('[')) return out
  for (const e of JSON.parse(t) as Array<{family?: string; interface?: string; proxy_neigh?: boolean}>) {
    if (!e.interface || typeof e.proxy_neigh !== 'boolean') continue
    if (e.family === 'inet') out.set(`4|${e.interface}`, e.proxy_neigh)
    else if (e.family === 'inet6') out.set(`6|${e.interface}`, e.proxy_neigh)
  }

  return out
}
