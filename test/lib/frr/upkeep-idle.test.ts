// The FRR upkeep's periodic ticks on a node that cannot do anything useful: they wait while the
// daemon's passes fail (paused), and back off after failed checks. Pure timing of the tick logic,
// with a leak stub (the real-FRR behaviour is in upkeep.test.ts).
import {expect} from 'chai'

import type {LeakResult} from '../../../src/lib/frr/leak.js'

import {FrrUpkeep, ticksToSkip} from '../../../src/lib/frr/upkeep.js'
import {sleep} from '../../helpers/wait.js'

const SETTINGS = {asn: 64_999, vrf: 'bgp-vrf', vrfTable: 10, bgpNic: 'bgp-nic', redistribute: ['connected']} as never

function upkeep(ok: () => boolean, paused: () => boolean = () => false): {u: FrrUpkeep; calls: () => number} {
  let calls = 0
  const u = new FrrUpkeep({
    leak: {
      async ensure(): Promise<LeakResult> {
        calls++
        if (!ok()) throw new Error('FRR (vtysh) is not available')
        return {
          changed: false,
          dryRun: false,
          missing: [],
          remaining: [],
          failedLines: [],
          ok: true,
          routerId: '192.0.2.1',
          routerIdSource: 'config',
          config: '',
        }
      },
    },
    settings: SETTINGS,
    socketDir: '/nonexistent',
    identityPollMs: 0,
    paused,
  })
  return {u, calls: () => calls}
}

describe('frr/upkeep: idle while nothing can succeed', () => {
  for (const [failures, skip] of [
    [0, 0],
    [1, 1],
    [2, 3],
    [3, 7],
    [50, 7],
  ] as const)
    it(`${failures} failed checks in a row -> ${skip} periodic ticks skipped`, () => {
      expect(ticksToSkip(failures)).to.equal(skip)
    })

  it('no periodic check while paused; checks resume when it is not', async () => {
    let paused = true
    const {u, calls} = upkeep(
      () => true,
      () => paused,
    )
    await u.start(20)
    await sleep(300)
    expect(calls(), 'checks while paused').to.equal(0)
    paused = false
    await sleep(300)
    expect(calls(), 'checks once not paused').to.be.at.least(3)
    await u.stop()
  })

  it('failing checks back off: a few checks where 20 ticks came, one per tick again after a success', async () => {
    let ok = false
    const {u, calls} = upkeep(() => ok)
    await u.start(20)
    await sleep(420) // 20 ticks: checks at ticks 1, 3, 7, 15 (skips 1, 3, 7)
    const failing = calls()
    expect(failing, 'checks in 20 ticks while failing').to.be.within(2, 5)
    ok = true
    await u.check() // e.g. the daemon's check after its first successful pass
    const after = calls()
    await sleep(300)
    expect(calls() - after, 'checks in 15 ticks after a success').to.be.at.least(4)
    await u.stop()
  })
})
