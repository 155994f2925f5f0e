// Adoption: state left by the upstream agent (built here with the exact commands of
// docs/upstream-behaviour.md#kernel-and-ovs-operations) is
// recognised as ovn-bgp's own: observe reports it, and the diff against the same desired state is
// empty, so nothing is removed and re-added when one agent replaces the other.
import {expect} from 'chai'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {Kernel} from '../../src/lib/kernel/kernel.js'
import {RtTables} from '../../src/lib/kernel/rt-tables.js'
import {diff} from '../../src/lib/planner/diff.js'
import {objValue, type StateObj} from '../../src/lib/planner/types.js'
import {requireGuest} from './helpers/guest.js'
import {kernelEnv, type KernelEnv} from './helpers/kernel-env.js'

/**
 * `ip`/`sysctl` argv lists as the upstream agent's operations leave the node
 * (docs/upstream-behaviour.md#kernel-and-ovs-operations).
 */
const upstream: string[][] = [
  ['ip', 'link', 'add', 'bgp-vrf', 'type', 'vrf', 'table', '10'],
  ['ip', 'link', 'set', 'bgp-vrf', 'up'],
  ['ip', 'link', 'add', 'bgp-nic', 'type', 'dummy'],
  ['ip', 'link', 'set', 'bgp-nic', 'up'],
  ['ip', 'link', 'set', 'bgp-nic', 'master', 'bgp-vrf'],
  ['ip', 'link', 'add', 'link', 'br-ex', 'name', 'br-ex.100', 'type', 'vlan', 'id', '100'],
  ['ip', 'link', 'set', 'br-ex.100', 'up'],
  [
    'sysctl',
    '-w',
    'net.ipv4.conf.br-ex.proxy_arp=1',
    'net.ipv6.conf.br-ex.proxy_ndp=1',
    'net.ipv4.conf.br-ex/100.proxy_arp=1',
    'net.ipv6.conf.br-ex/100.proxy_ndp=1',
  ],
  ['ip', 'addr', 'add', '169.254.1.1/32', 'dev', 'br-ex'],
  ['ip', '-6', 'addr', 'add', 'fd53:d91e:400:7f17::1:1/128', 'dev', 'br-ex'],
  ['ip', 'addr', 'add', '169.254.1.100/32', 'dev', 'br-ex.100'],
  ['ip', '-6', 'addr', 'add', 'fd53:d91e:400:7f17::1:64/128', 'dev', 'br-ex.100'],
  ['ip', 'route', 'replace', 'default', 'dev', 'br-ex', 'table', '200', 'proto', '3', 'scope', 'link'],
  ['ip', '-6', 'route', 'replace', 'default', 'dev', 'br-ex', 'table', '200', 'proto', '3'],
  // provider VM on br-ex
  ['ip', 'addr', 'add', '172.24.4.226/32', 'dev', 'bgp-nic'],
  ['ip', '-6', 'addr', 'add', '2001:db8:100::226/128', 'dev', 'bgp-nic'],
  ['ip', 'rule', 'add', 'to', '172.24.4.226/32', 'lookup', '200', 'priority', '32000'],
  ['ip', '-6', 'rule', 'add', 'to', '2001:db8:100::226/128', 'lookup', '200', 'priority', '32000'],
  ['ip', 'route', 'replace', '172.24.4.226/32', 'dev', 'br-ex', 'table', '200', 'proto', '3', 'scope', 'link'],
  ['ip', '-6', 'route', 'replace', '2001:db8:100::226/128', 'dev', 'br-ex', 'table', '200', 'proto', '3'],
  ['ip', 'neigh', 'replace', '172.24.4.226', 'lladdr', 'fa:16:3e:00:02:26', 'dev', 'br-ex', 'nud', 'permanent'],
  [
    'ip',
    '-6',
    'neigh',
    'replace',
    '2001:db8:100::226',
    'lladdr',
    'fa:16:3e:00:02:26',
    'dev',
    'br-ex',
    'nud',
    'permanent',
  ],
  ['ip', '-6', 'neigh', 'add', 'proxy', '2001:db8:100::', 'dev', 'br-ex'],
  // provider VM on VLAN 100
  ['ip', 'addr', 'add', '172.24.5.7/32', 'dev', 'bgp-nic'],
  ['ip', 'rule', 'add', 'to', '172.24.5.7/32', 'lookup', '200', 'priority', '32000'],
  ['ip', 'route', 'replace', '172.24.5.7/32', 'dev', 'br-ex.100', 'table', '200', 'proto', '3', 'scope', 'link'],
  ['ip', 'neigh', 'replace', '172.24.5.7', 'lladdr', 'fa:16:3e:00:05:07', 'dev', 'br-ex.100', 'nud', 'permanent'],
  // tenant subnet behind a cr-lrp (rule keeps the host bits, route uses the network)
  ['ip', 'neigh', 'replace', '172.24.4.10', 'lladdr', 'fa:16:3e:00:00:0a', 'dev', 'br-ex', 'nud', 'permanent'],
  ['ip', 'rule', 'add', 'to', '10.0.0.1/24', 'lookup', '200', 'priority', '32000'],
  [
    'ip',
    'route',
    'replace',
    '10.0.0.0/24',
    'via',
    '172.24.4.10',
    'dev',
    'br-ex',
    'table',
    '200',
    'proto',
    '3',
    'scope',
    'global',
  ],
  // a neighbour upstream left with a MAC that is no longer right
  ['ip', 'neigh', 'replace', '172.24.4.227', 'lladdr', 'fa:16:3e:00:00:01', 'dev', 'br-ex', 'nud', 'permanent'],
]

