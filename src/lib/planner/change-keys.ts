import type {Row, RowChange} from '../ovsdb/types.js'

import {decodeLb, decodeLr, decodeLrp, decodeLs, decodeLsp, decodeNat, NB_TABLES} from '../nb/decode.js'
// NB row change -> what the incremental planner must look at again (subjects). A change is mapped
// through the old and the new version of the row (python-ovs IDL semantics: `old` holds the
// changed columns only), so a row that moves between index keys (a port changing network, a
// gateway moving chassis) marks both sides:
// - dependency keys (tracking.ts DEP): the NbView index keys the row sits under before or after;
// - subjects whose membership the planner enumerates itself: the port (local port, tenant port of
//   a network, router interface of a router), the LRP (cr-lrp, centralized FIPs), the LB (of a
//   router);
// - switches that may have been reclassified (provider/tenant): a Logical_Switch's old and new
//   names; any change of a localnet port rechecks every known switch (rare; parents are unknown).
import {chassisKeys, hostingChassis, isRouterInterface, lbRouterKeys} from '../nb/keys.js'
import {DEP} from './tracking.js'

export interface ChangeMarks {
  table: string
  uuid: string
  keys: string[]
  /** LSP: networks (neutron:network_name) and routers (router interface device_id), old and new. */
  lsp?: {networks: string[]; routers: string[]}
  /** LRP: the row itself is a subject (cr-lrp when hosted here, its centralized FIPs). */
  lrp?: true
  /** LB: the routers it belongs to, old and new. */
  lb?: {routers: string[]}
  /** Switch names to re-classify; 'all' = every known switch. */
  reclassify?: string[] | 'all'
}

/** The row before (undefined for insert) and after (undefined for delete) the change. */
function versions(c: RowChange): [Row | undefined, Row | undefined] {
  if (c.kind === 'insert') return [undefined, c.row]
  if (c.kind === 'delete') return [c.row, undefined]
  return [{...c.row, ...c.old} as Row, c.row]
}

const CLASSIFYING_TYPES = new Set(['localnet'])

export function changeMarks(c: RowChange): ChangeMarks {
  const rows = versions(c).filter((r): r is Row => r !== undefined)
  const keys = new Set<string>([DEP.all])
  const m: ChangeMarks = {table: c.table, uuid: c.uuid, keys: []}
  switch (c.table) {
    case NB_TABLES.lsp: {
      const networks = new Set<string>()
      const routers = new Set<string>()
      for (const p of rows.map(decodeLsp)) {
        keys.add(DEP.lsp(p.uuid)).add(DEP.lspName(p.name))
        const net = p.externalIds['neutron:network_name']
        if (net) {
          keys.add(DEP.lspNet(net))
          networks.add(net)
        }

        for (const ch of chassisKeys(p)) keys.add(DEP.lspChassis(ch))
        const dev = p.externalIds['neutron:device_id']
        if (isRouterInterface(p) && dev) {
          keys.add(DEP.rif(dev))
          routers.add(dev)
        }

        if (p.type === 'localnet' && p.options.network_name) keys.add(DEP.physnet(p.options.network_name))
        if (p.type === 'localnet' || p.type === 'virtual') keys.add(DEP.lsAny)
        if (CLASSIFYING_TYPES.has(p.type)) m.reclassify = 'all'
      }

      m.lsp = {networks: [...networks], routers: [...routers]}
      break
    }

    case NB_TABLES.ls: {
      keys.add(DEP.lsAny)
      m.reclassify = [...new Set(rows.map((r) => decodeLs(r).name))]
      break
    }

    case NB_TABLES.lr: {
      for (const r of rows.map(decodeLr)) keys.add(DEP.lr(r.uuid)).add(DEP.lrName(r.name))
      break
    }

    case NB_TABLES.lrp: {
      for (const r of rows.map((x) => decodeLrp(x))) {
        keys.add(DEP.lrp(r.uuid))
        const h = hostingChassis(r)
        if (h) keys.add(DEP.hosting(h))
      }

      m.lrp = true
      break
    }

    case NB_TABLES.nat: {
      for (const n of rows.map(decodeNat)) {
        keys.add(DEP.nat(n.uuid))
        if (n.logicalPort) keys.add(DEP.natPort(n.logicalPort))
        if (n.gatewayPort) keys.add(DEP.natGw(n.gatewayPort))
      }

      break
    }

    case NB_TABLES.lb: {
      const routers = new Set<string>()
      for (const lb of rows.map(decodeLb)) {
        keys.add(DEP.lb(lb.uuid))
        for (const r of lbRouterKeys(lb)) {
          keys.add(DEP.lbRouter(r))
          routers.add(r)
        }
      }

      m.lb = {routers: [...routers]}
      break
    }

    case NB_TABLES.nbGlobal: {
      keys.add(DEP.nbGlobal)
      break
    }
  }

  m.keys = [...keys]
  return m
}
