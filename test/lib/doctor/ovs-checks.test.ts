import {expect} from 'chai'

import {bridgeMappingsCheck, chassisIdentityCheck, providerBridgesCheck} from '../../../src/lib/doctor/ovs-checks.js'
import {ctxWith, linksAnswer, OVS} from './helpers.js'

describe('doctor: OVS identity and provider bridges', () => {
  describe('bridge-mappings', () => {
    it('passes with mappings from OVS', async () => {
      const {ctx} = ctxWith()
      expect(await bridgeMappingsCheck.run(ctx)).to.deep.equal({
        status: 'pass',
        detail: 'OVS external_ids:ovn-bridge-mappings: physnet1:br-ex',
      })
    })

    it('prefers the bridge_mappings option', async () => {
      const {ctx} = ctxWith({config: {bridgeMappings: [{physnet: 'p2', bridge: 'br-p2', index: 1}]}})
      expect((await bridgeMappingsCheck.run(ctx)).detail).to.equal('bridge_mappings option: p2:br-p2')
    })

    it('fails (config) when unset', async () => {
      const {ctx} = ctxWith({facts: {ovs: {ok: true, value: {...OVS, bridgeMappings: undefined}}}})
      const r = await bridgeMappingsCheck.run(ctx)
      expect(r.status).to.equal('fail')
      expect(r.category).to.equal(undefined)
      expect(r.fix).to.include('ovn-bridge-mappings=')
    })

    it('warns on ignored elements', async () => {
      const {ctx} = ctxWith({facts: {ovs: {ok: true, value: {...OVS, bridgeMappings: 'physnet1:br-ex,broken'}}}})
      const r = await bridgeMappingsCheck.run(ctx)
      expect(r.status).to.equal('warn')
      expect(r.detail).to.include('"broken"')
    })

    it('warns when OVS was not queried (--offline)', async () => {
      const {ctx} = ctxWith({facts: {}})
      expect((await bridgeMappingsCheck.run(ctx)).status).to.equal('warn')
    })

    it('fails (environment) when OVS could not be read', async () => {
      const {ctx} = ctxWith({facts: {ovs: {ok: false, error: 'unix:/run/openvswitch/db.sock: connection refused'}}})
      expect(await bridgeMappingsCheck.run(ctx)).to.deep.include({status: 'fail', category: 'environment'})
    })
  })

  describe('chassis-identity', () => {
    it('passes with system-id and hostname', async () => {
      const {ctx} = ctxWith()
      expect(await chassisIdentityCheck.run(ctx)).to.deep.equal({
        status: 'pass',
        detail: 'chassis id chassis-1, name node-1',
      })
    })

    it('uses the chassis_id / chassis_name overrides', async () => {
      const {ctx} = ctxWith({config: {chassisId: 'c9', chassisName: 'n9'}, facts: {ovs: {ok: false, error: 'x'}}})
      expect((await chassisIdentityCheck.run(ctx)).detail).to.equal('chassis id c9, name n9')
    })

    it('fails as config without system-id, as environment without OVS, warns when OVS was not queried', async () => {
      const noId = ctxWith({facts: {ovs: {ok: true, value: {...OVS, systemId: undefined}}}})
      expect(await chassisIdentityCheck.run(noId.ctx))
        .to.deep.include({status: 'fail'})
        .and.not.have.property('category')
      const noOvs = ctxWith({facts: {ovs: {ok: false, error: 'refused'}}})
      expect(await chassisIdentityCheck.run(noOvs.ctx)).to.deep.include({status: 'fail', category: 'environment'})
      const offline = ctxWith({facts: {}})
      expect((await chassisIdentityCheck.run(offline.ctx)).status).to.equal('warn')
    })

    it('warns without a hostname', async () => {
      const {ctx} = ctxWith({facts: {ovs: {ok: true, value: {...OVS, hostname: undefined}}}})
      expect((await chassisIdentityCheck.run(ctx)).status).to.equal('warn')
    })
  })

  describe('provider-bridges', () => {
    const links = [
      {ifname: 'lo', flags: ['LOOPBACK', 'UP', 'LOWER_UP']},
      {ifname: 'br-ex', flags: ['BROADCAST', 'MULTICAST', 'UP', 'LOWER_UP'], operstate: 'UNKNOWN'},
      {ifname: 'br-down', flags: ['BROADCAST', 'MULTICAST'], operstate: 'DOWN'},
    ]

    it('passes when every mapped bridge exists and is up', async () => {
      const {ctx} = ctxWith({answers: [linksAnswer(links)]})
      expect(await providerBridgesCheck.run(ctx)).to.deep.equal({status: 'pass', detail: 'present and up: br-ex'})
    })

    it('warns on a down bridge and fails on a missing one', async () => {
      const down = ctxWith({
        answers: [linksAnswer(links)],
        config: {bridgeMappings: [{physnet: 'a', bridge: 'br-down', index: 1}]},
      })
      expect((await providerBridgesCheck.run(down.ctx)).status).to.equal('warn')
      const missing = ctxWith({
        answers: [linksAnswer(links)],
        config: {
          bridgeMappings: [
            {physnet: 'a', bridge: 'br-down', index: 1},
            {physnet: 'b', bridge: 'br-gone', index: 2},
          ],
        },
      })
      const r = await providerBridgesCheck.run(missing.ctx)
      expect(r).to.deep.include({status: 'fail', detail: 'missing: br-gone; down: br-down'})
    })

    it('runs ip -j -d link show once per context however many checks ask', async () => {
      const {ctx, runner} = ctxWith({answers: [linksAnswer(links)]})
      await Promise.all([providerBridgesCheck.run(ctx), providerBridgesCheck.run(ctx), ctx.links()])
      expect(runner.calls).to.deep.equal([{file: '/usr/sbin/ip', args: ['-j', '-d', 'link', 'show']}])
    })

    it('fails when ip fails', async () => {
      const {ctx} = ctxWith({answers: []})
      expect((await providerBridgesCheck.run(ctx)).detail).to.match(/^cannot list links: ip -j -d link show exited 127/)
    })
  })
})
