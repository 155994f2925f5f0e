// The local Open_vSwitch database as the agent needs it (docs/upstream-behaviour.md#local-ovs-database,
// docs/upstream-behaviour.md#ovs-port-lookups), maintained from the
// replica's RowChanges: chassis identity, bridge mappings, bridge MACs, patch ports and ofports.
// It does no I/O: feed it RowChanges (a ReplicaListener) and query it. Callbacks fire synchronously
// after the change that caused them; identity and mapping events are only emitted once the first
// snapshot is complete (before that the state is partial).
import {hostname as osHostname} from 'node:os'

import type {BridgeMapping} from '../config/types.js'
import type {Atom, MonitorSpec, ReplicaListener, Row, RowChange, SnapshotInfo, Value} from '../ovsdb/types.js'

import {type Logger, NullLogger} from '../log.js'
import {isMac} from '../net/ip.js'
import {parseBridgeMappings, sameMappings} from './bridge-mappings.js'

/** Tables and columns the agent monitors in the local Open_vSwitch database. */
export const LOCAL_OVS_MONITOR: MonitorSpec = {
  Open_vSwitch: {columns: ['external_ids']},
  Bridge: {columns: ['name', 'ports', 'datapath_type', 'external_ids']},
  Port: {columns: ['name', 'interfaces']},
  Interface: {columns: ['name', 'ofport', 'mac_in_use', 'type', 'options']},
}

const PATCH_PROVNET_PREFIX = 'patch-provnet-'

/** Identity as read from OVS (no overrides applied; see LocalOvs for those). */
export interface OvsIdentity {
  systemId: string | undefined
  hostname: string | undefined
  bridgeMappings: BridgeMapping[]
  nbRemote: string | undefined
}

export interface PatchPort {
  name: string
  /** undefined while ovs-vswitchd has not assigned one (or assigned -1 = error). */
  ofport: number | undefined
}

export type LocalOvsEvent =
  | {kind: 'identity'}
  | {kind: 'bridge-mappings'; mappings: BridgeMapping[]}
  /** Ports, interfaces, ofports or the MAC of this bridge changed. */
  | {kind: 'bridge'; bridge: string}

function str(v: Value | undefined): string | undefined {
  if (typeof v === 'string') return v
  if (Array.isArray(v) && typeof v[0] === 'string') return v[0]
  return undefined
}

function mapGet(v: Value | undefined, key: string): string | undefined {
  if (!(v instanceof Map)) return undefined
  const x = v.get(key)
  return typeof x === 'string' ? x : undefined
}

function uuids(v: Value | undefined): string[] {
  if (Array.isArray(v)) return v.filter((a): a is string => typeof a === 'string')
  return typeof v === 'string' ? [v] : []
}

function ofportOf(v: Value | undefined): number | undefined {
  const n: Atom | undefined = Array.isArray(v) ? v[0] : (v as Atom | undefined)
  return typeof n === 'number' && Number.isInteger(n) && n > 0 ? n : undefined
}

/** `patch-provnet-*` or `patch-<localnet>-to-br-int`: the ports ovn-controller plugs into a provider bridge. */
export function isProviderPatchPort(name: string): boolean {
  return name.startsWith(PATCH_PROVNET_PREFIX) || /^patch-.+-to-br-int$/.test(name)
}

interface Waiter {
  name: string
  resolve: (ofport: number | undefined) => void
  timer: NodeJS.Timeout
}

export class LocalOvsState implements ReplicaListener {
  private readonly tables = new Map<string, Map<string, Row>>()
  private readonly listeners = new Set<(ev: LocalOvsEvent) => void>()
  private readonly waiters = new Set<Waiter>()
  private readonly logger: Logger
  private synced = false
  private lastIdentity = ''
  private lastMappings: BridgeMapping[] = []
  private readyCallbacks: Array<() => void> = []

  constructor(logger: Logger = new NullLogger()) {
    this.logger = logger.child({component: 'local-ovs'})
  }

  /** True once the first complete snapshot has been applied. */
  get ready(): boolean {
    return this.synced
  }

  whenReady(): Promise<void> {
    return this.synced
      ? Promise.resolve()
      : new Promise((resolve) => {
          this.readyCallbacks.push(resolve)
        })
  }

  onChange(change: RowChange): void {
    const table = this.table(change.table)
    if (change.kind === 'delete') table.delete(change.uuid)
    else table.set(change.uuid, change.row)
    if (change.table === 'Open_vSwitch') {
      if (this.synced) this.checkIdentity()
      return
    }

    if (change.table === 'Interface') this.serveWaiters()
    if (this.synced) for (const bridge of this.bridgesTouchedBy(change)) this.emit({kind: 'bridge', bridge})
  }

  onSnapshot(info: SnapshotInfo): void {
    const first = !this.synced
    this.synced = true
    this.serveWaiters()
    if (first) {
      this.lastIdentity = this.identityKey()
      this.lastMappings = this.readMappings(true)
      for (const cb of this.readyCallbacks.splice(0)) cb()
    } else if (info.resync) {
      this.checkIdentity()
    }
  }

  /** Subscribes to change notifications; returns the unsubscribe function. */
  subscribe(fn: (ev: LocalOvsEvent) => void): () => void {
    this.listeners.add(fn)
    return () => this.listeners.delete(fn)
  }

