// Shared fixtures of the planner tests: the agent configuration and local context of
// docs/upstream-behaviour.md#driver-scenarios
// (chassis fake-chassis / fake-chassis-id, bridge fake-bridge mapped from fake-network, table 100),
// terse constructors of expected state objects, and the table-driven case runner.
import {expect} from 'chai'

import type {AgentConfig} from '../../../src/lib/config/types.js'
import type {NbCapabilities} from '../../../src/lib/nb/model.js'
import type {LocalContext} from '../../../src/lib/planner/context.js'
import type {ExposedKind, StateObj} from '../../../src/lib/planner/types.js'

import {type NbRows, NbState} from '../../../src/lib/nb/state.js'
import {sortObjs} from '../../../src/lib/planner/collector.js'
import {computeDesired, type DesiredResult} from '../../../src/lib/planner/desired.js'

export const CHASSIS = 'fake-chassis'
export const CHASSIS_ID = 'fake-chassis-id'
export const BR = 'fake-bridge'
const BR_MAC = 'aa:bb:cc:00:00:01'
const T = 100
export const NIC = 'bgp-nic'
export const VRF_TABLE = 10

export function config(over: Partial<AgentConfig> = {}): AgentConfig {
  return {
    driver: 'nb_ovn_bgp_driver',
    exposingMethod: 'underlay',
    reconcileInterval: 300,
    frrReconcileInterval: 15,
    exposeTenantNetworks: true,
    exposeIpv6GuaTenantNetworks: false,
    advertisementMethodTenantNetworks: 'host',
    requireSnatDisabledForTenantNetworks: false,
    addressScopes: [],
    bgpAS: '64999',
    bgpRouterId: undefined,
    bgpNic: NIC,
    bgpVrf: 'bgp-vrf',
    bgpVrfTableId: VRF_TABLE,
    clearVrfRoutesOnStartup: false,
    ovsdbConnection: 'unix:/run/openvswitch/db.sock',
    ovsdbConnectionTimeout: 180,
    debug: false,
    logFile: undefined,
    ovnNbConnection: undefined,
    ovnNbPrivateKey: '',
    ovnNbCertificate: '',
    ovnNbCaCert: '',
    nbMonitorScope: 'chassis',
    rootHelper: 'sudo',
    chassisName: undefined,
    chassisId: undefined,
    bridgeMappings: undefined,
    vtyshPath: '/usr/bin/vtysh',
    frrVtySocket: '/run/frr/',
    rtTablesPath: '/etc/iproute2/rt_tables',
    stateDir: '/var/lib/ovn-bgp',
    ipPath: 'ip',
    ovsOfctlPath: 'ovs-ofctl',
    ovsEnv: {},
    metricsAddress: undefined,
    logJson: false,
    ...over,
  }
}

/** fake-network -> fake-bridge (index 1, table 100), patch ports provnet-1 (ofport 1), provnet-2 (ofport 2). */
export function context(over: Partial<LocalContext> = {}): LocalContext {
  return {
    chassisName: CHASSIS,
    chassisId: CHASSIS_ID,
    bridgeMappings: [{physnet: 'fake-network', bridge: BR, index: 1}],
    bridgeTables: {[BR]: T},
    bridgeMacs: {[BR]: BR_MAC},
    patchPorts: {
      [BR]: [
        {name: 'patch-provnet-1-to-br-int', ofport: 1},
        {name: 'patch-provnet-2-to-br-int', ofport: 2},
      ],
    },
    ...over,
  }
}

// ---- expected-object constructors (family from the text: ':' means IPv6) ----
const fam = (s: string): 4 | 6 => (s.includes(':') ? 6 : 4)

export const addr = (dev: string, cidr: string): StateObj => ({kind: 'address', dev, cidr})
export const nic = (ip: string): StateObj => addr(NIC, `${ip}/${fam(ip) === 4 ? 32 : 128}`)
export const rule = (dst: string, table = T): StateObj => ({
  kind: 'rule',
  family: fam(dst),
  dst,
  table,
  priority: 32_000,
})
export function hostRoute(dst: string, dev = BR, table = T): StateObj {
  return fam(dst) === 4
    ? {kind: 'route', family: 4, table, dst, dev, scope: 'link', proto: 3}
    : {kind: 'route', family: 6, table, dst, dev, proto: 3}
}

