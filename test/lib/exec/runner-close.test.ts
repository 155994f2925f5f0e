// ExecRunner.close(): the daemon's shutdown ends children still running and refuses new ones, so
// background chains of commands do not keep the process alive after SIGTERM.
import {expect} from 'chai'

import {AgentError} from '../../../src/lib/errors.js'
import {ExecRunner} from '../../../src/lib/exec/runner.js'

describe('ExecRunner.close', () => {
  it('ends a running child at once and reports it as failed', async () => {
    const runner = new ExecRunner()
    const t0 = performance.now()
    const running = runner.run('sleep', ['30'])
    setTimeout(() => runner.close(), 100)
    const r = await running
    expect(r.code).to.not.equal(0)
    expect(performance.now() - t0).to.be.below(5000)
  })

  it('refuses commands after close with code STOPPED, and runs them before', async () => {
    const runner = new ExecRunner()
    expect((await runner.run('true', [])).code).to.equal(0)
    runner.close()
    const err = await runner.run('true', []).then(
      () => undefined,
      (error: unknown) => error,
    )
    expect(err).to.be.instanceOf(AgentError)
    expect((err as AgentError).code).to.equal('STOPPED')
  })
})
