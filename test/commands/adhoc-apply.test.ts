// The ad-hoc verbs applied (real NB, in-memory datapath): only the target's objects change, a second
// run changes nothing, withdraw keeps what other exposures share, withdraw still works after NB
// stopped wanting the object here, and per-object failures exit 3.
import {expect} from 'chai'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import type {OvsdbServer} from '../helpers/ovsdb-server.js'

import {requireTools} from '../helpers/require.js'
import {useTestRuntime} from '../helpers/runtime-fake.js'
import {type CmdRun, MemoryKernel, nodeArgs, runAdhocCmd, startNb, updatePort} from './adhoc-harness.js'

const objects = (r: CmdRun) => r.doc!.changes.map((c) => `${c.action} ${c.object}`)

const VM1_OWN = [
  'address 172.24.4.226/32 dev bgp-nic',
  'address 2001:db8:100::226/128 dev bgp-nic',
  'rule priority 32000 to 172.24.4.226/32 lookup 1',
  'rule -6 priority 32000 to 2001:db8:100::226/128 lookup 1',
  'route 172.24.4.226/32 dev br-ex.100 table 1 proto 3 scope link',
  'route -6 2001:db8:100::226/128 dev br-ex.100 table 1 proto 3',
  'neigh 172.24.4.226 lladdr fa:16:3e:00:01:e2 dev br-ex.100 nud permanent',
  'neigh 2001:db8:100::226 lladdr fa:16:3e:00:01:e2 dev br-ex.100 nud permanent',
]

/** Removal order: reverse kind order (neighbours, routes, rules, addresses), then key. */
const VM1_REMOVED = [
  'remove neigh 172.24.4.226 lladdr fa:16:3e:00:01:e2 dev br-ex.100 nud permanent',
  'remove neigh 2001:db8:100::226 lladdr fa:16:3e:00:01:e2 dev br-ex.100 nud permanent',
  'remove route 172.24.4.226/32 dev br-ex.100 table 1 proto 3 scope link',
  'remove route -6 2001:db8:100::226/128 dev br-ex.100 table 1 proto 3',
  'remove rule priority 32000 to 172.24.4.226/32 lookup 1',
  'remove rule -6 priority 32000 to 2001:db8:100::226/128 lookup 1',
  'remove address 172.24.4.226/32 dev bgp-nic',
  'remove address 2001:db8:100::226/128 dev bgp-nic',
]

