// The kernel parts the runtime composes (kernel-parts.ts): links() before and after a base wiring.
// The base wiring reads the links anyway; the pass that follows takes them from it instead of
// starting `ip link show` of its own (the first pass of a start, before any watched model).
import {expect} from 'chai'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {defaultConfig} from '../../../src/lib/config/index.js'
import {RecordingRunner, type RunResult} from '../../../src/lib/exec/runner.js'
import {NullLogger} from '../../../src/lib/log.js'
import {defaultKernelFactory} from '../../../src/lib/reconciler/kernel-parts.js'

const ok = (stdout = ''): RunResult => ({code: 0, stdout, stderr: ''})
const links = [
  {ifname: 'bgp-vrf', flags: ['UP'], linkinfo: {info_kind: 'vrf', info_data: {table: 10}}},
  {ifname: 'bgp-nic', flags: ['UP'], master: 'bgp-vrf', linkinfo: {info_kind: 'dummy'}},
  {ifname: 'br-ex', flags: ['UP'], linkinfo: {info_kind: 'bridge'}},
]

describe('reconciler kernel parts: links()', () => {
  let dir: string
  let clock = 0

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'kernel-parts-'))
    clock = 0
  })

  afterEach(() => rmSync(dir, {recursive: true, force: true}))

  const parts = (runner: RecordingRunner) =>
    defaultKernelFactory(
      {...defaultConfig(), bgpVrfTableId: 10, stateDir: dir, rtTablesPath: join(dir, 'rt_tables')},
      runner,
      new NullLogger(),
      {now: () => clock},
    )
  const linkShows = (r: RecordingRunner): number =>
    r.calls.filter((c) => c.args.includes('link') && c.args.includes('show')).length

  it('without a base wiring: one `ip link show` per call', async () => {
    const runner = new RecordingRunner(() => ok(JSON.stringify(links)))
    const p = parts(runner)
    expect(await p.links()).to.deep.equal(['bgp-vrf', 'bgp-nic', 'br-ex'])
    expect(await p.links()).to.deep.equal(['bgp-vrf', 'bgp-nic', 'br-ex'])
    expect(linkShows(runner)).to.equal(2)
  })

  it("after a base wiring: its read (and the devices it created), no process of links()' own", async () => {
    // bgp-nic is missing: the wiring creates it
    const runner = new RecordingRunner((_f, args) =>
      args.join(' ') === '-json -details link show'
        ? ok(JSON.stringify(links.filter((l) => l.ifname !== 'bgp-nic')))
        : ok('[]'),
    )
    const p = parts(runner)
    await p.ensureBase({clearVrfRoutes: false, bridges: ['br-ex']})
    const before = linkShows(runner)
    expect((await p.links()).sort()).to.deep.equal(['bgp-nic', 'bgp-vrf', 'br-ex'])
    expect(linkShows(runner), 'no ip link show of its own').to.equal(before)
    // aged (a watched model that never loads): read again, so a bridge created since is seen
    clock += 30_000
    await p.links()
    expect(linkShows(runner)).to.equal(before + 1)
  })
})
