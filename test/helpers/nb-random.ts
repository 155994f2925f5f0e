// Seeded random neutron-like NB topologies and change sequences, as raw OVSDB transactions for a
// real ovsdb-server with the OVN NB schema. The model keeps just enough to write valid
// transactions (non-root rows are always referenced: ports by switches, LRPs and NATs by routers)
// and draws values from small pools, so that ports share subnets (shared NDP proxies), IPs collide
// (conflicts), ports move between chassis, networks and routers, gateways move, localnets change.
type Json = unknown

const DB = 'OVN_Northbound'
const map = (o: Record<string, string>): Json => ['map', Object.entries(o)]
const set = (a: Json[]): Json => ['set', a]

/** mulberry32: small, seeded, reproducible. */
export function rng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d_2b_79_f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
}

interface Lsp {
  name: string
  uuid: string
  ls: string
  row: Record<string, Json>
}

const ref = (u: string): Json => ['uuid', u]

const CHASSIS = ['compute-1', 'compute-1', 'compute-1', 'compute-2', 'compute-1,compute-2', 'compute-2,compute-1', '']
const CHASSIS_IDS = ['chassis-1', 'chassis-1', 'chassis-2', '']
const PROVIDER = ['neutron-pnet-0', 'neutron-pnet-1', 'neutron-pnet-2']
const TENANT = ['neutron-tnet-0', 'neutron-tnet-1', 'neutron-tnet-2', 'neutron-tnet-3']
const ROUTERS = ['rtr-0', 'rtr-1', 'rtr-2']
const PHYSNETS = ['physnet1', 'physnet2', 'physnet3']

export class RandomNb {
  readonly r: () => number
  private readonly lsps = new Map<string, Lsp>()
  private readonly nats = new Map<string, string>()
  private readonly lbs = new Map<string, string>()
  /** LRP name -> uuid */
  private readonly lrps = new Map<string, string>()
  private counter = 0
  private global: Record<string, string> = {}
  step = 0

  constructor(seed: number) {
    this.r = rng(seed)
  }

  private pick<T>(a: readonly T[]): T {
    return a[Math.floor(this.r() * a.length)]!
  }

  private chance(p: number): boolean {
    return this.r() < p
  }

  private id(prefix: string): string {
    return `${prefix}${++this.counter}`
  }

  /** Row uuids are chosen here (insert with "uuid"), so later transactions can name rows directly. */
  private uuid(): string {
    return `00000000-0000-4000-8000-${(++this.counter).toString(16).padStart(12, '0')}`
  }

  private ip(net: string): string {
    const n = Number(net.at(-1))
    const host = 10 + Math.floor(this.r() * 12)
    if (net.includes('pnet')) return this.chance(0.8) ? `172.24.${n}.${host}` : `2001:db8:${n}::${host.toString(16)}`
    return this.chance(0.7) ? `10.${n}.0.${host}` : `2a00:${n}::${host.toString(16)}`
  }

  private cidrOf(ip: string): string {
    return ip.includes(':') ? `${ip}/64` : `${ip}/24`
  }

  private mac(): string {
    return `fa:16:3e:00:00:${(10 + Math.floor(this.r() * 20)).toString(16).padStart(2, '0')}`
  }

  /** The transaction that creates the initial topology. */
  initial(): Json[] {
    const ops: Json[] = [DB]
    this.global = {'neutron:fip-distributed': 'True'}
    ops.push({op: 'insert', table: 'NB_Global', row: {external_ids: map(this.global)}})
    for (const [i, ls] of PROVIDER.entries()) {
      const ln = `provnet-${i}`
      const tag = i === 1 ? 100 : undefined
      this.lsps.set(ln, {
        name: ln,
        uuid: this.uuid(),
        ls,
        row: {
          name: ln,
          type: 'localnet',
          addresses: 'unknown',
          options: map({network_name: PHYSNETS[i === 2 ? 1 : 0]!}),
          ...(tag ? {tag} : {}),
        },
      })
    }

    for (const [k, router] of ROUTERS.entries()) {
      const gw = `lrp-gw-${k}`
      const u = this.uuid()
      this.lrps.set(gw, u)
      ops.push(
        {op: 'insert', table: 'Logical_Router_Port', uuid: u, row: this.gwRow(k)},
        {op: 'insert', table: 'Logical_Router', row: {name: `neutron-${router}`, ports: ref(u)}},
      )
    }

    for (const ls of TENANT) {
      const k = Number(ls.at(-1))
      const name = `rif-${k}`
      this.lsps.set(name, {name, uuid: this.uuid(), ls, row: this.rifRow(k, this.pick(ROUTERS))})
    }

    for (let i = 0; i < 14; i++) {
      const v = this.vmRow()
      this.lsps.set(v.name, v)
    }

    for (const ls of [...PROVIDER, ...TENANT]) {
      const members = [...this.lsps.values()].filter((p) => p.ls === ls)
      for (const p of members) ops.push({op: 'insert', table: 'Logical_Switch_Port', uuid: p.uuid, row: p.row})
      ops.push({op: 'insert', table: 'Logical_Switch', row: {name: ls, ports: set(members.map((p) => ref(p.uuid)))}})
    }

    return ops
  }

