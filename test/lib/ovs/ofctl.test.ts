import {expect} from 'chai'
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import type {FlowObj} from '../../../src/lib/planner/types.js'

import {
  type CommandRunner,
  ExecRunner,
  RecordingRunner,
  type RunOptions,
  type RunResult,
} from '../../../src/lib/exec/runner.js'
import {diffFlows, type FlowOpResult, isPlanResult, OfctlFlows} from '../../../src/lib/ovs/ofctl.js'
import {requireTools} from '../../helpers/require.js'
import {OvsInstance} from './ovs-instance.js'

const flow = (inPort: number, family: 4 | 6, mac = 'aa:bb:cc:dd:ee:ff', bridge = 'br-ex'): FlowObj => ({
  kind: 'flow',
  bridge,
  inPort,
  family,
  mac,
})
/** The operation a result reports: add, delete (a modelled flow) or delete-foreign. */
const opName = (r: FlowOpResult) => (r.action === 'add' ? 'add' : isPlanResult(r) ? 'delete' : 'delete-foreign')
const ok = {code: 0, stdout: '', stderr: ''}
const fail = (stderr: string) => ({code: 1, stdout: '', stderr})

describe('ovs/ofctl (recording runner)', () => {
  it('one add-flows call per bridge: strict deletes by exact match, then adds', async () => {
    const r = new RecordingRunner()
    const o = new OfctlFlows(r, {ofctlPath: '/usr/bin/ovs-ofctl', env: {OVS_RUNDIR: '/x'}})
    const res = await o.apply({
      add: [flow(1, 4), flow(1, 6), flow(7, 4, 'aa:bb:cc:dd:ee:01', 'br-vlan')],
      remove: [flow(2, 6)],
      removeForeign: [
        {bridge: 'br-ex', table: 3, priority: 32_768, match: 'ip,in_port=LOCAL', actions: 'drop', text: ''},
      ],
    })
    expect(res.every((x) => x.ok)).to.equal(true)
    expect(res.map((x) => opName(x))).to.deep.equal(['delete', 'delete-foreign', 'add', 'add', 'add'])
    expect(r.calls).to.deep.equal([
      {
        file: '/usr/bin/ovs-ofctl',
        args: ['add-flows', 'br-ex', '-'],
        input:
          'delete_strict cookie=999/-1,priority=900,ipv6,in_port=2\n' +
          'delete_strict cookie=999/-1,table=3,priority=32768,ip,in_port=LOCAL\n' +
          'add cookie=999,priority=900,ip,in_port=1,actions=mod_dl_dst:aa:bb:cc:dd:ee:ff,NORMAL\n' +
          'add cookie=999,priority=900,ipv6,in_port=1,actions=mod_dl_dst:aa:bb:cc:dd:ee:ff,NORMAL\n',
      },
      {
        file: '/usr/bin/ovs-ofctl',
        args: ['add-flows', 'br-vlan', '-'],
        input: 'add cookie=999,priority=900,ip,in_port=7,actions=mod_dl_dst:aa:bb:cc:dd:ee:01,NORMAL\n',
      },
    ])
  })

  it('a rejected batch is replayed op by op to attribute the failure', async () => {
    // ovs-ofctl rejects a whole file when one line is bad; here the foreign flow's match is refused.
    const r = new RecordingRunner((_f, _args, input) =>
      input?.includes('bogus_field') ? fail('ovs-ofctl: -:1: unknown field bogus_field') : ok,
    )
    const o = new OfctlFlows(r, {ofctlPath: 'ovs-ofctl'})
    const res = await o.apply({
      add: [flow(1, 4)],
      remove: [],
      removeForeign: [{bridge: 'br-ex', table: 0, priority: 5, match: 'bogus_field=1', actions: 'drop', text: ''}],
    })
    expect(res.map((x) => [opName(x), x.ok])).to.deep.equal([
      ['delete-foreign', false],
      ['add', true],
    ])
    expect(res[0]!.error).to.include('bogus_field')
    // batch + its OpenFlow13 retry, then each op alone (the bad one with its retry)
    expect(r.calls).to.have.length(5)
  })

  it('retries with -O OpenFlow13 and asks that bridge in 1.3 first afterwards', async () => {
    const r = new RecordingRunner((_f, args) => (args.includes('OpenFlow13') ? ok : fail('version negotiation failed')))
    const o = new OfctlFlows(r, {ofctlPath: 'ovs-ofctl'})
    await o.dump('br-ex')
    await o.dump('br-ex')
    expect(r.calls.map((c) => c.args.join(' '))).to.deep.equal([
      '--no-stats --no-names dump-flows br-ex cookie=999/-1',
      '-O OpenFlow13 --no-stats --no-names dump-flows br-ex cookie=999/-1',
      '-O OpenFlow13 --no-stats --no-names dump-flows br-ex cookie=999/-1',
    ])
  })

  it('one failing bridge does not stop the others; failures are per op', async () => {
    const r = new RecordingRunner((_f, args) =>
      args.includes('br-bad') ? fail('ovs-ofctl: br-bad is not a bridge or a socket') : ok,
    )
    const o = new OfctlFlows(r, {ofctlPath: 'ovs-ofctl'})
    const res = await o.apply({
      add: [flow(1, 4, undefined, 'br-bad'), flow(1, 4)],
      remove: [flow(2, 4, undefined, 'br-bad'), flow(3, 4)],
      removeForeign: [],
    })
    expect(res.map((x) => [opName(x), x.obj.bridge, x.ok])).to.deep.equal([
      ['delete', 'br-bad', false],
      ['add', 'br-bad', false],
      ['delete', 'br-ex', true],
      ['add', 'br-ex', true],
    ])
    expect(res[0]!.error).to.include('not a bridge')
    // an unreachable bridge is not replayed op by op: default, then OpenFlow13, and done
    expect(r.calls.filter((c) => c.args.includes('br-bad'))).to.have.length(2)
  })

  it('invalid flows fail their own op without running anything', async () => {
    const r = new RecordingRunner()
    const res = await new OfctlFlows(r, {ofctlPath: 'ovs-ofctl'}).apply({
      add: [flow(1, 4, 'nope')],
      remove: [flow(0, 4)],
      removeForeign: [],
    })
    expect(res.map((x) => x.ok)).to.deep.equal([false, false])
    expect(r.calls).to.deep.equal([])
  })

  const diffCases: Array<{name: string; desired: FlowObj[]; observed: FlowObj[]; add: FlowObj[]; remove: FlowObj[]}> = [
    {name: 'nothing', desired: [], observed: [], add: [], remove: []},
    {name: 'all new', desired: [flow(1, 4), flow(1, 6)], observed: [], add: [flow(1, 4), flow(1, 6)], remove: []},
    {name: 'in place', desired: [flow(1, 4)], observed: [flow(1, 4)], add: [], remove: []},
    {
      name: 'MAC changed: re-add (replaces actions)',
      desired: [flow(1, 4, 'aa:aa:aa:aa:aa:aa')],
      observed: [flow(1, 4)],
      add: [flow(1, 4, 'aa:aa:aa:aa:aa:aa')],
      remove: [],
    },
    {name: 'stale port', desired: [flow(2, 4)], observed: [flow(1, 4)], add: [flow(2, 4)], remove: [flow(1, 4)]},
    {
      name: 'upper-case desired MAC equals dump',
      desired: [flow(1, 4, 'AA:BB:CC:DD:EE:FF')],
      observed: [flow(1, 4)],
      add: [],
      remove: [],
    },
  ]
  for (const c of diffCases) {
    it(`diffFlows: ${c.name}`, () => {
      const d = diffFlows(c.desired, c.observed)
      expect(d.add).to.deep.equal(c.add)
      expect(d.remove).to.deep.equal(c.remove)
    })
  }
})

