// A seeded, neutron-like NB writer for property tests and the fleet benchmark: provider networks
// with localnet ports (one VLAN, one physnet nobody maps), tenant networks behind routers with
// gateway ports hosted on some chassis, VMs bound to chassis (with live migrations written the way
// neutron writes them: requested-chassis "src,dst" plus activation-strategy=rarp), FIPs, OVN and
// port-forwarding LBs, NB_Global fip-distributed. It keeps its own model of what it wrote and emits
// OVSDB operations (rows inserted with their uuid given, so later changes can name them).
import type {Operation, WireRow} from '../../src/lib/ovsdb/index.js'
import type {LocalContext} from '../../src/lib/planner/context.js'

type Json = WireRow[string]
const map = (o: Readonly<Record<string, string>>): Json => ['map', Object.entries(o)]
const uuidRef = (u: string): Json => ['uuid', u]

export const SIM_CHASSIS = ['node-0', 'node-1', 'node-2', 'node-3']
const chassisIdOf = (name: string): string => `${name}-id`

/** The local context of a simulated chassis: physnet0 -> br-ex (table 100), physnet1 -> br-vlan (101); physnet2 unmapped. */
export function simContext(chassisName: string): LocalContext {
  return {
    chassisName,
    chassisId: chassisIdOf(chassisName),
    bridgeMappings: [
      {physnet: 'physnet0', bridge: 'br-ex', index: 1},
      {physnet: 'physnet1', bridge: 'br-vlan', index: 2},
    ],
    bridgeTables: {'br-ex': 100, 'br-vlan': 101},
    bridgeMacs: {'br-ex': 'aa:bb:cc:00:00:01', 'br-vlan': 'aa:bb:cc:00:00:02'},
    patchPorts: {
      'br-ex': [{name: 'patch-provnet-p0-to-br-int', ofport: 1}],
      'br-vlan': [{name: 'patch-provnet-p1-to-br-int', ofport: 2}],
    },
  }
}

/** mulberry32 */
function seeded(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d_2b_79_f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
}

interface Vm {
  name: string
  uuid: string
  net: string
  ip: string
  chassis: string
  migratingTo: string | undefined
  up: boolean
  fip: {uuid: string; ip: string; router: number; mac: boolean} | undefined
}

interface Lb {
  name: string
  uuid: string
  router: number
  pf: boolean
  vipPort: {uuid: string; name: string; net: string} | undefined
}

export interface SimOptions {
  chassis?: readonly string[]
  providers?: number
  tenants?: number
  routers?: number
  vms?: number
  lbs?: number
}

export class NeutronSim {
  readonly random: () => number
  readonly chassis: readonly string[]
  private readonly providers: number
  private readonly tenants: number
  private readonly routers: number
  private next = 1
  private readonly vms = new Map<string, Vm>()
  private readonly lbs = new Map<string, Lb>()
  /** tenant network index -> router index holding an interface on it */
  private readonly rif = new Map<number, number>()
  /** provider index -> uuid of its localnet port, undefined while the network has none */
  private readonly localnets: Array<string | undefined> = []
  /** router index -> uuid of its gateway LRP */
  private readonly gw: string[] = []
  private vmCount = 0
  private lbCount = 0

  constructor(
    seed: number,
    private readonly opts: SimOptions = {},
  ) {
    this.random = seeded(seed)
    this.chassis = opts.chassis ?? SIM_CHASSIS
    this.providers = opts.providers ?? 3
    this.tenants = opts.tenants ?? 5
    this.routers = opts.routers ?? 4
  }

  private pick<T>(list: readonly T[]): T {
    return list[Math.floor(this.random() * list.length)]!
  }

  private uuid(): string {
    const n = this.next++
    return `5e1a0000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`
  }

  private netName(kind: 'p' | 't', i: number): string {
    return `neutron-${kind}${i}`
  }

