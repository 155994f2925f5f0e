// Base wiring (docs/upstream-behaviour.md#base-bgp-configuration, docs/upstream-behaviour.md#bridge-routing-tables,
// docs/upstream-behaviour.md#process-start), ensure-only and idempotent: the VRF with its table, up; the
// dummy bgp-nic, up and enslaved to the VRF; each provider bridge up with its per-table default
// routes. Reports what it changed; a second run changes nothing. A missing provider bridge is
// reported, never created (upstream creates a Linux bridge:
// docs/upstream-behaviour.md#bug-15-linux-bridge-created). A VRF that exists with another table is
// reported, not corrected (as upstream).
import type {CommandRunner} from '../exec/runner.js'
import type {Logger} from '../log.js'
import type {BaseOptions, BaseResult} from './types.js'

import {checkIfName} from '../net/ip.js'
import {ROUTE_PROTO, type RouteObj} from '../planner/types.js'
import {runIpBatch} from './batch.js'
import {type IpOp, routeOp} from './commands.js'
import {type LinkInfo, parseLinks, parseRoutes} from './parse.js'

export interface BaseDeps {
  runner: CommandRunner
  ipPath: string
  log: Logger
}

/** Route protocol numbers docs/upstream-behaviour.md#process-start keeps when clearing the VRF table. */
const RTPROT_BGP = 186
const RTPROT_KERNEL = 2
const SCOPE_HOST = 254

export async function ensureBase(d: BaseDeps, o: BaseOptions): Promise<BaseResult> {
  const res: BaseResult = {changed: [], missingBridges: [], warnings: [], failed: []}
  const vrf = checkIfName(o.bgpVrf, 'VRF name')
  const nic = checkIfName(o.bgpNic, 'bgp-nic name')
  const ip = async (what: string, args: string[]): Promise<boolean> => {
    const r = await d.runner.run(d.ipPath, args, {env: {LC_ALL: 'C'}})
    if (r.code === 0) res.changed.push(what)
    else res.failed.push(`${what}: ${r.stderr.trim() || `exit ${r.code}`}`)
    return r.code === 0
  }

  const links = async (): Promise<Map<string, LinkInfo>> => {
    const r = await d.runner.run(d.ipPath, ['-json', '-details', 'link', 'show'], {env: {LC_ALL: 'C'}})
    return new Map(parseLinks(r.stdout).map((l) => [l.name, l]))
  }

  let l = await links()
  const v = l.get(vrf)
  if (!v)
    await ip(`created VRF ${vrf} table ${o.vrfTable}`, ['link', 'add', vrf, 'type', 'vrf', 'table', String(o.vrfTable)])
  else if (v.kind !== 'vrf') res.failed.push(`${vrf} exists but is a ${v.kind ?? 'plain'} device, not a VRF`)
  else if (v.vrfTable !== o.vrfTable)
    res.warnings.push(`VRF ${vrf} uses table ${String(v.vrfTable)}, configured ${o.vrfTable} (not corrected)`)
  const n = l.get(nic)
  if (!n) await ip(`created dummy ${nic}`, ['link', 'add', nic, 'type', 'dummy'])
  l = v && n ? l : await links()
  if (l.get(vrf)?.kind === 'vrf' && !l.get(vrf)?.up) await ip(`set ${vrf} up`, ['link', 'set', 'dev', vrf, 'up'])
  const nn = l.get(nic)
  if (nn && nn.master !== vrf && l.get(vrf)?.kind === 'vrf')
    await ip(`enslaved ${nic} to ${vrf}`, ['link', 'set', 'dev', nic, 'master', vrf])
  if (nn && !nn.up) await ip(`set ${nic} up`, ['link', 'set', 'dev', nic, 'up'])

  const present: string[] = []
  for (const b of o.bridges) {
    const bl = l.get(checkIfName(b.name, 'bridge name'))
    if (!bl) {
      res.missingBridges.push(b.name)
      continue
    }

    present.push(b.name)
    if (!bl.up) await ip(`set ${b.name} up`, ['link', 'set', 'dev', b.name, 'up'])
  }

  await ensureDefaultRoutes(d, o, present, res)
  if (o.clearVrfRoutes) await clearVrfTable(d, o.vrfTable, res)
  if (res.changed.length > 0) d.log.info('kernel base wiring changed', {changed: res.changed})
  return res
}

/**
 * Whether `ensureBase` would find nothing to do, judged from a kernel model instead of dumps (the
 * daemon's watched model): the VRF is a VRF of the configured table and up, bgp-nic is enslaved to
 * it and up, every bridge exists and is up with both per-table default routes. Anything else
 * (including what ensureBase only reports: a missing bridge, a VRF of another table) is `false`:
 * the caller then runs ensureBase itself, which repairs, warns and reports as usual. Pure.
 */
