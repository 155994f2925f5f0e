import {expect} from 'chai'
import {existsSync, readFileSync, statSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {DependencyError} from '../../../src/lib/errors.js'
import {RecordingRunner} from '../../../src/lib/exec/runner.js'
import {parseFailedLines, Vtysh} from '../../../src/lib/frr/vtysh.js'

const FIX = join(dirname(fileURLToPath(import.meta.url)), '../../fixtures/frr')

describe('frr/vtysh', () => {
  describe('parseFailedLines', () => {
    const conf =
      'router bgp 64999\n address-family ipv4 unicast\n  import vrf bgp-vrf\n  frobnicate now\n exit-address-family\n'
    const cases: Array<{name: string; out: string; text: string; expected: Array<[number, string, string]>}> = [
      {
        name: 'real FRR 8.4 unknown command',
        out: readFileSync(join(FIX, 'vtysh-f-errors.txt'), 'utf8'),
        text: conf,
        expected: [[4, 'frobnicate now', '% Unknown command']],
      },
      {
        name: 'real FRR 8.4 AS mismatch (exit code 0!) and the lines that follow',
        out:
          'BGP is already running; AS is 64999\nline 1: Failure to communicate[13] to bgpd, line: router bgp 65001\n\n' +
          'line 2: % Unknown command[4]:  bgp router-id 1.1.1.1\nline 7: % Unknown command[3]: router bgp 64999 vrf bgp-vrf',
        text: 'router bgp 65001\n bgp router-id 1.1.1.1\n',
        expected: [
          [1, 'router bgp 65001', 'Failure to communicate'],
          [2, 'bgp router-id 1.1.1.1', '% Unknown command'],
          [7, '', '% Unknown command'],
        ],
      },
      {name: 'clean output', out: '', text: conf, expected: []},
    ]
    for (const c of cases) {
      it(c.name, () => {
        expect(parseFailedLines(c.out, c.text).map((f) => [f.line, f.text, f.error])).to.deep.equal(c.expected)
      })
    }
  })

  it('runs show commands with the configured binary and socket directory', async () => {
    const r = new RecordingRunner(() => ({code: 0, stdout: '{"a":1}', stderr: ''}))
    const v = new Vtysh(r, {vtyshPath: '/usr/bin/vtysh', socketDir: '/run/frr-x'})
    expect(await v.showJson('show ip bgp summary json')).to.deep.equal({a: 1})
    expect(r.calls).to.deep.equal([
      {file: '/usr/bin/vtysh', args: ['--vty_socket', '/run/frr-x', '-c', 'show ip bgp summary json']},
    ])
  })

  it('maps "failed to connect" to DependencyError', async () => {
    const r = new RecordingRunner(() => ({code: 1, stdout: '', stderr: 'Exiting: failed to connect to any daemons.\n'}))
    const v = new Vtysh(r, {vtyshPath: 'vtysh', socketDir: '/nonexistent'})
    const err = await v.show('show running-config').catch((error: unknown) => error)
    expect(err).to.be.instanceOf(DependencyError)
    expect((err as DependencyError).code).to.equal('FRR_UNAVAILABLE')
    const err2 = await v.applyConfig('router bgp 1\n').catch((error: unknown) => error)
    expect(err2).to.be.instanceOf(DependencyError)
  })

  it('rejects a relative socket directory (it would reach the argv as an option value)', () => {
    expect(() => new Vtysh(new RecordingRunner(), {vtyshPath: 'vtysh', socketDir: '-x'})).to.throw(/absolute/)
  })

  it('applies from a private 0600 file in a 0700 directory and removes it', async () => {
    let seen: {path: string; dirMode: number; fileMode: number; content: string} | undefined
    const r = new RecordingRunner((_f, args) => {
      const path = args[args.indexOf('-f') + 1]!
      seen = {
        path,
        dirMode: statSync(dirname(path)).mode & 0o777,
        fileMode: statSync(path).mode & 0o777,
        content: readFileSync(path, 'utf8'),
      }
      return {code: 0, stdout: '', stderr: ''}
    })
    const v = new Vtysh(r, {vtyshPath: 'vtysh', socketDir: '/run/frr'})
    const res = await v.applyConfig('router bgp 64999\n')
    expect(res).to.deep.equal({ok: true, code: 0, failedLines: [], output: ''})
    expect(seen!.dirMode).to.equal(0o700)
    expect(seen!.fileMode).to.equal(0o600)
    expect(seen!.content).to.equal('router bgp 64999\n')
    expect(existsSync(seen!.path)).to.equal(false)
    expect(existsSync(dirname(seen!.path))).to.equal(false)
  })

  it('reports failed lines even when vtysh exits 0', async () => {
    const r = new RecordingRunner(() => ({
      code: 0,
      stdout: 'BGP is already running; AS is 1\n',
      stderr: 'line 1: Failure to communicate[13] to bgpd, line: router bgp 2\n',
    }))
    const res = await new Vtysh(r, {vtyshPath: 'vtysh', socketDir: '/run/frr'}).applyConfig('router bgp 2\n')
    expect(res.ok).to.equal(false)
    expect(res.failedLines).to.deep.equal([{line: 1, text: 'router bgp 2', error: 'Failure to communicate'}])
  })
})
