// Every kernel applier kind against the real kernel: apply a plan, observe, compare; the second
// pass plans nothing; neighbours on a VLAN device are deleted on that device; deleting twice is ok.
import {expect} from 'chai'

import type {KernelObj} from '../../src/lib/kernel/types.js'

import {diff} from '../../src/lib/planner/diff.js'
import {objValue, type StateObj} from '../../src/lib/planner/types.js'
import {requireGuest} from './helpers/guest.js'
import {kernelEnv, type KernelEnv} from './helpers/kernel-env.js'

const sysctl = (key: string): StateObj => ({kind: 'sysctl', key, value: '1'})

/** A node exposing one VM on br-ex, one on VLAN 100, and a tenant subnet via a cr-lrp. */
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
  {kind: 'address', dev: 'bgp-nic', cidr: '172.24.4.226/32'},
  {kind: 'address', dev: 'bgp-nic', cidr: '2001:db8:100::226/128'},
  {kind: 'address', dev: 'bgp-nic', cidr: '172.24.5.7/32'},
  {kind: 'rule', family: 4, dst: '172.24.4.226/32', table: 200, priority: 32_000},
  {kind: 'rule', family: 6, dst: '2001:db8:100::226/128', table: 200, priority: 32_000},
  {kind: 'rule', family: 4, dst: '172.24.5.7/32', table: 200, priority: 32_000},
  {kind: 'rule', family: 4, dst: '10.0.0.1/24', table: 200, priority: 32_000},
  {kind: 'route', family: 4, table: 200, dst: 'default', dev: 'br-ex', scope: 'link', proto: 3},
  {kind: 'route', family: 6, table: 200, dst: 'default', dev: 'br-ex', proto: 3},
  {kind: 'route', family: 4, table: 200, dst: '172.24.4.226/32', dev: 'br-ex', scope: 'link', proto: 3},
  {kind: 'route', family: 6, table: 200, dst: '2001:db8:100::226/128', dev: 'br-ex', proto: 3},
  {kind: 'route', family: 4, table: 200, dst: '172.24.5.7/32', dev: 'br-ex.100', scope: 'link', proto: 3},
  {kind: 'route', family: 4, table: 200, dst: '10.0.0.0/24', dev: 'br-ex', via: '172.24.4.10', proto: 3},
  {kind: 'neigh', family: 4, ip: '172.24.4.10', dev: 'br-ex', mac: 'fa:16:3e:00:00:0a'},
  {kind: 'neigh', family: 4, ip: '172.24.5.7', dev: 'br-ex.100', mac: 'fa:16:3e:00:05:07'},
  {kind: 'neigh', family: 6, ip: '2001:db8:100::226', dev: 'br-ex', mac: 'fa:16:3e:00:02:26'},
  {kind: 'ndp-proxy', ip: '2001:db8:100::', dev: 'br-ex'},
  {kind: 'ndp-proxy', ip: '2001:db8:101::', dev: 'br-ex.100'},
]

const values = (objs: readonly StateObj[]): string[] => objs.map(objValue).sort()

