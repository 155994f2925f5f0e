// End to end, in a real kernel: `watch` with a short reconcile_interval, so that its periodic
// audit (docs/planner.md, "The periodic audit") runs again and again while the node is in use.
//   - the periodic passes stay delta passes, and every audit finds the node in sync;
//   - drift no notification reports (the cookie-999 flows deleted with ovs-ofctl: OVS tells
//     nobody) is found by an audit and repaired by the event pass it asks for;
//   - NB changes made while audits run are followed at once (the peer sees them);
//   - a sync afterwards has nothing to do.
import {expect} from 'chai'

import type {AgentConfig} from '../../src/lib/config/types.js'

import {Agent} from '../../src/lib/driver/agent.js'
import {StreamLogger} from '../../src/lib/log.js'
import {Runtime} from '../../src/lib/runtime.js'
import {sleep, waitFor} from '../helpers/wait.js'
import {requireGuest} from './helpers/guest.js'
import {expectNothingToSync, type Lab, startTopologyLab} from './helpers/lab.js'
import {FULL, update} from './helpers/topology.js'

const INTERVAL_S = 2
type Line = {msg: string; trigger?: string; objects?: number; first?: string[]; added?: number}

describe('e2e: the periodic audit of a node in use (guest)', function () {
  this.timeout(240_000)
  let lab: Lab | undefined
  let agent: Agent | undefined
  let cfg: AgentConfig
  const logs: string[] = []
  const lines = (): Line[] => logs.map((l) => JSON.parse(l) as Line)
  const flows = async (): Promise<string> => lab!.ovs.ofctl('--no-stats', 'dump-flows', 'br-ex', 'cookie=0x3e7/-1')

  before(async function () {
    requireGuest(this, ['ovsdb-server', 'ovs-vswitchd', 'vtysh', 'gobgpd'])
    const started = await startTopologyLab({reconcileInterval: INTERVAL_S})
    lab = started.lab
    cfg = started.cfg
    const logger = new StreamLogger({level: 'debug', json: true, write: (l) => logs.push(l)})
    agent = new Agent({rt: new Runtime(cfg, logger), cfg, logger, debounceMs: 20})
    await agent.start()
    await waitFor(
      'the full set at the peer',
      async () => JSON.stringify(await lab!.peerPrefixes()) === JSON.stringify(FULL),
      60_000,
      250,
    )
  })

  after(async function () {
    if (this.currentTest?.state === 'failed' || process.env.KTEST_VERBOSE) console.log(logs.slice(-80).join('\n'))
    await agent?.stop()
    await lab?.close()
  })

  it('periodic passes stay delta passes; the audits that follow find the node in sync', async () => {
    const from = logs.length
    await waitFor(
      'three audits',
      () =>
        lines()
          .slice(from)
          .filter((l) => l.msg === 'periodic audit: in sync').length >= 3,
      60_000,
      100,
    )
    const after = lines().slice(from)
    const periodic = after.filter((l) => l.msg === 'reconcile' && l.trigger === 'periodic')
    expect(periodic.length, 'periodic passes ran').to.be.greaterThan(0)
    expect(
      after.filter((l) => l.msg === 'full pass'),
      'no periodic pass was full',
    ).to.deep.equal([])
    expect(after.filter((l) => l.msg.startsWith('periodic audit found'))).to.deep.equal([])
    console.log(
      `      FIGURE ${periodic.length} periodic passes, ${after.filter((l) => l.msg === 'periodic audit: in sync').length} clean audits in ${INTERVAL_S * periodic.length} s or so`,
    )
  })

  it('flows deleted behind its back (no notification): an audit finds them, an event pass restores them', async () => {
    const before = await flows()
    expect(before).to.include('mod_dl_dst:')
    const from = logs.length
    const t0 = Date.now()
    await lab!.ovs.ofctl('del-flows', 'br-ex', 'cookie=0x3e7/-1')
    expect(await flows()).not.to.include('mod_dl_dst:')
    await waitFor('the flows back', async () => (await flows()).includes('mod_dl_dst:'), 30_000, 100)
    const ms = Date.now() - t0
    const found = lines()
      .slice(from)
      .find((l) => l.msg === 'periodic audit found objects out of sync; a pass repairs them')
    expect(
      found?.first?.every((k) => k.startsWith('flow|')),
      'the audit named the flows',
    ).to.equal(true)
    // the flows are visible in OVS before the pass that added them has logged its line
    const repairLine = () =>
      lines()
        .slice(from)
        .find((l) => l.msg === 'reconcile' && (l.added ?? 0) > 0)
    await waitFor('the repairing pass logged', async () => repairLine() !== undefined, 10_000, 50)
    const repair = repairLine()
    expect(repair?.trigger, 'repaired by an event pass').to.equal('event')
    console.log(`      FIGURE flows restored ${ms} ms after their deletion (reconcile_interval ${INTERVAL_S} s)`)
  })

  it('follows NB changes while audits run, and a sync afterwards has nothing to do', async () => {
    for (const up of [false, true]) {
      await update(lab!.nb.unix, 'Logical_Switch_Port', 'vm1', {up})
      await waitFor(
        `vm1 ${up ? 'back' : 'withdrawn'} at the peer`,
        async () => (await lab!.peerPrefixes()).includes('172.24.4.226/32') === up,
        30_000,
        100,
      )
      await sleep(INTERVAL_S * 1000) // an audit in between
    }

    await agent!.idle()
    await expectNothingToSync(cfg)
  })
})
