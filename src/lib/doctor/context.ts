// Building a DoctorContext, and the helpers several checks share: the effective bridge mappings
// (configuration override, else OVS), the VLAN devices those mappings imply, and the link list.
import {readFile} from 'node:fs/promises'
import {release} from 'node:os'

import type {AgentConfig, BridgeMapping} from '../config/types.js'
import type {CommandRunner} from '../exec/runner.js'
import type {CheckResult, DoctorContext, DoctorFacts, DoctorFs, IpLink} from './types.js'

import {vlanDevName} from '../net/ip.js'
import {parseBridgeMappings} from '../ovs/bridge-mappings.js'

/** Real files; a missing file (or a missing directory on the way) reads as undefined. */
export const nodeDoctorFs: DoctorFs = {
  async readText(path: string): Promise<string | undefined> {
    try {
      return await readFile(path, 'utf8')
    } catch (error) {
      const {code} = error as NodeJS.ErrnoException
      if (code === 'ENOENT' || code === 'ENOTDIR') return undefined
      throw error
    }
  },
}

export interface DoctorContextOptions {
  config: AgentConfig
  runner: CommandRunner
  fs?: DoctorFs
  kernelRelease?: string
  facts?: DoctorFacts
}

/** Timeout for each external command a check runs. */
export const CHECK_COMMAND_TIMEOUT_MS = 10_000

export function createDoctorContext(opts: DoctorContextOptions): DoctorContext {
  let links: Promise<IpLink[]> | undefined
  const ctx: DoctorContext = {
    config: opts.config,
    runner: opts.runner,
    fs: opts.fs ?? nodeDoctorFs,
    kernelRelease: opts.kernelRelease ?? release(),
    facts: opts.facts ?? {},
    links() {
      links ??= (async () => {
        const r = await ctx.runner.run(ctx.config.ipPath, ['-j', '-d', 'link', 'show'], {
          timeoutMs: CHECK_COMMAND_TIMEOUT_MS,
        })
        if (r.code !== 0) throw new Error(`ip -j -d link show exited ${r.code}: ${r.stderr.trim()}`)
        const parsed: unknown = JSON.parse(r.stdout || '[]')
        if (!Array.isArray(parsed)) throw new Error('ip -j -d link show: expected a JSON array')
        return parsed as IpLink[]
      })()
      return links
    },
  }
  return ctx
}

export interface EffectiveMappings {
  mappings: BridgeMapping[]
  /** `config` (bridge_mappings option), `ovs` (external_ids), or `none` (not known). */
  source: 'config' | 'ovs' | 'none'
  warnings: string[]
  /** Why OVS could not be read, when the mappings come from nowhere. */
  error?: string
}

export function effectiveMappings(ctx: DoctorContext): EffectiveMappings {
  if (ctx.config.bridgeMappings !== undefined)
    return {mappings: ctx.config.bridgeMappings, source: 'config', warnings: []}
  const {ovs} = ctx.facts
  if (ovs === undefined)
    return {mappings: [], source: 'none', warnings: [], error: 'the local OVS database was not read'}
  if (!ovs.ok) return {mappings: [], source: 'none', warnings: [], error: ovs.error}
  const parsed = parseBridgeMappings(ovs.value.bridgeMappings)
  return {mappings: parsed.mappings, source: 'ovs', warnings: parsed.warnings}
}

export interface VlanDevice {
  name: string
  bridge: string
  tag: number
}

/** VLAN devices the agent would create: one per (local bridge, tag of a localnet port on its physnet). */
export function expectedVlanDevices(ctx: DoctorContext): VlanDevice[] {
  const {nb} = ctx.facts
  if (!nb?.ok) return []
  const out = new Map<string, VlanDevice>()
  for (const m of effectiveMappings(ctx).mappings) {
    for (const v of nb.value.localnetVlans) {
      if (v.physnet !== m.physnet) continue
      const name = vlanDevName(m.bridge, v.tag)
      out.set(name, {name, bridge: m.bridge, tag: v.tag})
    }
  }

  return [...out.values()]
}

/** Message of an error thrown by a runner or parser, one line. */
export function errorText(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? ''
}

/**
 * The node's links, or the failing verdict of a check that cannot do without them (`category`
 * overrides the check's own for that verdict).
 */
export async function linksOrVerdict(
  ctx: DoctorContext,
  category?: CheckResult['category'],
): Promise<{links: IpLink[]} | {verdict: CheckResult}> {
  try {
    return {links: await ctx.links()}
  } catch (error) {
    return {
      verdict: {
        status: 'fail',
        ...(category ? {category} : {}),
        detail: `cannot list links: ${errorText(error)}`,
        fix: 'Install iproute2, or set ip_path in bgp-agent.conf.',
      },
    }
  }
}
