// FrrLeak against a real FRR 8 (zebra + bgpd in a private netns), and with a recording runner.
import {expect} from 'chai'

import {ConfigError, DependencyError} from '../../../src/lib/errors.js'
import {
  type CommandRunner,
  ExecRunner,
  RecordingRunner,
  type RunOptions,
  type RunResult,
} from '../../../src/lib/exec/runner.js'
import {FrrLeak, type LeakSettings} from '../../../src/lib/frr/leak.js'
import {RouterIdUnknownError} from '../../../src/lib/frr/router-id.js'
import {missingLeakItems} from '../../../src/lib/frr/running-config.js'
import {Vtysh} from '../../../src/lib/frr/vtysh.js'
import {requireTools} from '../../helpers/require.js'
import {sleep} from '../../helpers/wait.js'
import {FrrInstance} from './frr-instance.js'

/** Real runner that counts `vtysh -f` spawns. */
class CountingRunner implements CommandRunner {
  applies = 0
  calls = 0
  private readonly inner = new ExecRunner()

  run(file: string, args: readonly string[], opts?: RunOptions): Promise<RunResult> {
    this.calls++
    if (args.includes('-f')) this.applies++
    return this.inner.run(file, args, opts)
  }
}

const HOST: LeakSettings = {asn: '64999', vrf: 'bgp-vrf', routerId: '172.30.0.1', redistribute: ['connected']}

describe('frr/leak (real FRR)', () => {
  let frr: FrrInstance | undefined
  let runner: CountingRunner
  let leak: FrrLeak

  before(async function () {
    requireTools(this, ['vtysh', 'zebra', 'bgpd', 'ip'], {root: true})
    frr = await FrrInstance.start('frrlt')
    runner = new CountingRunner()
    leak = new FrrLeak(new Vtysh(runner, {vtyshPath: 'vtysh', socketDir: frr.dir}))
  })

  after(async () => {
    await frr?.stop()
  })

  it('without bgp_router_id and without any in FRR: a typed error, nothing applied', async () => {
    const err = await leak.ensure({...HOST, routerId: undefined}).catch((error: unknown) => error)
    expect(err).to.be.instanceOf(RouterIdUnknownError)
    expect(runner.applies).to.equal(0)
  })

  it('dry run lists what is missing and applies nothing', async () => {
    const r = await leak.ensure(HOST, {dryRun: true})
    expect(r.dryRun).to.equal(true)
    expect(r.changed).to.equal(true)
    expect(r.missing).to.have.length(5)
    expect(runner.applies).to.equal(0)
    expect(frr!.vtysh('show running-config')).not.to.include('import vrf')
  })

  it('applies the leak configuration once; running config shows it', async () => {
    const t0 = Date.now()
    const r = await leak.ensure(HOST)
    expect(r).to.include({changed: true, ok: true, routerId: '172.30.0.1', routerIdSource: 'config'})
    expect(r.missing).to.have.length(5)
    expect(r.remaining).to.deep.equal([])
    expect(runner.applies).to.equal(1)
    const running = frr!.vtysh('show running-config')
    expect(missingLeakItems(running, {...HOST, routerId: '172.30.0.1'})).to.deep.equal([])
    expect(running).to.match(/router bgp 64999 vrf bgp-vrf\n bgp router-id 172.30.0.1\n/)
    console.log(`      first apply (show + vtysh -f + verify): ${Date.now() - t0} ms`)
  })

  it('applying again finds nothing to do and spawns no vtysh -f', async () => {
    const {calls} = runner
    const t0 = Date.now()
    const r = await leak.ensure(HOST)
    expect(r).to.include({changed: false, ok: true})
    expect(r.missing).to.deep.equal([])
    expect(runner.applies).to.equal(1)
    // bgpd's `show running-config` read on its own vty socket, router id from config: no process
    expect(runner.calls - calls).to.equal(0)
    console.log(`      no-op check: ${Date.now() - t0} ms`)
  })

  it('after a bgpd restart the configuration is missing and is applied again', async () => {
    await frr!.restartBgpd()
    const r = await leak.ensure(HOST)
    expect(r.changed).to.equal(true)
    expect(r.missing).to.have.length(5)
    expect(r.ok).to.equal(true)
    expect(runner.applies).to.equal(2)
    expect((await leak.ensure(HOST)).changed).to.equal(false)
  })

  it('subnet mode adds redistribute kernel to an existing host-mode config', async () => {
    const r = await leak.ensure({...HOST, redistribute: ['connected', 'kernel']})
    expect(r.missing).to.deep.equal([
      'router bgp 64999 vrf bgp-vrf > address-family ipv4 unicast > redistribute kernel',
      'router bgp 64999 vrf bgp-vrf > address-family ipv6 unicast > redistribute kernel',
    ])
    expect(r.ok).to.equal(true)
  })

  it('learns the router id from FRR when bgp_router_id is unset', async () => {
    frr!.exec(['ip', 'link', 'add', 'rid0', 'type', 'bridge'])
    frr!.exec(['ip', 'link', 'set', 'rid0', 'up'])
    frr!.exec(['ip', 'addr', 'add', '192.0.2.77/32', 'dev', 'rid0'])
    let r = await leak.ensure({...HOST, routerId: undefined}, {dryRun: true})
    for (let i = 0; i < 40 && r.routerId !== '192.0.2.77'; i++) {
      await sleep(100)
      r = await leak.ensure({...HOST, routerId: undefined}, {dryRun: true})
    }

    expect(r.routerId).to.equal('192.0.2.77')
    expect(r.routerIdSource).to.equal('bgp-table')
    expect(r.missing).to.deep.equal(['router bgp 64999 vrf bgp-vrf > bgp router-id 192.0.2.77'])
  })

  it('bgpd down (zebra up): a clear DependencyError instead of a silent no-op vtysh -f', async () => {
    await frr!.stopDaemon('bgpd')
    try {
      const {applies} = runner
      const err = await leak.ensure({...HOST, vrf: 'vrf-b'}).catch((error: unknown) => error)
      expect(err).to.be.instanceOf(DependencyError)
      expect((err as DependencyError).code).to.equal('FRR_BGPD_DOWN')
      expect(runner.applies).to.equal(applies)
    } finally {
      await frr!.restartBgpd()
    }
  })

  it('refuses another AS than the one FRR runs', async () => {
    await leak.ensure(HOST)
    const err = await leak.ensure({...HOST, asn: '65001'}).catch((error: unknown) => error)
    expect(err).to.be.instanceOf(ConfigError)
    expect((err as ConfigError).code).to.equal('FRR_AS_MISMATCH')
  })

  it('reports the lines vtysh rejected (vtysh -f is not atomic)', async () => {
    const vtysh = new Vtysh(new ExecRunner(), {vtyshPath: 'vtysh', socketDir: frr!.dir})
    const res = await vtysh.applyConfig('router bgp 64999\n bgp frobnicate\n bgp log-neighbor-changes\nexit\n')
    expect(res.ok).to.equal(false)
    expect(res.failedLines.map((f) => [f.line, f.text])).to.deep.equal([[2, 'bgp frobnicate']])
    expect(frr!.vtysh('show running-config')).to.include('bgp log-neighbor-changes')
  })
})

