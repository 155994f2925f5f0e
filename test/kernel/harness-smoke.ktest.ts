// Smoke test of the kernel tier itself: the guest runs the distribution kernel with the link types
// the host kernel lacks (vrf, dummy, veth, vlan), and a private namespace per suite works.
import {expect} from 'chai'
import {readFileSync} from 'node:fs'

import {Netns, requireGuest} from './helpers/guest.js'

describe('kernel tier harness (guest)', () => {
  let ns: Netns | undefined

  before(async function () {
    requireGuest(this)
    ns = await Netns.create('ksmoke')
  })

  after(async () => {
    await ns?.close()
  })

  it('has the modules ovn-bgp needs loaded', () => {
    const mods = readFileSync('/proc/modules', 'utf8')
      .split('\n')
      .map((l) => l.split(' ')[0])
    for (const m of ['vrf', 'dummy', 'veth', '8021q', 'openvswitch']) expect(mods, m).to.include(m)
  })

  it('creates a vrf, an enslaved dummy and a vlan device in a private namespace', async () => {
    const n = ns!
    await n.ip('link', 'add', 'bgp-vrf', 'type', 'vrf', 'table', '10')
    await n.ip('link', 'add', 'bgp-nic', 'type', 'dummy')
    await n.ip('link', 'set', 'bgp-nic', 'master', 'bgp-vrf')
    await n.ip('link', 'add', 'br-ex', 'type', 'bridge')
    await n.ip('link', 'add', 'link', 'br-ex', 'name', 'br-ex.100', 'type', 'vlan', 'id', '100')
    const links = await n.ipJson<Array<{ifname: string; master?: string; linkinfo?: {info_kind?: string}}>>(
      '-details',
      'link',
      'show',
    )
    const kinds = Object.fromEntries(links.map((l) => [l.ifname, l.linkinfo?.info_kind ?? '']))
    expect(kinds).to.include({'bgp-vrf': 'vrf', 'bgp-nic': 'dummy', 'br-ex': 'bridge', 'br-ex.100': 'vlan'})
    expect(links.find((l) => l.ifname === 'bgp-nic')?.master).to.equal('bgp-vrf')
  })
})
