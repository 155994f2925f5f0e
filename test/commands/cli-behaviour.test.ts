// The built CLI (bin/run.js on dist/, as installed) from an operator's shell: -h and -v, "did you
// mean" for a mistyped command or flag, a short usage error instead of the full usage text, the
// error document under --json, NO_COLOR, and a closed stdout pipe (`| head -1`) ending the command
// quietly with exit 0. Needs `npm run build`.
import {expect} from 'chai'
import {spawn, spawnSync} from 'node:child_process'
import {existsSync, mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {dirname, join, resolve} from 'node:path'
import {fileURLToPath} from 'node:url'

import type {OvsdbServer} from '../helpers/ovsdb-server.js'

import {requireTools} from '../helpers/require.js'
import {nodeArgs, startNb} from './adhoc-harness.js'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const bin = join(root, 'bin', 'run.js')

function run(args: string[], env: NodeJS.ProcessEnv = {}): {status: number | null; stdout: string; stderr: string} {
  const r = spawnSync(process.execPath, [bin, ...args], {
    env: {...process.env, ...env},
    encoding: 'utf8',
    timeout: 60_000,
  })
  return {status: r.status, stdout: r.stdout, stderr: r.stderr}
}

describe('CLI behaviour (built bin/run.js)', function () {
  this.timeout(120_000)

  before(() => {
    if (!existsSync(join(root, 'dist', 'commands', 'sync.js')))
      throw new Error('dist/ missing: run `npm run build` first')
  })

  it('-h and -v are --help and --version, at the top and on a command', () => {
    const h = run(['-h'])
    expect(h.status).to.equal(0)
    expect(h.stdout).to.include('COMMANDS')
    const v = run(['-v'])
    expect(v.status).to.equal(0)
    expect(v.stdout).to.match(/^ovn-bgp\/\d+\.\d+\.\d+ /)
    const sh = run(['sync', '-h'])
    expect(sh.status).to.equal(0)
    expect(sh.stdout).to.include('--dry-run')
  })

  it('help text fills the terminal width instead of the source line breaks', () => {
    const r = run(['watch', '--help'], {COLUMNS: '80'})
    expect(r.status).to.equal(0)
    const description = r.stdout.slice(r.stdout.indexOf('DESCRIPTION'), r.stdout.indexOf('EXAMPLES')).split('\n')
    expect(
      description.filter((l) => l.length > 80),
      'lines wider than the terminal',
    ).to.deep.equal([])
    // filled: the paragraph's lines (but its last) reach close to the width, none is ragged-short
    const body = description.filter((l) => l.startsWith('  ') && l.trim().length > 0)
    const ragged = body.filter(
      (l, i) => l.length < 60 && body[i + 1] !== undefined && description[description.indexOf(l) + 1] !== '',
    )
    expect(ragged, 'short lines inside a paragraph').to.deep.equal([])
  })

  it('suggests the closest command for a mistyped one, exit 2', () => {
    const r = run(['synk'])
    expect(r.status).to.equal(2)
    expect(r.stderr).to.include('Did you mean "sync"?')
    const far = run(['frobnicate'])
    expect(far.status).to.equal(2)
    expect(far.stderr).to.not.include('Did you mean')
    expect(run(['expose-ipp']).stderr).to.include('"expose-ip"')
  })

  it('an unknown flag is a short error with the nearest flag, not the usage text', () => {
    const r = run(['sync', '--dry-rnu'])
    expect(r.status).to.equal(2)
    expect(r.stderr).to.include('unknown flag: --dry-rnu')
    expect(r.stderr).to.include('--dry-run')
    expect(r.stderr).to.not.include('USAGE')
    expect(r.stderr.trim().split('\n').length, r.stderr).to.be.at.most(6)
  })

  it('under --json a usage error is the error document on stdout', () => {
    const r = run(['sync', '--dry-rnu', '--json'])
    expect(r.status).to.equal(2)
    const doc = JSON.parse(r.stdout) as Record<string, unknown>
    expect(doc).to.deep.equal({
      schemaVersion: 1,
      error: {
        code: 'UNKNOWN_FLAG',
        message: 'unknown flag: --dry-rnu',
        exitCode: 2,
        suggestions: ['--dry-run', 'see ovn-bgp sync --help'],
      },
    })
  })

  it('a bad configuration value under --json: the error document names it, exit 2', () => {
    const r = run(['sync', '--dry-run', '--bgp-vrf-table-id', 'ten', '--json'])
    expect(r.status).to.equal(2)
    const doc = JSON.parse(r.stdout) as {
      schemaVersion: number
      error: {code: string; message: string; exitCode: number}
    }
    expect(doc.schemaVersion).to.equal(1)
    expect(doc.error.exitCode).to.equal(2)
    expect(doc.error.message).to.include('bgp')
  })

  describe('against a real NB', () => {
    let nb: OvsdbServer
    let state: string

    before(async function () {
      requireTools(this, ['ovsdb-server', 'ovsdb-tool'])
      nb = await startNb()
      state = mkdtempSync(join(tmpdir(), 'cli-behaviour-'))
    })

    after(async () => {
      await nb?.stop()
      if (state) rmSync(state, {recursive: true, force: true})
    })

    const syncArgs = () => ['sync', '--dry-run', ...nodeArgs(nb.unix, state)]

    it('sync --dry-run prints the plan without colour under NO_COLOR, and with FORCE_COLOR', () => {
      const plain = run(syncArgs(), {NO_COLOR: '1', FORCE_COLOR: undefined})
      expect(plain.status, plain.stderr).to.equal(0)
      expect(plain.stdout).to.include('+ ')
      expect(plain.stdout).to.not.include('\u001B[')
      const forced = run(syncArgs(), {NO_COLOR: undefined, FORCE_COLOR: '1'})
      expect(forced.stdout).to.include('\u001B[')
    })

    it('a reader that closes stdout (| head -1) ends sync --dry-run quietly with exit 0', async () => {
      const child = spawn(process.execPath, [bin, ...syncArgs()], {stdio: ['ignore', 'pipe', 'pipe']})
      child.stdout.destroy() // the read end is gone before the first write
      let stderr = ''
      child.stderr.on('data', (d) => {
        stderr += String(d)
      })
      const code = await new Promise<number | null>((r) => {
        child.on('close', (c) => r(c))
      })
      expect(stderr).to.equal('')
      expect(code).to.equal(0)
    })
  })
})