describe('frr/leak (no FRR)', () => {
  it('dry run renders without FRR when bgp_router_id is set', async () => {
    const runner = new RecordingRunner(() => ({
      code: 1,
      stdout: '',
      stderr: 'Exiting: failed to connect to any daemons.\n',
    }))
    const r = await new FrrLeak(new Vtysh(runner, {vtyshPath: 'vtysh', socketDir: '/nonexistent'})).ensure(HOST, {
      dryRun: true,
    })
    expect(r).to.include({dryRun: true, changed: true, missing: null, routerId: '172.30.0.1', routerIdSource: 'config'})
    expect(r.config).to.match(/^router bgp 64999\n/)
    expect(runner.calls.filter((c) => c.args.includes('-f'))).to.deep.equal([])
  })

  it('dry run with no vtysh at all', async () => {
    const r = await new FrrLeak(undefined).ensure(HOST, {dryRun: true})
    expect(r.missing).to.equal(null)
    expect(r.config).to.include('bgp router-id 172.30.0.1')
  })

  it('dry run without router id and without FRR is an error', async () => {
    const err = await new FrrLeak(undefined)
      .ensure({...HOST, routerId: undefined}, {dryRun: true})
      .catch((error: unknown) => error)
    expect(err).to.be.instanceOf(Error)
    expect((err as {code: string}).code).to.match(/FRR_UNAVAILABLE|BGP_ROUTER_ID_UNKNOWN/)
  })
})
