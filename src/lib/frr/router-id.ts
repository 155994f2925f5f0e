import type {Vtysh} from './vtysh.js'

// Router id of the VRF BGP instance (docs/upstream-behaviour.md#frr-configuration,
// docs/upstream-behaviour.md#bug-18-frr-redistribute-and-router-id). Order: the configured bgp_router_id;
// else what bgpd reports for the default instance: `show ip bgp summary json` (upstream's source,
// but it is `{}` while the instance has no neighbours), then the header of a route listing that is
// empty in practice (dampened paths), then `bgp router-id` in the running configuration.
// None of them -> a typed error, never a silent skip.
import {DependencyError} from '../errors.js'
import {ipFamily} from '../net/ip.js'
import {checkRouterId} from './leak-template.js'
import {configuredRouterId} from './running-config.js'

export type RouterIdSource = 'config' | 'bgp-summary' | 'bgp-table' | 'running-config'

export interface RouterId {
  routerId: string
  source: RouterIdSource
}

export class RouterIdUnknownError extends DependencyError {
  constructor(detail: string) {
    super(`cannot determine the BGP router id: ${detail}`, {
      code: 'BGP_ROUTER_ID_UNKNOWN',
      suggestions: [
        'set bgp_router_id in the configuration',
        'or configure `router bgp <AS>` with `bgp router-id` in FRR',
      ],
    })
  }
}

/** A usable router id from FRR JSON/text: IPv4 and not 0.0.0.0 (bgpd's "none yet"). */
function usable(v: unknown): string | undefined {
  return typeof v === 'string' && ipFamily(v) === 4 && v !== '0.0.0.0' ? v : undefined
}

function field(obj: unknown, ...path: string[]): unknown {
  let cur = obj
  for (const k of path) cur = cur !== null && typeof cur === 'object' ? (cur as Record<string, unknown>)[k] : undefined
  return cur
}

/** JSON of a show command; a rejected command (no BGP instance ...) is `undefined`, FRR down throws. */
async function tryJson(vtysh: Vtysh, command: string): Promise<unknown> {
  try {
    return await vtysh.showJson(command)
  } catch (error) {
    if (error instanceof DependencyError) throw error
    return undefined
  }
}

/** Reads the router id from FRR; `runningConfig` may be passed when the caller already has it. */
export async function learnRouterId(vtysh: Vtysh, asn: string, runningConfig?: string): Promise<RouterId> {
  const summary = usable(field(await tryJson(vtysh, 'show ip bgp summary json'), 'ipv4Unicast', 'routerId'))
  if (summary) return {routerId: summary, source: 'bgp-summary'}
  const table = usable(field(await tryJson(vtysh, 'show bgp ipv4 unicast dampening dampened-paths json'), 'routerId'))
  if (table) return {routerId: table, source: 'bgp-table'}
  const conf = usable(configuredRouterId(runningConfig ?? (await vtysh.show('show running-config')), asn))
  if (conf) return {routerId: conf, source: 'running-config'}
  throw new RouterIdUnknownError('bgp_router_id is not set and FRR reports none for the default BGP instance')
}

/** The configured id (validated) or the one learned from FRR. */
export async function resolveRouterId(
  configured: string | undefined,
  vtysh: Vtysh | undefined,
  asn: string,
  runningConfig?: string,
): Promise<RouterId> {
  if (configured !== undefined && configured !== '') return {routerId: checkRouterId(configured), source: 'config'}
  if (!vtysh) throw new RouterIdUnknownError('bgp_router_id is not set and FRR is not available to ask')
  return learnRouterId(vtysh, asn, runningConfig)
}
