// The kernel layer (src/lib/kernel) as the reconciler and the daemon see it, built once per Runtime
// by the composition root: the KernelLayer (the Kernel or WatchedKernel object itself, no adapter:
// it speaks the datapath contract's types), the TableResolver seam and the stale-bridge lookup over
// rt_tables, the interface list dry runs plan against, and the ensure-only base (VRF, bgp-nic,
// bridge tables). On a pass's path only the table resolver and the link list run (local context).
import type {AgentConfig} from '../config/types.js'
import type {CommandRunner} from '../exec/runner.js'
import type {SpawnFn} from '../kernel/batch-process.js'
import type {Logger} from '../log.js'
import type {TableResolver} from './local-context.js'
import type {KernelLayer} from './node-datapath.js'
import type {ObserveScope} from './types.js'

import {Kernel, lowestFreeTable, RtTables, WatchedKernel} from '../kernel/index.js'

/** The kernel layer and the rt_tables resolver, provided by src/lib/kernel. */
export interface KernelParts {
  layer: KernelLayer
  tables: TableResolver
  /** Bridges that left the mappings but whose routing table ovn-bgp allocated (marked in rt_tables). */
  staleBridges?(scope: ObserveScope): Promise<Array<{name: string; table: number}>>
  links(): Promise<string[]>
  /**
   * VRF + bgp-nic, ensure-only (docs/upstream-behaviour.md#base-bgp-configuration); `clearVrfRoutes` =
   * clear_vrf_routes_on_startup.
   */
  ensureBase(opts: {clearVrfRoutes: boolean; bridges?: readonly string[]}): Promise<{changed: string[]}>
  /** Watched kernel only: drift notifications (the daemon runs a pass). */
  onDrift?(listener: (reason: string) => void): void
  /** Ends long-lived children (monitor, batch processes). */
  close?(): void
}

/** `spawn`: how the watched kernel starts its long-lived `ip` children (tests: a fake ip). */
export type KernelFactory = (
  cfg: AgentConfig,
  runner: CommandRunner,
  logger: Logger,
  opts?: {watched?: boolean; spawn?: SpawnFn},
) => KernelParts

/** How long links() answers from the base wiring's read (see baseLinks below). */
const BASE_LINKS_MAX_AGE_MS = 30_000

/** The kernel layer (src/lib/kernel) behind the reconciler's KernelLayer/TableResolver seams. */
export function defaultKernelFactory(
  cfg: AgentConfig,
  runner: CommandRunner,
  logger: Logger,
  opts: {watched?: boolean; spawn?: SpawnFn; now?: () => number} = {},
): KernelParts {
  const watched = opts.watched
    ? new WatchedKernel(
        runner,
        {
          stateDir: cfg.stateDir,
          ipPath: cfg.ipPath,
          fullDumpEveryMs: cfg.reconcileInterval * 1000,
          ...(opts.spawn ? {spawn: opts.spawn} : {}),
        },
        logger,
      )
    : undefined
  const kernel = watched?.kernel ?? new Kernel(runner, {stateDir: cfg.stateDir, ipPath: cfg.ipPath}, logger)
  const rt = new RtTables(cfg.rtTablesPath)
  const tables: TableResolver = {
    async tables(bridges, {create}) {
      if (create) return Object.fromEntries(await rt.ensure(bridges, [cfg.bgpVrfTableId]))
      // Read-only (dry runs): existing numbers, and the numbers ensure() would hand out for the rest.
      const known = await rt.read().catch(() => new Map<string, number>())
      const used = new Set<number>([...known.values(), cfg.bgpVrfTableId])
      const out: Record<string, number> = {}
      for (const b of bridges) {
        const n = known.get(b) ?? lowestFreeTable(used)
        if (n === undefined) continue
        used.add(n)
        out[b] = n
      }

      return out
    },
  }
  // The kernel objects are the reconciler's kernel layer as they are: their results and scopes are
  // the datapath contract's own types.
  const layer: KernelLayer = watched ?? kernel
  // The link names the last base wiring read, for links() until the watched model can answer, for
  // BASE_LINKS_MAX_AGE_MS at most: the first pass then starts without an `ip link show` of its own
  // (0.3-0.5 s in the emulated guest, where the first pass of a restart can begin before the
  // model's first dump is in). A bridge created after that read is seen once the model answers
  // or the read has aged (a model that never loads: every pass reads the links again).
  let baseLinks: {names: string[]; at: number} | undefined
  const now = opts.now ?? (() => performance.now())
  return {
    ...(watched ? {onDrift: (l: (reason: string) => void) => watched.onDrift(l), close: () => watched.close()} : {}),
    layer,
    tables,
    async staleBridges(scope) {
      const mapped = new Set(scope.bridges.map((b) => b.name))
      const used = new Set([...scope.bridges.map((b) => b.table), scope.vrfTable])
      const owned = await rt.owned().catch(() => new Map<string, number>())
      return [...owned]
        .filter(([name, table]) => !mapped.has(name) && !used.has(table))
        .map(([name, table]) => ({name, table}))
    },
    async links() {
      // The daemon's passes read the watched model instead of starting `ip link show` per pass.
      const known = watched?.linkNames()
      if (known) {
        baseLinks = undefined // only the model from now on: the base's read ages
        return known
      }

      if (baseLinks && now() - baseLinks.at < BASE_LINKS_MAX_AGE_MS) return baseLinks.names
      baseLinks = undefined
      const r = await runner.run(cfg.ipPath, ['-json', 'link', 'show'])
      if (r.code !== 0) return []
      return (JSON.parse(r.stdout || '[]') as Array<{ifname?: string}>).map((l) => l.ifname ?? '').filter(Boolean)
    },
    async ensureBase({clearVrfRoutes, bridges = []}) {
      const t = bridges.length > 0 ? await rt.ensure(bridges, [cfg.bgpVrfTableId]) : new Map<string, number>()
      // the watched model answers a base already in place without a process (the FRR upkeep's
      // periodic question on an idle node)
      const res = await (watched ?? kernel).ensureBase({
        bgpVrf: cfg.bgpVrf,
        vrfTable: cfg.bgpVrfTableId,
        bgpNic: cfg.bgpNic,
        bridges: [...t].map(([name, table]) => ({name, table})),
        clearVrfRoutes,
      })
      if (res.links) baseLinks = {names: res.links, at: now()}
      for (const w of [...res.warnings, ...res.failed]) logger.warn('base setup', {detail: w})
      for (const b of res.missingBridges) logger.warn('provider bridge missing (not created)', {bridge: b})
      return {changed: res.changed}
    },
  }
}
