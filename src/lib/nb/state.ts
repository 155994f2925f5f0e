// The NB replica as typed rows with indexes maintained from the change stream. Every NbView lookup
// is O(result); updates cost O(keys of the changed row), except a Logical_Switch whose `ports`
// change, which re-derives that switch's localnet/virtual membership (O(ports of that switch)).
import type {RowChange} from '../ovsdb/types.js'
import type {
  LoadBalancer,
  LogicalRouter,
  LogicalRouterPort,
  LogicalSwitch,
  LogicalSwitchPort,
  Nat,
  NbCapabilities,
  NbChange,
  NbGlobal,
  NbRow,
  NbView,
} from './model.js'

import {decodeChange, type NbTableName} from './decode.js'
import {chassisKeys, hostingChassis, isRouterInterface, KEY_DEVICE_ID, lbRouterKeys, networkOf} from './keys.js'
import {MultiIndex} from './multi-index.js'

export interface NbRows {
  lsps?: LogicalSwitchPort[]
  lss?: LogicalSwitch[]
  lrs?: LogicalRouter[]
  lrps?: LogicalRouterPort[]
  nats?: Nat[]
  lbs?: LoadBalancer[]
  nbGlobal?: NbGlobal
}

function* pick<T>(uuids: Iterable<string>, rows: ReadonlyMap<string, T>): Iterable<T> {
  for (const u of uuids) {
    const r = rows.get(u)
    if (r) yield r
  }
}

const TRACKED_TYPES = new Set(['localnet', 'virtual'])

function one(v: string | undefined): string[] {
  return v ? [v] : []
}

export class NbState implements NbView {
  capabilities: NbCapabilities
  private readonly lsps = new Map<string, LogicalSwitchPort>()
  private readonly lss = new Map<string, LogicalSwitch>()
  private readonly lrs = new Map<string, LogicalRouter>()
  private readonly lrps = new Map<string, LogicalRouterPort>()
  private readonly nats = new Map<string, Nat>()
  private readonly lbs = new Map<string, LoadBalancer>()
  private global: NbGlobal | undefined
  private readonly lspName = new MultiIndex()
  private readonly lspNetwork = new MultiIndex()
  private readonly lspChassis = new MultiIndex()
  private readonly lspRouterIf = new MultiIndex()
  private readonly lspPhysnet = new MultiIndex()
  /** LSP uuid -> uuid of the Logical_Switch whose `ports` holds it. */
  private readonly lspParent = new MultiIndex()
  /** `<switch uuid>|<type>` -> member LSPs of type localnet/virtual (keeps lookups O(result) on huge switches). */
  private readonly lspParentType = new MultiIndex()
  private readonly lsName = new MultiIndex()
  private readonly lrName = new MultiIndex()
  private readonly lrpHosting = new MultiIndex()
  private readonly natPort = new MultiIndex()
  private readonly natGateway = new MultiIndex()
  private readonly lbRouter = new MultiIndex()
  private writeCount = 0

  /** Row writes (upserts and removals) since creation: equal counts, identical contents. */
  get writes(): number {
    return this.writeCount
  }

  constructor(caps: Partial<NbCapabilities> = {}) {
    this.capabilities = {lrpStatus: caps.lrpStatus ?? true, natGatewayPort: caps.natGatewayPort ?? true}
  }

  static fromRows(rows: NbRows, caps: Partial<NbCapabilities> = {}): NbState {
    const s = new NbState(caps)
    for (const r of rows.lss ?? []) s.upsert('Logical_Switch', r)
    for (const r of rows.lsps ?? []) s.upsert('Logical_Switch_Port', r)
    for (const r of rows.lrs ?? []) s.upsert('Logical_Router', r)
    for (const r of rows.lrps ?? []) s.upsert('Logical_Router_Port', r)
    for (const r of rows.nats ?? []) s.upsert('NAT', r)
    for (const r of rows.lbs ?? []) s.upsert('Load_Balancer', r)
    if (rows.nbGlobal) s.upsert('NB_Global', rows.nbGlobal)
    return s
  }

  /**
   * Applies one replica change and returns it decoded (the one decode of the change: the daemon
   * hands this NbChange to the planner and the event matchers). Unknown tables: ignored, undefined.
   */
  applyChange(c: RowChange): NbChange | undefined {
    const d = decodeChange(c, this.capabilities)
    if (!d) return undefined
    const table = c.table as NbTableName
    if (c.kind === 'delete') this.remove(table, c.uuid)
    else this.upsert(table, d.row)
    return d
  }

