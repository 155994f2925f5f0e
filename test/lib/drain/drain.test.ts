// drain / undrain / keepDrained against a real FRR (zebra + bgpd in a private namespace): the lines
// each step leaves in the running configuration, the persisted state, idempotence, and watch's
// upkeep after FRR lost its drain lines. The effect on a BGP peer (GRACEFUL_SHUTDOWN on every
// prefix, then none, then all back) is shown in the kernel tier (test/kernel/explain-drain.ktest.ts).
import {expect} from 'chai'
import {existsSync, mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import type {AgentConfig} from '../../../src/lib/config/types.js'

import {defaultConfig} from '../../../src/lib/config/index.js'
import {drainNode, keepDrained, undrainNode} from '../../../src/lib/drain/drain.js'
import {ExecRunner} from '../../../src/lib/exec/runner.js'
import {FrrRib} from '../../../src/lib/frr/rib.js'
import {Vtysh} from '../../../src/lib/frr/vtysh.js'
import {requireTools} from '../../helpers/require.js'
import {FrrInstance} from '../frr/frr-instance.js'

describe('drain through a real FRR', function () {
  this.timeout(120_000)
  let frr: FrrInstance
  let state: string
  let cfg: AgentConfig
  let vtysh: Vtysh

  before(async function () {
    requireTools(this, ['vtysh', 'ip'], {root: true})
    frr = await FrrInstance.start('drain')
    state = mkdtempSync(join(tmpdir(), 'drain-state-'))
    cfg = {...defaultConfig(), frrVtySocket: frr.dir, stateDir: state, bgpAS: '64999'}
    vtysh = new Vtysh(new ExecRunner(), {vtyshPath: 'vtysh', socketDir: frr.dir})
    await vtysh.applyConfig(
      'router bgp 64999\n bgp router-id 10.9.9.9\n no bgp ebgp-requires-policy\n neighbor 192.0.2.77 remote-as 65001\n address-family ipv4 unicast\n  network 198.51.100.1/32\n exit-address-family\nexit\n',
    )
  })

  after(async () => {
    await frr?.stop()
    if (state) rmSync(state, {recursive: true, force: true})
  })

  const running = () => frr.vtysh('show running-config')

  it('drain --no-withdraw: graceful shutdown only, state persisted as announced', async () => {
    const r = await drainNode({cfg, vtysh}, {waitSeconds: 0, withdraw: false})
    expect(r.steps.map((s) => [s.step, s.changed])).to.deep.equal([['announce', true]])
    expect(running()).to.include(' bgp graceful-shutdown').and.not.include('import vrf route-map ovn-bgp-drain')
    expect(JSON.parse(readFileSync(join(state, 'drain.json'), 'utf8'))).to.deep.include({
      drained: true,
      phase: 'announced',
    })
  })

  it('drain: waits, withdraws with the import route-map, keeps the first start time; re-running changes nothing', async () => {
    const {since} = JSON.parse(readFileSync(join(state, 'drain.json'), 'utf8')) as {since: string}
    let slept = 0
    const r = await drainNode(
      {
        cfg,
        vtysh,
        async sleep(ms) {
          slept += ms
        },
      },
      {waitSeconds: 7, settleSeconds: 3, withdraw: true},
    )
    // the only neighbour (192.0.2.77) never comes up: nothing to wait for, no sleep at all
    expect(slept).to.equal(0)
    expect(r.wait).to.deep.include({
      for: 'graceful-shutdown-sent',
      outcome: 'no-established-neighbours',
      timeoutSeconds: 7,
      polls: 1,
      neighbours: [],
    })
    expect(r.steps.map((s) => [s.step, s.changed])).to.deep.equal([
      ['announce', false],
      ['wait', false],
      ['withdraw', true],
    ])
    expect(r).to.deep.include({phase: 'withdrawn', since})
    const conf = running()
    expect(conf).to.include('route-map ovn-bgp-drain deny 10')
    expect(conf.match(/import vrf route-map ovn-bgp-drain/g)).to.have.length(2)
    const again = await drainNode({cfg, vtysh}, {waitSeconds: 0, withdraw: true})
    expect(again.steps.every((s) => !s.changed)).to.equal(true)
    const view = await new FrrRib(vtysh, {vrf: 'bgp-vrf', asn: '64999'}).read()
    expect(view).to.deep.include({gracefulShutdown: true, importBlocked: true})
  })

  it("keepDrained (watch's upkeep) puts lost drain lines back and never undrains", async () => {
    await vtysh.applyConfig(
      'router bgp 64999\n no bgp graceful-shutdown\n address-family ipv4 unicast\n  no import vrf route-map ovn-bgp-drain\n exit-address-family\n address-family ipv6 unicast\n  no import vrf route-map ovn-bgp-drain\n exit-address-family\nexit\n',
    )
    expect(running()).not.to.include('bgp graceful-shutdown')
    const r = await keepDrained(cfg, vtysh)
    expect(r.changed).to.equal(true)
    expect(r.state?.phase).to.equal('withdrawn')
    expect(running()).to.include(' bgp graceful-shutdown').and.include('import vrf route-map ovn-bgp-drain')
    expect((await keepDrained(cfg, vtysh)).changed).to.equal(false)
  })

  it('undrain: routes first, then graceful shutdown, then the state; a second undrain changes nothing', async () => {
    const r = await undrainNode({cfg, vtysh})
    expect(r.steps.map((s) => [s.step, s.changed])).to.deep.equal([
      ['restore-routes', true],
      ['end-graceful-shutdown', true],
    ])
    expect(running()).not.to.include('bgp graceful-shutdown').and.not.include('import vrf route-map')
    expect(existsSync(join(state, 'drain.json'))).to.equal(false)
    expect((await undrainNode({cfg, vtysh})).steps.every((s) => !s.changed)).to.equal(true)
    expect(await keepDrained(cfg, vtysh)).to.deep.equal({state: undefined, changed: false})
  })

  it('FrrRib: the default table and the neighbours in a fixed number of vtysh calls; a missing VRF is a warning', async () => {
    const view = await new FrrRib(vtysh, {vrf: 'bgp-vrf', asn: '64999'}).read()
    expect([...view.leaked]).to.include('198.51.100.1/32')
    expect(view.neighbours.map((n) => [n.peer, n.established])).to.deep.equal([['192.0.2.77', false]])
    expect(view.vtyshCalls, 'running-config + one batch (no established neighbour)').to.equal(2)
    expect(view.leakMissing).to.include('router bgp 64999 > address-family ipv4 unicast > import vrf bgp-vrf')
    expect(view.warnings.join(' ')).to.match(/bgp-vrf/)
  })
})
