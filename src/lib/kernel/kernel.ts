// The kernel layer's facade for the reconciler: observe owned state, apply a Plan, ensure the base
// wiring. All commands go through the injected CommandRunner (argv arrays, never a shell).
import type {CommandRunner} from '../exec/runner.js'
import type {Plan} from '../planner/types.js'
import type {BaseOptions, BaseResult, KernelObj, KernelOptions, ObserveScope, OpResult} from './types.js'

import {type Logger, NullLogger} from '../log.js'
import {checkIfName, truncIfName} from '../net/ip.js'
import {applyPlan, type KernelFacts} from './apply.js'
import {ensureBase} from './base.js'
import {type IpExec, OneShotIpExec} from './batch.js'
import {Ledger} from './ledger.js'
import {dumpMany, dumpRaw, ownedObjects, type RawKernel, rawScopeKey} from './observe.js'
import {parseLinks, parseNeighs, parseProxies} from './parse.js'

/**
 * Device name as the kernel requires it: cut to 15 characters like upstream, then validated.
 * Desired state and ObserveScope must use this form, or diff and observe never agree.
 */
function kernelDevName(name: string): string {
  return checkIfName(truncIfName(name), 'device name')
}

/** Base options with kernel device names. */
export function canonicalBase(opts: BaseOptions): BaseOptions {
  const bridges = opts.bridges.map((b) => ({name: kernelDevName(b.name), table: b.table}))
  return {...opts, bgpNic: kernelDevName(opts.bgpNic), bgpVrf: kernelDevName(opts.bgpVrf), bridges}
}

/**
 * Scope with kernel device names; stale bridges (left the mappings, table allocated by ovn-bgp) are
 * observed like mapped ones, so everything of theirs is owned and, being undesired, pruned.
 */
export function canonicalScope(scope: ObserveScope): ObserveScope {
  const bridges = [...scope.bridges, ...(scope.staleBridges ?? [])].map((b) => ({
    name: kernelDevName(b.name),
    table: b.table,
  }))
  const {staleBridges: _stale, ...rest} = scope
  return {...rest, bgpNic: kernelDevName(scope.bgpNic), bgpVrf: kernelDevName(scope.bgpVrf), bridges}
}

export class Kernel {
  private readonly ipPath: string
  private readonly sysctlPath: string
  readonly ledger: Ledger
  /** How ip commands run: one `ip -batch` process per group (default) or long-lived processes. */
  readonly exec: IpExec

  constructor(
    private readonly runner: CommandRunner,
    private readonly opts: KernelOptions,
    private readonly log: Logger = new NullLogger(),
  ) {
    this.ipPath = opts.ipPath ?? 'ip'
    this.sysctlPath = opts.sysctlPath ?? 'sysctl'
    this.ledger = Ledger.inDir(opts.stateDir, log)
    this.exec =
      opts.exec ??
      new OneShotIpExec(runner, {ipPath: this.ipPath, ...(opts.timeoutMs ? {timeoutMs: opts.timeoutMs} : {})})
  }

  /** The dump prefetch() started, for the observe() that follows (used once). */
  private prefetched: {key: string; raw: Promise<RawKernel | undefined>} | undefined

  /**
   * Starts the dump the next observe(scope) reads, so it runs while the caller plans (a pass asks
   * before computing its desired state). Meant for a one-shot pass, where nothing of ours writes
   * between the two calls; the dump is as current as one taken a moment later would be. A failed
   * prefetch is forgotten: observe() dumps again and reports that dump's error.
   */
  prefetch(scope: ObserveScope): boolean {
    const s = canonicalScope(scope)
    const raw = dumpRaw(this.deps(), s).catch((error: unknown) => {
      this.log.debug('kernel prefetch failed; the observation dumps', {error: (error as Error).message})
      return undefined
    })
    this.prefetched = {key: rawScopeKey(s), raw}
    return true
  }

  /** Owned kernel objects in canonical form (see observe.ts for the ownership rules). */
  async observe(scope: ObserveScope): Promise<KernelObj[]> {
    const s = canonicalScope(scope)
    const pre = this.prefetched
    this.prefetched = undefined
    const raw = (pre?.key === rawScopeKey(s) ? await pre.raw : undefined) ?? (await dumpRaw(this.deps(), s))
    return ownedObjects(this.deps(), raw, s)
  }

  /**
   * Applies the kernel kinds of `plan` (flows are ignored); one result per kernel op. `ensureUp`:
   * provider bridges to set up first if they are down.
   */
  async apply(plan: Plan, opts: {ensureUp?: readonly string[]} = {}): Promise<OpResult[]> {
    return applyPlan(
      {
        ...this.deps(),
        log: this.log,
        exec: this.exec,
        facts: () => this.dumpFacts(),
        ...(opts.ensureUp ? {ensureUp: opts.ensureUp} : {}),
      },
      plan,
    )
  }

  /** Links, neighbour and proxy keys from one `ip -batch` dump (what apply checks before writing). */
  async dumpFacts(): Promise<KernelFacts> {
    const [links = '', neighs = '', proxies = ''] = await dumpMany(
      this.deps(),
      ['-json', '-details'],
      [
        ['link', 'show'],
        ['neigh', 'show'],
        ['neigh', 'show', 'proxy'],
      ],
    )
    return {
      links: new Map(parseLinks(links).map((l) => [l.name, l])),
      neighs: new Set(parseNeighs(neighs).map((n) => `${n.dev}|${n.ip}`)),
      proxies: new Set(parseProxies(proxies).map((p) => `${p.dev}|${p.ip}`)),
    }
  }

  /** Spec 6.3/6.5/6.1c base wiring; idempotent, reports changes. */
  async ensureBase(opts: BaseOptions): Promise<BaseResult> {
    return ensureBase({runner: this.runner, ipPath: this.ipPath, log: this.log}, canonicalBase(opts))
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