  upsert(table: NbTableName, row: NbRow): void {
    this.writeCount++
    switch (table) {
      case 'Logical_Switch_Port': {
        return this.putLsp(row as LogicalSwitchPort)
      }

      case 'Logical_Switch': {
        return this.putLs(row as LogicalSwitch)
      }

      case 'Logical_Router': {
        const r = row as LogicalRouter
        this.lrName.update(r.uuid, one(this.lrs.get(r.uuid)?.name), [r.name])
        this.lrs.set(r.uuid, r)
        return
      }

      case 'Logical_Router_Port': {
        const r = row as LogicalRouterPort
        const old = this.lrps.get(r.uuid)
        this.lrpHosting.update(r.uuid, one(old && hostingChassis(old)), one(hostingChassis(r)))
        this.lrps.set(r.uuid, r)
        return
      }

      case 'NAT': {
        const r = row as Nat
        const old = this.nats.get(r.uuid)
        this.natPort.update(r.uuid, one(old?.logicalPort), one(r.logicalPort))
        this.natGateway.update(r.uuid, one(old?.gatewayPort), one(r.gatewayPort))
        this.nats.set(r.uuid, r)
        return
      }

      case 'Load_Balancer': {
        const r = row as LoadBalancer
        const old = this.lbs.get(r.uuid)
        this.lbRouter.update(r.uuid, old ? lbRouterKeys(old) : [], lbRouterKeys(r))
        this.lbs.set(r.uuid, r)
        return
      }

      case 'NB_Global': {
        this.global = row as NbGlobal
      }
    }
  }

  remove(table: NbTableName, uuid: string): void {
    this.writeCount++
    switch (table) {
      case 'Logical_Switch_Port': {
        const old = this.lsps.get(uuid)
        if (old) this.indexLsp(old, undefined)
        this.lsps.delete(uuid)
        return
      }

      case 'Logical_Switch': {
        const old = this.lss.get(uuid)
        if (!old) return
        this.lsName.update(uuid, [old.name], [])
        for (const p of old.ports) this.membership(uuid, p, false)
        this.lss.delete(uuid)
        return
      }

      case 'Logical_Router': {
        this.lrName.update(uuid, one(this.lrs.get(uuid)?.name), [])
        this.lrs.delete(uuid)
        return
      }

      case 'Logical_Router_Port': {
        const old = this.lrps.get(uuid)
        this.lrpHosting.update(uuid, one(old && hostingChassis(old)), [])
        this.lrps.delete(uuid)
        return
      }

      case 'NAT': {
        const old = this.nats.get(uuid)
        this.natPort.update(uuid, one(old?.logicalPort), [])
        this.natGateway.update(uuid, one(old?.gatewayPort), [])
        this.nats.delete(uuid)
        return
      }

      case 'Load_Balancer': {
        const old = this.lbs.get(uuid)
        this.lbRouter.update(uuid, old ? lbRouterKeys(old) : [], [])
        this.lbs.delete(uuid)
        return
      }

      case 'NB_Global': {
        if (this.global?.uuid === uuid) this.global = undefined
      }
    }
  }

  private putLsp(r: LogicalSwitchPort): void {
    this.indexLsp(this.lsps.get(r.uuid), r)
    this.lsps.set(r.uuid, r)
  }

  private indexLsp(old: LogicalSwitchPort | undefined, r: LogicalSwitchPort | undefined): void {
    const {uuid} = (old ?? r)!
    const keys = (p: LogicalSwitchPort | undefined) => ({
      name: one(p?.name),
      network: one(p && networkOf(p)),
      chassis: p ? chassisKeys(p) : [],
      routerIf: p && isRouterInterface(p) ? one(p.externalIds[KEY_DEVICE_ID]) : [],
      physnet: p && p.type === 'localnet' ? one(p.options.network_name) : [],
      parentType: p && TRACKED_TYPES.has(p.type) ? [...this.lspParent.get(uuid)].map((ls) => `${ls}|${p.type}`) : [],
    })
    const a = keys(old)
    const b = keys(r)
    this.lspName.update(uuid, a.name, b.name)
    this.lspNetwork.update(uuid, a.network, b.network)
    this.lspChassis.update(uuid, a.chassis, b.chassis)
    this.lspRouterIf.update(uuid, a.routerIf, b.routerIf)
    this.lspPhysnet.update(uuid, a.physnet, b.physnet)
    this.lspParentType.update(uuid, a.parentType, b.parentType)
  }

