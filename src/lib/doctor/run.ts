import type {CheckReport, CheckResult, CheckStatus, DoctorCheck, DoctorContext, DoctorReport} from './types.js'

// Running the checks and folding their verdicts into one report and one exit code.
//
// Exit code (documented in ovn-bgp-doctor(8)): 0 when no check failed (warnings included);
// 2 (usage/config) when only checks of category `config` failed; 4 (dependency unavailable) when
// any `environment` check failed, since a missing kernel feature, FRR or NB blocks the agent
// whatever its configuration says. A check that throws is a bug in the check: it is reported as
// a failed environment check with the error, so one broken check never hides the others.
import {ExitCode} from '../errors.js'
import {errorText} from './context.js'

const RANK: Record<CheckStatus, number> = {pass: 0, warn: 1, fail: 2}

export function worstStatus(statuses: Iterable<CheckStatus>): CheckStatus {
  let worst: CheckStatus = 'pass'
  for (const s of statuses) if (RANK[s] > RANK[worst]) worst = s
  return worst
}

export function exitCodeFor(checks: readonly CheckReport[]): DoctorReport['exitCode'] {
  const failed = checks.filter((c) => c.status === 'fail')
  if (failed.some((c) => c.category === 'environment')) return ExitCode.Unavailable
  if (failed.length > 0) return ExitCode.Usage
  return ExitCode.Ok
}

async function runOne(check: DoctorCheck, ctx: DoctorContext): Promise<CheckReport> {
  let r: CheckResult
  try {
    r = await check.run(ctx)
  } catch (error) {
    r = {
      status: 'fail',
      category: 'environment',
      detail: `check failed unexpectedly: ${errorText(error)}`,
      fix: 'Report this as a bug in ovn-bgp doctor.',
    }
  }

  return {
    id: check.id,
    title: check.title,
    category: r.category ?? check.category,
    status: r.status,
    detail: r.detail,
    fix: r.status === 'pass' ? '' : (r.fix ?? ''),
  }
}

/** Runs the checks concurrently (they are independent); the report keeps the given order. */
export async function runDoctor(ctx: DoctorContext, checks: readonly DoctorCheck[]): Promise<DoctorReport> {
  const reports = await Promise.all(checks.map((c) => runOne(c, ctx)))
  const counts: Record<CheckStatus, number> = {pass: 0, warn: 0, fail: 0}
  for (const r of reports) counts[r.status]++
  return {checks: reports, worst: worstStatus(reports.map((r) => r.status)), counts, exitCode: exitCodeFor(reports)}
}
