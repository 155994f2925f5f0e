// The guest-side daemon helpers other kernel-tier tests build on, exercised end to end: an
// address the kernel layer puts on bgp-nic (in the VRF) is advertised by a private FRR, leaked to
// the default instance and received by a gobgpd peer over a veth; removing it withdraws it. And a
// private OVS with the kernel datapath creates its bridge inside the test namespace.
import {expect} from 'chai'

import type {StateObj} from '../../src/lib/planner/types.js'

import {Frr} from './helpers/frr.js'
import {GobgpPeer, peerLink} from './helpers/gobgp.js'
import {Netns, requireGuest} from './helpers/guest.js'
import {kernelEnv, type KernelEnv} from './helpers/kernel-env.js'
import {PrivateOvs} from './helpers/ovs.js'

const agentConf = (peerIp: string, agentIp: string): string => `router bgp 64999
 bgp router-id ${agentIp}
 no bgp ebgp-requires-policy
 neighbor ${peerIp} remote-as 65001
 neighbor ${peerIp} timers connect 1
 address-family ipv4 unicast
  import vrf bgp-vrf
 exit-address-family
 address-family ipv6 unicast
  import vrf bgp-vrf
  neighbor ${peerIp} activate
 exit-address-family
exit
router bgp 64999 vrf bgp-vrf
 bgp router-id ${agentIp}
 no bgp ebgp-requires-policy
 address-family ipv4 unicast
  redistribute connected
 exit-address-family
 address-family ipv6 unicast
  redistribute connected
 exit-address-family
exit
`

describe('guest daemon helpers: FRR + gobgpd peer, private OVS', function () {
  this.timeout(180_000)
  let env: KernelEnv
  let peerNs: Netns
  let frr: Frr | undefined
  let gobgp: GobgpPeer | undefined
  let ovs: PrivateOvs | undefined

  before(async function () {
    requireGuest(this, ['vtysh', 'gobgpd', 'gobgp', 'ovs-vswitchd', 'ovsdb-server', 'ovs-vsctl'])
    env = await kernelEnv('khelp', {bridges: []})
    peerNs = await Netns.create('khelp-peer')
  })

  after(async () => {
    await gobgp?.stop()
    await frr?.stop()
    await ovs?.stop()
    await peerNs?.close()
    await env?.close()
  })

  it('advertises a bgp-nic address to the peer and withdraws it', async () => {
    expect((await env.kernel.ensureBase(env.base)).failed).to.deep.equal([])
    const link = await peerLink({agentNs: env.ns.name, peerNs: peerNs.name})
    frr = await Frr.start({netns: env.ns.name})
    const applied = await frr.applyConfig(agentConf(link.peerIp, link.agentIp))
    expect(applied.code, applied.stderr).to.equal(0)
    gobgp = await GobgpPeer.start({
      netns: peerNs.name,
      localAs: 65_001,
      localIp: link.peerIp,
      neighborIp: link.agentIp,
      neighborAs: 64_999,
    })
    const t0 = Date.now()
    await gobgp.waitEstablished()
    const established = Date.now() - t0
    const addrs: StateObj[] = [
      {kind: 'address', dev: 'bgp-nic', cidr: '172.24.4.226/32'},
      {kind: 'address', dev: 'bgp-nic', cidr: '2001:db8:100::226/128'},
    ]
    expect((await env.kernel.apply({add: addrs, remove: [], unchanged: 0})).every((r) => r.ok)).to.equal(true)
    const t1 = Date.now()
    await gobgp.waitPrefix('172.24.4.226/32')
    await gobgp.waitPrefix('2001:db8:100::226/128')
    const received = Date.now() - t1
    expect((await env.kernel.apply({add: [], remove: addrs, unchanged: 0})).every((r) => r.ok)).to.equal(true)
    const t2 = Date.now()
    await gobgp.waitPrefix('172.24.4.226/32', false)
    console.log(`      session up ${established} ms, prefixes received ${received} ms, withdrawn ${Date.now() - t2} ms`)
  })

  it('runs a private OVS whose bridge appears in the test namespace', async () => {
    ovs = await PrivateOvs.start({netns: env.ns.name})
    await ovs.vsctl('add-br', 'br-ex')
    await env.ns.ip('link', 'show', 'br-ex')
    await ovs.ofctl('add-flow', 'br-ex', 'cookie=0x3e7,priority=900,ip,in_port=LOCAL,actions=NORMAL')
    const flows = await ovs.ofctl('--no-stats', 'dump-flows', 'br-ex', 'cookie=0x3e7/-1')
    expect(flows).to.match(/cookie=0x3e7, priority=900,ip,in_port=LOCAL actions=NORMAL/)
  })
})
