// Gathers the planner's non-NB inputs: chassis identity and bridge mappings (configuration
// overrides first, then the local Open_vSwitch database), routing tables of the provider bridges,
// bridge MACs and patch ports (from OVS), and which bridges exist on the host.
import {hostname} from 'node:os'

import type {AgentConfig, BridgeMapping} from '../config/types.js'
import type {ObserveScope} from '../kernel/types.js'
import type {LocalContext, PatchPort} from '../planner/context.js'
import type {LocalContextSource} from './types.js'

import {ConfigError} from '../errors.js'

/** What the local OVS reader provides (src/lib/ovs/local-ovs-state.ts implements it). */
export interface OvsFacts {
  identity(): {
    systemId: string | undefined
    hostname: string | undefined
    bridgeMappings: BridgeMapping[]
    nbRemote: string | undefined
  }
  bridgeMac(bridge: string): string | undefined
  patchPorts(bridge: string): Array<{name: string; ofport: number | undefined}>
}

/** Routing table numbers of provider bridges: read-only (dry runs) or creating missing entries. */
export interface TableResolver {
  tables(bridges: readonly string[], opts: {create: boolean}): Promise<Record<string, number>>
}

export interface NodeContextOptions {
  cfg: AgentConfig
  ovs?: OvsFacts | undefined
  tables: TableResolver
  /** Create missing rt_tables entries (false for dry runs and NB-only views). */
  createTables: boolean
  /** Names of the links on the host; when given, mapped-but-missing bridges become problems. */
  links?: () => Promise<string[]>
}

/** Identity as the agent uses it: configuration overrides win over OVS external_ids. */
export function resolveIdentity(cfg: AgentConfig, ovs: OvsFacts | undefined) {
  const id = ovs?.identity()
  return {
    chassisName: cfg.chassisName ?? id?.hostname ?? hostname(),
    chassisId: cfg.chassisId ?? id?.systemId,
    bridgeMappings: cfg.bridgeMappings ?? id?.bridgeMappings ?? [],
    nbRemote: cfg.ovnNbConnection ?? id?.nbRemote,
  }
}

export class NodeContextSource implements LocalContextSource {
  constructor(private readonly opts: NodeContextOptions) {}

  async context(): Promise<LocalContext> {
    const {cfg, ovs} = this.opts
    const id = resolveIdentity(cfg, ovs)
    if (!id.chassisId) {
      throw new ConfigError(
        'the chassis id is unknown: OVS external_ids:system-id is not set and chassis_id is not configured',
        {
          suggestions: [
            'set [DEFAULT] chassis_id (or --chassis-id)',
            'check ovsdb_connection points at the local Open vSwitch',
          ],
        },
      )
    }

    const bridges = [...new Set(id.bridgeMappings.map((m) => m.bridge))]
    const ctx: LocalContext = {
      chassisName: id.chassisName,
      chassisId: id.chassisId,
      bridgeMappings: id.bridgeMappings,
      bridgeTables: await this.opts.tables.tables(bridges, {create: this.opts.createTables}),
      bridgeMacs: {},
      patchPorts: {},
    }
    for (const b of bridges) {
      const mac = ovs?.bridgeMac(b)
      if (mac) ctx.bridgeMacs[b] = mac
      const ports: PatchPort[] = []
      for (const p of ovs?.patchPorts(b) ?? []) if (p.ofport !== undefined) ports.push({name: p.name, ofport: p.ofport})
      ctx.patchPorts[b] = ports
    }

    // Only the mapped bridges that exist, sorted: the context is part of the incremental planner's
    // signature, and a tap device of a booting VM (or a link list in another order) must not make
    // it rebuild the whole desired state and the pass diff the whole node.
    if (this.opts.links) {
      const present = new Set(await this.opts.links())
      ctx.existingBridges = bridges.filter((b) => present.has(b)).sort()
    }

    return ctx
  }
}

/** The scope observe() must cover for a given local context: the mapped bridges whose table is known. */
export function scopeOf(cfg: AgentConfig, ctx: LocalContext): ObserveScope {
  const bridges = [...new Set(ctx.bridgeMappings.map((m) => m.bridge))]
    .filter((b) => ctx.bridgeTables[b] !== undefined)
    .map((name) => ({name, table: ctx.bridgeTables[name]!}))
  return {bgpNic: cfg.bgpNic, bgpVrf: cfg.bgpVrf, vrfTable: cfg.bgpVrfTableId, bridges}
}
