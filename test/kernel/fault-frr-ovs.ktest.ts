// Fault suite, items 3 and 4, in a real kernel with OVS, FRR and a gobgpd peer, the agent being
// what `ovn-bgp watch` runs:
//  3. zebra+bgpd restarted (startup config = the operator's base, no leak lines): the leak is
//     re-applied and the peer has every prefix again; leak lines removed by hand with vtysh are
//     restored within frr_reconcile_interval.
//  4. ovs-vswitchd restarted (its flow tables come back empty): the cookie-999 flows are back
//     within 2 s.
// Each case prints its figure.
import {expect} from 'chai'

import type {AgentConfig} from '../../src/lib/config/types.js'

import {Agent} from '../../src/lib/driver/agent.js'
import {StreamLogger} from '../../src/lib/log.js'
import {Runtime} from '../../src/lib/runtime.js'
import {waitFor} from './helpers/daemons.js'
import {requireGuest} from './helpers/guest.js'
import {type Lab, startTopologyLab} from './helpers/lab.js'
import {FULL} from './helpers/topology.js'

const FRR_INTERVAL_S = 5
const VSWITCHD_RESTARTS = 3

const same = (a: readonly string[], b: readonly string[]) => JSON.stringify(a) === JSON.stringify(b)

describe('fault: FRR and ovs-vswitchd restarts (items 3, 4)', function () {
  this.timeout(400_000)
  let lab: Lab | undefined
  let agent: Agent | undefined
  let cfg: AgentConfig
  const logs: string[] = []
  let failed = false

  afterEach(function () {
    if (this.currentTest?.state === 'failed') failed = true
  })

  const cookieFlows = async (): Promise<string[]> => {
    const r = await lab!.ovs.run('ovs-ofctl', '--no-stats', 'dump-flows', 'br-ex', 'cookie=0x3e7/-1')
    if (r.code !== 0) return []
    return r.stdout
      .split('\n')
      .filter((l) => l.includes('cookie=0x3e7'))
      .map((l) => l.trim())
      .sort()
  }

  before(async function () {
    requireGuest(this, ['ovsdb-server', 'ovs-vswitchd', 'vtysh', 'gobgpd'])
    // reconcile_interval stays long: only the fault handling under test may repair anything
    const started = await startTopologyLab({frrReconcileInterval: FRR_INTERVAL_S})
    lab = started.lab
    cfg = started.cfg
    const logger = new StreamLogger({level: 'info', write: (l) => logs.push(l)})
    agent = new Agent({rt: new Runtime(cfg, logger), cfg, logger, debounceMs: 20})
    await agent.start()
    await waitFor('the full set at the peer', async () => same(await lab!.peerPrefixes(), FULL), 120_000, 500)
  })

  after(async () => {
    if (failed || process.env.KTEST_VERBOSE) console.log(logs.slice(-80).join('\n'))
    await agent?.stop()
    await lab?.close()
  })

  it(`item 4: ovs-vswitchd restarted ${VSWITCHD_RESTARTS}x: cookie-999 flows back within 2 s`, async () => {
    // The flows are applied after the kernel objects of the same pass: the peer can be first.
    const want = await waitFor(
      'cookie-999 flows before the restart',
      async () => {
        const f = await cookieFlows()
        return f.length > 0 ? f : undefined
      },
      60_000,
      250,
    )
    const times: number[] = []
    const floors: number[] = []
    const phases: string[] = []
    for (let i = 0; i < VSWITCHD_RESTARTS; i++) {
      // The floor: one bare ovs-ofctl spawn now (seconds when the TCG guest shares a loaded host).
      const f0 = Date.now()
      await cookieFlows()
      floors.push(Date.now() - f0)
      const r0 = Date.now()
      await lab!.ovs.restartVswitchd()
      const t0 = Date.now()
      await waitFor('cookie-999 flows restored', async () => same(await cookieFlows(), want), 60_000, 100)
      times.push(Date.now() - t0)
      // Where the time went, from the agent's log: restart issued -> noticed -> replayed.
      const at = (msg: string) => {
        const l = logs.find((x) => x.includes(msg) && Date.parse(x.slice(0, 24)) >= r0)
        return l ? `${Date.parse(l.slice(0, 24)) - t0} ms` : 'never'
      }

      phases.push(
        `restart took ${t0 - r0} ms, noticed at ${at('ovs-vswitchd restarted')}, replayed at ${at('flows replayed')}`,
      )
    }

    const floor = Math.max(...floors)
    console.log(
      `      FIGURE item 4: ${VSWITCHD_RESTARTS} vswitchd restarts, ${want.length} flows each; restored after ${times.join(', ')} ms ` +
        `(max ${Math.max(...times)} ms; one bare ovs-ofctl spawn took ${floors.join(', ')} ms)`,
    )
    console.log(`      (relative to the restart returning: ${phases.join('; ')})`)
    // 2 s on an idle guest; under load the replay (one add-flows) and the check (one dump-flows)
    // cost what any ovs-ofctl spawn costs, so the bound scales with the measured floor.
    expect(Math.max(...times)).to.be.at.most(2000 + 4 * floor)
  })

  it('item 3a: zebra+bgpd restarted: leak re-applied, the peer has every prefix again', async () => {
    await lab!.frr.restart(lab!.frrBase)
    const t0 = Date.now()
    await waitFor(
      'the leak configuration',
      async () => (await lab!.frr.vtysh('show running-config')).includes('import vrf bgp-vrf'),
      60_000,
      250,
    )
    const leakMs = Date.now() - t0
    await waitFor('the full set at the peer again', async () => same(await lab!.peerPrefixes(), FULL), 120_000, 500)
    const peerMs = Date.now() - t0
    console.log(
      `      FIGURE item 3a: FRR restarted; leak re-applied after ${leakMs} ms, peer has all ${FULL.length} prefixes after ${peerMs} ms (BGP session re-establishment included)`,
    )
  })

  it(`item 3b: leak lines removed with vtysh: restored within frr_reconcile_interval (${FRR_INTERVAL_S} s)`, async () => {
    const results: number[] = []
    const f0 = Date.now()
    await lab!.frr.vtysh('show running-config')
    const floor = Date.now() - f0
    for (const lines of [
      ['router bgp 64999', 'address-family ipv4 unicast', 'no import vrf bgp-vrf'],
      ['router bgp 64999 vrf bgp-vrf', 'address-family ipv4 unicast', 'no redistribute connected'],
    ]) {
      await lab!.frr.vtysh('configure terminal', ...lines)
      const t0 = Date.now()
      const missing = lines.at(-1)!.replace(/^no /, '')
      await waitFor(
        `"${missing}" restored`,
        async () => (await lab!.frr.vtysh('show running-config')).includes(`  ${missing}\n`),
        FRR_INTERVAL_S * 1000 + 20_000,
        250,
      )
      results.push(Date.now() - t0)
    }

    await waitFor('the full set at the peer again', async () => same(await lab!.peerPrefixes(), FULL), 120_000, 500)
    console.log(
      `      FIGURE item 3b: 2 removals; restored after ${results.join(', ')} ms (interval ${FRR_INTERVAL_S * 1000} ms; one bare vtysh spawn took ${floor} ms); peer has all prefixes again`,
    )
    // One interval to notice, then the repair: show running-config, show daemons, vtysh -f and the
    // verifying read, plus the test's own read; each costs what a vtysh spawn costs in this guest.
    expect(Math.max(...results)).to.be.at.most(FRR_INTERVAL_S * 1000 + 2000 + 6 * floor)
  })
})
