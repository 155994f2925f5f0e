// `npm pack` produces a package that installs on a clean prefix and runs `ovn-bgp`.
import {expect} from 'chai'
import {execFileSync} from 'node:child_process'
import {mkdtempSync, readdirSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {dirname, join, resolve} from 'node:path'
import {fileURLToPath} from 'node:url'

import {requireTools} from './helpers/require.js'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')

describe('npm package', function () {
  this.timeout(300_000)
  let dir: string

  before(function () {
    requireTools(this, ['npm', 'tar'])
    dir = mkdtempSync(join(tmpdir(), 'ovn-bgp-pack-'))
  })

  after(() => rmSync(dir, {recursive: true, force: true}))

  it('packs, installs into an empty prefix and runs', () => {
    execFileSync('npm', ['pack', '--pack-destination', dir], {cwd: root, stdio: 'pipe'})
    const tgz = readdirSync(dir).find((f) => f.endsWith('.tgz'))
    expect(tgz, 'a tarball').to.be.a('string')
    const listing = execFileSync('tar', ['-tzf', join(dir, tgz!)]).toString()
    for (const f of [
      'package/bin/run.js',
      'package/dist/commands/watch.js',
      'package/man/ovn-bgp.8',
      'package/packaging/ovn-bgp.service',
    ]) {
      expect(listing, f).to.include(f)
    }

    expect(listing, 'no tests in the package').not.to.match(/package\/test\//)
    const prefix = join(dir, 'prefix')
    execFileSync(
      'npm',
      ['install', '--global', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', join(dir, tgz!)],
      {stdio: 'pipe'},
    )
    const bin = join(prefix, 'bin', 'ovn-bgp')
    const version = execFileSync(bin, ['--version']).toString()
    expect(version).to.match(/^ovn-bgp\/\d+\.\d+\.\d+ .* commit \S+ built /)
    const help = execFileSync(bin, ['sync', '--help']).toString()
    expect(help).to.include('--dry-run')
  })
})
