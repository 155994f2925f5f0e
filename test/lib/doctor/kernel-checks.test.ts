import {expect} from 'chai'

import {kernelDummyCheck, kernelVlanCheck, kernelVrfCheck} from '../../../src/lib/doctor/kernel-checks.js'
import {ctxWith, linksAnswer, NB, OVS, RELEASE} from './helpers.js'

const MODDIR = `/lib/modules/${RELEASE}`
// Excerpts in the formats the kernel writes: /proc/modules is "name size refs deps state addr".
const PROC_MODULES = 'vrf 36864 0 - Live 0x0000000000000000\n8021q 40960 0 - Live 0x0000000000000000\n'
const BUILTIN = 'kernel/drivers/net/dummy.ko\nkernel/net/ipv4/tcp_cubic.ko\n'
const DEP =
  'kernel/drivers/net/vrf.ko.xz:\nkernel/net/8021q/8021q.ko.xz: kernel/net/802/garp.ko.xz kernel/net/802/mrp.ko.xz\nkernel/drivers/net/dummy.ko.zst:\n'

describe('doctor: kernel link type support', () => {
  it('passes when a link of the kind already exists, without reading module files', async () => {
    const {ctx} = ctxWith({answers: [linksAnswer([{ifname: 'bgp-vrf', flags: ['UP'], linkinfo: {info_kind: 'vrf'}}])]})
    expect(await kernelVrfCheck.run(ctx)).to.deep.equal({
      status: 'pass',
      detail: `vrf: a link of this kind exists (kernel ${RELEASE})`,
    })
  })

  it('passes on a loaded module (/proc/modules)', async () => {
    const {ctx} = ctxWith({answers: [linksAnswer([])], files: {'/proc/modules': PROC_MODULES}})
    expect((await kernelVrfCheck.run(ctx)).detail).to.equal(`vrf: module loaded (kernel ${RELEASE})`)
  })

  it('passes on a built-in module (modules.builtin)', async () => {
    const {ctx} = ctxWith({
      answers: [linksAnswer([])],
      files: {'/proc/modules': PROC_MODULES, [`${MODDIR}/modules.builtin`]: BUILTIN},
    })
    expect(await kernelDummyCheck.run(ctx)).to.deep.equal({
      status: 'pass',
      detail: `dummy: built into the kernel (kernel ${RELEASE})`,
    })
  })

  it('passes on a loadable, compressed module (modules.dep)', async () => {
    const {ctx} = ctxWith({
      answers: [linksAnswer([])],
      files: {'/proc/modules': '', [`${MODDIR}/modules.builtin`]: '', [`${MODDIR}/modules.dep`]: DEP},
    })
    expect((await kernelVrfCheck.run(ctx)).detail).to.equal(
      `vrf: module available, loaded on first use (kernel ${RELEASE})`,
    )
    expect((await kernelDummyCheck.run(ctx)).status).to.equal('pass')
  })

  it('fails on a kernel without the feature and without a module tree (microVM, container)', async () => {
    const {ctx} = ctxWith({answers: [linksAnswer([])], files: {'/proc/modules': 'bridge 1 0 - Live 0x0\n'}})
    const r = await kernelVrfCheck.run(ctx)
    expect(r.status).to.equal('fail')
    expect(r.detail).to.include(`no module tree at ${MODDIR}`)
    expect(r.fix).to.include('CONFIG_NET_VRF')
  })

  it('reads /boot/config-<release> on kernels without module files', async () => {
    const builtin = ctxWith({
      answers: [linksAnswer([])],
      files: {[`/boot/config-${RELEASE}`]: '# CONFIG_DUMMY is not set\nCONFIG_NET_VRF=y\n'},
    })
    expect((await kernelVrfCheck.run(builtin.ctx)).detail).to.equal(`vrf: built into the kernel (kernel ${RELEASE})`)
    const without = await kernelDummyCheck.run(builtin.ctx)
    expect(without.status).to.equal('fail')
    expect(without.detail).to.include(`CONFIG_DUMMY is not set in /boot/config-${RELEASE}`)
    const asModule = ctxWith({
      answers: [linksAnswer([])],
      files: {'/proc/modules': '', [`/boot/config-${RELEASE}`]: 'CONFIG_NET_VRF=m\n'},
    })
    expect((await kernelVrfCheck.run(asModule.ctx)).detail).to.include('CONFIG_NET_VRF=m in')
  })

  it('does not take a module with a longer name for the one asked (vrf vs vrfx)', async () => {
    const {ctx} = ctxWith({
      answers: [linksAnswer([])],
      files: {'/proc/modules': 'vrfx 1 0 - Live 0x0\n', [`${MODDIR}/modules.dep`]: 'kernel/drivers/net/vrfx.ko:\n'},
    })
    expect((await kernelVrfCheck.run(ctx)).status).to.equal('fail')
  })

  it('still uses module files when ip cannot list links', async () => {
    const {ctx} = ctxWith({answers: [], files: {'/proc/modules': PROC_MODULES}})
    expect((await kernelVrfCheck.run(ctx)).status).to.equal('pass')
  })

  describe('8021q', () => {
    it('is not needed when no localnet port on a mapped physnet has a tag', async () => {
      const {ctx, runner} = ctxWith({
        facts: {
          ovs: {ok: true, value: OVS},
          nb: {ok: true, value: {...NB, localnetVlans: [{physnet: 'other', tag: 100}]}},
        },
      })
      const r = await kernelVlanCheck.run(ctx)
      expect(r.status).to.equal('pass')
      expect(r.detail).to.match(/^not needed/)
      expect(runner.calls).to.deep.equal([])
    })

    it('names the VLAN devices it would need and fails without support', async () => {
      const {ctx} = ctxWith({
        answers: [linksAnswer([])],
        files: {'/proc/modules': ''},
        facts: {
          ovs: {ok: true, value: {...OVS, bridgeMappings: 'physnet1:br-provider1'}},
          nb: {ok: true, value: {...NB, localnetVlans: [{physnet: 'physnet1', tag: 100}]}},
        },
      })
      const r = await kernelVlanCheck.run(ctx)
      expect(r.status).to.equal('fail')
      expect(r.detail).to.include('br-provide.100')
    })

    it('passes when the module is loaded', async () => {
      const {ctx} = ctxWith({
        answers: [linksAnswer([])],
        files: {'/proc/modules': PROC_MODULES},
        facts: {
          ovs: {ok: true, value: OVS},
          nb: {ok: true, value: {...NB, localnetVlans: [{physnet: 'physnet1', tag: 7}]}},
        },
      })
      expect((await kernelVlanCheck.run(ctx)).status).to.equal('pass')
    })

    it('only warns when NB was not readable', async () => {
      const {ctx} = ctxWith({
        answers: [linksAnswer([])],
        files: {},
        facts: {ovs: {ok: true, value: OVS}, nb: {ok: false, error: 'refused'}},
      })
      const r = await kernelVlanCheck.run(ctx)
      expect(r.status).to.equal('warn')
      expect(r.detail).to.include('NB not read')
    })
  })
})