export function baseInPlace(
  links: ReadonlyMap<string, LinkInfo>,
  hasRoute: (r: RouteObj) => boolean,
  o: BaseOptions,
): boolean {
  const v = links.get(o.bgpVrf)
  const n = links.get(o.bgpNic)
  if (v?.kind !== 'vrf' || v.vrfTable !== o.vrfTable || !v.up) return false
  if (!n || n.master !== o.bgpVrf || !n.up) return false
  return o.bridges.every((b) => links.get(b.name)?.up === true && defaultRoutes(b.name, b.table).every(hasRoute))
}

/**
 * The per-table defaults of docs/upstream-behaviour.md#bridge-routing-tables (IPv4 `scope link`), added only when
 * missing.
 */
export function defaultRoutes(bridge: string, table: number): RouteObj[] {
  return [
    {kind: 'route', family: 4, table, dst: 'default', dev: bridge, scope: 'link', proto: ROUTE_PROTO},
    {kind: 'route', family: 6, table, dst: 'default', dev: bridge, proto: ROUTE_PROTO},
  ]
}

async function ensureDefaultRoutes(d: BaseDeps, o: BaseOptions, bridges: string[], res: BaseResult): Promise<void> {
  for (const family of [4, 6] as const) {
    const todo: Array<{op: IpOp; what: string}> = []
    for (const b of o.bridges.filter((x) => bridges.includes(x.name))) {
      const r = await d.runner.run(
        d.ipPath,
        // `exact default`: the one route asked about, not the table's thousands of host routes (this
        // runs on every FRR check; the selector keeps it a constant-size read)
        [`-${family}`, '-N', '-d', '-json', 'route', 'show', 'table', String(b.table), 'exact', 'default'],
        {env: {LC_ALL: 'C'}},
      )
      const has = parseRoutes(r.code === 0 ? r.stdout : '', family).some((x) => x.dst === 'default' && x.dev === b.name)
      if (has) continue
      const route = defaultRoutes(b.name, b.table).find((x) => x.family === family)!
      todo.push({op: routeOp('add', route), what: `added IPv${family} default route dev ${b.name} table ${b.table}`})
    }

    const outcomes = await runIpBatch(
      d.runner,
      todo.map((t) => t.op),
      {ipPath: d.ipPath, family},
    )
    for (const [i, t] of todo.entries()) {
      const oc = outcomes[i]
      if (oc?.state === 'ok') res.changed.push(t.what)
      else res.failed.push(`${t.what}: ${oc?.state === 'failed' ? oc.reason : 'unknown'}`)
    }
  }
}

/**
 * Spec 6.1c: delete VRF-table routes except scope host and proto bgp. Also kept (deliberately
 * narrower than upstream): non-unicast routes and the kernel's own connected routes (proto kernel).
 */
async function clearVrfTable(d: BaseDeps, table: number, res: BaseResult): Promise<void> {
  for (const family of [4, 6] as const) {
    const r = await d.runner.run(
      d.ipPath,
      [`-${family}`, '-N', '-d', '-json', 'route', 'show', 'table', String(table)],
      {env: {LC_ALL: 'C'}},
    )
    const doomed = parseRoutes(r.code === 0 ? r.stdout : '', family).filter(
      (x) =>
        x.scope !== SCOPE_HOST &&
        x.proto !== RTPROT_BGP &&
        x.proto !== RTPROT_KERNEL &&
        x.type === 'unicast' &&
        !x.multipath &&
        x.dev !== undefined,
    )
    const ops: IpOp[] = []
    for (const x of doomed) {
      try {
        ops.push(
          routeOp('remove', {
            kind: 'route',
            family,
            table,
            dst: x.dst,
            dev: x.dev!,
            ...(x.via ? {via: x.via} : {}),
            proto: x.proto ?? 0,
          }),
        )
      } catch (error) {
        res.failed.push(`clear VRF route ${x.dst}: ${(error as Error).message}`)
      }
    }

    const outcomes = await runIpBatch(d.runner, ops, {ipPath: d.ipPath, family})
    for (const [i, op] of ops.entries()) {
      const oc = outcomes[i]
      if (oc?.state === 'ok') res.changed.push(`cleared VRF route ${op.args.slice(2).join(' ')}`)
      else
        res.failed.push(
          `clear VRF route ${op.args.slice(2).join(' ')}: ${oc?.state === 'failed' ? oc.reason : 'unknown'}`,
        )
    }
  }
}
