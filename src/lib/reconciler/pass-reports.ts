// What a pass reports in the log beyond its summary line: the operations that failed (each new
// failure once, the rest counted) and the NB rows the planner skipped (each once while it stays
// malformed). State across passes lives here so that a retried pass does not repeat itself.
import type {Logger} from '../log.js'
import type {Problem} from '../planner/problems.js'
import type {OpResult} from './types.js'

import {objKey} from '../planner/types.js'

/** Failed operations logged one by one per pass; the rest are counted in one summary line. */
const MAX_LOGGED_FAILURES = 20

export class PassReports {
  /** Problems already logged: a malformed NB row is logged once (with its uuid), not every pass. */
  private readonly logged = new Set<string>()

  constructor(private readonly logger: Logger) {}

  /**
   * One warning per operation that failed anew (not in `before`, the last applying pass's
   * failures, or there with another error), at most MAX_LOGGED_FAILURES a pass, and one summary
   * when some were left out or failed again the same way: a retried pass does not repeat thousands of lines (a missing kernel module fails every
   * VLAN device, and everything behind them, on every retry). `sync --json` lists them all.
   */
  failures(failed: readonly OpResult[], before: ReadonlyMap<string, string>): void {
    const fresh = failed.filter((f) => before.get(objKey(f.obj)) !== (f.error ?? ''))
    const shown = fresh.slice(0, MAX_LOGGED_FAILURES)
    for (const f of shown)
      this.logger.warn('operation failed', {action: f.action, kind: f.obj.kind, obj: f.obj, error: f.error})
    if (shown.length === failed.length) return
    const byError = new Map<string, number>()
    for (const f of failed) byError.set(f.error ?? '', (byError.get(f.error ?? '') ?? 0) + 1)
    this.logger.warn('operations failed', {
      failed: failed.length,
      new: fresh.length,
      logged: shown.length,
      errors: Object.fromEntries([...byError].sort((a, b) => b[1] - a[1]).slice(0, 5)),
    })
  }

  problems(problems: readonly Problem[]): void {
    const current = new Set<string>()
    for (const p of problems) {
      const key = `${p.table}|${p.uuid}|${p.name}|${p.reason}`
      current.add(key)
      if (this.logged.has(key)) continue
      this.logger.warn('skipped', {table: p.table, uuid: p.uuid, name: p.name, reason: p.reason})
    }

    // Forget fixed rows, so a row that breaks again is logged again.
    this.logged.clear()
    for (const k of current) this.logged.add(k)
  }
}