  private gwRow(k: number): Record<string, Json> {
    const net = this.pick(PROVIDER)
    const n = Number(net.at(-1))
    const networks = this.chance(0.7)
      ? [`172.24.${n}.${100 + k}/24`]
      : [`172.24.${n}.${100 + k}/24`, `2001:db8:${n}::${100 + k}/64`]
    return {
      name: `lrp-gw-${k}`,
      mac: this.chance(0.95) ? `fa:16:3e:aa:00:0${k}` : 'bogus',
      networks: set(networks),
      status: map({'hosting-chassis': this.pick(CHASSIS_IDS)}),
      external_ids: map({
        'neutron:network_name': net,
        'neutron:router_name': this.chance(0.9) ? ROUTERS[k]! : ROUTERS[(k + 1) % 3]!,
      }),
    }
  }

  private rifRow(k: number, router: string): Record<string, Json> {
    const cidrs = this.chance(0.6) ? `10.${k}.0.1/24` : `10.${k}.0.1/24 2a00:${k}::1/64`
    const ext: Record<string, string> = {
      'neutron:device_owner': 'network:router_interface',
      'neutron:device_id': router,
      'neutron:network_name': `neutron-tnet-${k}`,
      'neutron:cidrs': cidrs,
    }
    if (this.chance(0.2)) ext['neutron:subnet_pool_addr_scope4'] = this.pick(['scope-a', 'scope-b'])
    return {name: `rif-${k}`, type: 'router', addresses: 'router', up: this.chance(0.85), external_ids: map(ext)}
  }

  private vmRow(name = this.id('vm-'), ls = this.pick([...PROVIDER, ...TENANT])): Lsp {
    const ips = this.chance(0.8) ? [this.ip(ls)] : [this.ip(ls), this.ip(ls)]
    const ext: Record<string, string> = {
      'neutron:network_name': ls,
      'neutron:cidrs': ips.map((i) => this.cidrOf(i)).join(' '),
    }
    const ch = this.pick(CHASSIS)
    if (this.chance(0.3)) ext['neutron:host_id'] = this.pick(CHASSIS.slice(0, 2))
    if (this.chance(0.35)) ext['neutron:port_fip'] = `172.24.0.${200 + Math.floor(this.r() * 20)}`
    const row: Record<string, Json> = {
      name,
      type: this.chance(0.1) ? 'virtual' : '',
      addresses: `${this.mac()} ${ips.join(' ')}`,
      up: this.chance(0.8),
      options: map(ch ? {'requested-chassis': ch} : {}),
      external_ids: map(ext),
    }
    return {name, uuid: this.uuid(), ls, row}
  }

  private lspNames(pred: (p: Lsp) => boolean): string[] {
    return [...this.lsps.values()].filter(pred).map((p) => p.name)
  }

  private updateLsp(name: string, row: Record<string, Json>): Json {
    const p = this.lsps.get(name)!
    Object.assign(p.row, row)
    return {op: 'update', table: 'Logical_Switch_Port', where: [['name', '==', name]], row}
  }