  identity(): OvsIdentity {
    const ids = this.openVswitch()?.external_ids
    return {
      systemId: mapGet(ids, 'system-id'),
      hostname: mapGet(ids, 'hostname'),
      bridgeMappings: this.readMappings(false),
      nbRemote: mapGet(ids, 'ovn-nb-remote'),
    }
  }

  /** Chassis name as upstream computes it: external_ids:hostname, else the OS hostname. */
  chassisName(): string {
    return this.identity().hostname ?? osHostname()
  }

  bridgeNames(): string[] {
    return [...this.table('Bridge').values()].map((b) => str(b.name)).filter((n): n is string => n !== undefined)
  }

  /** MAC of the bridge's own internal interface (`mac_in_use`), lower case; undefined if unknown. */
  bridgeMac(bridge: string): string | undefined {
    const own = this.interfacesOfBridge(bridge).find((i) => str(i.name) === bridge)
    const mac = str(own?.mac_in_use)
    return mac && isMac(mac) ? mac.toLowerCase() : undefined
  }

  /** Provider patch ports of a bridge, sorted by name. */
  patchPorts(bridge: string): PatchPort[] {
    return this.interfacesOfBridge(bridge)
      .map((i) => ({name: str(i.name) ?? '', ofport: ofportOf(i.ofport)}))
      .filter((p) => isProviderPatchPort(p.name))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  }

  /** ofport of an interface by name; undefined when unknown or not (yet) assigned. */
  ofport(name: string): number | undefined {
    for (const i of this.table('Interface').values()) if (str(i.name) === name) return ofportOf(i.ofport)
    return undefined
  }

  /**
   * Resolves with the interface's ofport as soon as the monitor reports one, or with undefined after
   * `timeoutMs` (upstream waited 5 s by polling). Never rejects.
   */
  waitForOfport(name: string, timeoutMs: number): Promise<number | undefined> {
    const now = this.ofport(name)
    if (now !== undefined) return Promise.resolve(now)
    return new Promise((resolve) => {
      const w: Waiter = {
        name,
        resolve,
        timer: setTimeout(() => {
          this.waiters.delete(w)
          resolve(undefined)
        }, timeoutMs),
      }
      this.waiters.add(w)
    })
  }

  /** Resolves pending waiters with undefined and drops subscribers (on shutdown). */
  close(): void {
    for (const w of this.waiters) {
      clearTimeout(w.timer)
      w.resolve(undefined)
    }

    this.waiters.clear()
    this.listeners.clear()
  }

  private table(name: string): Map<string, Row> {
    let t = this.tables.get(name)
    if (!t) this.tables.set(name, (t = new Map()))
    return t
  }

  private openVswitch(): Row | undefined {
    return this.table('Open_vSwitch').values().next().value
  }

  private readMappings(warn: boolean): BridgeMapping[] {
    const parsed = parseBridgeMappings(mapGet(this.openVswitch()?.external_ids, 'ovn-bridge-mappings'))
    if (warn) for (const w of parsed.warnings) this.logger.warn(w)
    return parsed.mappings
  }

  private identityKey(): string {
    const id = this.identity()
    return JSON.stringify([id.systemId, id.hostname, id.nbRemote])
  }

  private checkIdentity(): void {
    const key = this.identityKey()
    if (key !== this.lastIdentity) {
      this.lastIdentity = key
      this.emit({kind: 'identity'})
    }

    const mappings = this.readMappings(false)
    if (!sameMappings(mappings, this.lastMappings)) {
      this.lastMappings = this.readMappings(true)
      this.emit({kind: 'bridge-mappings', mappings})
    }
  }

  private interfacesOfBridge(bridge: string): Row[] {
    const br = [...this.table('Bridge').values()].find((b) => str(b.name) === bridge)
    if (!br) return []
    const ports = this.table('Port')
    const ifaces = this.table('Interface')
    return uuids(br.ports)
      .flatMap((p) => uuids(ports.get(p)?.interfaces))
      .map((i) => ifaces.get(i))
      .filter((r): r is Row => r !== undefined)
  }

  /** Bridges whose ports/interfaces a change affects (for a Port or Interface: its owners). */
  private bridgesTouchedBy(change: RowChange): string[] {
    const bridges = [...this.table('Bridge').values()]
    if (change.table === 'Bridge') return [str(change.row.name)].filter((n): n is string => n !== undefined)
    let portUuids: string[] = []
    if (change.table === 'Port') portUuids = [change.uuid]
    else if (change.table === 'Interface') {
      portUuids = [...this.table('Port').values()]
        .filter((p) => uuids(p.interfaces).includes(change.uuid))
        .map((p) => p._uuid)
    }

    return bridges
      .filter((b) => portUuids.some((p) => uuids(b.ports).includes(p)))
      .map((b) => str(b.name))
      .filter((n): n is string => n !== undefined)
  }

  private serveWaiters(): void {
    for (const w of [...this.waiters]) {
      const n = this.ofport(w.name)
      if (n === undefined) continue
      clearTimeout(w.timer)
      this.waiters.delete(w)
      w.resolve(n)
    }
  }

  private emit(ev: LocalOvsEvent): void {
    for (const fn of this.listeners) {
      try {
        fn(ev)
      } catch (error) {
        this.logger.error('local OVS listener failed', {error})
      }
    }
  }
}
