// The ad-hoc verbs by NB object, --dry-run --json, against a real NB ovsdb-server: what each object
// resolves to and the exact objects planned for it (nothing else of the node).
import {expect} from 'chai'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {type OvsdbServer, transact} from '../helpers/ovsdb-server.js'
import {requireTools} from '../helpers/require.js'
import {useTestRuntime} from '../helpers/runtime-fake.js'
import {type CmdRun, nodeArgs, runAdhocCmd, startNb} from './adhoc-harness.js'

/** Base wiring of br-ex / br-ex.100 (mapping index 1, VLAN 100) an expose adds when it is missing. */
const VLAN = ['link br-ex.100 link br-ex type vlan id 100']
const SYSCTLS = [
  'sysctl net.ipv4.conf.br-ex.proxy_arp=1',
  'sysctl net.ipv4.conf.br-ex/100.proxy_arp=1',
  'sysctl net.ipv6.conf.br-ex.proxy_ndp=1',
  'sysctl net.ipv6.conf.br-ex/100.proxy_ndp=1',
]
const HELPERS = [
  'address 169.254.1.100/32 dev br-ex.100',
  'address fd53:d91e:400:7f17::1:64/128 dev br-ex.100',
  'address 169.254.1.1/32 dev br-ex',
  'address fd53:d91e:400:7f17::1:1/128 dev br-ex',
]
const DEFAULTS = ['route default dev br-ex table 1 proto 3 scope link', 'route -6 default dev br-ex table 1 proto 3']

const objects = (r: CmdRun) => r.doc!.changes.map((c) => `${c.action} ${c.object}`)
const adds = (...xs: string[]) => xs.map((x) => `add ${x}`)