  /** One random change (a transaction); also bumps NB_Global test:step so the reader can sync. */
  next(): Json[] {
    const ops: Json[] = [DB]
    const actions: Array<[number, () => void]> = [
      [6, () => this.createVm(ops)],
      [4, () => this.deleteVm(ops)],
      [14, () => this.updateVm(ops)],
      [4, () => this.moveGateway(ops)],
      [3, () => this.updateRif(ops)],
      [5, () => this.fipNat(ops)],
      [3, () => this.lb(ops)],
      [1, () => this.localnet(ops)],
      [1, () => this.snat(ops)],
      [0.3, () => this.distributed()],
      [0.5, () => this.renameLsp(ops)],
    ]
    let x = this.r() * actions.reduce((a, [w]) => a + w, 0)
    for (const [w, f] of actions) {
      if ((x -= w) > 0) continue
      f()
      break
    }

    this.global['test:step'] = String(++this.step)
    ops.push({op: 'update', table: 'NB_Global', where: [], row: {external_ids: map(this.global)}})
    return ops
  }

  private createVm(ops: Json[]): void {
    const v = this.vmRow()
    this.lsps.set(v.name, v)
    ops.push(
      {op: 'insert', table: 'Logical_Switch_Port', uuid: v.uuid, row: v.row},
      {
        op: 'mutate',
        table: 'Logical_Switch',
        where: [['name', '==', v.ls]],
        mutations: [['ports', 'insert', set([ref(v.uuid)])]],
      },
    )
  }

  /** Removing the port from its switch deletes it (Logical_Switch_Port is not a root table). */
  private deleteVm(ops: Json[]): void {
    const names = this.lspNames((p) => p.name.startsWith('vm-'))
    if (names.length === 0) return
    const p = this.lsps.get(this.pick(names))!
    this.lsps.delete(p.name)
    ops.push({
      op: 'mutate',
      table: 'Logical_Switch',
      where: [['name', '==', p.ls]],
      mutations: [['ports', 'delete', set([ref(p.uuid)])]],
    })
  }

  private updateVm(ops: Json[]): void {
    const names = this.lspNames((p) => p.name.startsWith('vm-'))
    if (names.length === 0) return
    const name = this.pick(names)
    const p = this.lsps.get(name)!
    const fresh = this.vmRow(name, p.ls).row
    const col = this.pick(['up', 'up', 'options', 'options', 'addresses', 'external_ids', 'type', 'network'])
    if (col === 'network') {
      const ext = new Map((p.row.external_ids as [string, Array<[string, string]>])[1])
      ext.set('neutron:network_name', this.pick([...PROVIDER, ...TENANT]))
      ops.push(this.updateLsp(name, {external_ids: ['map', [...ext]]}))
      return
    }

    ops.push(this.updateLsp(name, {[col]: fresh[col]!}))
  }

  private renameLsp(ops: Json[]): void {
    const names = this.lspNames((p) => p.name.startsWith('vm-') || p.name.startsWith('provnet-'))
    if (names.length === 0) return
    const name = this.pick(names)
    const p = this.lsps.get(name)!
    const to = name.startsWith('vm-') ? this.id('vm-') : `${name}-x`
    this.lsps.delete(name)
    ops.push({op: 'update', table: 'Logical_Switch_Port', where: [['name', '==', name]], row: {name: to}})
    p.row.name = to
    this.lsps.set(to, {...p, name: to})
  }

  private moveGateway(ops: Json[]): void {
    const k = Math.floor(this.r() * ROUTERS.length)
    const row = this.gwRow(k)
    const cols = this.chance(0.7) ? {status: row.status} : row
    ops.push({
      op: 'update',
      table: 'Logical_Router_Port',
      where: [['name', '==', `lrp-gw-${k}`]],
      row: {...cols, name: `lrp-gw-${k}`},
    })
  }

  private updateRif(ops: Json[]): void {
    const k = Math.floor(this.r() * TENANT.length)
    const row = this.rifRow(k, this.pick(ROUTERS))
    ops.push(this.updateLsp(`rif-${k}`, this.chance(0.5) ? {up: row.up} : row))
  }

