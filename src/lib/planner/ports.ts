// Workload ports bound to this chassis (upstream `_ensure_lsp_exposed`,
// docs/upstream-behaviour.md#local-ports): a VM or virtual port that is up and bound here is
// exposed with its own IPs when its network is a provider network;
// a port carrying neutron:port_fip has its FIPs exposed instead (distributed mode only: in
// centralized mode FIPs come from the gateway chassis, see fip.ts).
import type {LogicalSwitchPort} from '../nb/model.js'
import type {PlanEnv} from './context.js'

import {isActiveHere, isVmPort, networkOf, splitList} from '../nb/keys.js'
import {byNameThenUuid} from './collector.js'
import {planDistributedFip} from './fip.js'
import {parseCidrs, reportedLspAddresses} from './parse.js'
import {rowSource} from './problems.js'
import {isWire, type Wire} from './provider.js'
import {record, wireHost, wireLocalnetFlows, wireNdpProxies} from './wiring.js'

const LSP = 'Logical_Switch_Port'

export function planLocalPorts(env: PlanEnv): void {
  for (const lsp of byNameThenUuid(env.nb.lspsByChassis(env.ctx.chassisName))) planLocalPort(env, lsp)
}

/** One port listed under this chassis: planned when it is a workload port, up and bound here. */
export function planLocalPort(env: PlanEnv, lsp: LogicalSwitchPort): void {
  if (!isVmPort(lsp) || !isActiveHere(lsp, env.ctx.chassisName)) return
  env.out.guard(rowSource(LSP, lsp), () => planPort(env, lsp))
}

function planPort(env: PlanEnv, lsp: LogicalSwitchPort): void {
  if (lsp.externalIds['neutron:port_fip']) {
    if (env.distributed) planDistributedFip(env, lsp)
    return
  }

  const net = networkOf(lsp)
  if (net === undefined) return
  const w = env.ls.classify(net)
  if (!isWire(w)) return // tenant ports are exposed through their router's cr-lrp (tenant.ts)
  exposeVm(env, lsp, w)
}

function exposeVm(env: PlanEnv, lsp: LogicalSwitchPort, w: Wire): void {
  const src = rowSource(LSP, lsp)
  const addrs = reportedLspAddresses(lsp, (reason) => env.out.problem(src, reason))
  if (addrs === undefined) return
  const cidrs = parseCidrs(splitList(lsp.externalIds['neutron:cidrs']))
  for (const b of cidrs.bad) env.out.problem(src, `invalid CIDR ${JSON.stringify(b)} in neutron:cidrs`)
  for (const ip of addrs.ips) {
    wireHost(env, w, ip, addrs.mac, src)
    wireNdpProxies(env, w, cidrs.values, src, ip)
    wireLocalnetFlows(env, w, src, ip)
    record(env, ip, 'vm', w, src)
  }
}
