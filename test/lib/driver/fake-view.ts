// An AgentView for tests, mirroring the agent mocks of upstream's watcher tests: constants for
// "is the LS a provider network" and "is the IP exposed", or explicit sets.
import type {AgentView} from '../../../src/lib/driver/events/agent-view.js'
import type {NbView} from '../../../src/lib/nb/model.js'

import {NbState} from '../../../src/lib/nb/state.js'

export const CHASSIS = 'fake-chassis'
export const CHASSIS_ID = 'fake-chassis-id'

export interface FakeViewOpts {
  distributed?: boolean
  tenantExposure?: boolean
  advertisement?: AgentView['advertisement']
  exposingMethod?: AgentView['exposingMethod']
  localRouters?: string[]
  localTenantNetworks?: string[]
  /** true/false for every (ls, ip), or the exposed `ls|ip` pairs. */
  exposed?: boolean | string[]
  /** true/false for every LS, or the provider LS names. */
  providerLs?: boolean | string[]
  nb?: NbView
}

export function fakeView(o: FakeViewOpts = {}): AgentView {
  const exposed = o.exposed ?? false
  const provider = o.providerLs ?? false
  return {
    chassisName: CHASSIS,
    chassisId: CHASSIS_ID,
    distributed: o.distributed ?? true,
    tenantExposure: o.tenantExposure ?? true,
    advertisement: o.advertisement ?? 'host',
    exposingMethod: o.exposingMethod ?? 'underlay',
    localRouters: new Set(o.localRouters ?? []),
    localTenantNetworks: new Set(o.localTenantNetworks ?? []),
    isExposed: (ls, ip) => (typeof exposed === 'boolean' ? exposed : exposed.includes(`${ls}|${ip}`)),
    isExposedAnywhere: (ip) => (typeof exposed === 'boolean' ? exposed : exposed.some((e) => e.endsWith(`|${ip}`))),
    isProviderLs: (ls) => (typeof provider === 'boolean' ? provider : provider.includes(ls)),
    nb: o.nb ?? new NbState(),
  }
}
