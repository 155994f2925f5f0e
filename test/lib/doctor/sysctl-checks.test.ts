import {expect} from 'chai'

import {forwardingCheck, proxyArpNdpCheck, rpFilterCheck} from '../../../src/lib/doctor/sysctl-checks.js'
import {ctxWith, NB, OVS} from './helpers.js'

const P = '/proc/sys/net'

describe('doctor: sysctls', () => {
  describe('forwarding', () => {
    it('passes with both families forwarding', async () => {
      const {ctx} = ctxWith({files: {[`${P}/ipv4/ip_forward`]: '1\n', [`${P}/ipv6/conf/all/forwarding`]: '1\n'}})
      expect(await forwardingCheck.run(ctx)).to.deep.equal({
        status: 'pass',
        detail: 'net.ipv4.ip_forward=1, net.ipv6.conf.all.forwarding=1',
      })
    })

    it('fails without IPv4 forwarding', async () => {
      const {ctx} = ctxWith({files: {[`${P}/ipv4/ip_forward`]: '0\n', [`${P}/ipv6/conf/all/forwarding`]: '1\n'}})
      const r = await forwardingCheck.run(ctx)
      expect(r.status).to.equal('fail')
      expect(r.fix).to.include('net.ipv4.ip_forward=1')
    })

    it('warns without IPv6 forwarding, or with IPv6 disabled', async () => {
      const {ctx} = ctxWith({files: {[`${P}/ipv4/ip_forward`]: '1\n'}})
      const r = await forwardingCheck.run(ctx)
      expect(r.status).to.equal('warn')
      expect(r.detail).to.equal('net.ipv4.ip_forward=1, net.ipv6.conf.all.forwarding=unreadable (IPv6 disabled?)')
    })
  })

  describe('proxy_arp / proxy_ndp', () => {
    const vlanFacts = {
      ovs: {ok: true as const, value: OVS},
      nb: {ok: true as const, value: {...NB, localnetVlans: [{physnet: 'physnet1', tag: 100}]}},
    }

    it('passes when enabled on the bridge and its VLAN device (procfs keeps the dot in the name)', async () => {
      const {ctx} = ctxWith({
        facts: vlanFacts,
        files: {
          [`${P}/ipv4/conf/br-ex/proxy_arp`]: '1\n',
          [`${P}/ipv6/conf/br-ex/proxy_ndp`]: '1\n',
          [`${P}/ipv4/conf/br-ex.100/proxy_arp`]: '1\n',
          [`${P}/ipv6/conf/br-ex.100/proxy_ndp`]: '1\n',
        },
      })
      expect(await proxyArpNdpCheck.run(ctx)).to.deep.equal({status: 'pass', detail: 'enabled on br-ex, br-ex.100'})
    })

    it('warns with what is off and what is missing', async () => {
      const {ctx} = ctxWith({
        facts: vlanFacts,
        files: {[`${P}/ipv4/conf/br-ex/proxy_arp`]: '0\n', [`${P}/ipv6/conf/br-ex/proxy_ndp`]: '1\n'},
      })
      const r = await proxyArpNdpCheck.run(ctx)
      expect(r.status).to.equal('warn')
      expect(r.detail).to.equal('br-ex proxy_arp=0; br-ex.100: no such device')
      expect(r.fix).to.include('ovn-bgp watch')
    })

    it('warns when no bridge is known', async () => {
      const {ctx} = ctxWith({facts: {ovs: {ok: false, error: 'refused'}}})
      expect((await proxyArpNdpCheck.run(ctx)).status).to.equal('warn')
    })
  })

  describe('rp_filter', () => {
    it('passes with loose mode (2) on all and the bridge', async () => {
      const {ctx} = ctxWith({
        files: {[`${P}/ipv4/conf/all/rp_filter`]: '2\n', [`${P}/ipv4/conf/br-ex/rp_filter`]: '1\n'},
      })
      expect(await rpFilterCheck.run(ctx)).to.deep.equal({status: 'pass', detail: 'not strict (all=2; checked br-ex)'})
    })

    it('warns when the effective value (max of all and device) is strict', async () => {
      const {ctx} = ctxWith({
        files: {[`${P}/ipv4/conf/all/rp_filter`]: '1\n', [`${P}/ipv4/conf/br-ex/rp_filter`]: '0\n'},
      })
      const r = await rpFilterCheck.run(ctx)
      expect(r.status).to.equal('warn')
      expect(r.detail).to.equal('strict reverse-path filtering on br-ex (effective 1: all=1, br-ex=0)')
    })
  })
})
