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
  const r = await d.runner.run(d.ipPath, ['-json', '-details', 'link', 'show'], {env: {LC_ALL: 'C'}})
  const links = new Map(parseLinks(r.stdout).map((l) => [l.name, l]))
  const wiring = linkWiring(links, o)
  res.failed.push(...wiring.failed)
  res.warnings.push(...wiring.warnings)
  res.missingBridges.push(...wiring.missingBridges)
  // The link steps go in one process (the order of the lines is the order they need); the table
  // defaults and the VRF table's clean-up need only the links, so they run side by side after it.
  const done = await runSteps(d, wiring.steps)
  mergeSteps(res, done)
  res.links = [...links.keys(), ...(done.created ?? [])]
  const [defaults, cleared] = await Promise.all([
    ensureDefaultRoutes(d, o, wiring.present),
    o.clearVrfRoutes ? clearVrfTable(d, o.vrfTable) : undefined,
  ])
  mergeSteps(res, defaults)
  if (cleared) mergeSteps(res, cleared)
  if (res.changed.length > 0) d.log.info('kernel base wiring changed', {changed: res.changed})
  return res
}

/** One base change: the ip op, what the report says when it worked, the step it cannot do without. */
interface BaseStep {
  op: IpOp
  what: string
  /** What a failure is reported as (default: `what`). */
  failedAs?: string
  /** Indexes of earlier steps: when one of them failed, this one's own failure is not reported. */
  needs?: number[]
  /** The device this step creates. */
  creates?: string
}

export interface LinkWiring {
  steps: BaseStep[]
  /** Mapped bridges that exist (their table defaults are checked). */
  present: string[]
  missingBridges: string[]
  warnings: string[]
  failed: string[]
}

/**
 * The link changes the base needs, from one read of the links: the VRF created and up, bgp-nic
 * created, enslaved and up, each existing bridge up. A device created here is down and has no
 * master, so the steps after its creation follow without a second read. Pure.
 */
export function linkWiring(links: ReadonlyMap<string, LinkInfo>, o: BaseOptions): LinkWiring {
  const vrf = checkIfName(o.bgpVrf, 'VRF name')
  const nic = checkIfName(o.bgpNic, 'bgp-nic name')
  const w: LinkWiring = {steps: [], present: [], missingBridges: [], warnings: [], failed: []}
  const step = (what: string, args: string[], ...needs: Array<number | undefined>): number => {
    const n = needs.filter((i) => i !== undefined)
    const creates = args[1] === 'add' ? args[2] : undefined
    return (
      w.steps.push({
        op: {group: 'link', args},
        what,
        ...(n.length > 0 ? {needs: n} : {}),
        ...(creates ? {creates} : {}),
      }) - 1
    )
  }

  const v = links.get(vrf)
  let vrfMade: number | undefined
  if (!v)
    vrfMade = step(`created VRF ${vrf} table ${o.vrfTable}`, [
      'link',
      'add',
      vrf,
      'type',
      'vrf',
      'table',
      String(o.vrfTable),
    ])
  else if (v.kind !== 'vrf') w.failed.push(`${vrf} exists but is a ${v.kind ?? 'plain'} device, not a VRF`)
  else if (v.vrfTable !== o.vrfTable)
    w.warnings.push(`VRF ${vrf} uses table ${String(v.vrfTable)}, configured ${o.vrfTable} (not corrected)`)
  const n = links.get(nic)
  const nicMade = n ? undefined : step(`created dummy ${nic}`, ['link', 'add', nic, 'type', 'dummy'])
  const vrfUsable = !v || v.kind === 'vrf'
  if (vrfUsable && !v?.up) step(`set ${vrf} up`, ['link', 'set', 'dev', vrf, 'up'], vrfMade)
  if (vrfUsable && n?.master !== vrf)
    step(`enslaved ${nic} to ${vrf}`, ['link', 'set', 'dev', nic, 'master', vrf], nicMade, vrfMade)
  if (!n?.up) step(`set ${nic} up`, ['link', 'set', 'dev', nic, 'up'], nicMade)
  for (const b of o.bridges) {
    const bl = links.get(checkIfName(b.name, 'bridge name'))
    if (!bl) {
      w.missingBridges.push(b.name)
      continue
    }

    w.present.push(b.name)
    if (!bl.up) step(`set ${b.name} up`, ['link', 'set', 'dev', b.name, 'up'])
  }

  return w
}