export const viaRoute = (dst: string, via: string, dev = BR, table = T): StateObj => ({
  kind: 'route',
  family: fam(dst),
  table,
  dst,
  dev,
  via,
  proto: 3,
})
export const neigh = (ip: string, mac: string, dev = BR): StateObj => ({kind: 'neigh', family: fam(ip), ip, dev, mac})
export const ndp = (ip: string, dev = BR): StateObj => ({kind: 'ndp-proxy', ip, dev})
export const vlan = (name: string, id: number, link = BR): StateObj => ({kind: 'vlan', name, link, id})
export const sysctls = (conf: string): StateObj[] => [
  {kind: 'sysctl', key: `net.ipv4.conf.${conf}.proxy_arp`, value: '1'},
  {kind: 'sysctl', key: `net.ipv6.conf.${conf}.proxy_ndp`, value: '1'},
]
export const flows = (inPort: number, bridge = BR, mac = BR_MAC): StateObj[] => [
  {kind: 'flow', bridge, inPort, family: 4, mac},
  {kind: 'flow', bridge, inPort, family: 6, mac},
]
export const defaults = (bridge = BR, table = T): StateObj[] => [
  {kind: 'route', family: 4, table, dst: 'default', dev: bridge, scope: 'link', proto: 3},
  {kind: 'route', family: 6, table, dst: 'default', dev: bridge, proto: 3},
]

/**
 * Host exposure of `ip` (docs/upstream-behaviour.md#wiring-building-blocks): bgp-nic address, rule, device route,
 * neighbour if a MAC is known.
 */
export function host(ip: string, mac?: string, dev = BR, table = T): StateObj[] {
  const len = fam(ip) === 4 ? 32 : 128
  const objs = [nic(ip), rule(`${ip}/${len}`, table), hostRoute(`${ip}/${len}`, dev, table)]
  return mac === undefined ? objs : [...objs, neigh(ip, mac, dev)]
}

/** Base wiring of the default context (no VLAN tags): docs/upstream-behaviour.md#base-wiring-per-bridge. */
export const BASE: StateObj[] = [
  ...sysctls(BR),
  addr(BR, '169.254.1.1/32'),
  addr(BR, 'fd53:d91e:400:7f17::1:1/128'),
  ...defaults(),
  ...flows(1),
  ...flows(2),
]

/** Extra base wiring when a localnet of fake-network carries VLAN `tag` (device fake-bridg.<tag>). */
export function vlanBase(tag: number): StateObj[] {
  const dev = `fake-bridg.${tag}`
  return [
    vlan(dev, tag),
    ...sysctls(`fake-bridg/${tag}`),
    addr(dev, `169.254.1.${tag % 256}/32`),
    addr(dev, `fd53:d91e:400:7f17::1:${(tag % 256).toString(16)}/128`),
  ]
}

// ---- case runner ----
/** Exposed entry, compact: [ip, kind, bridge, vlan, "<table>:<source name>"]. */
export type Ex = [string, ExposedKind, string | null, number | null, string]

export interface Case {
  name: string
  rows: NbRows
  caps?: Partial<NbCapabilities>
  ctx?: Partial<LocalContext>
  cfg?: Partial<AgentConfig>
  /** Expected objects besides `base` (default BASE). */
  objects: StateObj[]
  base?: StateObj[]
  exposed?: Ex[]
  /** "<table>:<name>: <reason>" */
  problems?: string[]
  check?: (r: DesiredResult) => void
}

export function run(c: Case): DesiredResult {
  return computeDesired(NbState.fromRows(c.rows, c.caps ?? {}), context(c.ctx), config(c.cfg))
}

function compactExposed(r: DesiredResult): Ex[] {
  return r.state.exposed.map((e) => [e.ip, e.kind, e.bridge, e.vlan, `${e.source.table}:${e.source.name}`])
}

function compactProblems(r: DesiredResult): string[] {
  return r.problems.map((p) => `${p.table}:${p.name}: ${p.reason}`)
}

export function runCases(cases: readonly Case[]): void {
  for (const c of cases) {
    it(c.name, () => {
      const r = run(c)
      expect(r.state.objects, 'objects').to.deep.equal(sortObjs([...(c.base ?? BASE), ...c.objects]))
      expect(compactExposed(r), 'exposed').to.deep.equal(c.exposed ?? [])
      expect(compactProblems(r), 'problems').to.deep.equal(c.problems ?? [])
      c.check?.(r)
    })
  }
}
