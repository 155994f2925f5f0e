import {expect} from 'chai'
import {mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import type {Plan, StateObj} from '../../../src/lib/planner/types.js'

import {RecordingRunner, type RunResult} from '../../../src/lib/exec/runner.js'
import {applyPlan} from '../../../src/lib/kernel/apply.js'
import {OneShotIpExec} from '../../../src/lib/kernel/batch.js'
import {Kernel} from '../../../src/lib/kernel/kernel.js'
import {LEDGER_FILE} from '../../../src/lib/kernel/ledger.js'
import {NullLogger} from '../../../src/lib/log.js'

const ok = (stdout = ''): RunResult => ({code: 0, stdout, stderr: ''})

const neighDel: StateObj = {kind: 'neigh', family: 6, ip: '2001:db8::64', dev: 'br-ex.200', mac: 'fa:16:3e:00:00:64'}
const plan: Plan = {
  remove: [
    neighDel,
    {kind: 'route', family: 4, table: 200, dst: '172.24.4.9/32', dev: 'br-ex', scope: 'link', proto: 3},
    {kind: 'rule', family: 4, dst: '172.24.4.9/32', table: 200, priority: 32_000},
    {kind: 'address', dev: 'bgp-nic', cidr: '172.24.4.9/32'},
    {kind: 'address', dev: 'bgp-nic', cidr: '2001:db8::9/128'},
    {kind: 'sysctl', key: 'net.ipv4.conf.br-ex/200.proxy_arp', value: '1'},
    {kind: 'vlan', name: 'br-ex.200', link: 'br-ex', id: 200},
  ],
  add: [
    {kind: 'vlan', name: 'br-ex.100', link: 'br-ex', id: 100},
    {kind: 'sysctl', key: 'net.ipv4.conf.br-ex/100.proxy_arp', value: '1'},
    {kind: 'address', dev: 'bgp-nic', cidr: '172.24.4.226/32'},
    {kind: 'rule', family: 4, dst: '10.0.0.0/24', table: 200, priority: 32_000},
    {kind: 'route', family: 4, table: 200, dst: '10.0.0.0/24', dev: 'br-ex', via: '172.24.4.10', proto: 3},
    {kind: 'route', family: 4, table: 200, dst: 'default', dev: 'br-ex', scope: 'link', proto: 3},
    {kind: 'neigh', family: 4, ip: '172.24.4.226', dev: 'br-ex.100', mac: 'fa:16:3e:00:00:01'},
    {kind: 'ndp-proxy', ip: '2001:db8:100::', dev: 'br-ex.100'},
    {kind: 'flow', bridge: 'br-ex', inPort: 2, family: 4, mac: 'aa:bb:cc:dd:ee:ff'},
  ],
  unchanged: 0,
}

const links = JSON.stringify(['lo', 'bgp-nic', 'br-ex', 'br-ex.200'].map((ifname) => ({ifname, flags: ['UP']})))

/** The dumps apply reads: one `ip -json -details -batch -` (or, after a failure, one process each). */
function dumpAnswer(cmd: string): string | undefined {
  if (cmd === 'link show') return links
  if (cmd === 'neigh show')
    return JSON.stringify([{dst: '2001:db8::64', dev: 'br-ex.200', lladdr: 'fa:16:3e:00:00:64', state: ['PERMANENT']}])
  if (cmd === 'neigh show proxy') return '[]'
  return undefined
}

function kernelAnswer(file: string, args: readonly string[], input?: string): RunResult {
  if (args.includes('-json') && args.includes('-batch') && input)
    return ok(
      input
        .trim()
        .split('\n')
        .map((l) => dumpAnswer(l) ?? '[]')
        .join('\n') + '\n',
    )
  if (args.includes('-json')) return ok(dumpAnswer(args.filter((a) => !a.startsWith('-')).join(' ')) ?? '[]')
  return ok()
}

describe('kernel/apply (recorded commands)', () => {
  let dir: string

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'kernel-apply-'))
  })

  afterEach(() => {
    rmSync(dir, {recursive: true, force: true})
  })

  it('removes then adds, batched per family and kind, in a fixed order', async () => {
    const runner = new RecordingRunner(kernelAnswer)
    const results = await new Kernel(runner, {stateDir: dir, ipPath: '/sbin/ip', sysctlPath: '/sbin/sysctl'}).apply(
      plan,
    )
    const calls = runner.calls.map(
      (c) => `${c.file} ${c.args.join(' ')}${c.input ? ' <<' + c.input.trimEnd().replaceAll('\n', ' | ') : ''}`,
    )
    expect(calls).to.deep.equal([
      '/sbin/ip -json -details -batch - <<link show | neigh show | neigh show proxy',
      // withdraw first: the announced addresses
      '/sbin/ip -4 -force -batch - <<address del 172.24.4.9/32 dev bgp-nic',
      '/sbin/ip -6 -force -batch - <<address del 2001:db8::9/128 dev bgp-nic',
      '/sbin/ip -4 -force -batch - <<route del 172.24.4.9/32 dev br-ex table 200 proto 3 | rule del to 172.24.4.9/32 lookup 200 priority 32000',
      '/sbin/ip -force -batch - <<neigh del 2001:db8::64 dev br-ex.200',
      '/sbin/sysctl -w net.ipv4.conf.br-ex/200.proxy_arp=0',
      '/sbin/ip -force -batch - <<link del dev br-ex.200',
      '/sbin/ip -force -batch - <<link add link br-ex name br-ex.100 type vlan id 100 | link set dev br-ex.100 up',
      '/sbin/sysctl -w net.ipv4.conf.br-ex/100.proxy_arp=1',
      '/sbin/ip -4 -force -batch - <<rule add to 10.0.0.0/24 lookup 200 priority 32000 | route replace default dev br-ex table 200 proto 3 scope link | route replace 10.0.0.0/24 via 172.24.4.10 dev br-ex table 200 proto 3',
      '/sbin/ip -force -batch - <<neigh replace 172.24.4.226 lladdr fa:16:3e:00:00:01 dev br-ex.100 nud permanent | neigh add proxy 2001:db8:100:: dev br-ex.100',
      // announce last, once the wiring succeeded
      '/sbin/ip -4 -force -batch - <<address add 172.24.4.226/32 dev bgp-nic',
    ])
    expect(results).to.have.length(plan.add.length - 1 + plan.remove.length)
    expect(results.every((r) => r.ok)).to.equal(true)
    expect(results.some((r) => r.obj.kind === ('flow' as string))).to.equal(false)
    const ledger = JSON.parse(readFileSync(join(dir, LEDGER_FILE), 'utf8')) as {keys: string[]}
    expect(ledger.keys).to.deep.equal(['ndp-proxy|br-ex.100|2001:db8:100::', 'neigh|br-ex.100|172.24.4.226'])
  })

  it('records the wall time of each phase when asked (the large-apply log line)', async () => {
    const runner = new RecordingRunner(kernelAnswer)
    const k = new Kernel(runner, {stateDir: dir})
    const stages: Record<string, number> = {}
    const results = await applyPlan(
      {
        runner,
        sysctlPath: 'sysctl',
        ledger: k.ledger,
        log: new NullLogger(),
        exec: new OneShotIpExec(runner, {ipPath: 'ip'}),
        facts: async () => k.dumpFacts(),
        stages,
      },
      plan,
    )
    expect(results.every((r) => r.ok)).to.equal(true)
    expect(Object.keys(stages)).to.deep.equal(['facts', 'removes', 'wiring', 'announce', 'ledger'])
    for (const ms of Object.values(stages)) expect(ms).to.be.a('number').and.at.least(0)
  })

  it('reports a failing line and still applies the others', async () => {
    const runner = new RecordingRunner((file, args, input) => {
      if (input?.includes('rule add'))
        return {code: 1, stdout: '', stderr: 'RTNETLINK answers: Operation not permitted\nCommand failed -:1\n'}
      return kernelAnswer(file, args, input)
    })
    const results = await new Kernel(runner, {stateDir: dir}).apply({add: plan.add, remove: [], unchanged: 0})
    const failed = results.filter((r) => !r.ok)
    expect(failed).to.have.length(1)
    expect(failed[0]).to.deep.include({action: 'add', ok: false, error: 'RTNETLINK answers: Operation not permitted'})
    expect(failed[0]!.obj.kind).to.equal('rule')
    expect(results.filter((r) => r.ok)).to.have.length(7)
  })

  it('announces an IP only when its wiring succeeded: a failed route keeps the address off bgp-nic', async () => {
    const runner = new RecordingRunner((file, args, input) => {
      // Line 2 of the wiring batch: the route of 172.24.4.31.
      if (input?.startsWith('rule add'))
        return {code: 1, stdout: '', stderr: 'Cannot find device "br-gone"\nCommand failed -:4\n'}
      return kernelAnswer(file, args, input)
    })
    const ip = (n: number, dev = 'br-ex'): StateObj[] => [
      {kind: 'address', dev: 'bgp-nic', cidr: `172.24.4.${n}/32`},
      {kind: 'rule', family: 4, dst: `172.24.4.${n}/32`, table: 200, priority: 32_000},
      {kind: 'route', family: 4, table: 200, dst: `172.24.4.${n}/32`, dev, scope: 'link', proto: 3},
    ]
    const results = await new Kernel(runner, {stateDir: dir}).apply({
      add: [...ip(30), ...ip(31, 'br-gone')],
      remove: [],
      unchanged: 0,
    })
    const bad = results.filter((r) => !r.ok).map((r) => `${r.obj.kind} ${r.ok ? '' : r.error}`)
    expect(bad).to.deep.equal([
      'address not announced: wiring failed (route route|4|200|172.24.4.31/32: Cannot find device "br-gone")',
      'route Cannot find device "br-gone"',
    ])
    const inputs = runner.calls.map((c) => c.input?.trimEnd())
    expect(inputs.at(-1)).to.equal('address add 172.24.4.30/32 dev bgp-nic')
  })

  it('fails invalid objects without running them and without stopping the rest', async () => {
    const runner = new RecordingRunner(kernelAnswer)
    const bad: StateObj = {kind: 'address', dev: 'bgp nic', cidr: '172.24.4.5/32'}
    const good: StateObj = {kind: 'address', dev: 'bgp-nic', cidr: '172.24.4.6/32'}
    const results = await new Kernel(runner, {stateDir: dir}).apply({add: [bad, good], remove: [], unchanged: 0})
    expect(results.map((r) => r.ok)).to.deep.equal([false, true])
    expect(runner.calls.map((c) => c.input)).to.deep.equal(['address add 172.24.4.6/32 dev bgp-nic\n'])
  })

  it('settles neighbour ops from the dump: absent delete ok, missing device failed', async () => {
    const runner = new RecordingRunner(kernelAnswer)
    const results = await new Kernel(runner, {stateDir: dir}).apply({
      add: [{kind: 'neigh', family: 4, ip: '10.0.0.1', dev: 'br-gone', mac: 'fa:16:3e:00:00:01'}],
      remove: [{kind: 'neigh', family: 4, ip: '10.0.0.2', dev: 'br-ex', mac: 'fa:16:3e:00:00:02'}],
      unchanged: 0,
    })
    expect(results.map((r) => (r.ok ? 'ok' : r.error))).to.deep.equal(['ok', 'Cannot find device "br-gone"'])
    expect(
      runner.calls.filter((c) => c.input?.includes('neigh replace') || c.input?.includes('neigh del')),
    ).to.have.length(0)
  })

  it('re-runs neighbour ops one by one when iproute2 stops the batch', async () => {
    const runner = new RecordingRunner((file, args, input) => {
      if (input?.startsWith('neigh')) return {code: 2, stdout: '', stderr: 'RTNETLINK answers: Invalid argument\n'}
      if (args[0] === 'neigh' && args[2] === '10.0.0.2')
        return {code: 2, stdout: '', stderr: 'RTNETLINK answers: Invalid argument\n'}
      return kernelAnswer(file, args, input)
    })
    const add = (ip: string): StateObj => ({kind: 'neigh', family: 4, ip, dev: 'br-ex', mac: 'fa:16:3e:00:00:01'})
    const results = await new Kernel(runner, {stateDir: dir}).apply({
      add: [add('10.0.0.1'), add('10.0.0.2'), add('10.0.0.3')],
      remove: [],
      unchanged: 0,
    })
    expect(results.map((r) => r.ok)).to.deep.equal([true, false, true])
    const singles = runner.calls.filter((c) => c.args[0] === 'neigh').map((c) => c.args.join(' '))
    expect(singles).to.deep.equal([
      'neigh replace 10.0.0.1 lladdr fa:16:3e:00:00:01 dev br-ex nud permanent',
      'neigh replace 10.0.0.2 lladdr fa:16:3e:00:00:01 dev br-ex nud permanent',
      'neigh replace 10.0.0.3 lladdr fa:16:3e:00:00:01 dev br-ex nud permanent',
    ])
  })

  it('maps sysctl errors to their key; a vanished key is fine on remove', async () => {
    const runner = new RecordingRunner(() => ({
      code: 255,
      stdout: '',
      stderr:
        'sysctl: cannot stat /proc/sys/net/ipv4/conf/br-x.7/proxy_arp: No such file or directory\nsysctl: cannot stat /proc/sys/net/ipv4/conf/br-y.7/proxy_arp: No such file or directory\n',
    }))
    const k = (dev: string): string => `net.ipv4.conf.${dev}.proxy_arp`
    const results = await new Kernel(runner, {stateDir: dir}).apply({
      add: [
        {kind: 'sysctl', key: k('br-ok'), value: '1'},
        {kind: 'sysctl', key: k('br-y/7'), value: '1'},
      ],
      remove: [{kind: 'sysctl', key: k('br-x/7'), value: '1'}],
      unchanged: 0,
    })
    expect(results.map((r) => r.ok)).to.deep.equal([true, true, false])
  })
})
