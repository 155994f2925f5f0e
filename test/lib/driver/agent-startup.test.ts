// Agent.start() ordering on fakes: the NB snapshot is asked for while the base wiring is still
// running (they need nothing from each other), the first pass's dumps start before the wiring, and
// nothing else waits for the NB first.
import {expect} from 'chai'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'

import type {DaemonSeams} from '../../../src/lib/driver/seams.js'

import {defaultConfig} from '../../../src/lib/config/index.js'
import {Agent} from '../../../src/lib/driver/agent.js'
import {NullLogger} from '../../../src/lib/log.js'

interface Gate {
  promise: Promise<never>
  reject(e: Error): void
}

function gate(): Gate {
  let reject!: (e: Error) => void
  const promise = new Promise<never>((_, rej) => {
    reject = rej
  })
  promise.catch(() => undefined)
  return {promise, reject}
}

describe('Agent start-up order', () => {
  let dir: string

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'agent-startup-'))
  })

  afterEach(() => rmSync(dir, {recursive: true, force: true}))

  it('asks for the NB snapshot while the base wiring is still running, the first dumps started with the wiring', async () => {
    const events: string[] = []
    const base = gate()
    const nb = gate()
    const seams = {
      useWatchedKernel() {},
      ovs: async () => undefined,
      checkStateDir: async () => undefined,
      reconciler: async () => ({
        enableIncremental() {},
        markChanged: () => true,
        markAll() {},
        buildDeferred: () => false,
        onDrift() {},
        compareWhenReady() {},
        stopBackground() {},
        async prefetchObservation() {
          events.push('dumps started')
        },
      }),
      kernel: () => ({
        ensureBase() {
          events.push('base started')
          return base.promise
        },
      }),
      nb() {
        events.push('nb requested')
        return nb.promise
      },
      frr: () => ({}),
      vtysh: () => ({}),
      flows: () => ({}),
      stopCommands() {},
      async close() {
        const stopped = new Error('closed')
        base.reject(stopped)
        nb.reject(stopped)
      },
    } as unknown as DaemonSeams
    const cfg = {...defaultConfig(), stateDir: dir, ovnNbConnection: 'unix:/nonexistent', metricsAddress: undefined}
    const agent = new Agent({rt: seams, cfg, logger: new NullLogger()})
    const starting = agent.start()
    const deadline = Date.now() + 5000
    while (events.length < 3 && Date.now() < deadline) await sleep(5)
    expect(events).to.have.members(['dumps started', 'base started', 'nb requested'])
    expect(events.indexOf('dumps started'), 'the dumps do not wait for the wiring').to.be.below(
      events.indexOf('base started'),
    )
    expect(agent.metrics.readiness.state().reason).to.match(/waiting for the NB database snapshot/)
    await agent.stop()
    const err = await starting.then(
      () => undefined,
      (error: Error) => error,
    )
    expect(err, 'start() rejects once stopped').to.be.instanceOf(Error)
  })
})