  /** Everything of the initial topology, in one transaction. */
  initialOps(): Operation[] {
    const ops: Operation[] = []
    for (let i = 0; i < this.providers; i++) {
      const ln = this.uuid()
      this.localnets[i] = ln
      ops.push(
        {op: 'insert', table: 'Logical_Switch_Port', uuid: ln, row: this.localnetRow(i)},
        {
          op: 'insert',
          table: 'Logical_Switch',
          row: {name: this.netName('p', i), ports: ['set', [uuidRef(ln)]]},
        },
      )
    }

    for (let j = 0; j < this.tenants; j++)
      ops.push({op: 'insert', table: 'Logical_Switch', row: {name: this.netName('t', j), ports: ['set', []]}})
    for (let k = 0; k < this.routers; k++) {
      const gw = this.uuid()
      this.gw[k] = gw
      const p = k % 2
      const status = this.random() < 0.8 ? {'hosting-chassis': chassisIdOf(this.pick(this.chassis))} : {}
      const ext = {'neutron:network_name': this.netName('p', p), 'neutron:router_name': `r${k}`}
      ops.push(
        {
          op: 'insert',
          table: 'Logical_Router_Port',
          uuid: gw,
          row: {
            name: `lrp-gw-r${k}`,
            mac: `fa:16:3e:aa:00:${hex(k)}`,
            networks: `172.24.${p}.${10 + k}/24`,
            status: map(status),
            external_ids: map(ext),
          },
        },
        {op: 'insert', table: 'Logical_Router', row: {name: `neutron-r${k}`, ports: ['set', [uuidRef(gw)]]}},
      )
    }

    ops.push({
      op: 'insert',
      table: 'NB_Global',
      row: {external_ids: map({'neutron:fip-distributed': this.random() < 0.5 ? 'True' : 'False'})},
    })
    for (let j = 0; j < this.tenants; j++)
      if (this.random() < 0.8) ops.push(...this.addRif(j, Math.floor(this.random() * this.routers)))
    for (let v = 0; v < (this.opts.vms ?? 12); v++) ops.push(...this.addVm())
    for (let m = 0; m < (this.opts.lbs ?? 3); m++) ops.push(...this.addLb())
    return ops
  }

  private localnetRow(i: number): WireRow {
    const row: WireRow = {
      name: `provnet-p${i}`,
      type: 'localnet',
      addresses: 'unknown',
      options: map({network_name: `physnet${i}`}),
    }
    if (i === 1) row.tag = 100
    return row
  }

  /** The provider network loses its segment (localnet port), or gets a new one. */
  private toggleLocalnet(i: number): {label: string; ops: Operation[]} {
    const net = this.netName('p', i)
    const ln = this.localnets[i]
    if (ln) {
      this.localnets[i] = undefined
      return {
        label: `${net} loses its localnet`,
        ops: [
          {
            op: 'mutate',
            table: 'Logical_Switch',
            where: [['name', '==', net]],
            mutations: [['ports', 'delete', ['set', [uuidRef(ln)]]]],
          },
        ],
      }
    }

    const u = this.uuid()
    this.localnets[i] = u
    return {
      label: `${net} gets a localnet`,
      ops: [
        {op: 'insert', table: 'Logical_Switch_Port', uuid: u, row: this.localnetRow(i)},
        {
          op: 'mutate',
          table: 'Logical_Switch',
          where: [['name', '==', net]],
          mutations: [['ports', 'insert', ['set', [uuidRef(u)]]]],
        },
      ],
    }
  }

  /** Marks a point in the change stream (NB_Global external_ids, which the planner ignores). */
  markerOp(seq: number): Operation {
    return setGlobal('ovn-bgp-test:seq', String(seq))
  }

