// Gathers what an explain report needs, through the seams every command's runtime provides: the NB
// snapshot (a live server or --nb-file), the planner's pass and why-trace, the owned objects on the
// node (kernel + cookie-999 flows, read-only: nothing is adopted or changed) and the FRR view (a
// fixed number of vtysh calls). Offline (--nb-file or --source nb) only NB and the decision.
import type {AgentConfig} from '../config/types.js'
import type {Vtysh} from '../frr/vtysh.js'
import type {NbState} from '../nb/state.js'
import type {OfctlFlows} from '../ovs/ofctl.js'
import type {StateObj} from '../planner/types.js'
import type {KernelParts} from '../reconciler/kernel-parts.js'
import type {Reconciler} from '../reconciler/reconcile.js'

import {AgentError, DependencyError} from '../errors.js'
import {redistributeFor} from '../frr/leak-template.js'
import {FrrRib, type FrrView} from '../frr/rib.js'
import {explainIp} from '../planner/why.js'
import {scopeOf} from '../reconciler/local-context.js'
import {NodeDatapath} from '../reconciler/node-datapath.js'
import {buildReport, type ExplainReport} from './report.js'
import {resolveTarget} from './target.js'

/**
 * The node's layers as explain reads them, handed in by the command (src/lib/runtime.ts provides
 * them). Read-only: nothing here is applied.
 */
export interface ExplainSeams {
  readonly cfg: AgentConfig
  /** The NB replica; `allRows` replicates every row whatever nb_monitor_scope says. */
  nb(handlers: Record<string, never>, opts: {allRows: boolean}): Promise<{readonly nb: NbState}>
  reconciler(): Promise<Reconciler>
  /** The local OVS, undefined when it is optional and absent (then no flows are read). */
  ovs(): Promise<unknown>
  kernel(): Pick<KernelParts, 'layer' | 'staleBridges'>
  flows(): OfctlFlows
  vtysh(): Vtysh
}

/** Reads FRR's view, or the reason it could not be read. */
export async function readFrr(
  rt: Pick<ExplainSeams, 'vtysh'>,
  cfg: AgentConfig,
): Promise<{view?: FrrView; error?: string}> {
  try {
    const rib = new FrrRib(rt.vtysh(), {
      vrf: cfg.bgpVrf,
      asn: cfg.bgpAS,
      redistribute: redistributeFor(cfg.advertisementMethodTenantNetworks),
    })
    return {view: await rib.read()}
  } catch (error) {
    if (error instanceof AgentError) return {error: error.message}
    throw error
  }
}

export async function gatherExplain(rt: ExplainSeams, query: string, opts: {offline?: string}): Promise<ExplainReport> {
  const {cfg} = rt
  // every row, whatever nb_monitor_scope: explaining "bound to compute-2" needs rows of other chassis
  const {nb} = await rt.nb({}, {allRows: true})
  const reconciler = await rt.reconciler()
  await reconciler.desired(nb)
  const desired = reconciler.lastResult!
  const ctx = reconciler.lastContext!
  const target = resolveTarget(nb, query)
  const whys = target.ips.map((ip) => explainIp(nb, ctx, cfg, ip, desired))
  let observed: StateObj[] | undefined
  let frr: {view?: FrrView; error?: string} = {}
  if (!opts.offline) {
    const ovs = await rt.ovs()
    try {
      const k = rt.kernel()
      observed = await new NodeDatapath(
        k.layer,
        ovs ? rt.flows() : undefined,
        k.staleBridges && ((s) => k.staleBridges!(s)),
      ).observe(scopeOf(cfg, ctx))
    } catch (error) {
      if (!(error instanceof DependencyError)) throw error
      throw new DependencyError(`cannot read the node: ${error.message}`, {
        code: error.code,
        suggestions: ['explain --source nb   # NB and the decision only'],
      })
    }

    frr = await readFrr(rt, cfg)
  }

  return buildReport({
    nb,
    target,
    desired,
    whys,
    chassis: {name: ctx.chassisName, id: ctx.chassisId},
    bgpNic: cfg.bgpNic,
    observed,
    frr: frr.view,
    ...(frr.error ? {frrError: `FRR not readable: ${frr.error}`} : {}),
    ...(opts.offline ? {offline: opts.offline} : {}),
  })
}
