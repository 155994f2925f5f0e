// Base wiring against the real kernel: VRF + dummy created, enslaved and up; bridge defaults;
// idempotent second run; a missing provider bridge reported and not created; VRF route clearing.
import {expect} from 'chai'

import {requireGuest} from './helpers/guest.js'
import {kernelEnv, type KernelEnv} from './helpers/kernel-env.js'

interface Link {
  ifname: string
  master?: string
  flags?: string[]
  linkinfo?: {info_kind?: string; info_data?: {table?: number}}
}

describe('kernel base wiring (guest)', () => {
  let env: KernelEnv

  before(async function () {
    requireGuest(this)
    env = await kernelEnv('kbase')
    await env.ns.ip('link', 'set', 'br-ex', 'down')
  })

  after(async () => {
    await env?.close()
  })

  it('creates the VRF and bgp-nic, brings the bridge up, adds the table defaults', async () => {
    const res = await env.kernel.ensureBase({
      ...env.base,
      bridges: [...env.base.bridges, {name: 'br-missing', table: 201}],
    })
    expect(res.failed).to.deep.equal([])
    expect(res.missingBridges).to.deep.equal(['br-missing'])
    expect(res.changed).to.include.members([
      'created VRF bgp-vrf table 10',
      'created dummy bgp-nic',
      'set bgp-vrf up',
      'enslaved bgp-nic to bgp-vrf',
      'set bgp-nic up',
      'set br-ex up',
      'added IPv4 default route dev br-ex table 200',
      'added IPv6 default route dev br-ex table 200',
    ])
    const links = await env.ns.ipJson<Link[]>('-details', 'link', 'show')
    const by = new Map(links.map((l) => [l.ifname, l]))
    expect(by.get('bgp-vrf')?.linkinfo?.info_kind).to.equal('vrf')
    expect(by.get('bgp-vrf')?.linkinfo?.info_data?.table).to.equal(10)
    expect(by.get('bgp-nic')?.linkinfo?.info_kind).to.equal('dummy')
    expect(by.get('bgp-nic')?.master).to.equal('bgp-vrf')
    for (const n of ['bgp-vrf', 'bgp-nic', 'br-ex']) expect(by.get(n)?.flags, n).to.include('UP')
    expect(by.has('br-missing'), 'never creates a provider bridge').to.equal(false)
    const r4 = (await env.ns.exec('ip', '-d', 'route', 'show', 'table', '200')).stdout
    expect(r4).to.match(/unicast default dev br-ex proto boot scope link/)
    const r6 = (await env.ns.exec('ip', '-6', '-d', 'route', 'show', 'table', '200')).stdout
    expect(r6).to.match(/unicast default dev br-ex proto boot/)
  })

  it('changes nothing the second time', async () => {
    const {links, ...res} = await env.kernel.ensureBase(env.base)
    expect(res).to.deep.equal({changed: [], missingBridges: [], warnings: [], failed: []})
    // the links it read go with the result (the first pass's context uses them)
    expect(links).to.include.members(['bgp-vrf', 'bgp-nic', 'br-ex'])
  })

  it('re-enslaves a bgp-nic that lost its master', async () => {
    await env.ns.ip('link', 'set', 'bgp-nic', 'nomaster')
    const res = await env.kernel.ensureBase(env.base)
    expect(res.changed).to.include('enslaved bgp-nic to bgp-vrf')
    expect((await env.kernel.ensureBase(env.base)).changed).to.deep.equal([])
  })

  it('clears VRF routes on request, keeping host-scope and proto bgp routes', async () => {
    await env.ns.ip('address', 'add', '172.24.4.226/32', 'dev', 'bgp-nic')
    await env.ns.ip('route', 'add', '10.8.0.0/24', 'dev', 'bgp-nic', 'table', '10', 'proto', 'static')
    await env.ns.ip('route', 'add', '10.9.0.0/24', 'dev', 'bgp-nic', 'table', '10', 'proto', '3')
    await env.ns.ip('route', 'add', '10.7.0.0/24', 'dev', 'bgp-nic', 'table', '10', 'proto', '186')
    const res = await env.kernel.ensureBase({...env.base, clearVrfRoutes: true})
    expect(res.failed).to.deep.equal([])
    expect(res.changed.filter((c) => c.startsWith('cleared VRF route')).length).to.equal(2)
    const left = (await env.ns.exec('ip', 'route', 'show', 'table', '10')).stdout
    expect(left).not.to.match(/10\.8\.0\.0|10\.9\.0\.0/)
    expect(left).to.match(/10\.7\.0\.0\/24 dev bgp-nic proto bgp/)
    expect(left).to.match(/local 172\.24\.4\.226 dev bgp-nic/)
  })

  it('reports, and does not correct, a VRF that uses another table', async () => {
    const other = await kernelEnv('kbase2')
    try {
      await other.ns.ip('link', 'add', 'bgp-vrf', 'type', 'vrf', 'table', '11')
      const res = await other.kernel.ensureBase(other.base)
      expect(res.warnings).to.deep.equal(['VRF bgp-vrf uses table 11, configured 10 (not corrected)'])
      expect(res.failed).to.deep.equal([])
    } finally {
      await other.close()
    }
  })
})
