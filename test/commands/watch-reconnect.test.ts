// The daemon across an NB outage: while NB is gone nothing is withdrawn (a restart of the NB server
// must not flap routes); once the agent has a complete snapshot again, NB changes (including
// removals) are applied.
import {expect} from 'chai'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {Runtime, runtimeFactory} from '../../src/lib/runtime.js'
import type {OvsdbServer} from '../helpers/ovsdb-server.js'
import {requireTools} from '../helpers/require.js'
import {MemoryKernel, nodeArgs, runAdhocCmd, startNb, updatePort} from './adhoc-harness.js'

async function until(what: string, ok: () => boolean, timeoutMs = 20000): Promise<void> {
  const t0 = Date.now()
  while (!ok()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 25))
  }
}

describe('watch across an NB server restart (real NB)', function () {
  this.timeout(90000)
  let nb: OvsdbServer
  let state: string
  const mem = new MemoryKernel()
  const originalCreate = runtimeFactory.create

  before(async function () {
    requireTools(this, ['ovsdb-server', 'ovsdb-tool'])
    nb = await startNb()
    state = mkdtempSync(join(tmpdir(), 'watch-nb-restart-'))
    runtimeFactory.create = (cfg, logger, opts = {}) => new Runtime(cfg, logger, {...opts, ovsTimeoutMs: 50}, () => mem.parts())
  })

  after(async () => {
    runtimeFactory.create = originalCreate
    await nb?.stop()
    rmSync(state, {recursive: true, force: true})
  })

  it('keeps everything during the outage and converges after it', async () => {
    const args = [...nodeArgs(nb.unix, state), '--frr-vty-socket', join(state, 'no-frr'), '--bgp-router-id', '192.0.2.1', '--json']
    const running = runAdhocCmd('watch', args)
    await until('the first pass', () => mem.has('address', '172.24.4.226/32'))
    const before = mem.objs.size
    const removesBefore = mem.applied.reduce((n, p) => n + p.remove.length, 0)

    await nb.kill('SIGKILL')
    await new Promise((r) => setTimeout(r, 1500)) // the agent notices and retries; nothing may be withdrawn
    expect(mem.objs.size, 'nothing withdrawn while NB is away').to.equal(before)
    expect(mem.applied.reduce((n, p) => n + p.remove.length, 0)).to.equal(removesBefore)

    // The server comes back on the same database file; a change right after it must be applied.
    await nb.start()
    await updatePort(nb.unix, 'vm1', {up: false})
    await until('the change made around the outage', () => !mem.has('address', '172.24.4.226/32'))
    expect(mem.has('address', '172.24.4.201/32'), 'the rest stays').to.equal(true)

    process.emit('SIGTERM')
    const r = await running
    expect(r.exitCode).to.equal(0)
  })
})