describe('ad-hoc verbs by NB object (dry run, real NB)', () => {
  let nb: OvsdbServer | undefined
  let state = ''
  let restoreRuntime = (): void => {}

  before(async function () {
    requireTools(this, ['ovsdb-server', 'ovsdb-tool'])
    nb = await startNb()
    state = mkdtempSync(join(tmpdir(), 'adhoc-state-'))
    // no local OVS in these tests: do not spend the default second trying to reach it
    restoreRuntime = useTestRuntime({ovsTimeoutMs: 50})
  })

  after(async () => {
    restoreRuntime()
    await nb?.stop()
    if (state) rmSync(state, {recursive: true, force: true})
  })

  const run = (id: string, ...args: string[]) =>
    runAdhocCmd(id, [...args, '--dry-run', '--json', ...nodeArgs(nb!.unix, state)])

  it('expose-ip --port: a VM on the VLAN provider network, with its NDP proxy and the wiring under it', async () => {
    const r = await run('expose-ip', '--port', 'vm1')
    expect(r.error).to.equal(undefined)
    expect(r.doc).to.include({verb: 'expose-ip', upstream: 'expose_ip', dryRun: true, changed: true})
    expect(r.doc!.target).to.include({mode: 'nb', table: 'Logical_Switch_Port', name: 'vm1'})
    expect(r.doc!.ips).to.deep.equal(['172.24.4.226', '2001:db8:100::226'])
    expect(r.doc!.exposed.map((e) => [e.ip, e.kind, e.bridge, e.vlan])).to.deep.equal([
      ['172.24.4.226', 'vm', 'br-ex', 100],
      ['2001:db8:100::226', 'vm', 'br-ex', 100],
    ])
    expect(objects(r)).to.deep.equal(
      adds(
        ...VLAN,
        ...SYSCTLS,
        'address 172.24.4.226/32 dev bgp-nic',
        'address 2001:db8:100::226/128 dev bgp-nic',
        ...HELPERS,
        'rule priority 32000 to 172.24.4.226/32 lookup 1',
        'rule -6 priority 32000 to 2001:db8:100::226/128 lookup 1',
        'route 172.24.4.226/32 dev br-ex.100 table 1 proto 3 scope link',
        DEFAULTS[0]!,
        'route -6 2001:db8:100::226/128 dev br-ex.100 table 1 proto 3',
        DEFAULTS[1]!,
        'neigh 172.24.4.226 lladdr fa:16:3e:00:01:e2 dev br-ex.100 nud permanent',
        'neigh 2001:db8:100::226 lladdr fa:16:3e:00:01:e2 dev br-ex.100 nud permanent',
        'neigh proxy 2001:db8:100:: dev br-ex.100',
      ),
    )
    // only problems of the port itself are reported (no OVS here: its localnet patch port is unknown)
    expect(r.doc!.skipped.map((p) => p.name)).to.deep.equal(['vm1'])
  })

  it('expose-ip --router: the cr-lrp with its tenant subnet, the tenant IPs behind it and its LBs', async () => {
    const r = await run('expose-ip', '--router', 'lrp-gw')
    expect(r.error).to.equal(undefined)
    expect(r.doc!.target).to.include({table: 'Logical_Router_Port', name: 'lrp-gw', router: 'r1'})
    expect(r.doc!.exposed.map((e) => `${e.kind} ${e.ip} ${e.source.name}`)).to.deep.equal([
      'subnet 10.0.0.1/24 rif1',
      'tenant-ip 10.0.0.5 vm2',
      'lb-vip 10.0.0.50 lb1',
      'tenant-ip 10.0.0.7 vm3',
      'cr-lrp 172.24.4.10 lrp-gw',
      'lb-fip 172.24.4.50 lb1',
      'lb-vip 172.24.4.60 lb2',
      'cr-lrp 2001:db8:100::a lrp-gw',
    ])
    expect(r.doc!.ips).to.deep.equal([
      '10.0.0.1/24',
      '10.0.0.5',
      '10.0.0.7',
      '10.0.0.50',
      '172.24.4.10',
      '172.24.4.50',
      '172.24.4.60',
      '2001:db8:100::a',
    ])
    expect(objects(r)).to.deep.equal(
      adds(
        ...VLAN,
        ...SYSCTLS,
        'address 10.0.0.5/32 dev bgp-nic',
        'address 10.0.0.50/32 dev bgp-nic',
        'address 10.0.0.7/32 dev bgp-nic',
        'address 172.24.4.10/32 dev bgp-nic',
        'address 172.24.4.50/32 dev bgp-nic',
        'address 172.24.4.60/32 dev bgp-nic',
        'address 2001:db8:100::a/128 dev bgp-nic',
        ...HELPERS,
        'rule priority 32000 to 10.0.0.1/24 lookup 1',
        'rule priority 32000 to 172.24.4.10/32 lookup 1',
        'rule priority 32000 to 172.24.4.50/32 lookup 1',
        'rule priority 32000 to 172.24.4.60/32 lookup 1',
        'rule -6 priority 32000 to 2001:db8:100::a/128 lookup 1',
        'route 10.0.0.0/24 via 172.24.4.10 dev br-ex.100 table 1 proto 3',
        'route 172.24.4.10/32 dev br-ex.100 table 1 proto 3 scope link',
        'route 172.24.4.50/32 dev br-ex.100 table 1 proto 3 scope link',
        'route 172.24.4.60/32 dev br-ex.100 table 1 proto 3 scope link',
        DEFAULTS[0]!,
        'route -6 2001:db8:100::a/128 dev br-ex.100 table 1 proto 3',
        DEFAULTS[1]!,
        'neigh 172.24.4.10 lladdr fa:16:3e:00:00:0a dev br-ex.100 nud permanent',
        'neigh 172.24.4.50 lladdr fa:16:3e:00:00:0a dev br-ex.100 nud permanent',
        'neigh 2001:db8:100::a lladdr fa:16:3e:00:00:0a dev br-ex.100 nud permanent',
        'neigh proxy 2001:db8:100:: dev br-ex.100',
      ),
    )
  })

  it('expose-ip --router accepts the router id, the cr-lrp- prefix and the LR name alike', async () => {
    for (const ref of ['r1', 'neutron-r1', 'cr-lrp-gw']) {
      const r = await run('expose-ip', '--router', ref)
      expect(r.error, ref).to.equal(undefined)
      expect(r.doc!.ips, ref).to.have.length(8)
    }
  })

  it('expose-fip --port: the distributed FIP with the NAT external_mac, nothing of the VM itself', async () => {
    const r = await run('expose-fip', '--port', 'vm3')
    expect(r.doc).to.include({upstream: 'expose_fip'})
    expect(r.doc!.exposed.map((e) => `${e.kind} ${e.ip} ${e.source.table}`)).to.deep.equal(['fip 172.24.4.201 NAT'])
    const own = objects(r).filter((o) => o.includes('172.24.4.201'))
    expect(own).to.deep.equal(
      adds(
        'address 172.24.4.201/32 dev bgp-nic',
        'rule priority 32000 to 172.24.4.201/32 lookup 1',
        'route 172.24.4.201/32 dev br-ex.100 table 1 proto 3 scope link',
        'neigh 172.24.4.201 lladdr fa:16:3e:00:02:01 dev br-ex.100 nud permanent',
      ),
    )
    expect(objects(r).filter((o) => !own.includes(o))).to.deep.equal(adds(...VLAN, ...SYSCTLS, ...HELPERS, ...DEFAULTS))
  })

  it('expose-lb-vip --lb: a tenant VIP is the bgp-nic address only; a provider VIP gets rule + route, no neighbour', async () => {
    const tenant = await run('expose-lb-vip', '--lb', 'lb1')
    expect(tenant.doc!.ips).to.deep.equal(['10.0.0.50'])
    expect(objects(tenant)).to.deep.equal(adds('address 10.0.0.50/32 dev bgp-nic'))
    const provider = await run('expose-lb-vip', '--lb', 'lb2')
    expect(provider.doc!.ips).to.deep.equal(['172.24.4.60'])
    expect(objects(provider).filter((o) => o.includes('172.24.4.60'))).to.deep.equal(
      adds(
        'address 172.24.4.60/32 dev bgp-nic',
        'rule priority 32000 to 172.24.4.60/32 lookup 1',
        'route 172.24.4.60/32 dev br-ex.100 table 1 proto 3 scope link',
      ),
    )
  })

  it('expose-lb-fip --lb: the VIP FIP with the gateway MAC', async () => {
    const r = await run('expose-lb-fip', '--lb', 'lb1')
    expect(r.doc).to.include({upstream: 'expose_ovn_lb_fip'})
    expect(r.doc!.ips).to.deep.equal(['172.24.4.50'])
    expect(objects(r).filter((o) => o.includes('172.24.4.50'))).to.deep.equal(
      adds(
        'address 172.24.4.50/32 dev bgp-nic',
        'rule priority 32000 to 172.24.4.50/32 lookup 1',
        'route 172.24.4.50/32 dev br-ex.100 table 1 proto 3 scope link',
        'neigh 172.24.4.50 lladdr fa:16:3e:00:00:0a dev br-ex.100 nud permanent',
      ),
    )
  })

  it('expose-subnet: by --router/--network or by the interface port, the CIDR via the cr-lrp and the VM IPs', async () => {
    const a = await run('expose-subnet', '--router', 'r1', '--network', 'neutron-priv')
    const b = await run('expose-subnet', '--port', 'rif1')
    expect(a.error).to.equal(undefined)
    expect(a.doc!.target).to.include({name: 'rif1', router: 'r1', network: 'neutron-priv'})
    expect(a.doc!.ips).to.deep.equal(['10.0.0.1/24', '10.0.0.5', '10.0.0.7'])
    expect(objects(a)).to.deep.equal(objects(b))
    expect(objects(a)).to.deep.equal(
      adds(
        ...VLAN,
        ...SYSCTLS,
        'address 10.0.0.5/32 dev bgp-nic',
        'address 10.0.0.7/32 dev bgp-nic',
        ...HELPERS,
        'rule priority 32000 to 10.0.0.1/24 lookup 1',
        'route 10.0.0.0/24 via 172.24.4.10 dev br-ex.100 table 1 proto 3',
        ...DEFAULTS,
      ),
    )
  })

  it('expose-remote-ip --port: a tenant VM behind the local router is its bgp-nic address only', async () => {
    const r = await run('expose-remote-ip', '--port', 'vm2')
    expect(r.doc).to.include({upstream: 'expose_remote_ip'})
    expect(r.doc!.ips).to.deep.equal(['10.0.0.5'])
    expect(objects(r)).to.deep.equal(adds('address 10.0.0.5/32 dev bgp-nic'))
  })

  it('withdraw verbs plan nothing when the node has none of the objects (changed: false)', async () => {
    const r = await run('withdraw-ip', '--port', 'vm1')
    expect(r.error).to.equal(undefined)
    expect(r.doc).to.include({verb: 'withdraw-ip', upstream: 'withdraw_ip', changed: false})
    expect(r.doc!.ips).to.deep.equal(['172.24.4.226', '2001:db8:100::226'])
    expect(r.doc!.changes).to.deep.equal([])
  })

  it('a known object that this node does not expose is a usage error naming why', async () => {
    const r = await run('expose-ip', '--port', 'vm2')
    expect(r.exitCode).to.equal(2)
    expect(r.error?.message).to.match(/expose-ip: Logical_Switch_Port vm2 .* exposes nothing on this chassis/)
  })

  it('an unknown object is a usage error (exit 2) with a clear message', async () => {
    for (const [id, flag, ref] of [
      ['expose-ip', '--port', 'no-such-port'],
      ['withdraw-fip', '--port', 'no-such-port'],
      ['expose-lb-vip', '--lb', 'no-such-lb'],
      ['expose-ip', '--router', 'no-such-router'],
    ] as const) {
      const r = await run(id, flag, ref)
      expect(r.exitCode, `${id} ${ref}`).to.equal(2)
      expect(r.error?.message, id).to.include(`${flag} ${ref}: no `)
      expect(r.error?.message, id).to.include('in the NB database')
    }

    const net = await run('expose-subnet', '--router', 'r1', '--network', 'neutron-pub')
    expect(net.exitCode).to.equal(2)
    expect(net.error?.message).to.include('router r1 has no interface on neutron-pub')
    const notRif = await run('expose-subnet', '--port', 'vm1')
    expect(notRif.exitCode).to.equal(2)
    expect(notRif.error?.message).to.include('is not a router interface')
  })

  it('human output names the target and lists the plan like sync', async () => {
    const r = await runAdhocCmd('expose-remote-ip', ['--port', 'vm2', '--dry-run', ...nodeArgs(nb!.unix, state)])
    expect(r.stdout).to.include('expose-remote-ip (expose_remote_ip): Logical_Switch_Port vm2')
    expect(r.stdout).to.include('10.0.0.5')
    expect(r.stdout).to.include('+ address 10.0.0.5/32 dev bgp-nic')
    expect(r.stdout).to.match(/would add 1 address; would remove nothing/)
  })
})