  private addRif(j: number, k: number): Operation[] {
    this.rif.set(j, k)
    const u = this.uuid()
    const ext = {
      'neutron:device_owner': 'network:router_interface',
      'neutron:device_id': `r${k}`,
      'neutron:network_name': this.netName('t', j),
      'neutron:cidrs': `10.${j}.0.1/24`,
    }
    return [
      {
        op: 'insert',
        table: 'Logical_Switch_Port',
        uuid: u,
        row: {
          name: `rif-t${j}`,
          type: 'router',
          addresses: 'router',
          up: true,
          options: map({'router-port': `lrp-if-t${j}`}),
          external_ids: map(ext),
        },
      },
      {
        op: 'mutate',
        table: 'Logical_Switch',
        where: [['name', '==', this.netName('t', j)]],
        mutations: [['ports', 'insert', ['set', [uuidRef(u)]]]],
      },
    ]
  }

  private removeRif(j: number): Operation[] {
    this.rif.delete(j)
    return [
      {
        op: 'update',
        table: 'Logical_Switch',
        where: [['name', '==', this.netName('t', j)]],
        row: {ports: ['set', this.portsOf(this.netName('t', j)).map(uuidRef)]},
      },
    ]
  }

  /** Current ports of a tenant switch, as the model knows them (VMs and LB VIP ports; the rif when present). */
  private portsOf(net: string): string[] {
    const out = [...this.vms.values()].filter((v) => v.net === net).map((v) => v.uuid)
    for (const l of this.lbs.values()) if (l.vipPort?.net === net) out.push(l.vipPort.uuid)
    return out
  }

  private vmRow(v: Vm): WireRow {
    const ext: Record<string, string> = {
      'neutron:network_name': v.net,
      'neutron:cidrs': `${v.ip}/24`,
      'neutron:host_id': v.chassis,
      'neutron:device_owner': 'compute:nova',
    }
    if (v.fip) ext['neutron:port_fip'] = v.fip.ip
    const options: Record<string, string> = {
      'requested-chassis': v.migratingTo ? `${v.chassis},${v.migratingTo}` : v.chassis,
    }
    if (v.migratingTo) options['activation-strategy'] = 'rarp'
    const n = Number(v.name.slice(2))
    return {
      name: v.name,
      addresses: `fa:16:3e:01:${hex(n >> 8)}:${hex(n)} ${v.ip}`,
      up: v.up,
      options: map(options),
      external_ids: map(ext),
    }
  }

  private updateVm(v: Vm): Operation {
    return {op: 'update', table: 'Logical_Switch_Port', where: [['_uuid', '==', uuidRef(v.uuid)]], row: this.vmRow(v)}
  }

  private addVm(): Operation[] {
    const n = this.vmCount++
    const tenant = this.random() < 0.6
    const idx = Math.floor(this.random() * (tenant ? this.tenants : this.providers))
    const net = this.netName(tenant ? 't' : 'p', idx)
    const ip = tenant ? `10.${idx}.${1 + (n >> 8)}.${n & 255}` : `172.24.${idx}.${100 + (n % 150)}`
    const v: Vm = {
      name: `vm${n}`,
      uuid: this.uuid(),
      net,
      ip,
      chassis: this.pick(this.chassis),
      migratingTo: undefined,
      up: this.random() < 0.85,
      fip: undefined,
    }
    this.vms.set(v.name, v)
    const ops: Operation[] = [
      {op: 'insert', table: 'Logical_Switch_Port', uuid: v.uuid, row: this.vmRow(v)},
      {
        op: 'mutate',
        table: 'Logical_Switch',
        where: [['name', '==', net]],
        mutations: [['ports', 'insert', ['set', [uuidRef(v.uuid)]]]],
      },
    ]
    if (tenant && this.rif.has(idx) && this.random() < 0.5) ops.push(...this.associateFip(v))
    return ops
  }