  /** Records that `lsp` became (joined=true) or stopped being a member of switch `ls`. */
  private membership(ls: string, lspUuid: string, joined: boolean): void {
    this.lspParent.update(ls, joined ? [] : [lspUuid], joined ? [lspUuid] : [])
    const t = this.lsps.get(lspUuid)?.type
    if (t && TRACKED_TYPES.has(t))
      this.lspParentType.update(lspUuid, joined ? [] : [`${ls}|${t}`], joined ? [`${ls}|${t}`] : [])
  }

  private putLs(r: LogicalSwitch): void {
    const old = this.lss.get(r.uuid)
    this.lsName.update(r.uuid, one(old?.name), [r.name])
    const before = new Set(old?.ports ?? [])
    const after = new Set(r.ports)
    for (const p of before) if (!after.has(p)) this.membership(r.uuid, p, false)
    for (const p of after) if (!before.has(p)) this.membership(r.uuid, p, true)
    this.lss.set(r.uuid, r)
  }

  private first<T>(uuids: Iterable<string>, rows: ReadonlyMap<string, T>): T | undefined {
    // Several rows may share a name (names are not unique in NB); the lowest uuid wins, deterministically.
    let best: string | undefined
    for (const u of uuids) if (best === undefined || u < best) best = u
    return best === undefined ? undefined : rows.get(best)
  }

  lsp(uuid: string) {
    return this.lsps.get(uuid)
  }

  lspByName(name: string) {
    return this.first(this.lspName.get(name), this.lsps)
  }

  lspsByNetwork(lsName: string) {
    return pick(this.lspNetwork.get(lsName), this.lsps)
  }

  lspsByChassis(chassis: string) {
    return pick(this.lspChassis.get(chassis), this.lsps)
  }

  routerInterfaces(routerId: string) {
    return pick(this.lspRouterIf.get(routerId), this.lsps)
  }

  localnetsByPhysnet(physnet: string) {
    return pick(this.lspPhysnet.get(physnet), this.lsps)
  }

  allLsps() {
    return this.lsps.values()
  }

  ls(uuid: string) {
    return this.lss.get(uuid)
  }

  lsByName(name: string) {
    return this.first(this.lsName.get(name), this.lss)
  }

  localnetPortsOfLs(lsName: string): LogicalSwitchPort[] {
    const ls = this.lsByName(lsName)
    if (!ls) return []
    return [...this.membersOfType(ls, 'localnet')]
  }

  hasVirtualPort(lsName: string): boolean {
    const ls = this.lsByName(lsName)
    if (!ls) return false
    return [...this.membersOfType(ls, 'virtual')].length > 0
  }

  /**
   * Member ports of `ls` of a tracked type, in uuid order (deterministic "first localnet").
   * @yields each member port of that type
   */
  private *membersOfType(ls: LogicalSwitch, type: string): Iterable<LogicalSwitchPort> {
    for (const u of [...this.lspParentType.get(`${ls.uuid}|${type}`)].sort()) {
      const lsp = this.lsps.get(u)
      if (lsp) yield lsp
    }
  }

  lr(uuid: string) {
    return this.lrs.get(uuid)
  }

  lrByName(name: string) {
    return this.first(this.lrName.get(name), this.lrs)
  }

  lrp(uuid: string) {
    return this.lrps.get(uuid)
  }

  lrpsByHostingChassis(chassisId: string) {
    return pick(this.lrpHosting.get(chassisId), this.lrps)
  }

  allLrps() {
    return this.lrps.values()
  }

  nat(uuid: string) {
    return this.nats.get(uuid)
  }

  natsByLogicalPort(lspName: string) {
    return pick(this.natPort.get(lspName), this.nats)
  }

  natsByGatewayPort(lrpUuid: string) {
    return pick(this.natGateway.get(lrpUuid), this.nats)
  }

  allNats() {
    return this.nats.values()
  }

  lb(uuid: string) {
    return this.lbs.get(uuid)
  }

  lbsByRouter(routerId: string) {
    return pick(this.lbRouter.get(routerId), this.lbs)
  }

  allLbs() {
    return this.lbs.values()
  }

  nbGlobal() {
    return this.global
  }

  /** Parent switch uuid of a port (from Logical_Switch.ports). */
  parentOf(lspUuid: string): string | undefined {
    return [...this.lspParent.get(lspUuid)][0]
  }

  counts(): Record<string, number> {
    return {
      lsp: this.lsps.size,
      ls: this.lss.size,
      lr: this.lrs.size,
      lrp: this.lrps.size,
      nat: this.nats.size,
      lb: this.lbs.size,
    }
  }
}
