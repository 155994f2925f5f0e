import {expect} from 'chai'
import {mkdtempSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'

import {RecordingRunner, type RunResult} from '../../../src/lib/exec/runner.js'
import {Kernel} from '../../../src/lib/kernel/kernel.js'
import {LEDGER_FILE} from '../../../src/lib/kernel/ledger.js'
import {objValue, type StateObj} from '../../../src/lib/planner/types.js'

const fixture = (f: string): string => readFileSync(new URL(`fixtures/${f}`, import.meta.url), 'utf8')

/**
 * Answers the observe dumps with the JSON captured in the guest (state built by
 * docs/upstream-behaviour.md#kernel-and-ovs-operations commands).
 */
const dumps: Record<string, string> = {
  '-json -details link show': 'link.json',
  '-json -details address show': 'addr.json',
  '-json -details neigh show nud permanent': 'neigh.json',
  '-json -details neigh show proxy': 'proxy.json',
  '-4 -N -d -json rule show': 'rule4.json',
  '-6 -N -d -json rule show': 'rule6.json',
  '-4 -N -d -json route show table 200': 'route4-200.json',
  '-6 -N -d -json route show table 200': 'route6-200.json',
  // The VRF table is dumped for ovn-bgp's routes only: the kernel filters, `ip` omits the protocol.
  '-4 -N -d -json route show table 10 proto 3': 'route4-10-marked.json',
  '-6 -N -d -json route show table 10 proto 3': 'route6-10-marked.json',
}

/** One dump as `ip` prints it: the JSON array on one line. */
function dumpOf(command: string): string {
  const f = dumps[command]
  if (!f) throw new Error(`unexpected dump: ${command}`)
  return JSON.stringify(JSON.parse(fixture(f))) + '\n'
}

/** Answers `ip GLOBAL -batch -` (one output line per input line) and single dumps. */
function answer(file: string, args: readonly string[], input?: string): RunResult {
  const ok = (stdout: string): RunResult => ({code: 0, stdout, stderr: ''})
  if (file === 'sysctl') return ok(fixture('sysctl-r.out'))
  if (args.at(-2) === '-batch') {
    const global = args.slice(0, -2).join(' ')
    return ok(
      (input ?? '')
        .trim()
        .split('\n')
        .map((line) => dumpOf(`${global} ${line}`))
        .join(''),
    )
  }

  return ok(dumpOf(args.join(' ')))
}

const expected: StateObj[] = [
  {kind: 'vlan', name: 'br-ex.100', link: 'br-ex', id: 100},
  {kind: 'address', dev: 'bgp-nic', cidr: '172.24.4.226/32'},
  {kind: 'address', dev: 'bgp-nic', cidr: '2001:db8:100::226/128'},
  {kind: 'address', dev: 'br-ex', cidr: '169.254.1.1/32'},
  {kind: 'address', dev: 'br-ex', cidr: 'fd53:d91e:400:7f17::1:1/128'},
  {kind: 'address', dev: 'br-ex.100', cidr: '169.254.1.100/32'},
  {kind: 'address', dev: 'br-ex.100', cidr: 'fd53:d91e:400:7f17::1:64/128'},
  {kind: 'rule', family: 4, dst: '172.24.4.226/32', table: 200, priority: 32_000},
  {kind: 'rule', family: 4, dst: '10.0.0.1/24', table: 200, priority: 32_000},
  {kind: 'rule', family: 6, dst: '2001:db8:100::226/128', table: 200, priority: 32_000},
  {kind: 'route', family: 4, table: 200, dst: 'default', dev: 'br-ex', scope: 'link', proto: 3},
  {kind: 'route', family: 4, table: 200, dst: '10.0.0.0/24', dev: 'br-ex', via: '172.24.4.10', proto: 3},
  {kind: 'route', family: 4, table: 200, dst: '172.24.4.226/32', dev: 'br-ex', scope: 'link', proto: 3},
  {kind: 'route', family: 4, table: 200, dst: '172.24.4.227/32', dev: 'br-ex.100', scope: 'link', proto: 3},
  {kind: 'route', family: 6, table: 200, dst: '2001:db8:100::226/128', dev: 'br-ex', proto: 3},
  {kind: 'route', family: 6, table: 200, dst: 'default', dev: 'br-ex', proto: 3},
  {kind: 'route', family: 4, table: 10, dst: '10.0.0.0/24', dev: 'bgp-nic', via: '172.24.4.10', proto: 3},
  {kind: 'neigh', family: 4, ip: '172.24.4.100', dev: 'br-ex', mac: 'fa:16:3e:00:00:64'},
  {kind: 'neigh', family: 6, ip: '2001:db8:100::64', dev: 'br-ex.100', mac: 'fa:16:3e:00:00:64'},
  {kind: 'ndp-proxy', ip: '2001:db8:100::', dev: 'br-ex'},
  {kind: 'sysctl', key: 'net.ipv6.conf.br-ex.proxy_ndp', value: '1'},
  {kind: 'sysctl', key: 'net.ipv4.conf.br-ex/100.proxy_arp', value: '1'},
]

describe('kernel/observe (captured ip -json dumps)', () => {
  let dir: string

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'kernel-observe-'))
  })

  afterEach(() => {
    rmSync(dir, {recursive: true, force: true})
  })

  const scope = {bgpNic: 'bgp-nic', bgpVrf: 'bgp-vrf', vrfTable: 10, bridges: [{name: 'br-ex', table: 200}]}

  it('returns exactly the owned objects, canonical, ledger and adoption applied', async () => {
    writeFileSync(
      join(dir, LEDGER_FILE),
      JSON.stringify({version: 1, keys: ['neigh|br-ex|172.24.4.100', 'neigh|br-ex|10.9.9.9']}),
    )
    const runner = new RecordingRunner(answer)
    const kernel = new Kernel(runner, {stateDir: dir})
    const adopt: StateObj[] = [
      {kind: 'neigh', family: 6, ip: '2001:db8:100::64', dev: 'br-ex.100', mac: 'fa:16:3e:00:00:64'},
      {kind: 'ndp-proxy', ip: '2001:db8:100::', dev: 'br-ex'},
      // Different MAC from the kernel's entry: not adopted (it will be replaced instead).
      {kind: 'neigh', family: 4, ip: '172.24.4.101', dev: 'br-other', mac: 'fa:16:3e:00:00:99'},
    ]
    const got = await kernel.observe({...scope, adopt})
    expect(got.map(objValue).sort()).to.deep.equal(expected.map(objValue).sort())
    // A handful of dumps, not one per object: 3 ip batches + 1 sysctl.
    expect(runner.calls.map((c) => `${c.file} ${c.args.join(' ')}`)).to.deep.equal([
      'ip -json -details -batch -',
      'ip -4 -N -d -json -batch -',
      'ip -6 -N -d -json -batch -',
      'sysctl -e net.ipv4.conf.br-ex.proxy_arp net.ipv6.conf.br-ex.proxy_ndp net.ipv4.conf.br-ex/100.proxy_arp net.ipv6.conf.br-ex/100.proxy_ndp',
    ])
    expect(runner.calls[1]!.input).to.equal('rule show\nroute show table 200\nroute show table 10 proto 3\n')
    const ledger = JSON.parse(readFileSync(join(dir, LEDGER_FILE), 'utf8')) as {keys: string[]}
    // Adopted entries recorded; the entry that no longer exists in the kernel dropped.
    expect(ledger.keys).to.deep.equal([
      'ndp-proxy|br-ex|2001:db8:100::',
      'neigh|br-ex.100|2001:db8:100::64',
      'neigh|br-ex|172.24.4.100',
    ])
  })

  it('keeps a vanished ledger entry that is still desired (the pass re-creates it): no ledger write', async () => {
    const keys = ['neigh|br-ex|10.9.9.9', 'neigh|br-ex|172.24.4.100']
    writeFileSync(join(dir, LEDGER_FILE), JSON.stringify({version: 1, keys}))
    const before = statSync(join(dir, LEDGER_FILE))
    const kernel = new Kernel(new RecordingRunner(answer), {stateDir: dir})
    // 10.9.9.9 is not in the kernel, but desired: it stays owned.
    const adopt: StateObj[] = [{kind: 'neigh', family: 4, ip: '10.9.9.9', dev: 'br-ex', mac: 'fa:16:3e:00:09:09'}]
    await kernel.observe({...scope, adopt})
    const after = statSync(join(dir, LEDGER_FILE))
    expect(JSON.parse(readFileSync(join(dir, LEDGER_FILE), 'utf8'))).to.deep.equal({version: 1, keys})
    expect(after.ino, 'not rewritten').to.equal(before.ino)
    // Not desired any more: forgotten and written.
    await kernel.observe(scope)
    expect((JSON.parse(readFileSync(join(dir, LEDGER_FILE), 'utf8')) as {keys: string[]}).keys).to.deep.equal([
      'neigh|br-ex|172.24.4.100',
    ])
  })

  it('falls back to one process per dump when a batch output does not split up', async () => {
    const runner = new RecordingRunner((file, args, input) => {
      if (args.at(-2) === '-batch') return {code: 1, stdout: '[]\n', stderr: 'Error: something\nCommand failed -:2\n'}
      return answer(file, args, input)
    })
    const got = await new Kernel(runner, {stateDir: dir}).observe(scope)
    expect(got.filter((o) => o.kind === 'rule')).to.have.length(3)
    expect(runner.calls).to.have.length(3 + 4 + 3 + 3 + 1)
  })

  it('without a ledger or adoption reports no neighbours or proxies', async () => {
    const kernel = new Kernel(new RecordingRunner(answer), {stateDir: dir})
    const got = await kernel.observe(scope)
    expect(got.filter((o) => o.kind === 'neigh' || o.kind === 'ndp-proxy')).to.deep.equal([])
  })

  it('truncates bridge names to 15 characters like upstream', async () => {
    const runner = new RecordingRunner((file, _args, input) => {
      if (file === 'sysctl') return {code: 0, stdout: '', stderr: ''}
      const link = JSON.stringify([{ifname: 'br-provider-net', flags: ['UP'], linkinfo: {info_kind: 'bridge'}}])
      const lines = (input ?? '').trim().split('\n')
      return {code: 0, stdout: lines.map((l) => (l === 'link show' ? link : '[]')).join('\n') + '\n', stderr: ''}
    })
    const kernel = new Kernel(runner, {stateDir: dir})
    await kernel.observe({...scope, bridges: [{name: 'br-provider-network-1', table: 7}]})
    const sysctl = runner.calls.find((c) => c.file === 'sysctl')
    expect(sysctl?.args).to.deep.equal([
      '-e',
      'net.ipv4.conf.br-provider-net.proxy_arp',
      'net.ipv6.conf.br-provider-net.proxy_ndp',
    ])
  })

  it('rejects an unsafe bgp-nic name before running anything', async () => {
    const runner = new RecordingRunner(answer)
    const kernel = new Kernel(runner, {stateDir: dir})
    let err: unknown
    await kernel.observe({...scope, bgpNic: '-x'}).catch((error: unknown) => {
      err = error
    })
    expect(String(err)).to.match(/invalid device name/)
    expect(runner.calls).to.have.length(0)
  })

  describe('prefetch (the dump starts while the pass plans)', () => {
    const dumpCalls = (r: RecordingRunner): number => r.calls.filter((c) => c.file === 'ip').length

    it('the observe that follows reads the prefetched dump: one dump, the same objects, adoption applied', async () => {
      const runner = new RecordingRunner(answer)
      const kernel = new Kernel(runner, {stateDir: dir})
      expect(kernel.prefetch(scope)).to.equal(true)
      expect(dumpCalls(runner), 'started at once').to.equal(3)
      const adopt: StateObj[] = [{kind: 'ndp-proxy', ip: '2001:db8:100::', dev: 'br-ex'}]
      const got = await kernel.observe({...scope, adopt})
      expect(dumpCalls(runner), 'no second dump').to.equal(3)
      expect(got.map(objValue)).to.include(objValue({kind: 'ndp-proxy', ip: '2001:db8:100::', dev: 'br-ex'}))
      // used once: the next observe dumps
      await kernel.observe(scope)
      expect(dumpCalls(runner)).to.equal(6)
    })

    it('a prefetch of other tables or bridges is not used', async () => {
      const runner = new RecordingRunner(answer)
      const kernel = new Kernel(runner, {stateDir: dir})
      kernel.prefetch({...scope, bridges: []})
      const got = await kernel.observe(scope)
      expect(dumpCalls(runner)).to.equal(6)
      expect(got.map(objValue).sort()).to.deep.equal(
        expected
          .filter((o) => o.kind !== 'neigh' && o.kind !== 'ndp-proxy')
          .map(objValue)
          .sort(),
      )
    })

    it('a failed prefetch is forgotten: the observe dumps again and succeeds', async () => {
      let fail = true
      const runner = new RecordingRunner((file, args, input) => {
        if (fail && file === 'ip') return {code: 1, stdout: '', stderr: 'Cannot talk to rtnetlink'}
        return answer(file, args, input)
      })
      const kernel = new Kernel(runner, {stateDir: dir})
      kernel.prefetch(scope)
      await sleep(50) // the prefetch has failed by now
      fail = false
      const before = dumpCalls(runner)
      const got = await kernel.observe(scope)
      expect(dumpCalls(runner), 'dumped again').to.equal(before + 3)
      expect(got.map(objValue)).to.include(objValue({kind: 'address', dev: 'bgp-nic', cidr: '172.24.4.226/32'}))
    })
  })
})
