// The neutron-like NB of the fleet benchmark (bench/fleet.ts): N VM ports over C chassis, a few
// of them networker nodes that host every router gateway; provider networks (VLAN localnets,
// ~30 % of the VMs) and tenant networks of ~35 ports, two per router; FIPs on 10 % of the tenant
// VMs; an OVN LB with a VIP port on every other router. Rows carry the columns neutron fills
// (port_security, enabled, the usual external_ids), so "every column" costs what it costs in a
// real cloud. Inserted with their uuids given, so the writer can name them later.
import type {Operation, WireRow} from '../src/lib/ovsdb/index.js'

type Json = WireRow[string]
const map = (o: Readonly<Record<string, string>>): Json => ['map', Object.entries(o)]
const ref = (u: string): Json => ['uuid', u]
const hex2 = (n: number): string => (n & 255).toString(16).padStart(2, '0')

export const PROVIDERS = 10

interface Port {
  uuid: string
  net: string
  chassis: number
  up: boolean
  rev: number
  n: number
  fip?: string | undefined
  nat?: string | undefined
}
export const chassisName = (i: number): string => `compute-${i}`
export const chassisId = (i: number): string => `chassis-id-${i}`

export class FleetNb {
  readonly tenants: number
  readonly routers: number
  /** every 33rd chassis is a networker: it hosts router gateways */
  readonly networkers: number[]
  private next = 1
  private readonly ports = new Map<string, Port>()
  private count = 0
  private random: () => number

  constructor(
    readonly nPorts: number,
    readonly nChassis: number,
    seed = 1,
    /** Provider networks without a VLAN tag (a host kernel without the vlan link type can wire them). */
    private readonly flat = false,
  ) {
    this.tenants = Math.max(2, Math.round((nPorts * 0.7) / 35))
    this.routers = Math.ceil(this.tenants / 2)
    this.networkers = Array.from({length: nChassis}, (_, i) => i).filter((i) => i % 33 === 0)
    let a = seed >>> 0
    this.random = () => {
      a = (a + 0x6d_2b_79_f5) >>> 0
      let t = Math.imul(a ^ (a >>> 15), a | 1)
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
      return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
    }
  }

  isNetworker(i: number): boolean {
    return i % 33 === 0
  }

  private uuid(kind: number): string {
    return `${kind.toString(16).padStart(8, '0')}-f1ee-4000-8000-${(this.next++).toString(16).padStart(12, '0')}`
  }

  private net(kind: 'p' | 't', i: number): string {
    return `neutron-${kind === 'p' ? 'pnet' : 'tnet'}-${i}`
  }

