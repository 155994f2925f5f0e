// FrrUpkeep against a real FRR (zebra + bgpd in a private netns): the periodic check reads bgpd's
// running configuration on its vty socket, with no process; leak lines removed by hand with vtysh come back within the
// interval; a bgpd restart is noticed from the vty sockets and repaired without waiting for it.
import {expect} from 'chai'
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {ExecRunner} from '../../../src/lib/exec/runner.js'
import {FrrLeak, type LeakSettings} from '../../../src/lib/frr/leak.js'
import {missingLeakItems} from '../../../src/lib/frr/running-config.js'
import {FrrUpkeep, type UpkeepResult} from '../../../src/lib/frr/upkeep.js'
import {Vtysh} from '../../../src/lib/frr/vtysh.js'
import {CountingRunner} from '../../helpers/counting-runner.js'
import {requireTools} from '../../helpers/require.js'
import {waitFor} from '../../helpers/wait.js'
import {FrrInstance} from './frr-instance.js'

const SETTINGS: LeakSettings = {asn: '64999', vrf: 'bgp-vrf', routerId: undefined, redistribute: ['connected']}
const PARAMS = {asn: '64999', vrf: 'bgp-vrf', routerId: '172.30.0.9', redistribute: ['connected'] as const}

/** Waits for `cond` (polled every 50 ms) and returns how long it took. */
async function until(what: string, cond: () => boolean | Promise<boolean>, timeoutMs: number): Promise<number> {
  const t0 = Date.now()
  await waitFor(what, cond, timeoutMs, 50)
  return Date.now() - t0
}

describe('frr/upkeep (real FRR)', function () {
  this.timeout(60_000)
  let frr: FrrInstance | undefined
  let runner: CountingRunner
  let upkeep: FrrUpkeep | undefined
  const results: UpkeepResult[] = []
  let devicesCalls = 0
  const devicesChanged: string[][] = []
  let devicesAnswer: string[] = []

  // Async (an execFileSync here would stall the event loop the upkeep's timers run on).
  const missing = async () => {
    const r = await new ExecRunner().run('vtysh', ['--vty_socket', frr!.dir, '-c', 'show running-config'])
    return missingLeakItems(r.stdout, {...PARAMS, redistribute: ['connected']})
  }

  before(async function () {
    requireTools(this, ['vtysh', 'zebra', 'bgpd', 'ip'], {root: true})
    frr = await FrrInstance.start('frrup')
    // The operator's base config: the default instance with a router id the agent must learn.
    execVtysh(frr, ['configure terminal', 'router bgp 64999', 'bgp router-id 172.30.0.9'])
    runner = new CountingRunner()
    const vtysh = new Vtysh(runner, {vtyshPath: 'vtysh', socketDir: frr.dir})
    upkeep = new FrrUpkeep({
      leak: new FrrLeak(vtysh),
      settings: SETTINGS,
      socketDir: frr.dir,
      identityPollMs: 200,
      async devices() {
        devicesCalls++
        return {changed: devicesAnswer}
      },
      onDevicesChanged: (c) => devicesChanged.push(c),
      onCheck: (r) => results.push(r),
    })
  })

  after(async () => {
    upkeep?.stop()
    await frr?.stop()
  })

  it('the first check applies the leak configuration with a router id learned from bgpd', async () => {
    const r = await upkeep!.check()
    expect(r).to.include({leakApplied: true, ok: true})
    expect(r.missing).to.have.length(5)
    expect(await missing()).to.deep.equal([])
  })

  it('a check with everything in place starts no process: bgpd read on its vty socket (router id remembered)', async () => {
    const before = runner.calls.length
    const r = await upkeep!.check()
    expect(r).to.include({leakApplied: false, ok: true})
    const spawned = runner.calls.slice(before)
    console.log(`      periodic check spawned: ${spawned.length} processes`)
    expect(spawned).to.deep.equal([])
    expect(devicesCalls).to.equal(2)
  })

  it('leak lines removed by hand with vtysh are restored within frr_reconcile_interval (1 s here)', async () => {
    const before = results.length
    await upkeep!.start(1000)
    execVtysh(frr!, ['configure terminal', 'router bgp 64999', 'address-family ipv4 unicast', 'no import vrf bgp-vrf'])
    execVtysh(frr!, [
      'configure terminal',
      'router bgp 64999 vrf bgp-vrf',
      'address-family ipv6 unicast',
      'no redistribute connected',
    ])
    expect(await missing()).to.have.length(2)
    // restored, and the upkeep's report of it delivered (onCheck runs after the check's own read-back)
    const ms = await until(
      'the leak lines to be restored',
      async () => (await missing()).length === 0 && results.slice(before).some((r) => r.leakApplied),
      5000,
    )
    console.log(`      restored ${ms} ms after the removal (interval 1000 ms)`)
    // One interval to notice, then `vtysh -f` + a verifying read (seconds on a loaded machine).
    expect(ms).to.be.below(1000 + 8000)
    // Both removed lines were re-applied by the upkeep (one check, or two when a check ran between the
    // two vtysh edits above).
    const reapplied = new Set(
      results
        .slice(before)
        .filter((r) => r.leakApplied)
        .flatMap((r) => r.missing),
    )
    expect(reapplied.size).to.equal(2)
  })

  it('a bgpd restart (empty configuration) is noticed from its vty socket and repaired at once', async () => {
    upkeep!.stop()
    await upkeep!.start(3_600_000) // only the socket poll can repair it now
    const {repairs} = upkeep!
    // bgpd comes back with its startup file: the base instance, no leak lines.
    writeFileSync(join(frr!.dir, 'empty.conf'), 'router bgp 64999\n bgp router-id 172.30.0.9\nexit\n')
    await frr!.restartBgpd()
    const ms = await until(
      'the leak configuration after the bgpd restart',
      async () => upkeep!.repairs > repairs && (await missing()).length === 0,
      10_000,
    )
    console.log(`      re-applied ${ms} ms after bgpd came back`)
  })

  it('devices the callback repaired are reported to onDevicesChanged', async () => {
    devicesAnswer = ['created dummy bgp-nic']
    await upkeep!.check()
    devicesAnswer = []
    expect(devicesChanged).to.deep.equal([['created dummy bgp-nic']])
  })

  it('FRR unreachable: the check reports the error, does not throw, and the next one recovers', async () => {
    upkeep!.stop()
    await frr!.stopDaemon('bgpd')
    await frr!.stopDaemon('zebra')
    const r = await upkeep!.check()
    expect(r.ok).to.equal(false)
    expect(r.error).to.be.a('string')
  })
})

function execVtysh(frr: FrrInstance, lines: string[]): void {
  const args = lines.flatMap((l) => ['-c', l])
  frr.exec(['vtysh', '--vty_socket', frr.dir, ...args])
}
