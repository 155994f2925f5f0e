// The FRR upkeep's restart detection when FRR's vty socket directory does not exist when `watch`
// starts (FRR not started yet) or is removed and re-created (an FRR stop that removes its run
// directory): the parent is watched until the directory appears, then the directory itself; no
// timer polls meanwhile. Real directories and Unix sockets (zebra.vty, bgpd.vty) in a temporary
// directory; the leak check is a counting stub (the real-FRR checks are in upkeep.test.ts).
import {expect} from 'chai'
import {mkdirSync, mkdtempSync, rmSync} from 'node:fs'
import {createServer, type Server} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import type {LeakResult} from '../../../src/lib/frr/leak.js'

import {FrrUpkeep} from '../../../src/lib/frr/upkeep.js'
import {waitFor} from '../../helpers/wait.js'

const SETTINGS = {asn: 64_999, vrf: 'bgp-vrf', vrfTable: 10, bgpNic: 'bgp-nic', redistribute: ['connected']} as never

/** Listens on zebra.vty and bgpd.vty in `dir` (what FRR's daemons do when they start). */
async function startSockets(dir: string): Promise<Server[]> {
  return Promise.all(
    ['zebra.vty', 'bgpd.vty'].map(
      (n) =>
        new Promise<Server>((resolve, reject) => {
          const s = createServer()
          s.once('error', reject)
          s.listen(join(dir, n), () => resolve(s))
        }),
    ),
  )
}

async function stopSockets(servers: Server[]): Promise<void> {
  await Promise.all(
    servers.map(
      (s) =>
        new Promise((r) => {
          s.close(r)
        }),
    ),
  )
}

describe('frr/upkeep: the vty socket directory appears after start, and is re-created', () => {
  let root: string
  let upkeep: FrrUpkeep | undefined
  let checks = 0

  before(() => {
    root = mkdtempSync(join(tmpdir(), 'frr-sockdir-'))
  })

  after(async () => {
    await upkeep?.stop()
    rmSync(root, {recursive: true, force: true})
  })

  function make(dir: string): FrrUpkeep {
    return new FrrUpkeep({
      leak: {
        async ensure(): Promise<LeakResult> {
          checks++
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
      socketDir: dir,
      // a poll would run every 5 ms: the tests assert that none is armed
      identityPollMs: 5,
    })
  }

  const polling = (): unknown => (upkeep as unknown as {poll?: unknown}).poll

  it('notices zebra/bgpd starting again in a re-created directory (the first watch died with it)', async () => {
    const dir = join(root, 'frr-a')
    mkdirSync(dir)
    let servers = await startSockets(dir)
    upkeep = make(dir)
    await upkeep.start(3_600_000) // only the restart detection can check
    await stopSockets(servers)
    rmSync(dir, {recursive: true, force: true})
    // the sockets vanishing is a change too (a check that finds FRR down); then FRR comes back
    await waitFor('a check after the directory was removed', () => checks >= 1, 5000)
    const before = checks
    mkdirSync(dir)
    servers = await startSockets(dir)
    await waitFor('a check after FRR started in the re-created directory', () => checks > before, 5000)
    expect(polling()).to.equal(undefined)
    await stopSockets(servers)
    await upkeep.stop()
  })

  it('notices FRR starting in a directory that did not exist, without polling meanwhile', async () => {
    const dir = join(root, 'frr')
    checks = 0
    upkeep = make(dir)
    await upkeep.start(3_600_000) // only the restart detection can check
    expect(polling(), 'a poll timer beside the parent watch').to.equal(undefined)

    mkdirSync(dir)
    let servers = await startSockets(dir)
    await waitFor('a check after FRR started in the new directory', () => checks >= 1, 5000)
    expect(polling()).to.equal(undefined)

    // FRR stops and its run directory is removed, then it starts again in a new one.
    await stopSockets(servers)
    rmSync(dir, {recursive: true, force: true})
    const before = checks
    mkdirSync(dir)
    servers = await startSockets(dir)
    await waitFor('a check after FRR started in the re-created directory', () => checks > before, 5000)
    expect(polling()).to.equal(undefined)
    await stopSockets(servers)
  })
})