  private associateFip(v: Vm): Operation[] {
    const j = Number(v.net.slice('neutron-t'.length))
    const k = this.rif.get(j)
    if (k === undefined || v.fip) return []
    const n = Number(v.name.slice(2))
    v.fip = {uuid: this.uuid(), ip: `172.24.${k % 2}.${150 + (n % 100)}`, router: k, mac: this.random() < 0.7}
    // gateway_port names the router's gateway LRP (what centralized FIPs are found by)
    const row: WireRow = {
      type: 'dnat_and_snat',
      external_ip: v.fip.ip,
      logical_ip: v.ip,
      logical_port: v.name,
      gateway_port: uuidRef(this.gw[k]!),
      external_ids: map({'neutron:fip_network_id': `p${k % 2}`}),
    }
    if (v.fip.mac) row.external_mac = `fa:16:3e:02:${hex(n >> 8)}:${hex(n)}`
    return [
      {op: 'insert', table: 'NAT', uuid: v.fip.uuid, row},
      {
        op: 'mutate',
        table: 'Logical_Router',
        where: [['name', '==', `neutron-r${k}`]],
        mutations: [['nat', 'insert', ['set', [uuidRef(v.fip.uuid)]]]],
      },
      this.updateVm(v),
    ]
  }

  private disassociateFip(v: Vm): Operation[] {
    const f = v.fip
    if (!f) return []
    v.fip = undefined
    return [
      {
        op: 'mutate',
        table: 'Logical_Router',
        where: [['name', '==', `neutron-r${f.router}`]],
        mutations: [['nat', 'delete', ['set', [uuidRef(f.uuid)]]]],
      },
      this.updateVm(v),
    ]
  }

  private deleteVm(v: Vm): Operation[] {
    const ops = this.disassociateFip(v)
    this.vms.delete(v.name)
    ops.push({
      op: 'mutate',
      table: 'Logical_Switch',
      where: [['name', '==', v.net]],
      mutations: [['ports', 'delete', ['set', [uuidRef(v.uuid)]]]],
    })
    return ops
  }

  private addLb(): Operation[] {
    const m = this.lbCount++
    const k = Math.floor(this.random() * this.routers)
    const pf = this.random() < 0.3
    const lb: Lb = {name: pf ? `pf-floatingip-${m}` : `lb${m}`, uuid: this.uuid(), router: k, pf, vipPort: undefined}
    const ops: Operation[] = []
    const ext: Record<string, string> = {}
    let vips: Record<string, string>
    if (pf) {
      ext['neutron:router_name'] = `neutron-r${k}`
      vips = {[`172.24.${k % 2}.${240 + (m % 10)}:22`]: '10.0.0.5:22'}
    } else {
      const j = Math.floor(this.random() * this.tenants)
      const net = this.netName('t', j)
      lb.vipPort = {uuid: this.uuid(), name: `lbvip${m}`, net}
      const vip = `10.${j}.200.${m % 250}`
      ops.push(
        {
          op: 'insert',
          table: 'Logical_Switch_Port',
          uuid: lb.vipPort.uuid,
          row: {
            name: lb.vipPort.name,
            addresses: `fa:16:3e:03:00:${hex(m)} ${vip}`,
            up: false,
            external_ids: map({'neutron:network_name': net}),
          },
        },
        {
          op: 'mutate',
          table: 'Logical_Switch',
          where: [['name', '==', net]],
          mutations: [['ports', 'insert', ['set', [uuidRef(lb.vipPort.uuid)]]]],
        },
      )
      Object.assign(ext, {lr_ref: `neutron-r${k}`, 'neutron:vip': vip, 'neutron:vip_port_id': lb.vipPort.name})
      vips = {[`${vip}:80`]: `10.${j}.0.5:8080`}
      if (this.random() < 0.5) {
        const fip = `172.24.${k % 2}.${230 + (m % 10)}`
        ext['neutron:vip_fip'] = fip
        vips[`${fip}:80`] = `10.${j}.0.5:8080`
      }
    }

    this.lbs.set(lb.name, lb)
    ops.push({
      op: 'insert',
      table: 'Load_Balancer',
      uuid: lb.uuid,
      row: {name: lb.name, vips: map(vips), external_ids: map(ext)},
    })
    return ops
  }

  private deleteLb(lb: Lb): Operation[] {
    this.lbs.delete(lb.name)
    const ops: Operation[] = [{op: 'delete', table: 'Load_Balancer', where: [['_uuid', '==', uuidRef(lb.uuid)]]}]
    if (lb.vipPort)
      ops.push({
        op: 'mutate',
        table: 'Logical_Switch',
        where: [['name', '==', lb.vipPort.net]],
        mutations: [['ports', 'delete', ['set', [uuidRef(lb.vipPort.uuid)]]]],
      })
    return ops
  }

