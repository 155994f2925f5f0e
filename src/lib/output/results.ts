import type {Problem} from '../planner/problems.js'
import type {StateKind, StateObj} from '../planner/types.js'
import type {KindCounts, PassResult} from '../reconciler/types.js'

// The --json contract of the commands that reconcile: what was (or would be) added and removed,
// per object kind, what failed and which NB rows were skipped. Humans get the same data as text.
import {color as chalk} from './color.js'
import {describeObj} from './describe.js'

interface ObjectChange {
  action: 'add' | 'remove'
  kind: StateKind
  /** For people: the object as iproute2 / ovs-ofctl would show it. */
  object: string
  /** For programs: the object's fields (schemas/defs.json, stateObject). */
  spec: StateObj
}

interface FailedChange extends ObjectChange {
  error: string
}

export interface ChangeReport {
  dryRun: boolean
  /** True when something was (dry run: would be) added or removed. */
  changed: boolean
  added: KindCounts
  removed: KindCounts
  unchanged: number
  /** Every object added/removed (or planned), described like iproute2/ovs-ofctl would show it. */
  changes: ObjectChange[]
  failed: FailedChange[]
  /** NB rows or local items skipped, with their uuid and the reason. */
  skipped: Problem[]
  durationMs: number
  /**
   * Where the time went (sync only), in ms: `startMs` from the command's start to the pass (NB
   * snapshot, OVS identity, VRF and bgp-nic), then the pass's planning, reading and changing.
   */
  timings?: {startMs: number; desiredMs: number; observeMs: number; applyMs: number}
}

function changesOf(action: 'add' | 'remove', objs: readonly StateObj[]): ObjectChange[] {
  return objs.map((o) => ({action, kind: o.kind, object: describeObj(o), spec: o}))
}

export function changeReport(r: PassResult): ChangeReport {
  return {
    dryRun: r.dryRun,
    changed: r.changed,
    added: r.added,
    removed: r.removed,
    unchanged: r.plan.unchanged,
    changes: [...changesOf('add', r.plan.add), ...changesOf('remove', r.plan.remove)],
    failed: r.failed.map((f) => ({
      action: f.action,
      kind: f.obj.kind,
      object: describeObj(f.obj),
      spec: f.obj,
      error: f.error ?? 'failed',
    })),
    skipped: r.problems,
    durationMs: r.durationMs,
  }
}

function counts(c: KindCounts): string {
  const parts = Object.entries(c).map(([k, n]) => `${n} ${k}`)
  return parts.length > 0 ? parts.join(', ') : 'nothing'
}

/** Human rendering (stdout). Colour only when chalk detects a terminal. */
export function renderChangeReport(r: ChangeReport, verbose = true): string {
  const lines: string[] = []
  const verb = r.dryRun ? 'would add' : 'added'
  const rverb = r.dryRun ? 'would remove' : 'removed'
  if (verbose) {
    for (const c of r.changes)
      lines.push(c.action === 'add' ? chalk.green(`+ ${c.object}`) : chalk.red(`- ${c.object}`))
  }

  for (const f of r.failed) lines.push(chalk.yellow(`! ${f.action} ${f.object}: ${f.error}`))
  for (const p of r.skipped)
    lines.push(chalk.yellow(`skipped ${p.table} ${p.name || '-'} (${p.uuid || '-'}): ${p.reason}`))
  lines.push(
    `${r.changed ? '' : 'nothing to do; '}${verb} ${counts(r.added)}; ${rverb} ${counts(r.removed)}; ${r.unchanged} unchanged` +
      (r.failed.length > 0 ? `; ${r.failed.length} failed` : '') +
      ` (${r.durationMs} ms)`,
  )
  return lines.join('\n')
}
