import type {AgentConfig} from '../../src/lib/config/types.js'
import type {LocalContext} from '../../src/lib/planner/context.js'
// An in-memory Datapath for reconciler tests: the node is a map objKey -> object, observe() lists
// it, apply() changes it and every op succeeds. DeltaMemoryDatapath also serves delta
// observations (the watched kernel model's observeDelta: the owned objects under the keys asked),
// and AuditMemoryDatapath the periodic audit (Datapath.audit).
import type {AuditObservation, Datapath, DeltaObservation, OpResult} from '../../src/lib/reconciler/types.js'

import {StreamLogger} from '../../src/lib/log.js'
import {objKey, type Plan, type StateObj} from '../../src/lib/planner/types.js'
import {Reconciler} from '../../src/lib/reconciler/reconcile.js'

export class MemoryDatapath implements Datapath {
  readonly objects = new Map<string, StateObj>()

  async observe(): Promise<StateObj[]> {
    return [...this.objects.values()]
  }

  async apply(plan: Plan): Promise<OpResult[]> {
    for (const o of plan.remove) this.objects.delete(objKey(o))
    for (const o of plan.add) this.objects.set(objKey(o), o)
    return [
      ...plan.add.map((obj) => ({action: 'add' as const, obj, ok: true})),
      ...plan.remove.map((obj) => ({action: 'remove' as const, obj, ok: true})),
    ]
  }
}

export class DeltaMemoryDatapath extends MemoryDatapath {
  async observeDelta(_scope: unknown, keys: ReadonlySet<string>): Promise<DeltaObservation> {
    const all = new Set(keys)
    return {
      keys: all,
      observed: new Map([...all].flatMap((k) => (this.objects.has(k) ? [[k, this.objects.get(k)!]] : []))),
    }
  }
}

/**
 * DeltaMemoryDatapath with the periodic audit: the whole node as it is when the audit starts (and
 * `foreignFlows`), answered after `gate` when one is set (a test runs passes while the audit's
 * dump is in flight); `refuse` answers undefined (only a full pass is right).
 */
export class AuditMemoryDatapath extends DeltaMemoryDatapath {
  gate: Promise<void> | undefined
  refuse = false
  foreignFlows = 0
  audits = 0
  /** Called with the audit's `between` before the node is read (a test sees it wait for passes). */
  between: ((between: () => Promise<void>) => Promise<void>) | undefined

  async audit(_scope: unknown, between?: () => Promise<void>): Promise<AuditObservation | undefined> {
    this.audits++
    if (this.between && between) await this.between(between)
    const observed = [...this.objects.values()] // read as the audit starts, answered after the gate
    if (this.gate) await this.gate
    if (this.refuse) return undefined
    return {observed, foreignFlows: this.foreignFlows}
  }
}

/** A watch-mode Reconciler (incremental) over `datapath`, logging JSON at debug into `lines`. */
export function watchReconciler(
  cfg: AgentConfig,
  ctx: LocalContext,
  datapath: Datapath,
): {rec: Reconciler; lines: string[]} {
  const lines: string[] = []
  const rec = new Reconciler({
    cfg,
    datapath,
    local: {context: async () => ctx},
    logger: new StreamLogger({write: (l) => lines.push(l), json: true, level: 'debug'}),
  })
  rec.enableIncremental()
  return {rec, lines}
}
