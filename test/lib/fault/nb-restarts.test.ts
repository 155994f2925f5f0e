// Fault suite, item 1, host tier (the agent's NB side; kernel commands recorded, see
// agent-harness.ts; the kernel-tier run of the same fault is test/kernel/fault-nb-restarts.ktest.ts):
// the NB ovsdb-server SIGKILLed and restarted RESTARTS times while binds/unbinds flow. Shown:
//  - the agent never stops wanting a port NB keeps bound: every batch of every pass, outages
//    included, still adds all the always-bound ports (a pass without one would withdraw it);
//  - no change lost: once the load stops, the agent wants exactly the ports NB has up.
import {expect} from 'chai'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {type OvsdbServer, startOvsdbServer, transact, writeNbSchema} from '../../helpers/ovsdb-server.js'
import {requireTools} from '../../helpers/require.js'
import {sleep} from '../../helpers/wait.js'
import {bindOp, type HostAgent, portIp, portsOps, startHostAgent} from './agent-harness.js'

const RESTARTS = Number(process.env.FAULT_NB_RESTARTS ?? 20)
const TARGET_CHANGES = Number(process.env.FAULT_NB_CHANGES ?? 1000)
const STABLE = 20 // vm-0..19 always bound
const CHURN = 80 // vm-20..99 bound/unbound by the load

describe('fault: NB server killed and restarted under load (item 1, host tier)', function () {
  this.timeout(600_000)
  let dir: string
  let nb: OvsdbServer | undefined
  let h: HostAgent | undefined
  const want = new Map<number, boolean>()
  let up = true

  async function write(ops: unknown[]): Promise<boolean> {
    if (!up) return false
    try {
      const res = (await transact(nb!.unix, ['OVN_Northbound', ...ops])) as Array<{error?: string}>
      return !res.some((r) => r?.error)
    } catch {
      return false
    }
  }

  before(async function () {
    requireTools(this, ['ovsdb-server', 'ovsdb-tool'])
    dir = mkdtempSync(join(tmpdir(), 'fault-nb-'))
    nb = await startOvsdbServer({schema: writeNbSchema(dir)})
    await transact(
      nb.unix,
      portsOps(STABLE + CHURN, (i) => i < STABLE),
    )
    for (let i = 0; i < STABLE + CHURN; i++) want.set(i, i < STABLE)
    h = await startHostAgent(nb.unix)
  })

  after(async function () {
    if (this.currentTest?.state === 'failed') console.log(h?.logs.slice(-40).join('\n'))
    await h?.close()
    await nb?.stop({clean: true})
    if (dir) rmSync(dir, {recursive: true, force: true})
  })

  it(`${RESTARTS} SIGKILL+restart cycles while ~${TARGET_CHANGES} binds/unbinds flow: no stable port dropped, no change lost`, async () => {
    const stable = Array.from({length: STABLE}, (_, i) => portIp(i))
    // Every batch the agent applies from now on must still add every stable address.
    let batches = 0
    let dropped = 0
    const droppedIps = new Set<string>()
    const origRun = h!.runner.run.bind(h!.runner)
    h!.runner.run = async (file, args, opts = {}) => {
      const r = await origRun(file, args, opts)
      if (opts.input && /^address add .* dev bgp-nic$/m.test(opts.input)) {
        batches++
        for (const ip of stable) {
          if (!opts.input.includes(`address add ${ip}/32 dev bgp-nic`)) {
            dropped++
            droppedIps.add(ip)
          }
        }
      }

      return r
    }

    let stop = false
    let changes = 0
    let refused = 0
    const load = (async () => {
      let i = 0
      while (!stop) {
        const p = STABLE + (i % CHURN)
        const next = !want.get(p)
        if (await write([bindOp(p, next)])) {
          want.set(p, next)
          changes++
          i++
        } else {
          refused++
          await sleep(20)
        }
      }
    })()
    const downMs: number[] = []
    const t0 = Date.now()
    try {
      for (let k = 0; k < RESTARTS; k++) {
        const perCycle = TARGET_CHANGES / RESTARTS
        const c0 = changes
        const s0 = Date.now()
        while (changes - c0 < perCycle && Date.now() - s0 < 10_000) await sleep(10)
        up = false
        await nb!.kill('SIGKILL')
        const d0 = Date.now()
        await sleep(200 + ((k * 137) % 600)) // outages of 0.2-0.8 s
        await nb!.start()
        downMs.push(Date.now() - d0)
        up = true
      }

      const c0 = changes
      while (changes - c0 < TARGET_CHANGES / RESTARTS) await sleep(10)
    } finally {
      stop = true
      await load
    }

    const expected = [...want]
      .filter(([, u]) => u)
      .map(([i]) => portIp(i))
      .sort()
    const s0 = Date.now()
    while (JSON.stringify([...h!.runner.last].sort()) !== JSON.stringify(expected) && Date.now() - s0 < 30_000) {
      await sleep(100)
      await h!.agent.idle()
    }

    const reconnects = h!.logs.filter((l) => l.includes('NB resynced')).length
    console.log(
      `      FIGURE item 1 (host): ${RESTARTS} NB SIGKILL+restart (down ${Math.min(...downMs)}-${Math.max(...downMs)} ms), ${changes} binds/unbinds (${refused} writes refused while down) in ${Date.now() - t0} ms; ` +
        `${reconnects} resyncs, ${batches} batches, ${dropped} stable addresses dropped; final wanted set = NB (${expected.length} ports)`,
    )
    expect(changes).to.be.at.least(TARGET_CHANGES)
    expect([...droppedIps], 'stable ports dropped from a pass').to.deep.equal([])
    expect([...h!.runner.last].sort(), 'no change lost').to.deep.equal(expected)
    expect(reconnects, 'the agent resynced after restarts').to.be.greaterThan(0)
  })
})