describe('kernel appliers against the real kernel (guest)', () => {
  let env: KernelEnv

  before(async function () {
    requireGuest(this, ['sysctl'])
    env = await kernelEnv('kapply')
    const base = await env.kernel.ensureBase(env.base)
    expect(base.failed).to.deep.equal([])
  })

  after(async () => {
    await env?.close()
  })

  it('applies every kind; observe then equals desired', async () => {
    const plan = diff(desired, await env.kernel.observe(env.scope))
    const results = await env.kernel.apply(plan)
    expect(results.filter((r) => !r.ok)).to.deep.equal([])
    expect(values(await env.kernel.observe(env.scope))).to.deep.equal(values(desired))
  })

  it('second pass: the plan is empty and applying it runs nothing', async () => {
    const plan = diff(desired, await env.kernel.observe(env.scope))
    expect(plan.add).to.deep.equal([])
    expect(plan.remove).to.deep.equal([])
    expect(plan.unchanged).to.equal(desired.length)
    expect(await env.kernel.apply(plan)).to.deep.equal([])
  })

  it('left the expected shapes in the kernel (upstream operations)', async () => {
    const rules = (await env.ns.exec('ip', '-4', 'rule', 'show')).stdout
    expect(rules).to.match(/^32000:\s+from all to 172\.24\.4\.226 lookup 200/m)
    const routes = (await env.ns.exec('ip', '-d', 'route', 'show', 'table', '200')).stdout
    expect(routes).to.match(/unicast 172\.24\.5\.7 dev br-ex\.100 proto boot scope link/)
    expect(routes).to.match(/unicast 10\.0\.0\.0\/24 via 172\.24\.4\.10 dev br-ex proto boot scope global/)
    const neigh = (await env.ns.exec('ip', 'neigh', 'show', 'dev', 'br-ex.100')).stdout
    expect(neigh).to.match(/172\.24\.5\.7 lladdr fa:16:3e:00:05:07 PERMANENT/)
    expect((await env.ns.exec('sysctl', '-n', 'net.ipv4.conf.br-ex/100.proxy_arp')).stdout.trim()).to.equal('1')
    const link = (await env.ns.exec('ip', '-d', 'link', 'show', 'br-ex.100')).stdout
    expect(link).to.match(/vlan protocol 802\.1Q id 100/)
  })

  it('deletes a neighbour on the VLAN device it lives on, leaving an unowned one on the bridge', async () => {
    // An operator's static entry for the same IP on the bridge: not in the ledger, never touched.
    // (The bridge keeps an operator address: the kernel flushes even permanent ARP entries of a
    // device when its last IPv4 address goes, which the final removal test would otherwise do.)
    await env.ns.ip('address', 'add', '172.24.4.1/24', 'dev', 'br-ex')
    await env.ns.ip('neigh', 'replace', '172.24.5.7', 'lladdr', 'fa:16:3e:99:99:99', 'dev', 'br-ex', 'nud', 'permanent')
    const without = desired.filter((o) => !(o.kind === 'neigh' && o.dev === 'br-ex.100'))
    const plan = diff(without, await env.kernel.observe(env.scope))
    expect(plan.remove.map(objValue)).to.deep.equal(['neigh|br-ex.100|172.24.5.7|fa:16:3e:00:05:07'])
    expect((await env.kernel.apply(plan)).every((r) => r.ok)).to.equal(true)
    expect((await env.ns.exec('ip', 'neigh', 'show', 'dev', 'br-ex.100')).stdout).not.to.match(/172\.24\.5\.7/)
    expect((await env.ns.exec('ip', 'neigh', 'show', 'dev', 'br-ex')).stdout).to.match(
      /172\.24\.5\.7 lladdr fa:16:3e:99:99:99 PERMANENT/,
    )
    expect(values(await env.kernel.observe(env.scope))).to.deep.equal(values(without))
  })

  it('replaces a neighbour whose MAC changed and a route whose device changed', async () => {
    const changed = desired.map((o): StateObj => {
      if (o.kind === 'neigh' && o.ip === '172.24.4.10') return {...o, mac: 'fa:16:3e:00:00:0b'}
      if (o.kind === 'route' && o.dst === '172.24.4.226/32') return {...o, dev: 'br-ex.100'}
      return o
    })
    const plan = diff(changed, await env.kernel.observe(env.scope))
    expect(plan.remove.filter((o) => o.kind !== 'neigh')).to.deep.equal([])
    expect((await env.kernel.apply(plan)).every((r) => r.ok)).to.equal(true)
    expect(values(await env.kernel.observe(env.scope))).to.deep.equal(values(changed))
  })

  it('removes everything it owns, twice without error; VLAN device and its sysctls go', async () => {
    const observed: KernelObj[] = await env.kernel.observe(env.scope)
    const plan = diff([], observed)
    expect(plan.remove.length).to.be.greaterThan(20)
    const first = await env.kernel.apply(plan)
    expect(first.filter((r) => !r.ok)).to.deep.equal([])
    const second = await env.kernel.apply(plan)
    expect(second.filter((r) => !r.ok)).to.deep.equal([])
    const left = await env.kernel.observe(env.scope)
    // diff never removes sysctls; those of the deleted VLAN device vanished with it.
    expect(values(left)).to.deep.equal(
      values([sysctl('net.ipv4.conf.br-ex.proxy_arp'), sysctl('net.ipv6.conf.br-ex.proxy_ndp')]),
    )
    expect((await env.ns.exec('ip', 'link', 'show')).stdout).not.to.match(/br-ex\.100/)
    // The operator's neighbour is still there.
    expect((await env.ns.exec('ip', 'neigh', 'show', 'dev', 'br-ex')).stdout).to.match(/fa:16:3e:99:99:99/)
  })
})
