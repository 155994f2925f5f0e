// ExecRunner's stdoutToFile: a child's large stdout through a private file instead of a pipe (the
// periodic kernel dump). The result must be the one the pipe gives, and nothing may be left behind.
import {expect} from 'chai'
import {readdirSync, statSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {DependencyError} from '../../../src/lib/errors.js'
import {ExecRunner} from '../../../src/lib/exec/runner.js'

const outDirs = (): string[] => readdirSync(tmpdir()).filter((d) => d.startsWith('ovn-bgp-out-'))

describe('ExecRunner stdoutToFile', () => {
  it('gives the same stdout, stderr and code as the pipe, for megabytes and for several runs at once', async () => {
    const runner = new ExecRunner()
    try {
      const args = ['-c', 'seq 1 300000; echo oops >&2; exit 3']
      const piped = await runner.run('sh', args)
      const filed = await Promise.all([1, 2, 3].map(() => runner.run('sh', args, {stdoutToFile: true})))
      expect(piped.stdout.length).to.be.above(1_000_000)
      for (const r of filed) expect(r).to.deep.equal(piped)
      expect(piped).to.include({code: 3, stderr: 'oops\n'})
    } finally {
      runner.close()
    }
  })

  it('stdoutBytes: the same output undecoded, through the file or the pipe, stdout then empty', async () => {
    const runner = new ExecRunner()
    try {
      const args = ['-c', String.raw`seq 1 200000; printf "\303\251"; echo e >&2`]
      const piped = await runner.run('sh', args)
      for (const stdoutToFile of [true, false]) {
        const r = await runner.run('sh', args, {stdoutBytes: true, stdoutToFile})
        expect(r.stdoutBytes, `stdoutToFile ${stdoutToFile}`).to.be.instanceOf(Buffer)
        expect(r.stdoutBytes!.toString()).to.equal(piped.stdout)
        expect(r).to.include({code: 0, stdout: '', stderr: 'e\n'})
      }

      expect(piped.stdout.endsWith('\u00E9')).to.equal(true)
    } finally {
      runner.close()
    }
  })

  it('passes stdin and env as the pipe does', async () => {
    const runner = new ExecRunner()
    try {
      const r = await runner.run('sh', ['-c', 'cat; echo "$OVN_BGP_T"'], {
        input: 'line\n',
        env: {OVN_BGP_T: 'x'},
        stdoutToFile: true,
      })
      expect(r).to.deep.equal({code: 0, stdout: 'line\nx\n', stderr: ''})
    } finally {
      runner.close()
    }
  })

  it('keeps its files in one private directory, empty between runs, removed by close()', async () => {
    const before = new Set(outDirs())
    const runner = new ExecRunner()
    await runner.run('true', [], {stdoutToFile: true})
    const mine = outDirs().filter((d) => !before.has(d))
    expect(mine).to.have.length(1)
    const dir = join(tmpdir(), mine[0]!)
    expect(statSync(dir).mode & 0o777).to.equal(0o700)
    expect(readdirSync(dir)).to.deep.equal([])
    runner.close()
    expect(outDirs().filter((d) => !before.has(d))).to.deep.equal([])
  })

  it('still reports a program that cannot be started, and leaves no file', async () => {
    const runner = new ExecRunner()
    const before = new Set(outDirs())
    try {
      const err = await runner.run('/nonexistent/ovn-bgp-no-such-tool', [], {stdoutToFile: true}).then(
        () => undefined,
        (error: unknown) => error,
      )
      expect(err).to.be.instanceOf(DependencyError)
      const dir = outDirs().find((d) => !before.has(d))
      expect(dir).to.not.equal(undefined)
      expect(readdirSync(join(tmpdir(), dir!))).to.deep.equal([])
    } finally {
      runner.close()
    }
  })
})
