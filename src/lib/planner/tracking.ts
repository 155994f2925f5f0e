// Dependency keys of the incremental planner, from both ends. A fragment is planned against a
// TrackingNb, which records a key for every NbView lookup it makes, and against a classifier that
// records which logical switches it classified; an NB change is mapped to the same keys
// (changeMarks, below); a fragment is recomputed when one of its keys is hit. The keys are the
// NbView's index keys, so a lookup depends exactly on the rows whose old or new values sit under
// that index key.
import type {
  LoadBalancer,
  LogicalRouter,
  LogicalRouterPort,
  LogicalSwitch,
  LogicalSwitchPort,
  Nat,
  NbCapabilities,
  NbChange,
  NbView,
} from '../nb/model.js'
import type {LocalContext} from './context.js'

import {NB_TABLES, versions} from '../nb/decode.js'
import {chassisKeys, hostingChassis, isRouterInterface, KEY_DEVICE_ID, lbRouterKeys, networkOf} from '../nb/keys.js'
import {type LsClass, type LsClassifier, makeClassifier} from './provider.js'

/** Dependency keys: TrackingNb records them for lookups, changeMarks for changed rows. */
export const DEP = {
  lsp: (uuid: string) => `lsp:${uuid}`,
  lspName: (name: string) => `lspName:${name}`,
  lspNet: (net: string) => `lspNet:${net}`,
  lspChassis: (ch: string) => `lspChassis:${ch}`,
  rif: (router: string) => `rif:${router}`,
  physnet: (p: string) => `physnet:${p}`,
  /** Any lookup by switch (none of the rules makes one directly: classification goes through `cls`). */
  lsAny: 'lsAny',
  lr: (uuid: string) => `lr:${uuid}`,
  lrName: (name: string) => `lrName:${name}`,
  lrp: (uuid: string) => `lrp:${uuid}`,
  hosting: (id: string) => `hosting:${id}`,
  nat: (uuid: string) => `nat:${uuid}`,
  natPort: (name: string) => `natPort:${name}`,
  natGw: (uuid: string) => `natGw:${uuid}`,
  lb: (uuid: string) => `lb:${uuid}`,
  lbRouter: (router: string) => `lbRouter:${router}`,
  nbGlobal: 'nbGlobal',
  /** A full-table iteration: every change hits it. */
  all: 'all',
  /** Classification of a logical switch (provider wire / tenant / unusable). */
  cls: (ls: string) => `cls:${ls}`,
  /** Whether a network is a tenant network exposed here (derived from router interfaces). */
  tenantNet: (net: string) => `tenantNet:${net}`,
} as const

export class TrackingNb implements NbView {
  deps = new Set<string>()

  constructor(private readonly nb: NbView) {}

  get capabilities(): NbCapabilities {
    return this.nb.capabilities
  }

  private r(key: string): void {
    this.deps.add(key)
  }

  lsp(uuid: string) {
    this.r(DEP.lsp(uuid))
    return this.nb.lsp(uuid)
  }

  lspByName(name: string) {
    this.r(DEP.lspName(name))
    return this.nb.lspByName(name)
  }

  lspsByNetwork(lsName: string) {
    this.r(DEP.lspNet(lsName))
    return this.nb.lspsByNetwork(lsName)
  }

  lspsByChassis(chassis: string) {
    this.r(DEP.lspChassis(chassis))
    return this.nb.lspsByChassis(chassis)
  }

  routerInterfaces(routerId: string) {
    this.r(DEP.rif(routerId))
    return this.nb.routerInterfaces(routerId)
  }

  localnetsByPhysnet(physnet: string) {
    this.r(DEP.physnet(physnet))
    return this.nb.localnetsByPhysnet(physnet)
  }

  allLsps() {
    this.r(DEP.all)
    return this.nb.allLsps()
  }

  ls(uuid: string) {
    this.r(DEP.lsAny)
    return this.nb.ls(uuid)
  }

  lsByName(name: string) {
    this.r(DEP.lsAny)
    return this.nb.lsByName(name)
  }

  localnetPortsOfLs(lsName: string) {
    this.r(DEP.lsAny)
    return this.nb.localnetPortsOfLs(lsName)
  }

  hasVirtualPort(lsName: string) {
    this.r(DEP.lsAny)
    return this.nb.hasVirtualPort(lsName)
  }

  lr(uuid: string) {
    this.r(DEP.lr(uuid))
    return this.nb.lr(uuid)
  }

  lrByName(name: string) {
    this.r(DEP.lrName(name))
    return this.nb.lrByName(name)
  }

  lrp(uuid: string) {
    this.r(DEP.lrp(uuid))
    return this.nb.lrp(uuid)
  }

  lrpsByHostingChassis(chassisId: string) {
    this.r(DEP.hosting(chassisId))
    return this.nb.lrpsByHostingChassis(chassisId)
  }

  allLrps() {
    this.r(DEP.all)
    return this.nb.allLrps()
  }

  nat(uuid: string) {
    this.r(DEP.nat(uuid))
    return this.nb.nat(uuid)
  }

  natsByLogicalPort(lspName: string) {
    this.r(DEP.natPort(lspName))
    return this.nb.natsByLogicalPort(lspName)
  }

  natsByGatewayPort(lrpUuid: string) {
    this.r(DEP.natGw(lrpUuid))
    return this.nb.natsByGatewayPort(lrpUuid)
  }

  allNats() {
    this.r(DEP.all)
    return this.nb.allNats()
  }

  lb(uuid: string) {
    this.r(DEP.lb(uuid))
    return this.nb.lb(uuid)
  }

