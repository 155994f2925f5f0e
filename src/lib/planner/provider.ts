// Provider/tenant classification of logical switches (upstream `is_ls_provider`,
// docs/upstream-behaviour.md#locality) and where the traffic of a provider network leaves:
// bridge, VLAN device, routing table.
import type {LogicalSwitchPort} from '../nb/model.js'
import type {LocalContext, PatchPort} from './local-context.js'

import {isIfName, isMac, isVlanTag, vlanDevName} from '../net/ip.js'

/** Where exposed addresses of one provider network are wired. */
export interface Wire {
  bridge: string
  /** localnet tag; objects then live on `dev` = `<bridge[:10]>.<vlan>`. */
  vlan: number | null
  dev: string
  table: number
  /** The LS's first localnet port (its name gives the `patch-<name>-to-br-int` OVS port). */
  localnet: LogicalSwitchPort
}

/** 'tenant' = no localnet mapped to a local bridge; 'unusable' = mapped to a bridge we cannot wire. */
export type LsClass = Wire | 'tenant' | 'unusable'

export interface BridgeStatus {
  ok: boolean
  reason?: string
}

/** Why a mapped bridge cannot carry exposures, or ok. Reported once per bridge by base wiring. */
export function bridgeStatus(ctx: LocalContext, bridge: string): BridgeStatus {
  if (!isIfName(bridge)) return {ok: false, reason: `invalid bridge name ${JSON.stringify(bridge)}`}
  if (ctx.existingBridges && !ctx.existingBridges.includes(bridge)) {
    return {ok: false, reason: `bridge ${bridge} does not exist on this host (not created: it must be the OVS bridge)`}
  }

  const t = ctx.bridgeTables[bridge]
  if (t === undefined || !Number.isInteger(t) || t < 1 || t > 252) {
    return {ok: false, reason: `bridge ${bridge} has no routing table (rt_tables)`}
  }

  return {ok: true}
}

/** physnet -> bridge; a physnet listed twice keeps its last bridge (upstream builds a dict). */
export function physnetBridges(ctx: LocalContext): Map<string, string> {
  const m = new Map<string, string>()
  for (const bm of [...ctx.bridgeMappings].sort((a, b) => a.index - b.index)) m.set(bm.physnet, bm.bridge)
  return m
}

export interface LsClassifier {
  classify(lsName: string): LsClass
}

/** Classifies switches by their first localnet port (uuid order), memoised per planning pass. */
export function makeClassifier(
  ctx: LocalContext,
  localnetPortsOfLs: (ls: string) => LogicalSwitchPort[],
): LsClassifier {
  const byPhysnet = physnetBridges(ctx)
  const memo = new Map<string, LsClass>()
  const compute = (lsName: string): LsClass => {
    const localnet = localnetPortsOfLs(lsName)[0]
    const bridge = localnet ? byPhysnet.get(localnet.options.network_name ?? '') : undefined
    if (!localnet || bridge === undefined) return 'tenant'
    if (!bridgeStatus(ctx, bridge).ok) return 'unusable'
    const {tag} = localnet
    if (tag !== undefined && !isVlanTag(tag)) return 'unusable'
    const vlan = tag ?? null
    const dev = vlan === null ? bridge : vlanDevName(bridge, vlan)
    return {bridge, vlan, dev, table: ctx.bridgeTables[bridge]!, localnet}
  }

  return {
    classify(lsName) {
      let c = memo.get(lsName)
      if (c === undefined) memo.set(lsName, (c = compute(lsName)))
      return c
    },
  }
}

export function isWire(c: LsClass): c is Wire {
  return typeof c === 'object'
}

/** Canonical MAC of a bridge from the local context, undefined when unknown or malformed. */
export function bridgeMac(ctx: LocalContext, bridge: string): string | undefined {
  const m = ctx.bridgeMacs[bridge]
  return isMac(m) ? m.toLowerCase() : undefined
}

/** Patch ports of a bridge with a usable OpenFlow port number (> 0); the others are reported by base wiring. */
export function usablePatchPorts(ctx: LocalContext, bridge: string): PatchPort[] {
  return (ctx.patchPorts[bridge] ?? []).filter((p) => Number.isInteger(p.ofport) && p.ofport > 0)
}
