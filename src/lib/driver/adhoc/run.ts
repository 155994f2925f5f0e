import type {NbView} from '../../nb/model.js'
import type {DesiredResult} from '../../planner/desired.js'
import type {Problem} from '../../planner/problems.js'
import type {Reconciler} from '../../reconciler/reconcile.js'
import type {Runtime} from '../../runtime.js'
import type {VerbSpec} from './verbs.js'

import {ValidationError} from '../../errors.js'
import {NbState} from '../../nb/state.js'
// One ad-hoc verb, end to end, on the reconciler's single path:
//   resolve the target (NB row, or explicit values -> synthetic NB) -> planner result -> the target's
//   exposed entries -> the objKeys it may touch (selection.ts) -> Reconciler.pass restricted to them.
// Contract: expose only adds (or repairs) the target's objects; withdraw only removes owned objects
// the target needed and nothing else still needs; both are idempotent (a second run: changed false)
// and report per-object failures. Unknown objects, bad values and an object this node cannot expose
// are usage errors (exit 2); an unreachable NB/OVS/kernel is a DependencyError (exit 4).
import {color as chalk} from '../../output/color.js'
import {changeReport, type ChangeReport, renderChangeReport} from '../../output/results.js'
import {type ExposedEntry, objKey} from '../../planner/types.js'
import {forcedLocalView} from './forced-local.js'
import {entryIps, exposeKeys, withdrawKeys} from './selection.js'
import {type ExplicitValues, syntheticNb} from './synthetic.js'
import {type AdhocTarget, checkRefs, type ObjectRefs, resolveTarget, type TargetInfo} from './targets.js'

export interface AdhocRequest {
  verb: VerbSpec
  refs: ObjectRefs
  /** Explicit mode when set. */
  values: ExplicitValues | undefined
  dryRun: boolean
}

/** The --json document of every ad-hoc verb: what was resolved, then the change report. */
export interface AdhocResult extends ChangeReport {
  verb: string
  /** The upstream NB driver method mirrored. */
  upstream: string
  target: TargetInfo
  /** IPs (and subnet CIDRs) exposed or withdrawn. */
  ips: string[]
  /** The planner's entries for those IPs, with the NB row each comes from. */
  exposed: ExposedEntry[]
}

/** True when any explicit-value flag was given. */
export function isExplicit(v: ExplicitValues): boolean {
  return (
    v.ip.length > 0 ||
    v.cidr.length > 0 ||
    v.via.length > 0 ||
    v.bridge !== undefined ||
    v.vlan !== undefined ||
    v.mac !== undefined
  )
}

/** Explicit mode: every value the verb cannot do without is present. */
function checkRequired(verb: VerbSpec, v: ExplicitValues): void {
  const has = (f: string) => {
    const x = (v as unknown as Record<string, unknown>)[f]
    return Array.isArray(x) ? x.length > 0 : x !== undefined
  }

  const missing = verb.required.filter((f) => !has(f))
  if (missing.length > 0) {
    throw new ValidationError(`${verb.id} with explicit values needs ${missing.map((f) => `--${f}`).join(' and ')}`, {
      code: 'MISSING_VALUE',
      suggestions: [`or name the NB object instead (${verb.flags.objects.map((f) => `--${f}`).join(', ')})`],
    })
  }
}

interface Resolved {
  nb: NbView
  target: AdhocTarget
  real: DesiredResult
  explicit: boolean
}

async function desiredOf(reconciler: Reconciler, nb: NbView): Promise<DesiredResult> {
  await reconciler.desired(nb)
  return reconciler.lastResult!
}

async function resolve(rt: Runtime, reconciler: Reconciler, req: AdhocRequest): Promise<Resolved> {
  if (req.values) {
    checkRequired(req.verb, req.values)
    // the local context (chassis, mappings, tables, patch ports) without any NB
    const {ctx} = await reconciler.desired(new NbState())
    const syn = syntheticNb(req.verb.method, req.values, ctx, rt.cfg)
    return {nb: syn.nb, target: syn.target, real: await desiredOf(reconciler, syn.nb), explicit: true}
  }

  checkRefs(req.verb.method, req.refs)
  // an object named on the command line may be bound elsewhere: look it up among all rows
  const {nb} = await rt.nb({}, {allRows: true})
  const target = resolveTarget(nb, req.verb.method, req.refs)
  return {nb, target, real: await desiredOf(reconciler, nb), explicit: false}
}

function targetName(t: TargetInfo): string {
  if (t.mode === 'explicit') return 'the values given'
  return `${t.table ?? 'router'} ${t.name || t.router || ''}${t.uuid ? ` (${t.uuid})` : ''}`
}

function nothingToExpose(verb: VerbSpec, r: Resolved, problems: readonly Problem[]): ValidationError {
  const reasons = problems.map((p) => `${p.table} ${p.name || p.uuid}: ${p.reason}`)
  const why =
    reasons.length > 0
      ? reasons.join('; ')
      : 'it is not up and bound here, its network is not a provider network mapped on this node, or the configuration excludes it'
  return new ValidationError(`${verb.id}: ${targetName(r.target.info)} exposes nothing on this chassis: ${why}`, {
    code: 'NOT_EXPOSED_HERE',
    suggestions: ['ovn-bgp show-exposed --source nb lists what this node exposes and why'],
  })
}

/** Runs one verb; `rt` is closed by the caller. */
export async function runAdhoc(rt: Runtime, req: AdhocRequest): Promise<AdhocResult> {
  const reconciler = await rt.reconciler()
  const r = await resolve(rt, reconciler, req)
  const related = (ps: readonly Problem[]) => ps.filter((p) => r.target.rows.has(p.uuid) || p.table === 'config')
  let entries: ExposedEntry[]
  let keys: Set<string>
  if (req.verb.action === 'expose') {
    entries = r.target.select(r.real, r.nb)
    if (entries.length === 0) throw nothingToExpose(req.verb, r, related(r.real.problems))
    keys = exposeKeys(r.real, entries)
  } else if (r.explicit) {
    entries = r.target.select(r.real, r.nb)
    keys = withdrawKeys({what: r.real, entries, real: undefined})
  } else {
    const ctx = reconciler.lastContext!
    const view = forcedLocalView(r.nb, r.target.force, ctx.chassisName, ctx.chassisId)
    const what = await desiredOf(reconciler, view)
    entries = r.target.select(what, view)
    keys = withdrawKeys({what, entries, real: r.real})
  }

  const expose = req.verb.action === 'expose'
  const pass = await reconciler.pass(r.nb, {
    dryRun: req.dryRun,
    prune: false,
    ...(expose ? {} : {withdraw: keys}),
    filter: (o, action) => action === (expose ? 'add' : 'remove') && keys.has(objKey(o)),
  })
  const report = changeReport({...pass, problems: related(pass.problems)})
  report.unchanged = Math.max(0, keys.size - pass.plan.add.length - pass.plan.remove.length)
  return {
    verb: req.verb.id,
    upstream: req.verb.upstream,
    target: r.target.info,
    ips: entryIps(entries),
    exposed: entries,
    ...report,
  }
}

/** Human rendering: what was resolved, then the per-object changes like sync prints them. */
export function renderAdhoc(res: AdhocResult): string {
  const what = res.ips.length > 0 ? res.ips.join(', ') : 'nothing exposed here'
  const head = `${res.verb} (${res.upstream}): ${targetName(res.target)}: ${what}`
  return `${chalk.bold(head)}\n${renderChangeReport(res)}`
}