  lbsByRouter(routerId: string) {
    this.r(DEP.lbRouter(routerId))
    return this.nb.lbsByRouter(routerId)
  }

  allLbs() {
    this.r(DEP.all)
    return this.nb.allLbs()
  }

  nbGlobal() {
    this.r(DEP.nbGlobal)
    return this.nb.nbGlobal()
  }
}

/** What of a classification the rules use; equal signatures = nothing to recompute. */
function signature(c: LsClass): string {
  if (typeof c !== 'object') return c
  return JSON.stringify([c.bridge, c.vlan, c.dev, c.table, c.localnet.uuid, c.localnet.name])
}

/**
 * Switch classifications kept across passes (a full pass memoises them for one pass only). The
 * owner re-checks the switches an NB change may have reclassified and learns which changed.
 */
export class ClassCache {
  private readonly memo = new Map<string, {c: LsClass; sig: string}>()
  private base: LsClassifier

  constructor(
    private readonly ctx: LocalContext,
    private readonly nb: NbView,
  ) {
    this.base = this.fresh()
  }

  private fresh(): LsClassifier {
    return makeClassifier(this.ctx, (n) => this.nb.localnetPortsOfLs(n))
  }

  /** A classifier for one fragment: records `cls:<switch>` into `deps`. */
  tracking(deps: Set<string>): LsClassifier {
    return {
      classify: (ls) => {
        deps.add(DEP.cls(ls))
        let held = this.memo.get(ls)
        if (!held) {
          const c = this.base.classify(ls)
          this.memo.set(ls, (held = {c, sig: signature(c)}))
        }

        return held.c
      },
    }
  }

  /** Re-classifies `names` (all known switches when undefined); returns those whose class changed. */
  recheck(names: Iterable<string> | undefined): string[] {
    this.base = this.fresh()
    const changed: string[] = []
    for (const ls of names ?? [...this.memo.keys()]) {
      const held = this.memo.get(ls)
      if (!held) continue // never asked for: nobody depends on it
      const c = this.base.classify(ls)
      const sig = signature(c)
      this.memo.set(ls, {c, sig})
      if (sig !== held.sig) changed.push(ls)
    }

    return changed
  }
}

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

const CLASSIFYING_TYPES = new Set(['localnet'])

/** A port's keys and subjects (changeMarks), both versions of the row. */
function markPort(c: NbChange<LogicalSwitchPort>, keys: Set<string>, m: ChangeMarks): void {
  const networks = new Set<string>()
  const routers = new Set<string>()
  for (const p of versions(c)) {
    keys.add(DEP.lsp(p.uuid)).add(DEP.lspName(p.name))
    const net = networkOf(p)
    if (net) {
      keys.add(DEP.lspNet(net))
      networks.add(net)
    }

    for (const ch of chassisKeys(p)) keys.add(DEP.lspChassis(ch))
    const dev = p.externalIds[KEY_DEVICE_ID]
    if (isRouterInterface(p) && dev) {
      keys.add(DEP.rif(dev))
      routers.add(dev)
    }

    if (p.type === 'localnet' && p.options.network_name) keys.add(DEP.physnet(p.options.network_name))
    if (p.type === 'localnet' || p.type === 'virtual') keys.add(DEP.lsAny)
    if (CLASSIFYING_TYPES.has(p.type)) m.reclassify = 'all'
  }

  m.lsp = {networks: [...networks], routers: [...routers]}
}

/**
 * NB row change -> what the incremental planner must look at again. A change is mapped through the
 * old and the new version of the row, so a row that moves between index keys (a port changing
 * network, a gateway moving chassis) marks both sides:
 * - dependency keys (DEP): the NbView index keys the row sits under before or after;
 * - subjects whose membership the planner enumerates itself: the port (local port, tenant port of
 *   a network, router interface of a router), the LRP (cr-lrp, centralized FIPs), the LB (of a
 *   router);
 * - switches that may have been reclassified (provider/tenant): a Logical_Switch's old and new
 *   names; any change of a localnet port rechecks every known switch (rare; parents are unknown).
 */
export function changeMarks(c: NbChange): ChangeMarks {
  const keys = new Set<string>([DEP.all])
  const m: ChangeMarks = {table: c.table, uuid: c.uuid, keys: []}
  switch (c.table) {
    case NB_TABLES.lsp: {
      markPort(c as NbChange<LogicalSwitchPort>, keys, m)
      break
    }

    case NB_TABLES.ls: {
      keys.add(DEP.lsAny)
      m.reclassify = [...new Set(versions(c as NbChange<LogicalSwitch>).map((r) => r.name))]
      break
    }

    case NB_TABLES.lr: {
      for (const r of versions(c as NbChange<LogicalRouter>)) keys.add(DEP.lr(r.uuid)).add(DEP.lrName(r.name))
      break
    }

    case NB_TABLES.lrp: {
      for (const r of versions(c as NbChange<LogicalRouterPort>)) {
        keys.add(DEP.lrp(r.uuid))
        const h = hostingChassis(r)
        if (h) keys.add(DEP.hosting(h))
      }

      m.lrp = true
      break
    }

    case NB_TABLES.nat: {
      for (const n of versions(c as NbChange<Nat>)) {
        keys.add(DEP.nat(n.uuid))
        if (n.logicalPort) keys.add(DEP.natPort(n.logicalPort))
        if (n.gatewayPort) keys.add(DEP.natGw(n.gatewayPort))
      }

      break
    }

    case NB_TABLES.lb: {
      const routers = new Set<string>()
      for (const lb of versions(c as NbChange<LoadBalancer>)) {
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