interface StepsOutcome {
  changed: string[]
  failed: string[]
  /** Devices that a step which worked created (BaseStep.creates). */
  created?: string[]
}

function mergeSteps(res: BaseResult, o: StepsOutcome): void {
  res.changed.push(...o.changed)
  res.failed.push(...o.failed)
}

/** `fn` for IPv4 and IPv6 side by side; their outcomes in that order. */
async function bothFamilies(fn: (family: 4 | 6) => Promise<StepsOutcome>): Promise<StepsOutcome> {
  const [v4, v6] = await Promise.all([fn(4), fn(6)])
  return {changed: [...v4.changed, ...v6.changed], failed: [...v4.failed, ...v6.failed]}
}

/** Runs the steps in one `ip -batch` (none when empty) and reports each. */
async function runSteps(d: BaseDeps, steps: readonly BaseStep[], family?: 4 | 6): Promise<StepsOutcome> {
  const out: StepsOutcome = {changed: [], failed: [], created: []}
  const outcomes = await runIpBatch(
    d.runner,
    steps.map((s) => s.op),
    {ipPath: d.ipPath, ...(family ? {family} : {})},
  )
  const ok = steps.map((_, i) => outcomes[i]?.state === 'ok')
  for (const [i, s] of steps.entries()) {
    const oc = outcomes[i]
    if (ok[i]) {
      out.changed.push(s.what)
      if (s.creates) out.created!.push(s.creates)
    } else if ((s.needs ?? []).every((j) => ok[j]))
      out.failed.push(`${s.failedAs ?? s.what}: ${oc?.state === 'failed' ? oc.reason : 'unknown'}`)
  }

  return out
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

async function ensureDefaultRoutes(d: BaseDeps, o: BaseOptions, present: readonly string[]): Promise<StepsOutcome> {
  const bridges = o.bridges.filter((b) => present.includes(b.name))
  // Every (family, bridge) read at once, then one batch per family, both families side by side.
  return bothFamilies(async (family) => {
    const has = await Promise.all(
      bridges.map(async (b) => {
        const r = await d.runner.run(
          d.ipPath,
          // `exact default`: the one route asked about, not the table's thousands of host routes
          // (this runs on every FRR check; the selector keeps it a constant-size read)
          [`-${family}`, '-N', '-d', '-json', 'route', 'show', 'table', String(b.table), 'exact', 'default'],
          {env: {LC_ALL: 'C'}},
        )
        return parseRoutes(r.code === 0 ? r.stdout : '', family).some((x) => x.dst === 'default' && x.dev === b.name)
      }),
    )
    const steps = bridges
      .filter((_, i) => !has[i])
      .map((b) => ({
        op: routeOp(
          'add',
          defaultRoutes(b.name, b.table).find((x) => x.family === family)!,
        ),
        what: `added IPv${family} default route dev ${b.name} table ${b.table}`,
      }))
    return runSteps(d, steps, family)
  })
}

/**
 * Spec 6.1c: delete VRF-table routes except scope host and proto bgp. Also kept (deliberately
 * narrower than upstream): non-unicast routes and the kernel's own connected routes (proto kernel).
 */
async function clearVrfTable(d: BaseDeps, table: number): Promise<StepsOutcome> {
  return bothFamilies(async (family) => {
    const out: StepsOutcome = {changed: [], failed: []}
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
    const steps: BaseStep[] = []
    for (const x of doomed) {
      const route: RouteObj = {
        kind: 'route',
        family,
        table,
        dst: x.dst,
        dev: x.dev!,
        ...(x.via ? {via: x.via} : {}),
        proto: x.proto ?? 0,
      }
      try {
        const op = routeOp('remove', route)
        const line = op.args.slice(2).join(' ')
        steps.push({op, what: `cleared VRF route ${line}`, failedAs: `clear VRF route ${line}`})
      } catch (error) {
        out.failed.push(`clear VRF route ${x.dst}: ${(error as Error).message}`)
      }
    }

    const ran = await runSteps(d, steps, family)
    return {changed: ran.changed, failed: [...out.failed, ...ran.failed]}
  })
}