  /** Switches, routers, gateways, interfaces, LBs and NB_Global (no VM ports yet). */
  skeletonOps(): Operation[] {
    const ops: Operation[] = []
    for (let i = 0; i < PROVIDERS; i++) {
      const ln = this.uuid(1)
      ops.push(
        {
          op: 'insert',
          table: 'Logical_Switch_Port',
          uuid: ln,
          row: {
            name: `provnet-${i}`,
            type: 'localnet',
            addresses: 'unknown',
            ...(this.flat ? {} : {tag: 100 + i}),
            options: map({network_name: 'physnet1'}),
          },
        },
        {
          op: 'insert',
          table: 'Logical_Switch',
          row: {name: this.net('p', i), ports: ['set', [ref(ln)]], other_config: map({mcast_snoop: 'true'})},
        },
      )
    }

    const rif: Json[][] = Array.from({length: this.tenants}, () => [])
    for (let k = 0; k < this.routers; k++) {
      const gw = this.uuid(2)
      const host = this.networkers[k % this.networkers.length]!
      const p = k % PROVIDERS
      const lrps: Json[] = [ref(gw)]
      ops.push({
        op: 'insert',
        table: 'Logical_Router_Port',
        uuid: gw,
        row: {
          name: `lrp-gw-${k}`,
          mac: `fa:16:3e:10:${hex2(k >> 8)}:${hex2(k)}`,
          networks: `172.${16 + p}.${(k >> 8) & 255}.${k & 255}/16`,
          status: map({'hosting-chassis': chassisId(host)}),
          external_ids: map({
            'neutron:network_name': this.net('p', p),
            'neutron:router_name': `rtr-${k}`,
            'neutron:revision_number': '3',
          }),
          options: map({'redirect-type': 'bridged'}),
        },
      })
      for (const j of [2 * k, 2 * k + 1]) {
        if (j >= this.tenants) continue
        const lrp = this.uuid(3)
        lrps.push(ref(lrp))
        ops.push({
          op: 'insert',
          table: 'Logical_Router_Port',
          uuid: lrp,
          row: {
            name: `lrp-if-${j}`,
            mac: `fa:16:3e:20:${hex2(j >> 8)}:${hex2(j)}`,
            networks: `10.${(j >> 8) & 255}.${j & 255}.1/24`,
            external_ids: map({'neutron:network_name': this.net('t', j), 'neutron:router_name': `rtr-${k}`}),
          },
        })
        const lsp = this.uuid(4)
        rif[j]!.push(ref(lsp))
        const ext = {
          'neutron:device_owner': 'network:router_interface',
          'neutron:device_id': `rtr-${k}`,
          'neutron:network_name': this.net('t', j),
          'neutron:cidrs': `10.${(j >> 8) & 255}.${j & 255}.1/24`,
          'neutron:revision_number': '2',
        }
        ops.push({
          op: 'insert',
          table: 'Logical_Switch_Port',
          uuid: lsp,
          row: {
            name: `rif-${j}`,
            type: 'router',
            addresses: 'router',
            up: true,
            options: map({'router-port': `lrp-if-${j}`}),
            external_ids: map(ext),
          },
        })
      }

      const snat = this.uuid(5)
      ops.push(
        {
          op: 'insert',
          table: 'NAT',
          uuid: snat,
          row: {
            type: 'snat',
            external_ip: `172.${16 + p}.${(k >> 8) & 255}.${k & 255}`,
            logical_ip: `10.${(k >> 7) & 255}.0.0/16`,
            gateway_port: ref(gw),
          },
        },
        {
          op: 'insert',
          table: 'Logical_Router',
          row: {
            name: `neutron-rtr-${k}`,
            ports: ['set', lrps],
            nat: ['set', [ref(snat)]],
            options: map({always_learn_from_arp_request: 'false', dynamic_neigh_routers: 'true'}),
            external_ids: map({'neutron:router_name': `r${k}`, 'neutron:revision_number': '5'}),
          },
        },
      )
      if (k % 2 === 0 && 2 * k < this.tenants) {
        const vipPort = this.uuid(6)
        rif[2 * k]!.push(ref(vipPort))
        const vip = `10.${((2 * k) >> 8) & 255}.${(2 * k) & 255}.250`
        ops.push(
          {
            op: 'insert',
            table: 'Logical_Switch_Port',
            uuid: vipPort,
            row: {
              name: `ovn-lb-vip-${k}`,
              addresses: `fa:16:3e:30:${hex2(k >> 8)}:${hex2(k)} ${vip}`,
              up: false,
              external_ids: map({'neutron:network_name': this.net('t', 2 * k), 'neutron:device_owner': 'Octavia'}),
            },
          },
          {
            op: 'insert',
            table: 'Load_Balancer',
            row: {
              name: `lb-${k}`,
              protocol: 'tcp',
              vips: map({[`${vip}:80`]: `10.0.0.5:80,10.0.0.6:80`}),
              external_ids: map({
                lr_ref: `neutron-rtr-${k}`,
                'neutron:vip': vip,
                'neutron:vip_port_id': `ovn-lb-vip-${k}`,
              }),
            },
          },
        )
      }
    }

    for (let j = 0; j < this.tenants; j++)
      ops.push({
        op: 'insert',
        table: 'Logical_Switch',
        row: {name: this.net('t', j), ports: ['set', rif[j]!], other_config: map({mcast_snoop: 'true'})},
      })
    ops.push({op: 'insert', table: 'NB_Global', row: {external_ids: map({'neutron:fip-distributed': 'True'})}})
    return ops
  }

  /** Ports i..i+n-1 of the initial population (VMs spread round-robin over the chassis). */
  portBatchOps(i: number, n: number): Operation[] {
    const byNet = new Map<string, string[]>()
    const ops: Operation[] = []
    for (let x = i; x < Math.min(i + n, this.nPorts); x++) {
      const {op, net, uuid} = this.newPort(x % this.nChassis)
      ops.push(op)
      byNet.set(net, [...(byNet.get(net) ?? []), uuid])
    }

    for (const [net, uuids] of byNet)
      ops.push({
        op: 'mutate',
        table: 'Logical_Switch',
        where: [['name', '==', net]],
        mutations: [['ports', 'insert', ['set', uuids.map(ref)]]],
      })
    return ops
  }

  private newPort(chassis: number): {op: Operation; net: string; uuid: string} {
    const n = this.count++
    const provider = n % 10 < 3
    const idx = provider ? n % PROVIDERS : Math.floor(this.random() * this.tenants)
    const net = this.net(provider ? 'p' : 't', idx)
    const uuid = this.uuid(7)
    const p: Port = {uuid, net, chassis, up: true, rev: 1, n}
    this.ports.set(uuid, p)
    return {op: {op: 'insert', table: 'Logical_Switch_Port', uuid, row: this.portRow(p)}, net, uuid}
  }