const sysctl = (key: string): StateObj => ({kind: 'sysctl', key, value: '1'})
const desired: StateObj[] = [
  {kind: 'vlan', name: 'br-ex.100', link: 'br-ex', id: 100},
  sysctl('net.ipv4.conf.br-ex.proxy_arp'),
  sysctl('net.ipv6.conf.br-ex.proxy_ndp'),
  sysctl('net.ipv4.conf.br-ex/100.proxy_arp'),
  sysctl('net.ipv6.conf.br-ex/100.proxy_ndp'),
  {kind: 'address', dev: 'br-ex', cidr: '169.254.1.1/32'},
  {kind: 'address', dev: 'br-ex', cidr: 'fd53:d91e:400:7f17::1:1/128'},
  {kind: 'address', dev: 'br-ex.100', cidr: '169.254.1.100/32'},
  {kind: 'address', dev: 'br-ex.100', cidr: 'fd53:d91e:400:7f17::1:64/128'},
  {kind: 'route', family: 4, table: 200, dst: 'default', dev: 'br-ex', scope: 'link', proto: 3},
  {kind: 'route', family: 6, table: 200, dst: 'default', dev: 'br-ex', proto: 3},
  {kind: 'address', dev: 'bgp-nic', cidr: '172.24.4.226/32'},
  {kind: 'address', dev: 'bgp-nic', cidr: '2001:db8:100::226/128'},
  {kind: 'rule', family: 4, dst: '172.24.4.226/32', table: 200, priority: 32_000},
  {kind: 'rule', family: 6, dst: '2001:db8:100::226/128', table: 200, priority: 32_000},
  {kind: 'route', family: 4, table: 200, dst: '172.24.4.226/32', dev: 'br-ex', scope: 'link', proto: 3},
  {kind: 'route', family: 6, table: 200, dst: '2001:db8:100::226/128', dev: 'br-ex', proto: 3},
  {kind: 'neigh', family: 4, ip: '172.24.4.226', dev: 'br-ex', mac: 'fa:16:3e:00:02:26'},
  {kind: 'neigh', family: 6, ip: '2001:db8:100::226', dev: 'br-ex', mac: 'fa:16:3e:00:02:26'},
  {kind: 'ndp-proxy', ip: '2001:db8:100::', dev: 'br-ex'},
  {kind: 'address', dev: 'bgp-nic', cidr: '172.24.5.7/32'},
  {kind: 'rule', family: 4, dst: '172.24.5.7/32', table: 200, priority: 32_000},
  {kind: 'route', family: 4, table: 200, dst: '172.24.5.7/32', dev: 'br-ex.100', scope: 'link', proto: 3},
  {kind: 'neigh', family: 4, ip: '172.24.5.7', dev: 'br-ex.100', mac: 'fa:16:3e:00:05:07'},
  {kind: 'neigh', family: 4, ip: '172.24.4.10', dev: 'br-ex', mac: 'fa:16:3e:00:00:0a'},
  {kind: 'rule', family: 4, dst: '10.0.0.1/24', table: 200, priority: 32_000},
  {kind: 'route', family: 4, table: 200, dst: '10.0.0.0/24', dev: 'br-ex', via: '172.24.4.10', proto: 3},
]
const stale: StateObj = {kind: 'neigh', family: 4, ip: '172.24.4.227', dev: 'br-ex', mac: 'fa:16:3e:00:02:27'}

const values = (objs: readonly StateObj[]): string[] => objs.map(objValue).sort()

describe('adopting state left by the upstream agent (guest)', () => {
  let env: KernelEnv
  let dir: string

  before(async function () {
    requireGuest(this, ['sysctl'])
    env = await kernelEnv('kadopt')
    dir = mkdtempSync(join(tmpdir(), 'kadopt-'))
    for (const [file, ...args] of upstream) await env.ns.exec(file!, ...args)
  })

  after(async () => {
    await env?.close()
    if (dir) rmSync(dir, {recursive: true, force: true})
  })

  it('finds the bridge table upstream recorded in rt_tables', async () => {
    writeFileSync(join(dir, 'rt_tables'), '255\tlocal\n254\tmain\n253\tdefault\n0\tunspec\n200 br-ex\n')
    const got = await new RtTables(join(dir, 'rt_tables')).ensure(['br-ex'], [10])
    expect(got.get('br-ex')).to.equal(200)
  })

  it('observes the upstream state as owned; the diff is empty except the wrong MAC', async () => {
    const want = [...desired, stale]
    const observed = await env.kernel.observe({...env.scope, adopt: want})
    const plan = diff(want, observed)
    expect(plan.remove).to.deep.equal([])
    expect(plan.add.map(objValue)).to.deep.equal([objValue(stale)])
    expect(plan.unchanged).to.equal(desired.length)
    expect(values(observed)).to.deep.equal(values(desired))
  })

  it('keeps the adopted entries as owned in the ledger (a new Kernel, no adoption list)', async () => {
    const again = new Kernel(env.ns.runner, {stateDir: env.stateDir})
    const observed = await again.observe(env.scope)
    expect(values(observed)).to.deep.equal(values(desired))
  })

  it('applying the plan only replaces the stale neighbour; then nothing is left to do', async () => {
    const want = [...desired, stale]
    const plan = diff(want, await env.kernel.observe({...env.scope, adopt: want}))
    const results = await env.kernel.apply(plan)
    expect(results.map((r) => [r.action, objValue(r.obj), r.ok])).to.deep.equal([['add', objValue(stale), true]])
    const after = diff(want, await env.kernel.observe(env.scope))
    expect(after.add).to.deep.equal([])
    expect(after.remove).to.deep.equal([])
    expect((await env.ns.exec('ip', 'neigh', 'show', '172.24.4.227', 'dev', 'br-ex')).stdout).to.match(
      /lladdr fa:16:3e:00:02:27 PERMANENT/,
    )
  })
})