describe('ad-hoc verbs by NB object, centralized FIPs (dry run, real NB)', () => {
  let nb: OvsdbServer | undefined
  let state = ''
  let restoreRuntime = (): void => {}

  before(async function () {
    requireTools(this, ['ovsdb-server', 'ovsdb-tool'])
    nb = await startNb()
    state = mkdtempSync(join(tmpdir(), 'adhoc-state-'))
    restoreRuntime = useTestRuntime({ovsTimeoutMs: 50})
    const [sel] = (await transact(nb.unix, [
      'OVN_Northbound',
      {op: 'select', table: 'Logical_Router_Port', where: [['name', '==', 'lrp-gw']], columns: ['_uuid']},
    ])) as Array<{rows: Array<{_uuid: [string, string]}>}>
    const gw = sel!.rows[0]!._uuid
    await transact(nb.unix, [
      'OVN_Northbound',
      {op: 'insert', table: 'NB_Global', row: {external_ids: ['map', [['neutron:fip-distributed', 'False']]]}},
      {op: 'update', table: 'NAT', where: [['external_ip', '==', '172.24.4.201']], row: {gateway_port: gw}},
      {
        op: 'insert',
        table: 'Load_Balancer',
        row: {
          name: 'pf-floatingip-f7-tcp',
          vips: ['map', [['172.24.4.70:2222', '10.0.0.5:22']]],
          external_ids: [
            'map',
            [
              ['neutron:router_name', 'neutron-r1'],
              ['neutron:fip_id', 'f7'],
            ],
          ],
        },
      },
    ])
  })

  after(async () => {
    restoreRuntime()
    await nb?.stop()
    if (state) rmSync(state, {recursive: true, force: true})
  })

  it('expose-fip --port: on the gateway chassis with the gateway port MAC; withdraw sees the same IP', async () => {
    const args = ['--dry-run', '--json', ...nodeArgs(nb!.unix, state)]
    const r = await runAdhocCmd('expose-fip', ['--port', 'vm3', ...args])
    expect(r.error).to.equal(undefined)
    expect(r.doc!.ips).to.deep.equal(['172.24.4.201'])
    expect(r.doc!.changes.map((c) => c.object)).to.include(
      'neigh 172.24.4.201 lladdr fa:16:3e:00:00:0a dev br-ex.100 nud permanent',
    )
    const w = await runAdhocCmd('withdraw-fip', ['--port', 'vm3', ...args])
    expect(w.doc!.ips).to.deep.equal(['172.24.4.201'])
  })

  it('expose-lb-fip --lb on a port-forwarding LB: its address on the gateway network, no neighbour', async () => {
    const r = await runAdhocCmd('expose-lb-fip', [
      '--lb',
      'pf-floatingip-f7-tcp',
      '--dry-run',
      '--json',
      ...nodeArgs(nb!.unix, state),
    ])
    expect(r.error).to.equal(undefined)
    expect(r.doc!.ips).to.deep.equal(['172.24.4.70'])
    expect(r.doc!.target).to.include({table: 'Load_Balancer', name: 'pf-floatingip-f7-tcp', router: 'r1'})
    expect(r.doc!.changes.map((c) => c.object).filter((o) => o.includes('172.24.4.70'))).to.deep.equal([
      'address 172.24.4.70/32 dev bgp-nic',
      'rule priority 32000 to 172.24.4.70/32 lookup 1',
      'route 172.24.4.70/32 dev br-ex.100 table 1 proto 3 scope link',
    ])
  })
})