  private fipNat(ops: Json[]): void {
    const ports = this.lspNames((p) => p.name.startsWith('vm-'))
    const existing = [...this.nats.keys()]
    if (existing.length > 0 && this.chance(0.4)) {
      const u = this.pick(existing)
      const router = this.nats.get(u)!
      if (this.chance(0.5)) {
        this.nats.delete(u)
        ops.push({
          op: 'mutate',
          table: 'Logical_Router',
          where: [['name', '==', `neutron-${router}`]],
          mutations: [['nat', 'delete', set([ref(u)])]],
        })
      } else {
        ops.push({
          op: 'update',
          table: 'NAT',
          where: [['_uuid', '==', ref(u)]],
          row: {external_mac: this.chance(0.7) ? set([this.mac()]) : set([])},
        })
      }

      return
    }

    if (ports.length === 0) return
    const withFip = ports.filter((n) => JSON.stringify(this.lsps.get(n)!.row.external_ids).includes('neutron:port_fip'))
    const port = this.pick(withFip.length > 0 && this.chance(0.7) ? withFip : ports)
    const k = Math.floor(this.r() * ROUTERS.length)
    const ext: Record<string, string> = this.chance(0.9)
      ? {'neutron:fip_network_id': this.pick(PROVIDER).slice('neutron-'.length)}
      : {}
    const row = {
      type: 'dnat_and_snat',
      external_ip: `172.24.0.${200 + Math.floor(this.r() * 20)}`,
      external_mac: this.chance(0.7) ? set([this.mac()]) : set([]),
      logical_ip: '10.0.0.5',
      logical_port: set([port]),
      gateway_port: set([ref(this.lrps.get(`lrp-gw-${k}`)!)]),
      external_ids: map(ext),
    }
    this.addNat(ops, ROUTERS[k]!, row)
  }

  private addNat(ops: Json[], router: string, row: Record<string, Json>): void {
    const u = this.uuid()
    this.nats.set(u, router)
    ops.push(
      {op: 'insert', table: 'NAT', uuid: u, row},
      {
        op: 'mutate',
        table: 'Logical_Router',
        where: [['name', '==', `neutron-${router}`]],
        mutations: [['nat', 'insert', set([ref(u)])]],
      },
    )
  }

  private snat(ops: Json[]): void {
    this.addNat(ops, this.pick(ROUTERS), {
      type: 'snat',
      external_ip: '172.24.0.1',
      logical_ip: `10.${Math.floor(this.r() * 4)}.0.0/24`,
    })
  }

  private lb(ops: Json[]): void {
    const existing = [...this.lbs.keys()]
    if (existing.length > 0 && this.chance(0.5)) {
      const name = this.pick(existing)
      if (this.chance(0.4)) {
        this.lbs.delete(name)
        ops.push({op: 'delete', table: 'Load_Balancer', where: [['name', '==', name]]})
      } else {
        ops.push({op: 'update', table: 'Load_Balancer', where: [['name', '==', name]], row: {vips: this.vips()}})
      }

      return
    }

    const pf = this.chance(0.3)
    const name = pf ? this.id('pf-floatingip-') : this.id('lb-')
    const router = this.pick(ROUTERS)
    const ports = this.lspNames((p) => p.name.startsWith('vm-'))
    const ext: Record<string, string> = pf
      ? {'neutron:router_name': `neutron-${router}`}
      : {
          lr_ref: `neutron-${router}`,
          'neutron:vip': '10.1.0.50',
          'neutron:vip_fip': '172.24.0.150',
          ...(ports.length > 0 ? {'neutron:vip_port_id': this.pick(ports)} : {}),
        }
    this.lbs.set(name, router)
    ops.push({op: 'insert', table: 'Load_Balancer', row: {name, vips: this.vips(), external_ids: map(ext)}})
  }

  private vips(): Json {
    const all = ['10.1.0.50:80', '172.24.0.150:80', '172.24.1.151:443', '[2001:db8:1::99]:80', 'bad-key']
    return map(Object.fromEntries(all.filter(() => this.chance(0.5)).map((k) => [k, '10.1.0.10:8080'])))
  }

  private localnet(ops: Json[]): void {
    const names = this.lspNames((p) => p.name.startsWith('provnet-'))
    if (names.length === 0) return
    const name = this.pick(names)
    const row = this.chance(0.5)
      ? {tag: this.chance(0.5) ? set([100 + Math.floor(this.r() * 3)]) : set([])}
      : {options: map({network_name: this.pick(PHYSNETS)})}
    ops.push(this.updateLsp(name, row))
  }

  private distributed(): void {
    this.global['neutron:fip-distributed'] = this.global['neutron:fip-distributed'] === 'False' ? 'True' : 'False'
  }
}
