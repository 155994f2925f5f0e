// Contracts of the kernel layer: what the reconciler passes in and gets back.
import type {OpResult as PlanOpResult, StateObj} from '../planner/types.js'
import type {IpExec} from './batch.js'

/** The StateObj kinds the kernel layer owns (flows belong to the OVS layer). */
export type KernelObj = Exclude<StateObj, {kind: 'flow'}>

/**
 * The host IP a wiring object serves: a rule or route to a /32 or /128, a neighbour, an NDP proxy.
 * Undefined for anything else (addresses included: callers decide what an address announces).
 */
export function wiringIp(o: StateObj): string | undefined {
  switch (o.kind) {
    case 'rule':
    case 'route': {
      const [ip, len] = o.dst.split('/')
      return len === (o.family === 4 ? '32' : '128') ? ip : undefined
    }

    case 'neigh':
    case 'ndp-proxy': {
      return o.ip
    }

    default: {
      return undefined
    }
  }
}

export function isKernelObj(o: StateObj): o is KernelObj {
  return o.kind !== 'flow'
}

/** The kernel layer's operation results: the plan's result type (planner/types.ts) over kernel objects. */
export type OpResult = PlanOpResult<KernelObj>

interface BridgeScope {
  /** Provider bridge device name (truncated to 15 characters like upstream). */
  name: string
  /** Its routing table (see RtTables). */
  table: number
}

/** What `observe` looks at. Only objects ovn-bgp owns inside this scope are returned. */
export interface ObserveScope {
  bgpNic: string
  bgpVrf: string
  vrfTable: number
  bridges: readonly BridgeScope[]
  /**
   * Bridges that left the bridge mappings but whose routing table ovn-bgp allocated (marked line in
   * rt_tables): observed like mapped bridges, so their rules, routes, VLAN devices, neighbours are
   * owned and, never desired, removed by a pruning pass.
   */
  staleBridges?: readonly BridgeScope[]
  /** Watched kernel: dump instead of answering from the model (the periodic full pass). */
  fresh?: boolean
  /**
   * Desired objects. A permanent neighbour or NDP proxy that already exists exactly as desired on an
   * owned device (e.g. left by the upstream agent) is adopted into the ledger and then reported as
   * owned, so the diff is empty instead of remove + re-add.
   */
  adopt?: readonly StateObj[]
}

export interface KernelOptions {
  /** Directory of the ledger of owned neighbours / NDP proxies (config.stateDir). */
  stateDir: string
  /** `ip` binary (config.ipPath). */
  ipPath?: string
  /** `sysctl` binary. */
  sysctlPath?: string
  /** Per-command timeout. */
  timeoutMs?: number
  /** How ip commands run (default: one `ip -batch` process per group and phase). */
  exec?: IpExec
}

export interface BaseOptions {
  bgpVrf: string
  vrfTable: number
  bgpNic: string
  bridges: readonly BridgeScope[]
  /** Spec 6.1c: delete VRF-table routes except scope host and proto bgp. */
  clearVrfRoutes?: boolean
}

export interface BaseResult {
  /** Human-readable list of what was created or changed; empty on a no-op run. */
  changed: string[]
  /** Provider bridges that do not exist (never created: docs/upstream-behaviour.md#bug-15-linux-bridge-created). */
  missingBridges: string[]
  /** Problems that were reported but not corrected (e.g. VRF with another table). */
  warnings: string[]
  /** Operations that failed. */
  failed: string[]
  /**
   * The link names after the wiring, when this call read them (the read at its start plus the
   * devices it created): what a caller needs before a watched model can answer.
   */
  links?: string[]
}
