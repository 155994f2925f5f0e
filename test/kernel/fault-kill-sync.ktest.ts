// Fault suite, item 6: `watch` (the Agent in its own process, helpers/watch-child.ts) SIGKILLed at
// random moments of a cold sync of PORTS ports, in a real kernel with OVS. After each kill a new
// process syncs again; it must converge to diff 0 (a dry-run pass plans nothing), leave nothing
// duplicated (rules, flows, addresses, neighbours) and a readable ledger. Between rounds the owned
// state is removed so every round is a cold sync. Prints its figure.
import {expect} from 'chai'
import {existsSync, mkdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import type {AgentConfig} from '../../src/lib/config/types.js'

import {defaultConfig} from '../../src/lib/config/index.js'
import {StreamLogger} from '../../src/lib/log.js'
import {Runtime} from '../../src/lib/runtime.js'
import {type OvsdbServer, startOvsdbServer, transact, writeNbSchema} from '../helpers/ovsdb-server.js'
import {sleep} from '../helpers/wait.js'
import {portsOps} from '../lib/fault/agent-harness.js'
import {stateDir} from './helpers/daemons.js'
import {must, requireGuest, SpawnRunner} from './helpers/guest.js'
import {PrivateOvs} from './helpers/ovs.js'
import {stopWatchProcess as kill, startWatchProcess as startChild, type WatchProcess} from './helpers/watch-process.js'

// The 1,000 ports and 10 kills. Every child start-up in the TCG guest costs seconds (module
// loading from the one-file bundle, a few processes: the profile printed for round 0), so the file
// takes minutes. Override with FAULT_KILL_PORTS / FAULT_KILLS.
const PORTS = Number(process.env.FAULT_KILL_PORTS ?? 1000)
const KILLS = Number(process.env.FAULT_KILLS ?? 10)

function seeded(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (Math.imul(a, 1_664_525) + 1_013_904_223) >>> 0
    return a / 4_294_967_296
  }
}

const dups = (lines: string[]) => lines.length - new Set(lines).size

