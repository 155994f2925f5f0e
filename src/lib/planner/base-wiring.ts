// Per provider bridge, what upstream sync step 2 ensures (docs/upstream-behaviour.md#base-wiring-per-bridge,
// docs/upstream-behaviour.md#bridge-routing-tables defaults, docs/upstream-behaviour.md#helper-addresses,
// docs/upstream-behaviour.md#mac-tweak-flows):
// per-table default routes, VLAN devices of the bridge's localnets, proxy_arp/proxy_ndp sysctls and
// ARP/NDP helper addresses on the bridge and on each VLAN device, MAC-tweak flows for every
// `patch-provnet-*` port. Unusable bridges (not on the host, no routing table) are reported and
// get nothing; exposures through them are skipped.
import type {BridgeMapping} from '../config/types.js'
import type {PlanEnv} from './context.js'

import {isVlanTag, truncIfName, tryCanonicalIp, vlanDevName} from '../net/ip.js'
import {localSource, rowSource, type Source} from './problems.js'
import {bridgeMac, bridgeStatus, usablePatchPorts} from './provider.js'
import {HELPER_V4_PREFIX, HELPER_V6_PREFIX, ROUTE_PROTO} from './types.js'

export function planBaseWiring(env: PlanEnv): void {
  const seen = new Set<string>()
  for (const m of [...env.ctx.bridgeMappings].sort((a, b) => a.index - b.index)) {
    const src = localSource(m.bridge)
    const st = bridgeStatus(env.ctx, m.bridge)
    if (!st.ok) {
      env.out.problem(src, st.reason ?? 'bridge unusable')
      continue
    }

    env.out.guard(src, () => {
      planMapping(env, m, src)
      if (!seen.has(m.bridge)) planBridgeOnce(env, m.bridge, src)
      seen.add(m.bridge)
    })
  }
}

/** Things per (physnet, bridge, index) mapping: helper addresses depend on the mapping index. */
function planMapping(env: PlanEnv, m: BridgeMapping, src: Source): void {
  planDeviceHelpers(env, truncIfName(m.bridge), m.index, m.index, src)
  const tags = new Set<number>()
  for (const ln of env.nb.localnetsByPhysnet(m.physnet)) {
    if (ln.tag === undefined) continue
    if (isVlanTag(ln.tag)) {
      tags.add(ln.tag)
    } else {
      env.out.problem(rowSource('Logical_Switch_Port', ln), `invalid VLAN tag ${ln.tag}`)
    }
  }

  for (const tag of [...tags].sort((a, b) => a - b)) {
    const name = vlanDevName(m.bridge, tag)
    env.out.add({kind: 'vlan', name, link: m.bridge, id: tag}, src)
    planDeviceHelpers(env, name, m.index, tag % 256, src)
  }
}

/** proxy_arp/proxy_ndp sysctls and the 169.254.x.y / fd53:d91e:400:7f17::x:y helper addresses. */
function planDeviceHelpers(env: PlanEnv, dev: string, index: number, d: number, src: Source): void {
  const conf = dev.replaceAll('.', '/')
  env.out.add({kind: 'sysctl', key: `net.ipv4.conf.${conf}.proxy_arp`, value: '1'}, src)
  env.out.add({kind: 'sysctl', key: `net.ipv6.conf.${conf}.proxy_ndp`, value: '1'}, src)
  const v4 = tryCanonicalIp(`${HELPER_V4_PREFIX}${index % 256}.${d % 256}`)
  const v6 = tryCanonicalIp(`${HELPER_V6_PREFIX}${index.toString(16)}:${d.toString(16)}`)
  if (v4 !== undefined) env.out.add({kind: 'address', dev, cidr: `${v4}/32`}, src)
  if (v6 === undefined) {
    env.out.problem(src, `mapping index ${index} too large for an IPv6 helper address on ${dev}`)
  } else {
    env.out.add({kind: 'address', dev, cidr: `${v6}/128`}, src)
  }
}

function planBridgeOnce(env: PlanEnv, bridge: string, src: Source): void {
  const table = env.ctx.bridgeTables[bridge]!
  env.out.add({kind: 'route', family: 4, table, dst: 'default', dev: bridge, scope: 'link', proto: ROUTE_PROTO}, src)
  env.out.add({kind: 'route', family: 6, table, dst: 'default', dev: bridge, proto: ROUTE_PROTO}, src)
  for (const p of env.ctx.patchPorts[bridge] ?? []) {
    if (!usablePatchPorts(env.ctx, bridge).includes(p))
      env.out.problem(src, `patch port ${p.name} has no valid ofport (${p.ofport})`)
  }

  const ports = usablePatchPorts(env.ctx, bridge).filter((p) => p.name.startsWith('patch-provnet-'))
  if (ports.length === 0) return
  const mac = bridgeMac(env.ctx, bridge)
  if (mac === undefined) {
    env.out.problem(src, `MAC of bridge ${bridge} unknown or invalid: no MAC-tweak flows`)
    return
  }

  for (const p of ports) {
    for (const family of [4, 6] as const) env.out.add({kind: 'flow', bridge, inPort: p.ofport, family, mac}, src)
  }
}
