// The retry of failed kernel ops in `watch`: after an apply with failed ops the WatchedKernel
// re-signals drift after a capped backoff, and keeps doing so while ops keep failing (before, it
// gave up after 6 quick retries and left the failure to the periodic pass). Driven by a real
// WatchedKernel whose failing op is an NDP proxy on a device that does not exist: settled as failed
// from the (empty) kernel model, so nothing runs and nothing changes on this host.
import {expect} from 'chai'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import type {Plan} from '../../../src/lib/planner/types.js'

import {ExecRunner} from '../../../src/lib/exec/runner.js'
import {failedOpsRetryMs, WatchedKernel} from '../../../src/lib/kernel/watched.js'
import {sleep} from '../../helpers/wait.js'

describe('kernel/watched: retry of failed ops', () => {
  const delays: Array<{n: number; want: number}> = [
    {n: 0, want: 100},
    {n: 1, want: 200},
    {n: 5, want: 3200},
    {n: 6, want: 6400},
    {n: 9, want: 51_200},
    {n: 10, want: 60_000},
    {n: 1000, want: 60_000},
  ]
  for (const c of delays) {
    it(`apply ${c.n + 1} failing in a row -> retry in ${c.want} ms`, () => {
      expect(failedOpsRetryMs(c.n)).to.equal(c.want)
    })
  }

  it('keeps re-signalling while ops fail (capped), and stops after a clean apply', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ovnbgp-retry-'))
    const wk = new WatchedKernel(new ExecRunner(), {stateDir: dir, retry: {baseMs: 10, maxMs: 40}})
    const failing: Plan = {
      add: [{kind: 'ndp-proxy', ip: '2001:db8::5', dev: 'zzovnbgp-none0'}],
      remove: [],
      unchanged: 0,
    }
    const clean: Plan = {add: [], remove: [], unchanged: 0}
    let plan = failing
    const signals: number[] = []
    let applied: Promise<unknown> = Promise.resolve()
    // What the daemon does on drift: a pass, i.e. an apply of what is still missing.
    wk.onDrift(() => {
      signals.push(performance.now())
      applied = wk.apply(plan)
    })
    try {
      const first = await wk.apply(failing)
      expect(first.map((r) => r.ok)).to.deep.equal([false])
      await sleep(700)
      // 10 + 20 + 40 + 40 ... ms: far more than the 6 retries of the old schedule, none faster than the cap.
      expect(signals.length).to.be.greaterThan(8)
      const gaps = signals.slice(3).map((t, i) => t - signals[i + 2]!)
      for (const g of gaps) expect(g).to.be.at.least(35)
      plan = clean
      await sleep(100)
      await applied
      const after = signals.length
      await sleep(200)
      expect(signals.length, 'no retry after a clean apply').to.equal(after)
    } finally {
      wk.close()
      rmSync(dir, {recursive: true, force: true})
    }
  })
})