describe('ad-hoc verbs applied (real NB, in-memory datapath)', () => {
  let nb: OvsdbServer | undefined
  let state = ''
  let mem = new MemoryKernel()
  let restoreRuntime = (): void => {}

  before(async function () {
    requireTools(this, ['ovsdb-server', 'ovsdb-tool'])
    nb = await startNb()
    state = mkdtempSync(join(tmpdir(), 'adhoc-state-'))
    restoreRuntime = useTestRuntime({ovsTimeoutMs: 50}, () => mem.parts())
  })

  beforeEach(() => {
    mem = new MemoryKernel()
  })

  after(async () => {
    restoreRuntime()
    await nb?.stop()
    if (state) rmSync(state, {recursive: true, force: true})
  })

  const run = (id: string, ...args: string[]) => runAdhocCmd(id, [...args, '--json', ...nodeArgs(nb!.unix, state)])
  const has = (text: string) => [...mem.objs.values()].some((o) => JSON.stringify(o).includes(text))

  it('expose-ip applies the port, then a second run changes nothing', async () => {
    const first = await run('expose-ip', '--port', 'vm1')
    expect(first.error).to.equal(undefined)
    expect(first.doc).to.include({dryRun: false, changed: true})
    expect(first.exitCode).to.equal(0)
    for (const o of VM1_OWN) expect(objects(first)).to.include(`add ${o}`)
    const second = await run('expose-ip', '--port', 'vm1')
    expect(second.doc).to.include({changed: false})
    expect(second.doc!.changes).to.deep.equal([])
    expect(second.doc!.unchanged).to.equal(first.doc!.changes.length)
  })

  it('expose never touches objects of other exposures, not even stale owned ones (that is sync --prune)', async () => {
    mem.objs.set('address|bgp-nic|172.24.4.123/32', {kind: 'address', dev: 'bgp-nic', cidr: '172.24.4.123/32'})
    const r = await run('expose-lb-vip', '--lb', 'lb1')
    expect(objects(r)).to.deep.equal(['add address 10.0.0.50/32 dev bgp-nic'])
    expect(has('172.24.4.123/32')).to.equal(true)
  })

  it('withdraw-ip removes only what the port alone needed; the shared NDP proxy stays for the cr-lrp', async () => {
    await run('expose-ip', '--router', 'lrp-gw')
    await run('expose-ip', '--port', 'vm1')
    const before = mem.objs.size
    const w = await run('withdraw-ip', '--port', 'vm1')
    expect(w.error).to.equal(undefined)
    expect(w.doc).to.include({changed: true, upstream: 'withdraw_ip'})
    expect(objects(w)).to.deep.equal(VM1_REMOVED)
    expect(mem.objs.size).to.equal(before - VM1_REMOVED.length)
    expect(mem.has('ndp-proxy', '2001:db8:100::')).to.equal(true)
    expect(mem.has('vlan', 'br-ex.100')).to.equal(true)
    expect(has('172.24.4.10/32')).to.equal(true)
    const again = await run('withdraw-ip', '--port', 'vm1')
    expect(again.doc).to.include({changed: false})
    expect(again.doc!.changes).to.deep.equal([])
  })

  it('withdraw-ip still removes a port that NB no longer binds here (upstream withdraws exactly then)', async () => {
    await run('expose-ip', '--port', 'vm1')
    await updatePort(nb!.unix, 'vm1', {
      options: ['map', [['requested-chassis', 'compute-2']]],
      external_ids: [
        'map',
        [
          ['neutron:network_name', 'neutron-pub'],
          ['neutron:cidrs', '172.24.4.226/24 2001:db8:100::226/64'],
        ],
      ],
    })
    try {
      const exposeNow = await run('expose-ip', '--port', 'vm1')
      expect(exposeNow.exitCode).to.equal(2) // NB no longer wants it here
      const w = await run('withdraw-ip', '--port', 'vm1')
      expect(w.error).to.equal(undefined)
      expect(w.doc!.ips).to.deep.equal(['172.24.4.226', '2001:db8:100::226'])
      // the NDP proxy is kept: NB still wants it here for the cr-lrp's 2001:db8:100::a/64
      expect(objects(w)).to.deep.equal(VM1_REMOVED)
      expect(mem.has('ndp-proxy', '2001:db8:100::')).to.equal(true)
      expect(mem.has('vlan', 'br-ex.100')).to.equal(true)
    } finally {
      await updatePort(nb!.unix, 'vm1', {
        options: ['map', [['requested-chassis', 'compute-1']]],
        external_ids: [
          'map',
          [
            ['neutron:network_name', 'neutron-pub'],
            ['neutron:cidrs', '172.24.4.226/24 2001:db8:100::226/64'],
            ['neutron:host_id', 'compute-1'],
          ],
        ],
      })
    }
  })

  it('withdraw-ip --router takes the cr-lrp, its subnet, tenant IPs and LBs, keeping what vm1 still needs', async () => {
    await run('expose-ip', '--router', 'lrp-gw')
    await run('expose-ip', '--port', 'vm1')
    const w = await run('withdraw-ip', '--router', 'r1')
    expect(w.doc!.ips).to.deep.equal([
      '10.0.0.1/24',
      '10.0.0.5',
      '10.0.0.7',
      '10.0.0.50',
      '172.24.4.10',
      '172.24.4.50',
      '172.24.4.60',
      '2001:db8:100::a',
    ])
    expect(objects(w)).to.include('remove route 10.0.0.0/24 via 172.24.4.10 dev br-ex.100 table 1 proto 3')
    expect(objects(w)).to.include('remove rule priority 32000 to 10.0.0.1/24 lookup 1')
    expect(objects(w).every((o) => o.startsWith('remove '))).to.equal(true)
    const left = [...mem.objs.values()]
      .filter((o) => o.kind === 'address' && o.dev === 'bgp-nic')
      .map((o) => (o as {cidr: string}).cidr)
    expect(left.sort()).to.deep.equal(['172.24.4.226/32', '2001:db8:100::226/128'])
    expect(mem.has('ndp-proxy', '2001:db8:100::')).to.equal(true)
  })

  it('explicit withdraw removes the per-IP objects and keeps shared kinds (the rest of the node is unknown)', async () => {
    const values = ['--ip', '2001:db8:100::99', '--cidr', '2001:db8:100::99/64', '--bridge', 'br-ex', '--vlan', '100']
    const e = await run('expose-ip', ...values, '--mac', 'fa:16:3e:00:00:99')
    expect(e.error).to.equal(undefined)
    expect(objects(e)).to.include('add neigh proxy 2001:db8:100:: dev br-ex.100')
    const w = await run('withdraw-ip', ...values)
    expect(w.error).to.equal(undefined)
    expect(objects(w)).to.deep.equal([
      'remove neigh 2001:db8:100::99 lladdr fa:16:3e:00:00:99 dev br-ex.100 nud permanent',
      'remove route -6 2001:db8:100::99/128 dev br-ex.100 table 1 proto 3',
      'remove rule -6 priority 32000 to 2001:db8:100::99/128 lookup 1',
      'remove address 2001:db8:100::99/128 dev bgp-nic',
    ])
    expect(mem.has('ndp-proxy', '2001:db8:100::')).to.equal(true)
    expect((await run('withdraw-ip', ...values)).doc).to.include({changed: false})
  })

  it('per-object failures exit 3 and are reported; the next run repairs only what failed', async () => {
    mem.failOn = (o) => o.kind === 'neigh'
    const r = await run('expose-fip', '--port', 'vm3')
    expect(r.exitCode).to.equal(3)
    expect(r.doc!.failed).to.deep.equal([
      {
        action: 'add',
        kind: 'neigh',
        object: 'neigh 172.24.4.201 lladdr fa:16:3e:00:02:01 dev br-ex.100 nud permanent',
        spec: {kind: 'neigh', family: 4, ip: '172.24.4.201', dev: 'br-ex.100', mac: 'fa:16:3e:00:02:01'},
        error: 'RTNETLINK answers: Operation not permitted',
      },
    ])
    expect(has('172.24.4.201/32')).to.equal(true)
    mem.failOn = () => false
    const repair = await run('expose-fip', '--port', 'vm3')
    expect(repair.exitCode).to.equal(0)
    expect(objects(repair)).to.deep.equal([
      'add neigh 172.24.4.201 lladdr fa:16:3e:00:02:01 dev br-ex.100 nud permanent',
    ])
    expect((await run('expose-fip', '--port', 'vm3')).doc).to.include({changed: false})
  })

  it('withdraw-lb-fip and withdraw-subnet undo their expose counterparts exactly', async () => {
    const pairs: Array<[string, string[]]> = [
      ['lb-fip', ['--lb', 'lb1']],
      ['subnet', ['--port', 'rif1']],
      ['remote-ip', ['--port', 'vm2']],
      ['lb-vip', ['--lb', 'lb2']],
      ['fip', ['--port', 'vm3']],
    ]
    for (const [method, args] of pairs) {
      mem = new MemoryKernel()
      const e = await run(`expose-${method}`, ...args)
      const owned = e.doc!.exposed.length
      expect(owned, method).to.be.greaterThan(0)
      const w = await run(`withdraw-${method}`, ...args)
      expect(w.error, method).to.equal(undefined)
      // what remains is exactly the shared base wiring the expose put under it
      const removed = new Set(w.doc!.changes.map((c) => c.object))
      const added = e.doc!.changes.map((c) => c.object)
      const kept = added.filter((o) => !removed.has(o))
      expect(
        kept.every((o) => /^(link|sysctl|route (-6 )?default|address (169\.254|fd53))/.test(o)),
        `${method}: ${kept.join('; ')}`,
      ).to.equal(true)
      expect((await run(`withdraw-${method}`, ...args)).doc, method).to.include({changed: false})
    }
  })
})