describe('fault: watch SIGKILLed during a cold sync (item 6)', function () {
  this.timeout(1_500_000) // 10 rounds of two child start-ups each under TCG: 8-14 min (the guest gets 50)
  let dir: string
  let nb: OvsdbServer | undefined
  let ovs: PrivateOvs | undefined
  let cfg: AgentConfig
  let cfgFile: string
  const children: WatchProcess[] = []

  before(async function () {
    requireGuest(this, ['ovsdb-server', 'ovs-vswitchd'])
    dir = stateDir('fault-kill')
    nb = await startOvsdbServer({schema: writeNbSchema(dir)})
    await transact(
      nb.unix,
      portsOps(PORTS, () => true),
    )
    mkdirSync(join(dir, 'ovs'))
    ovs = await PrivateOvs.start({dir: join(dir, 'ovs')})
    await ovs.vsctl(
      '--',
      'add-br',
      'br-ex',
      '--',
      'add-port',
      'br-ex',
      'patch-provnet-1-to-br-int',
      '--',
      'set',
      'Interface',
      'patch-provnet-1-to-br-int',
      'type=patch',
      'options:peer=patch-br-int-to-provnet-1',
      '--',
      'set',
      'Open_vSwitch',
      '.',
      'external_ids:system-id=chassis-1',
      'external_ids:hostname=compute-1',
      'external_ids:ovn-bridge-mappings=physnet1:br-ex',
    )
    await must('ip', ['link', 'set', 'br-ex', 'up'])
    cfg = {
      ...defaultConfig(),
      driver: 'nb_ovn_bgp_driver',
      ovnNbConnection: nb.unix,
      ovsdbConnection: ovs.dbSocket,
      ovsEnv: ovs.env,
      frrVtySocket: dir, // no FRR here: the upkeep logs that, nothing else depends on it
      bgpRouterId: '192.0.2.1',
      rtTablesPath: join(dir, 'rt_tables'),
      stateDir: join(dir, 'state'),
      reconcileInterval: 3600,
      frrReconcileInterval: 3600,
    }
    cfgFile = join(dir, 'config.json')
    writeFileSync(cfgFile, JSON.stringify(cfg))
  })

  after(async function () {
    for (const c of children) await kill(c, 'SIGKILL')
    if (this.currentTest?.state === 'failed')
      for (const c of children.slice(-2)) console.log(c.out.slice(-30).join('\n'))
    await ovs?.stop()
    await nb?.stop({clean: false})
    await cleanup().catch(() => undefined)
    await must('ip', ['link', 'del', 'bgp-nic']).catch(() => undefined)
    await must('ip', ['link', 'del', 'bgp-vrf']).catch(() => undefined)
    if (dir) rmSync(dir, {recursive: true, force: true})
  })

  /** The table ovn-bgp allocated for br-ex (rt_tables entry). */
  function brTable(): string | undefined {
    if (!existsSync(cfg.rtTablesPath)) return undefined
    return /^(\d+)\s+br-ex$/m.exec(readFileSync(cfg.rtTablesPath, 'utf8'))?.[1]
  }

  /** Removes every owned object (and the ledger) so the next sync is cold. */
  async function cleanup(): Promise<void> {
    await must('ip', ['addr', 'flush', 'dev', 'bgp-nic']).catch(() => undefined)
    const rules = (await must('ip', ['-4', 'rule', 'show', 'priority', '32000'])).stdout.split('\n').filter(Boolean)
    if (rules.length > 0)
      await must('ip', ['-4', '-force', '-batch', '-'], {
        input: rules.map(() => 'rule del priority 32000').join('\n') + '\n',
      }).catch(() => undefined)
    const t = brTable()
    if (t) await must('ip', ['-4', 'route', 'flush', 'table', t]).catch(() => undefined)
    await must('ip', ['neigh', 'flush', 'dev', 'br-ex', 'nud', 'permanent']).catch(() => undefined)
    await ovs!.run('ovs-ofctl', 'del-flows', 'br-ex', 'cookie=0x3e7/-1')
    rmSync(cfg.stateDir, {recursive: true, force: true})
  }

  async function diffZero(): Promise<{add: number; remove: number}> {
    const rt = new Runtime(cfg, new StreamLogger({write() {}}), {runner: new SpawnRunner()})
    try {
      const reconciler = await rt.reconciler()
      const pass = await reconciler.pass((await rt.nb()).nb, {prune: true, dryRun: true})
      return {add: pass.plan.add.length, remove: pass.plan.remove.length}
    } finally {
      await rt.close()
    }
  }

  async function duplicates(): Promise<number> {
    const rules = (await must('ip', ['-4', 'rule', 'show'])).stdout.split('\n').filter(Boolean)
    const addrs = (await must('ip', ['-4', '-o', 'addr', 'show', 'dev', 'bgp-nic'])).stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => l.replace(/\s+valid_lft.*/, ''))
    const neigh = (await must('ip', ['neigh', 'show', 'dev', 'br-ex', 'nud', 'permanent'])).stdout
      .split('\n')
      .filter(Boolean)
    const flows = (await ovs!.ofctl('--no-stats', 'dump-flows', 'br-ex', 'cookie=0x3e7/-1'))
      .split('\n')
      .filter((l) => l.includes('cookie'))
    const t = brTable()
    const routes = t ? (await must('ip', ['-4', 'route', 'show', 'table', t])).stdout.split('\n').filter(Boolean) : []
    return dups(rules) + dups(addrs) + dups(neigh) + dups(flows) + dups(routes)
  }

  it(`${KILLS} SIGKILLs at random moments of a ${PORTS}-port cold sync: each restart converges, nothing duplicated, ledger readable`, async () => {
    // Round 0: an uninterrupted cold sync, to know how long one takes.
    const c0 = startChild(cfgFile)
    children.push(c0)
    const full = await c0.firstPass
    console.log(`      round 0: cold sync of ${PORTS} ports took ${full} ms`)
    // Where the time went (module loading, commands run): the watch child's start-up profile.
    console.log(`      round 0 profile: ${c0.out.find((l) => l.includes('"msg":"first pass done"'))}`)
    if (process.env.KTEST_VERBOSE) for (const l of c0.out) console.log(`        ${l}`)
    await kill(c0, 'SIGKILL')
    const d0 = await diffZero()
    expect(d0, 'an uninterrupted sync converges').to.deep.equal({add: 0, remove: 0})
    const addrs = (await must('ip', ['-4', '-o', 'addr', 'show', 'dev', 'bgp-nic'])).stdout
      .split('\n')
      .filter(Boolean).length
    expect(addrs).to.equal(PORTS)
    const rand = seeded(Number(process.env.FAULT_SEED ?? 6))
    const moments: number[] = []
    const restarts: number[] = []
    let partial = 0
    for (let k = 0; k < KILLS; k++) {
      await cleanup()
      const at = Math.round(full * (0.3 + 0.7 * rand()))
      moments.push(at)
      const c = startChild(cfgFile)
      children.push(c)
      await sleep(at)
      await kill(c, 'SIGKILL')
      const had = (await must('ip', ['-4', '-o', 'addr', 'show', 'dev', 'bgp-nic'])).stdout
        .split('\n')
        .filter(Boolean).length
      if (had > 0 && had < PORTS) partial++
      const r = startChild(cfgFile)
      children.push(r)
      restarts.push(await r.firstPass)
      await kill(r, 'SIGKILL')
      const ledger = join(cfg.stateDir, 'kernel-ledger.json')
      if (existsSync(ledger)) JSON.parse(readFileSync(ledger, 'utf8'))
      expect(await duplicates(), `round ${k + 1}: duplicated objects`).to.equal(0)
      expect(await diffZero(), `round ${k + 1}: diff after the restart`).to.deep.equal({add: 0, remove: 0})
      console.log(
        `      round ${k + 1}: killed at ${at} ms (${had} addresses then), restart converged in ${restarts.at(-1)} ms`,
      )
    }

    console.log(
      `      FIGURE item 6: ${PORTS}-port cold sync (${full} ms from spawn to first pass), ${KILLS} SIGKILLs at ${moments.join(', ')} ms (${partial} with a partial datapath); ` +
        `each restart converged (diff 0) in ${Math.min(...restarts)}-${Math.max(...restarts)} ms, 0 duplicates, ledger readable`,
    )
  })
})
