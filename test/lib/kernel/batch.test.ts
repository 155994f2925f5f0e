import {expect} from 'chai'
import {readFileSync} from 'node:fs'

import {RecordingRunner} from '../../../src/lib/exec/runner.js'
import {batchText, lineOutcomes, parseBatchStderr, runIpBatch} from '../../../src/lib/kernel/batch.js'
import {addressOp, type IpOp, neighOp, routeOp, ruleOp} from '../../../src/lib/kernel/commands.js'

const fixture = (f: string): string => readFileSync(new URL(`fixtures/${f}`, import.meta.url), 'utf8')

// The ops of fixtures/batch4.err, captured from `ip -4 -force -batch -` in the qemu guest.
const batch4: IpOp[] = [
  addressOp('add', {kind: 'address', dev: 'bgp-nic', cidr: '172.24.4.226/32'}),
  addressOp('remove', {kind: 'address', dev: 'bgp-nic', cidr: '9.9.9.9/32'}),
  ruleOp('add', {kind: 'rule', family: 4, dst: '172.24.4.226/32', table: 200, priority: 32_000}),
  ruleOp('remove', {kind: 'rule', family: 4, dst: '1.1.1.1/32', table: 200, priority: 32_000}),
  routeOp('remove', {kind: 'route', family: 4, table: 200, dst: '1.1.1.1/32', dev: 'br-ex', proto: 3}),
  routeOp('add', {kind: 'route', family: 4, table: 200, dst: '1.1.1.2/32', dev: 'nonexist', proto: 3}),
  {group: 'ip4', args: ['link', 'del', 'dev', 'nonexist']},
  addressOp('add', {kind: 'address', dev: 'bgp-nic', cidr: '1.2.3.4/32'}),
]

describe('kernel/batch', () => {
  it('maps every "Command failed -:N" to its line', () => {
    const p = parseBatchStderr(fixture('batch4.err'))
    expect([...p.errors.keys()]).to.deep.equal([1, 2, 3, 4, 5, 6, 7])
    expect(p.errors.get(6)).to.equal('Cannot find device "nonexist"')
    expect(p.errors.get(5)).to.equal('RTNETLINK answers: No such process')
    expect(p.trailing).to.equal('')
  })

  it('turns tolerated errors into ok and keeps real failures', () => {
    const o = lineOutcomes(batch4, 1, fixture('batch4.err'))
    expect(o.map((x) => x.state)).to.deep.equal(['ok', 'ok', 'ok', 'ok', 'ok', 'failed', 'failed', 'ok'])
    expect(o[5]).to.deep.equal({state: 'failed', reason: 'Cannot find device "nonexist"'})
  })

  it('marks lines after an early exit (neigh error) as unknown', () => {
    const ops = [
      neighOp('add', {kind: 'neigh', family: 4, ip: '172.24.4.102', dev: 'br-ex', mac: 'fa:16:3e:00:00:66'}),
      neighOp('remove', {kind: 'neigh', family: 4, ip: '172.24.4.200', dev: 'br-ex', mac: 'fa:16:3e:00:00:66'}),
      neighOp('add', {kind: 'neigh', family: 4, ip: '172.24.4.103', dev: 'br-ex', mac: 'fa:16:3e:00:00:67'}),
    ]
    expect(lineOutcomes(ops, 2, fixture('neigh-abort.err')).map((x) => x.state)).to.deep.equal([
      'unknown',
      'unknown',
      'unknown',
    ])
  })

  it('lines before a reported error stay ok, later ones are unknown after an abort', () => {
    const ops = batch4.slice(0, 4)
    const stderr =
      'RTNETLINK answers: Cannot assign requested address\nCommand failed -:2\nRTNETLINK answers: Invalid argument\n'
    expect(lineOutcomes(ops, 2, stderr).map((x) => x.state)).to.deep.equal(['ok', 'ok', 'unknown', 'unknown'])
  })

  it('runs one ip process with the lines on stdin, C locale and the family flag', async () => {
    const runner = new RecordingRunner(() => ({code: 1, stdout: '', stderr: fixture('batch4.err')}))
    const out = await runIpBatch(runner, batch4, {ipPath: '/sbin/ip', family: 4})
    expect(runner.calls).to.have.length(1)
    expect(runner.calls[0]!.file).to.equal('/sbin/ip')
    expect(runner.calls[0]!.args).to.deep.equal(['-4', '-force', '-batch', '-'])
    expect(runner.calls[0]!.input).to.equal(batchText(batch4))
    expect(runner.calls[0]!.input!.split('\n')[0]).to.equal('address add 172.24.4.226/32 dev bgp-nic')
    expect(out).to.have.length(batch4.length)
  })

  it('runs nothing for an empty batch', async () => {
    const runner = new RecordingRunner()
    expect(await runIpBatch(runner, [], {ipPath: 'ip'})).to.deep.equal([])
    expect(runner.calls).to.have.length(0)
  })
})
