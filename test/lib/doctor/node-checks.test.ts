import {expect} from 'chai'

import type {CommandRunner, RunOptions} from '../../../src/lib/exec/runner.js'

import {interfaceNameCheck, rtTablesCheck, vrfDeviceCheck} from '../../../src/lib/doctor/node-checks.js'
import {ofctlCheck} from '../../../src/lib/doctor/ovs-checks.js'
import {ctxWith, linksAnswer} from './helpers.js'

// `ip -j -d link show` shapes (iproute2 6.1): VRF table in info_data, the master by name.
const VRF = {ifname: 'bgp-vrf', flags: ['UP'], linkinfo: {info_kind: 'vrf', info_data: {table: 10}}}
const NIC = {ifname: 'bgp-nic', flags: ['UP'], master: 'bgp-vrf', linkinfo: {info_kind: 'dummy'}}
const RT = '/etc/iproute2/rt_tables'

describe('doctor: VRF and bgp_nic devices', () => {
  it('passes before the agent created them', async () => {
    const {ctx} = ctxWith({answers: [linksAnswer([])]})
    expect(await vrfDeviceCheck.run(ctx)).to.deep.equal({
      status: 'pass',
      detail: 'bgp-vrf absent (created as vrf table 10 at start); bgp-nic absent (created as dummy at start)',
    })
  })

  it('passes when both exist as configured', async () => {
    const {ctx} = ctxWith({answers: [linksAnswer([VRF, NIC])]})
    expect(await vrfDeviceCheck.run(ctx)).to.deep.equal({
      status: 'pass',
      detail: 'bgp-vrf: vrf table 10; bgp-nic: dummy in bgp-vrf',
    })
  })

  it('fails on a VRF with another table, which the agent never corrects', async () => {
    const {ctx} = ctxWith({
      answers: [linksAnswer([{...VRF, linkinfo: {info_kind: 'vrf', info_data: {table: 1001}}}, NIC])],
    })
    const r = await vrfDeviceCheck.run(ctx)
    expect(r.status).to.equal('fail')
    expect(r.fix).to.include('bgp_vrf_table_id = 1001')
  })

  it('fails when the VRF name is taken by another kind of device', async () => {
    const {ctx} = ctxWith({answers: [linksAnswer([{ifname: 'bgp-vrf', linkinfo: {info_kind: 'bridge'}}])]})
    expect((await vrfDeviceCheck.run(ctx)).detail).to.equal('bgp-vrf exists but is a bridge device, not a VRF')
  })

  it('warns on a bgp_nic outside the VRF or of another kind', async () => {
    const {ctx} = ctxWith({answers: [linksAnswer([VRF, {ifname: 'bgp-nic', linkinfo: {info_kind: 'bridge'}}])]})
    const r = await vrfDeviceCheck.run(ctx)
    expect(r).to.deep.include({
      status: 'warn',
      detail: 'bgp-nic is a bridge device, not dummy and is not enslaved to bgp-vrf (master none)',
    })
  })
})

describe('doctor: rt_tables', () => {
  const standard = '#\n# reserved values\n#\n255\tlocal\n254\tmain\n253\tdefault\n0\tunspec\n'

  it('passes without the file (created at the first sync)', async () => {
    const {ctx} = ctxWith()
    expect((await rtTablesCheck.run(ctx)).detail).to.match(/absent: created at the first sync/)
  })

  it('reports each bridge table', async () => {
    const {ctx} = ctxWith({files: {[RT]: `${standard}1 br-ex\n`}})
    expect(await rtTablesCheck.run(ctx)).to.deep.equal({status: 'pass', detail: `${RT}: br-ex: table 1`})
    const fresh = ctxWith({files: {[RT]: standard}})
    expect((await rtTablesCheck.run(fresh.ctx)).detail).to.equal(`${RT}: br-ex: no entry yet`)
  })

  it('fails on a bridge sharing a table or using the VRF table', async () => {
    const shared = ctxWith({files: {[RT]: `${standard}200 br-ex\n200 other\n`}})
    expect((await rtTablesCheck.run(shared.ctx)).detail).to.equal(`${RT}: br-ex shares table 200 with other`)
    const vrf = ctxWith({files: {[RT]: `${standard}10 br-ex\n`}})
    expect((await rtTablesCheck.run(vrf.ctx)).detail).to.equal(`${RT}: br-ex has table 10, which is bgp_vrf_table_id`)
  })

  it('fails when no number is left for a new bridge', async () => {
    const full = Array.from({length: 252}, (_, i) => `${i + 1} t${i + 1}`).join('\n')
    const {ctx} = ctxWith({files: {[RT]: full}})
    expect((await rtTablesCheck.run(ctx)).detail).to.equal(
      `${RT}: 1 bridge table(s) needed, 0 number(s) free in 1..252`,
    )
  })
})

describe('doctor: ovs-ofctl', () => {
  it('passes when every bridge answers, passing ovs_env to the tool', async () => {
    const {ctx} = ctxWith({config: {ovsEnv: {OVS_RUNDIR: '/run/ovs-x'}}})
    const seen: Array<{file: string; args: readonly string[]; opts: RunOptions | undefined}> = []
    const runner: CommandRunner = {
      async run(file, args, opts) {
        seen.push({file, args, opts})
        return {code: 0, stdout: 'OFPT_FEATURES_REPLY', stderr: ''}
      },
    }
    expect(await ofctlCheck.run({...ctx, runner})).to.deep.equal({status: 'pass', detail: 'reachable: br-ex'})
    expect(seen).to.deep.equal([
      {file: '/usr/bin/ovs-ofctl', args: ['show', 'br-ex'], opts: {timeoutMs: 10_000, env: {OVS_RUNDIR: '/run/ovs-x'}}},
    ])
  })

  it('retries with OpenFlow 1.3 like the agent', async () => {
    const {ctx, runner} = ctxWith({
      answers: [
        (f, a) =>
          a[0] === '-O'
            ? {code: 0, stdout: 'OFPT_FEATURES_REPLY (OF1.3)', stderr: ''}
            : {code: 1, stdout: '', stderr: 'version negotiation failed'},
      ],
    })
    expect((await ofctlCheck.run(ctx)).status).to.equal('pass')
    expect(runner.calls.map((c) => c.args.join(' '))).to.deep.equal(['show br-ex', '-O OpenFlow13 show br-ex'])
  })

  it('fails with the error of the unreachable bridge', async () => {
    const {ctx} = ctxWith({
      answers: [() => ({code: 1, stdout: '', stderr: 'ovs-ofctl: br-ex is not a bridge or a socket\n'})],
    })
    expect(await ofctlCheck.run(ctx)).to.deep.include({
      status: 'fail',
      detail: 'br-ex: ovs-ofctl: br-ex is not a bridge or a socket',
    })
  })
})

describe('doctor: interface name lengths', () => {
  it('passes for the defaults and lists what it checked', async () => {
    const {ctx} = ctxWith()
    expect(await interfaceNameCheck.run(ctx)).to.deep.equal({
      status: 'pass',
      detail: '3 names checked: bgp-nic, bgp-vrf, br-ex',
    })
  })

  it('fails for names over 15 bytes', async () => {
    const {ctx} = ctxWith({
      config: {bgpNic: 'bgp-nic-too-long-x', bridgeMappings: [{physnet: 'p', bridge: 'br-0123456789abc', index: 1}]},
    })
    const r = await interfaceNameCheck.run(ctx)
    expect(r.status).to.equal('fail')
    expect(r.detail).to.equal('bgp_nic "bgp-nic-too-long-x" is 18 bytes; bridge of p "br-0123456789abc" is 16 bytes')
  })
})