  /** A new VM (an addition only: nothing is deleted or unbound). */
  newVmOps(): Operation[] {
    return this.addVm()
  }

  /** One random neutron-like change. */
  randomChange(): {label: string; ops: Operation[]} {
    const vms = [...this.vms.values()]
    const r = this.random()
    const vm = vms.length > 0 ? this.pick(vms) : undefined
    if (r < 0.12) {
      const k = Math.floor(this.random() * this.routers)
      const status = this.random() < 0.9 ? {'hosting-chassis': chassisIdOf(this.pick(this.chassis))} : {}
      return {
        label: `gateway r${k} -> ${status['hosting-chassis'] ?? 'none'}`,
        ops: [
          {
            op: 'update',
            table: 'Logical_Router_Port',
            where: [['name', '==', `lrp-gw-r${k}`]],
            row: {status: map(status)},
          },
        ],
      }
    }

    if (r < 0.24 && vm) {
      if (vm.migratingTo) {
        vm.chassis = vm.migratingTo
        vm.migratingTo = undefined
        return {label: `migration of ${vm.name} done`, ops: [this.updateVm(vm)]}
      }

      const dst = this.pick(this.chassis.filter((c) => c !== vm.chassis))
      vm.migratingTo = dst
      return {label: `migration of ${vm.name} to ${dst}`, ops: [this.updateVm(vm)]}
    }

    if (r < 0.32 && vm) {
      vm.chassis = this.pick(this.chassis)
      vm.migratingTo = undefined
      return {label: `${vm.name} bound to ${vm.chassis}`, ops: [this.updateVm(vm)]}
    }

    if (r < 0.42 && vm) {
      vm.up = !vm.up
      return {label: `${vm.name} up=${vm.up}`, ops: [this.updateVm(vm)]}
    }

    if (r < 0.54) return {label: 'new VM', ops: this.addVm()}
    if (r < 0.62 && vm) return {label: `delete ${vm.name}`, ops: this.deleteVm(vm)}
    if (r < 0.7) {
      const j = Math.floor(this.random() * this.tenants)
      if (this.rif.has(j)) return {label: `remove interface on t${j}`, ops: this.removeRif(j)}
      const k = Math.floor(this.random() * this.routers)
      return {label: `interface r${k} on t${j}`, ops: this.addRif(j, k)}
    }

    if (r < 0.76) {
      const v = this.random() < 0.5 ? 'True' : 'False'
      return {label: `fip-distributed ${v}`, ops: [setGlobal('neutron:fip-distributed', v)]}
    }

    if (r < 0.79) return this.toggleLocalnet(Math.floor(this.random() * this.providers))
    if (r < 0.84) {
      const lbs = [...this.lbs.values()]
      if (lbs.length > 0 && this.random() < 0.4) {
        const lb = this.pick(lbs)
        return {label: `delete ${lb.name}`, ops: this.deleteLb(lb)}
      }

      return {label: 'new LB', ops: this.addLb()}
    }

    if (vm && vm.fip) return {label: `FIP off ${vm.name}`, ops: this.disassociateFip(vm)}
    if (vm) {
      const ops = this.associateFip(vm)
      if (ops.length > 0) return {label: `FIP on ${vm.name}`, ops}
    }

    return {label: 'new VM', ops: this.addVm()}
  }
}

/** Sets one NB_Global external_ids key, keeping the others (a map `insert` never overwrites). */
function setGlobal(key: string, value: string): Operation {
  return {
    op: 'mutate',
    table: 'NB_Global',
    where: [],
    mutations: [
      ['external_ids', 'delete', ['set', [key]]],
      ['external_ids', 'insert', map({[key]: value})],
    ],
  }
}

function hex(n: number): string {
  return (n & 255).toString(16).padStart(2, '0')
}
