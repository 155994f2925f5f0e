import type {RowChange} from '../src/lib/ovsdb/types.js'
import type {LocalContext} from '../src/lib/planner/context.js'

// A neutron-like NB of N Logical_Switch_Ports, as the raw replica changes of its initial monitor
// reply (shared by bench/nb-scale.ts and bench/incremental-planner.ts): 30% of the VMs on 20 VLAN
// provider networks, 70% on 180 tenant networks, 2% bound here, a FIP on every tenant VM with
// i % 10 == 3; 500 routers with gateway LRPs (13 hosted here), 180 router interfaces, SNATs, LB FIPs,
// min(1000, N/100) LBs on tenant routers.
import {defaultConfig} from '../src/lib/config/index.js'
import {type Fields, insert, LB, LR, LRP, LS, LSP, NAT, NB_GLOBAL} from '../test/helpers/nb-changes.js'

export const PROV = 20 // provider switches (VLAN localnets on physnet1 -> br-ex)
export const TEN = 180 // tenant switches; router k < TEN has one interface on tenant switch k
export const ROUTERS = 500 // every router has a gateway LRP; those with k % 40 == 0 are hosted here
export const CH = 'bench-chassis'
export const CH_ID = 'bench-chassis-id'
export const ctx: LocalContext = {
  chassisName: CH,
  chassisId: CH_ID,
  bridgeMappings: [{physnet: 'physnet1', bridge: 'br-ex', index: 1}],
  bridgeTables: {'br-ex': 100},
  bridgeMacs: {'br-ex': 'aa:bb:cc:00:00:01'},
  patchPorts: {'br-ex': Array.from({length: PROV}, (_, i) => ({name: `patch-provnet-${i}-to-br-int`, ofport: i + 1}))},
}
export const cfg = {...defaultConfig(), driver: 'nb_ovn_bgp_driver', exposeTenantNetworks: true}

export const uuid = (t: number, i: number): string =>
  `${t.toString(16).padStart(8, '0')}-0000-4000-8000-${i.toString(16).padStart(12, '0')}`
export const hex = (n: number): string => (n & 255).toString(16).padStart(2, '0')
export const mac = (t: number, i: number): string => `fa:16:${hex(t)}:${hex(i >> 16)}:${hex(i >> 8)}:${hex(i)}`
export const pnet = (i: number): string => `neutron-pnet-${i}`
export const tnet = (j: number): string => `neutron-tnet-${j}`
export const gwUuid = (k: number): string => uuid(4, k)
export const fipIp = (f: number): string => `100.${64 + (f >> 16)}.${(f >> 8) & 255}.${f & 255}`
export const routerLocal = (k: number): boolean => k % 40 === 0

// VM i: 30% on provider networks, 70% tenant; one in 50 bound here (spread over all kinds);
// every tenant VM with i % 10 == 3 has a FIP (NAT on the gateway of router j of its tenant net j).
export const vmNet = (i: number): {prov: boolean; net: number; ip: string} => {
  const [prov, nets] = [i % 10 < 3, i % 10 < 3 ? PROV : TEN]
  const net = Math.floor(i / 10) % nets
  const q = Math.floor(i / (10 * nets)) * 10 + (i % 10) + 10 // unique within the network
  return {prov, net, ip: `${prov ? `172.${16 + net}` : `10.${net}`}.${q >> 8}.${q & 255}`}
}

export const vmLocal = (i: number): boolean => i % 50 === Math.floor(i / 50) % 10
export const hasFip = (i: number): boolean => i % 10 === 3
export const vmFields = (i: number): Fields => {
  const v = vmNet(i)
  const host = vmLocal(i) ? CH : `compute-${i % 997}`
  const ext: Record<string, string> = {
    'neutron:network_name': v.prov ? pnet(v.net) : tnet(v.net),
    'neutron:cidrs': `${v.ip}/16`,
    'neutron:device_owner': 'compute:nova',
    'neutron:device_id': uuid(9, i),
    'neutron:host_id': host,
    'neutron:revision_number': '4',
  }
  if (hasFip(i)) ext['neutron:port_fip'] = fipIp(i)
  return {
    uuid: uuid(1, i),
    name: uuid(11, i),
    addresses: [`${mac(1, i)} ${v.ip}`],
    up: true,
    options: {'requested-chassis': host},
    externalIds: ext,
  }
}

export const fipNat = (i: number, port: string, logicalIp: string, j: number, extMac: string | undefined): Fields => ({
  uuid: uuid(5, i),
  type: 'dnat_and_snat',
  externalIp: fipIp(i),
  externalMac: extMac,
  logicalIp,
  logicalPort: port,
  gatewayPort: gwUuid(j),
  externalIds: {'neutron:fip_network_id': `pnet-${j % PROV}`, 'neutron:revision_number': '1'},
})

/** Sizes that depend on N: LB count, and the index of the first VM port (after localnets, router interfaces, LB VIP ports). */
export function topology(N: number): {LBS: number; VM0: number} {
  const LBS = Math.min(1000, Math.floor(N / 100))
  return {LBS, VM0: PROV + TEN + LBS}
}

/**
 * The whole NB as insert changes, in table order (switch ports first, as the monitor reply lists them).
 * @yields one insert change per row
 */