class CountingRunner implements CommandRunner {
  readonly calls: string[][] = []
  private readonly inner = new ExecRunner()

  run(file: string, args: readonly string[], opts?: RunOptions): Promise<RunResult> {
    this.calls.push([...args])
    return this.inner.run(file, args, opts)
  }
}

describe('ovs/ofctl (real ovs-vswitchd)', () => {
  let ovs: OvsInstance | undefined
  let runner: CountingRunner
  let o: OfctlFlows
  const MAC = 'd6:ad:47:51:39:42'

  before(async function () {
    requireTools(this, ['ovsdb-server', 'ovs-vswitchd', 'ovs-vsctl', 'ovs-ofctl', 'ip'], {root: true})
    ovs = await OvsInstance.start('ovslt')
    ovs.addBridge('br-ex')
    ovs.addBridge('br-int')
    ovs.addPatch('br-ex', 'patch-provnet-a', 'br-int', 'patch-int-a')
    ovs.addPatch('br-ex', 'patch-provnet-b', 'br-int', 'patch-int-b')
    runner = new CountingRunner()
    o = new OfctlFlows(runner, {ofctlPath: 'ovs-ofctl', env: ovs.env})
  })

  after(async () => {
    await ovs?.stop()
  })

  const dumpText = () => ovs!.ofctl(['--no-stats', '--no-names', 'dump-flows', 'br-ex'])

  it('sync installs the flows, keeps other cookies, deletes foreign cookie-999 flows', async () => {
    ovs!.ofctl(
      ['add-flows', 'br-ex', '-'],
      [
        'cookie=999,priority=100,tcp,in_port=1,tp_dst=80,actions=drop',
        // default priority: upstream crashed on this (docs/upstream-behaviour.md#bug-17-flow-parsing)
        'cookie=999,ip,in_port=2,actions=NORMAL',
        'cookie=999,table=3,priority=900,ip,in_port=1,actions=NORMAL',
        'cookie=7,priority=900,ip,in_port=9,actions=NORMAL',
      ].join('\n') + '\n',
    )
    const desired = [flow(1, 4, MAC), flow(1, 6, MAC), flow(2, 4, MAC), flow(2, 6, MAC)]
    const {results, errors} = await o.sync(['br-ex'], desired)
    expect(errors).to.deep.equal({})
    expect(results.every((r) => r.ok)).to.equal(true)
    expect(results.filter((r) => opName(r) === 'delete-foreign')).to.have.length(3)
    const after = await o.dump('br-ex')
    expect(after.foreign).to.deep.equal([])
    expect(after.flows.map((f) => `${f.inPort}/${f.family}/${f.mac}`).sort()).to.deep.equal([
      `1/4/${MAC}`,
      `1/6/${MAC}`,
      `2/4/${MAC}`,
      `2/6/${MAC}`,
    ])
    expect(dumpText()).to.include('cookie=0x7, priority=900,ip,in_port=9 actions=NORMAL')
  })

  it('a second sync is a no-op: one dump, no add or delete', async () => {
    const n = runner.calls.length
    const {results} = await o.sync(['br-ex'], [flow(1, 4, MAC), flow(1, 6, MAC), flow(2, 4, MAC), flow(2, 6, MAC)])
    expect(results).to.deep.equal([])
    expect(runner.calls.slice(n).map((a) => a.find((x) => x.endsWith('-flows')))).to.deep.equal(['dump-flows'])
  })

  it('replaces a changed MAC and removes flows of a vanished port', async () => {
    const {results} = await o.sync(['br-ex'], [flow(1, 4, 'aa:aa:aa:aa:aa:01'), flow(1, 6, 'aa:aa:aa:aa:aa:01')])
    expect(results.map((r) => opName(r)).sort()).to.deep.equal(['add', 'add', 'delete', 'delete'])
    const d = await o.dump('br-ex')
    expect(d.flows.map((f) => `${f.inPort}/${f.family}/${f.mac}`).sort()).to.deep.equal([
      '1/4/aa:aa:aa:aa:aa:01',
      '1/6/aa:aa:aa:aa:aa:01',
    ])
  })

  it('works on a bridge that only speaks OpenFlow 1.3 (1.3 dump syntax is parsed)', async () => {
    ovs!.vsctl(['set', 'Bridge', 'br-ex', 'protocols=OpenFlow13'])
    const fresh = new OfctlFlows(runner, {ofctlPath: 'ovs-ofctl', env: ovs!.env})
    const d = await fresh.dump('br-ex')
    expect(d.flows).to.have.length(2)
    expect(d.foreign).to.deep.equal([])
    const {results} = await fresh.sync(['br-ex'], [flow(1, 4, MAC), flow(1, 6, MAC)])
    expect(results.every((r) => r.ok)).to.equal(true)
    expect((await fresh.sync(['br-ex'], [flow(1, 4, MAC), flow(1, 6, MAC)])).results).to.deep.equal([])
    expect(ovs!.ofctl(['-O', 'OpenFlow13', '--no-stats', 'dump-flows', 'br-ex'])).to.include(
      `set_field:${MAC}->eth_dst`,
    )
  })

  it('1,000 flows: one add-flows call, then a no-op sync is one dump', async () => {
    const desired: FlowObj[] = []
    for (let p = 100; p < 600; p++) desired.push(flow(p, 4, MAC, 'br-int'), flow(p, 6, MAC, 'br-int'))
    const n = runner.calls.length
    const t0 = performance.now()
    const first = await o.sync(['br-int'], desired)
    const t1 = performance.now()
    const again = await o.sync(['br-int'], desired)
    const t2 = performance.now()
    console.log(`      cold sync of 1,000 flows ${(t1 - t0).toFixed(0)} ms; no-op sync ${(t2 - t1).toFixed(0)} ms`)
    expect(first.results.filter((r) => r.ok)).to.have.length(1000)
    expect(again.results).to.deep.equal([])
    expect(runner.calls.slice(n).map((a) => a.find((x) => x.endsWith('-flows')))).to.deep.equal([
      'dump-flows',
      'add-flows',
      'dump-flows',
    ])
    const t3 = performance.now()
    const cleared = await o.sync(['br-int'], [])
    console.log(`      removing the 1,000 flows ${(performance.now() - t3).toFixed(0)} ms (one batch)`)
    expect(cleared.results.filter((r) => r.ok && opName(r) === 'delete')).to.have.length(1000)
    expect((await o.dump('br-int')).flows).to.deep.equal([])
  })

  it('reports a missing bridge without throwing', async () => {
    const {results, errors} = await o.sync(['br-missing'], [flow(1, 4, MAC, 'br-missing')])
    expect(results).to.deep.equal([])
    expect(errors['br-missing']).to.match(/not a bridge/)
  })
})

