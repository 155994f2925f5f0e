import {expect} from 'chai'
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {RecordingRunner, type RunResult} from '../../../src/lib/exec/runner.js'
import {Kernel} from '../../../src/lib/kernel/kernel.js'
import {LEDGER_FILE} from '../../../src/lib/kernel/ledger.js'
import {objValue, type StateObj} from '../../../src/lib/planner/types.js'

const fixture = (f: string): string => readFileSync(new URL(`fixtures/${f}`, import.meta.url), 'utf8')

/** Answers the observe dumps with the JSON captured in the guest (state built by spec §8 commands). */
function answer(file: string, args: readonly string[]): RunResult {
  const a = args.join(' ')
  const ok = (stdout: string): RunResult => ({code: 0, stdout, stderr: ''})
  if (file === 'sysctl') return ok(fixture('sysctl-r.out'))
  const table: Record<string, string> = {
    '-json -details link show': 'link.json',
    '-json address show': 'addr.json',
    '-4 -N -json rule show': 'rule4.json',
    '-6 -N -json rule show': 'rule6.json',
    '-json neigh show nud permanent': 'neigh.json',
    '-json neigh show proxy': 'proxy.json',
    '-4 -N -d -json route show table 200': 'route4-200.json',
    '-6 -N -d -json route show table 200': 'route6-200.json',
    '-4 -N -d -json route show table 10': 'route4-10.json',
    '-6 -N -d -json route show table 10': 'route6-10.json',
  }
  const f = table[a]
  if (!f) throw new Error(`unexpected command: ${file} ${a}`)
  return ok(fixture(f))
}

const expected: StateObj[] = [
  {kind: 'vlan', name: 'br-ex.100', link: 'br-ex', id: 100},
  {kind: 'address', dev: 'bgp-nic', cidr: '172.24.4.226/32'},
  {kind: 'address', dev: 'bgp-nic', cidr: '2001:db8:100::226/128'},
  {kind: 'address', dev: 'br-ex', cidr: '169.254.1.1/32'},
  {kind: 'address', dev: 'br-ex', cidr: 'fd53:d91e:400:7f17::1:1/128'},
  {kind: 'address', dev: 'br-ex.100', cidr: '169.254.1.100/32'},
  {kind: 'address', dev: 'br-ex.100', cidr: 'fd53:d91e:400:7f17::1:64/128'},
  {kind: 'rule', family: 4, dst: '172.24.4.226/32', table: 200, priority: 32000},
  {kind: 'rule', family: 4, dst: '10.0.0.1/24', table: 200, priority: 32000},
  {kind: 'rule', family: 6, dst: '2001:db8:100::226/128', table: 200, priority: 32000},
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

describe('kernel/observe (captured ip -json dumps)', function () {
  let dir: string

  beforeEach(function () {
    dir = mkdtempSync(join(tmpdir(), 'kernel-observe-'))
  })

  afterEach(function () {
    rmSync(dir, {recursive: true, force: true})
  })

  const scope = {bgpNic: 'bgp-nic', bgpVrf: 'bgp-vrf', vrfTable: 10, bridges: [{name: 'br-ex', table: 200}]}

  it('returns exactly the owned objects, canonical, ledger and adoption applied', async function () {
    writeFileSync(join(dir, LEDGER_FILE), JSON.stringify({version: 1, keys: ['neigh|br-ex|172.24.4.100', 'neigh|br-ex|10.9.9.9']}))
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
    // A handful of dumps, not one per object: 6 + 2 per table (bridge + VRF) + 1 sysctl.
    expect(runner.calls).to.have.length(11)
    const ledger = JSON.parse(readFileSync(join(dir, LEDGER_FILE), 'utf8')) as {keys: string[]}
    // Adopted entries recorded; the entry that no longer exists in the kernel dropped.
    expect(ledger.keys).to.deep.equal(['ndp-proxy|br-ex|2001:db8:100::', 'neigh|br-ex.100|2001:db8:100::64', 'neigh|br-ex|172.24.4.100'])
  })

  it('without a ledger or adoption reports no neighbours or proxies', async function () {
    const kernel = new Kernel(new RecordingRunner(answer), {stateDir: dir})
    const got = await kernel.observe(scope)
    expect(got.filter((o) => o.kind === 'neigh' || o.kind === 'ndp-proxy')).to.deep.equal([])
  })

  it('truncates bridge names to 15 characters like upstream', async function () {
    const runner = new RecordingRunner((file, args) => {
      if (file === 'sysctl') return {code: 0, stdout: '', stderr: ''}
      if (args.join(' ') === '-json -details link show') return {code: 0, stdout: JSON.stringify([{ifname: 'br-provider-net', flags: ['UP'], linkinfo: {info_kind: 'bridge'}}]), stderr: ''}
      return {code: 0, stdout: '[]', stderr: ''}
    })
    const kernel = new Kernel(runner, {stateDir: dir})
    await kernel.observe({...scope, bridges: [{name: 'br-provider-network-1', table: 7}]})
    const sysctl = runner.calls.find((c) => c.file === 'sysctl')
    expect(sysctl?.args).to.deep.equal(['-e', 'net.ipv4.conf.br-provider-net.proxy_arp', 'net.ipv6.conf.br-provider-net.proxy_ndp'])
  })

  it('rejects an unsafe bgp-nic name before running anything', async function () {
    const runner = new RecordingRunner(answer)
    const kernel = new Kernel(runner, {stateDir: dir})
    let err: unknown
    await kernel.observe({...scope, bgpNic: '-x'}).catch((error: unknown) => (err = error))
    expect(String(err)).to.match(/invalid device name/)
    expect(runner.calls).to.have.length(0)
  })
})