  private portRow(p: Port): WireRow {
    const mac = `fa:16:3e:${hex2(p.n >> 16)}:${hex2(p.n >> 8)}:${hex2(p.n)}`
    const ip = p.net.includes('pnet')
      ? `172.${16 + Number(p.net.split('-').pop())}.${(p.n >> 8) & 255}.${p.n & 255}`
      : `10.0.${(p.n >> 8) & 255}.${p.n & 255}`
    const ext: Record<string, string> = {
      'neutron:network_name': p.net,
      'neutron:cidrs': `${ip}/24`,
      'neutron:device_owner': 'compute:nova',
      'neutron:device_id': p.uuid.replace('f1ee', 'dev0'),
      'neutron:host_id': chassisName(p.chassis),
      'neutron:port_name': '',
      'neutron:project_id': 'f7c0a6e2b1d34c5f8e9a0b1c2d3e4f50',
      'neutron:revision_number': String(p.rev),
      'neutron:security_group_ids': '5b0e5a8c-8a0e-4f64-9a3d-2f1c5e8d7b60',
      'neutron:subnet_pool_addr_scope4': '',
      'neutron:subnet_pool_addr_scope6': '',
      'neutron:vnic_type': 'normal',
    }
    if (p.fip) ext['neutron:port_fip'] = p.fip
    return {
      name: p.uuid.replace('f1ee', 'port'),
      addresses: `${mac} ${ip}`,
      port_security: `${mac} ${ip}`,
      up: p.up,
      enabled: true,
      options: map({'requested-chassis': chassisName(p.chassis), mcast_flood_reports: 'true'}),
      external_ids: map(ext),
    }
  }

  /** One neutron-like write: port create/update/delete, FIP (dis)association, a gateway move. */
  randomWrite(): Operation[] {
    const r = this.random()
    const ports = [...this.ports.values()]
    const p = ports[Math.floor(this.random() * ports.length)]!
    if (r < 0.3) {
      const {op, net, uuid} = this.newPort(Math.floor(this.random() * this.nChassis))
      return [
        op,
        {
          op: 'mutate',
          table: 'Logical_Switch',
          where: [['name', '==', net]],
          mutations: [['ports', 'insert', ['set', [ref(uuid)]]]],
        },
      ]
    }

    if (r < 0.65) {
      p.rev++
      p.up = this.random() < 0.9
      return [{op: 'update', table: 'Logical_Switch_Port', where: [['_uuid', '==', ref(p.uuid)]], row: this.portRow(p)}]
    }

    if (r < 0.8) {
      this.ports.delete(p.uuid)
      return [
        {
          op: 'mutate',
          table: 'Logical_Switch',
          where: [['name', '==', p.net]],
          mutations: [['ports', 'delete', ['set', [ref(p.uuid)]]]],
        },
      ]
    }

    if (r < 0.95) {
      p.rev++
      p.fip = p.fip ? undefined : `100.64.${(p.n >> 8) & 255}.${p.n & 255}`
      const ops: Operation[] = [
        {op: 'update', table: 'Logical_Switch_Port', where: [['_uuid', '==', ref(p.uuid)]], row: this.portRow(p)},
      ]
      const k = this.routers > 0 ? p.n % this.routers : 0
      if (p.fip) {
        const nat = this.uuid(8)
        p.nat = nat
        ops.push(
          {
            op: 'insert',
            table: 'NAT',
            uuid: nat,
            row: {
              type: 'dnat_and_snat',
              external_ip: p.fip,
              logical_ip: '10.0.0.9',
              logical_port: p.uuid.replace('f1ee', 'port'),
              external_mac: `fa:16:3e:77:${hex2(p.n >> 8)}:${hex2(p.n)}`,
              external_ids: map({'neutron:fip_network_id': `pnet-${k % PROVIDERS}`, 'neutron:revision_number': '1'}),
            },
          },
          {
            op: 'mutate',
            table: 'Logical_Router',
            where: [['name', '==', `neutron-rtr-${k}`]],
            mutations: [['nat', 'insert', ['set', [ref(nat)]]]],
          },
        )
      } else if (p.nat) {
        ops.push({
          op: 'mutate',
          table: 'Logical_Router',
          where: [['name', '==', `neutron-rtr-${k}`]],
          mutations: [['nat', 'delete', ['set', [ref(p.nat)]]]],
        })
        p.nat = undefined
      }

      return ops
    }

    const k = Math.floor(this.random() * this.routers)
    const host = this.networkers[Math.floor(this.random() * this.networkers.length)]!
    return [
      {
        op: 'update',
        table: 'Logical_Router_Port',
        where: [['name', '==', `lrp-gw-${k}`]],
        row: {status: map({'hosting-chassis': chassisId(host)})},
      },
    ]
  }
}