describe('ovs/ofctl without ovs-ofctl installed', () => {
  it('every op fails with the reason, nothing throws', async () => {
    const o = new OfctlFlows(new ExecRunner(), {ofctlPath: '/nonexistent/ovs-ofctl'})
    const res = await o.apply({add: [flow(1, 4)], remove: [flow(2, 4)], removeForeign: []})
    expect(res.map((r) => r.ok)).to.deep.equal([false, false])
    expect(res[0]!.error).to.match(/not found|cannot run/)
    const dump = await o.dumpAll(['br-ex'])
    expect(dump.errors['br-ex']).to.match(/not found|cannot run/)
  })
})

describe('ovs/ofctl dump bound (dumpTimeoutMs)', () => {
  // An ovs-ofctl that never answers (as when ovs-vswitchd is busy), and one that fails at once.
  const dir = mkdtempSync(join(tmpdir(), 'ovn-bgp-ofctl-'))
  const silent = join(dir, 'silent-ofctl')
  const refusing = join(dir, 'refusing-ofctl')
  const calls = join(dir, 'calls')
  writeFileSync(silent, `#!/bin/sh\necho "$*" >> ${calls}\nexec sleep 30\n`, {mode: 0o755})
  writeFileSync(refusing, "#!/bin/sh\necho 'br-ex is not a bridge or a socket' >&2\nexit 1\n", {mode: 0o755})

  after(() => rmSync(dir, {recursive: true, force: true}))

  it('a dump that outlasts the bound is reported as timed out, apart from other errors', async () => {
    const t0 = performance.now()
    const slow = await new OfctlFlows(new ExecRunner(), {ofctlPath: silent, dumpTimeoutMs: 300}).dumpAll(['br-ex'])
    const ms = performance.now() - t0
    expect(slow.timedOut).to.deep.equal(['br-ex'])
    expect(slow.errors['br-ex']).to.match(/no answer from ovs-vswitchd within 300 ms/)
    expect(ms, 'bounded').to.be.below(3000)
    expect(readFileSync(calls, 'utf8').trim().split('\n'), 'no retry with the other OpenFlow version').to.have.length(1)
    const failed = await new OfctlFlows(new ExecRunner(), {ofctlPath: refusing, dumpTimeoutMs: 300}).dumpAll(['br-ex'])
    expect(failed.timedOut).to.deep.equal([])
    expect(failed.errors['br-ex']).to.match(/not a bridge/)
  })
})