export function* snapshot(N: number): Generator<RowChange> {
  const {LBS, VM0} = topology(N)
  const ports: string[][] = Array.from({length: PROV + TEN}, () => [])
  for (let i = 0; i < PROV; i++) {
    ports[i]!.push(uuid(2, i))
    yield insert(LSP, {
      uuid: uuid(2, i),
      name: `provnet-${i}`,
      type: 'localnet',
      addresses: ['unknown'],
      up: undefined,
      tag: 100 + i,
      options: {network_name: 'physnet1'},
    })
  }

  for (let j = 0; j < TEN; j++) {
    ports[PROV + j]!.push(uuid(3, j))
    const ext = {
      'neutron:device_owner': 'network:router_interface',
      'neutron:device_id': `rtr-${j}`,
      'neutron:network_name': tnet(j),
      'neutron:cidrs': `10.${j}.0.1/16`,
    }
    yield insert(LSP, {
      uuid: uuid(3, j),
      name: `rif-${j}`,
      type: 'router',
      addresses: ['router'],
      up: true,
      options: {'router-port': `lrp-if-${j}`},
      externalIds: ext,
    })
  }

  for (let m = 0; m < LBS; m++) {
    const j = m % TEN
    ports[PROV + j]!.push(uuid(6, m))
    const ext = {
      'neutron:network_name': tnet(j),
      'neutron:device_owner': 'Octavia',
      'neutron:cidrs': `10.${j}.250.${m >> 8}/16`,
    }
    yield insert(LSP, {
      uuid: uuid(6, m),
      name: `lbvip-${m}`,
      addresses: [`${mac(6, m)} 10.${j}.250.${Math.trunc(m / TEN)}`],
      up: false,
      externalIds: ext,
    })
  }

  for (let i = 0; i < N - VM0; i++) {
    const v = vmNet(i)
    ports[v.prov ? v.net : PROV + v.net]!.push(uuid(1, i))
    yield insert(LSP, vmFields(i))
  }

  for (let s = 0; s < PROV + TEN; s++)
    yield insert(LS, {uuid: uuid(7, s), name: s < PROV ? pnet(s) : tnet(s - PROV), ports: ports[s]})
  const nats: string[][] = Array.from({length: ROUTERS}, () => [])
  for (let k = 0; k < ROUTERS; k++) {
    const gw = `172.${16 + (k % PROV)}.255.${Math.trunc(k / PROV + 1)}`
    const ext = {'neutron:network_name': pnet(k % PROV), 'neutron:router_name': `rtr-${k}`}
    yield insert(LRP, {
      uuid: gwUuid(k),
      name: `lrp-gw-${k}`,
      mac: mac(4, k),
      networks: [`${gw}/16`],
      status: {'hosting-chassis': routerLocal(k) ? CH_ID : `gw-${k % 7}`},
      externalIds: ext,
    })
    if (k >= TEN) continue
    yield insert(LRP, {
      uuid: uuid(8, k),
      name: `lrp-if-${k}`,
      mac: mac(8, k),
      networks: [`10.${k}.0.1/16`],
      externalIds: {'neutron:network_name': tnet(k), 'neutron:router_name': `rtr-${k}`},
    })
    nats[k]!.push(uuid(10, k))
    yield insert(NAT, {
      uuid: uuid(10, k),
      type: 'snat',
      externalIp: gw,
      logicalIp: `10.${k}.0.0/16`,
      gatewayPort: gwUuid(k),
    })
  }

  for (let i = 3; i < N - VM0; i += 10) {
    const j = vmNet(i).net
    nats[j]!.push(uuid(5, i))
    yield insert(NAT, fipNat(i, uuid(11, i), vmNet(i).ip, j, mac(5, i)))
  }

  for (let m = 0; m < LBS; m++) {
    const j = m % TEN
    const [vip, fip] = [`10.${j}.250.${Math.trunc(m / TEN)}`, fipIp(N + m)]
    nats[j]!.push(uuid(5, N + m))
    yield insert(NAT, fipNat(N + m, `lbvip-${m}`, vip, j, undefined))
    const ext = {
      lr_ref: `neutron-rtr-${j}`,
      'neutron:vip': vip,
      'neutron:vip_fip': fip,
      'neutron:vip_port_id': `lbvip-${m}`,
    }
    yield insert(LB, {
      uuid: uuid(12, m),
      name: `lb-${m}`,
      vips: {[`${vip}:80`]: `10.${j}.1.10:8080`, [`${fip}:80`]: `10.${j}.1.10:8080`},
      externalIds: ext,
    })
  }

  for (let k = 0; k < ROUTERS; k++) yield insert(LR, {uuid: uuid(13, k), name: `neutron-rtr-${k}`, nat: nats[k]})
  yield insert(NB_GLOBAL, {uuid: uuid(14, 0), externalIds: {}})
}

/**
 * The snapshot with every VM port of a provider network bound here (30 % of N): the shape of the
 * e2e lab, where the node exposes thousands of ports. `bound` counts them.
 */
export function snapshotBoundHere(N: number): {changes: RowChange[]; bound: number} {
  const changes: RowChange[] = []
  let bound = 0
  for (const c of snapshot(N)) {
    const ext = c.row?.external_ids
    if (
      ext instanceof Map &&
      String(ext.get('neutron:network_name') ?? '').startsWith('neutron-pnet-') &&
      ext.get('neutron:device_owner') === 'compute:nova'
    ) {
      ext.set('neutron:host_id', CH)
      c.row!.options = new Map([['requested-chassis', CH]])
      bound++
    }

    changes.push(c)
  }

  return {changes, bound}
}
