// The kernel layer's facade for the reconciler: observe owned state, apply a Plan, ensure the base
// wiring. All commands go through the injected CommandRunner (argv arrays, never a shell).
import type {CommandRunner} from '../exec/runner.js'
import {NullLogger, type Logger} from '../log.js'
import {checkIfName, truncIfName} from '../net/ip.js'
import type {Plan} from '../planner/types.js'
import {applyPlan} from './apply.js'
import {ensureBase} from './base.js'
import {Ledger} from './ledger.js'
import {observeKernel} from './observe.js'
import type {BaseOptions, BaseResult, KernelObj, KernelOptions, ObserveScope, OpResult} from './types.js'

/**
 * Device name as the kernel requires it: cut to 15 characters like upstream, then validated.
 * Desired state and ObserveScope must use this form, or diff and observe never agree.
 */
export function kernelDevName(name: string): string {
  return checkIfName(truncIfName(name), 'device name')
}

export class Kernel {
  private readonly ipPath: string
  private readonly sysctlPath: string
  readonly ledger: Ledger

  constructor(
    private readonly runner: CommandRunner,
    private readonly opts: KernelOptions,
    private readonly log: Logger = new NullLogger(),
  ) {
    this.ipPath = opts.ipPath ?? 'ip'
    this.sysctlPath = opts.sysctlPath ?? 'sysctl'
    this.ledger = Ledger.inDir(opts.stateDir, log)
  }

  /** Owned kernel objects in canonical form (see observe.ts for the ownership rules). */
  async observe(scope: ObserveScope): Promise<KernelObj[]> {
    const bridges = scope.bridges.map((b) => ({name: kernelDevName(b.name), table: b.table}))
    return observeKernel(this.deps(), {...scope, bgpNic: kernelDevName(scope.bgpNic), bgpVrf: kernelDevName(scope.bgpVrf), bridges})
  }

  /** Applies the kernel kinds of `plan` (flows are ignored); one result per kernel op. */
  async apply(plan: Plan): Promise<OpResult[]> {
    return applyPlan({...this.deps(), log: this.log}, plan)
  }

  /** Spec 6.3/6.5/6.1c base wiring; idempotent, reports changes. */
  async ensureBase(opts: BaseOptions): Promise<BaseResult> {
    const bridges = opts.bridges.map((b) => ({name: kernelDevName(b.name), table: b.table}))
    return ensureBase(
      {runner: this.runner, ipPath: this.ipPath, log: this.log},
      {...opts, bgpNic: kernelDevName(opts.bgpNic), bgpVrf: kernelDevName(opts.bgpVrf), bridges},
    )
  }

  private deps() {
    return {
      runner: this.runner,
      ipPath: this.ipPath,
      sysctlPath: this.sysctlPath,
      ledger: this.ledger,
      ...(this.opts.timeoutMs ? {timeoutMs: this.opts.timeoutMs} : {}),
    }
  }
}
