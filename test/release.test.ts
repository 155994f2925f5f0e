// The release artefact (scripts/release.mjs, `npm run release`): one npm tarball with no
// dependencies, holding the single-file bundle, the manifest, the man pages, the systemd unit,
// completions, the schemas and the licence. It installs on an empty prefix with the registry
// unreachable, and the installed `ovn-bgp` answers --help and runs `sync --dry-run` against a real
// NB ovsdb-server. Needs `npm run build` first (the release is built from dist/).
import {expect} from 'chai'
import {execFileSync, spawn, spawnSync} from 'node:child_process'
import {existsSync, mkdtempSync, readdirSync, readFileSync, rmSync} from 'node:fs'
import {get} from 'node:http'
import {tmpdir} from 'node:os'
import {dirname, join, resolve} from 'node:path'
import {fileURLToPath} from 'node:url'

import type {OvsdbServer} from './helpers/ovsdb-server.js'

import {nodeArgs, startNb} from './commands/adhoc-harness.js'
import {freePort} from './helpers/ovsdb-server.js'
import {requireTools} from './helpers/require.js'
import {waitFor} from './helpers/wait.js'
import {missingDefaults, parseExposition} from './lib/metrics/conventions.js'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')

describe('release artefact (npm pack of the bundle, offline install)', function () {
  this.timeout(600_000)
  let dir: string
  let tgz: string
  let listing: string[]
  let bin: string
  let nb: OvsdbServer | undefined

  before(function () {
    requireTools(this, ['npm', 'tar', 'ovsdb-server', 'ovsdb-tool'])
    if (!existsSync(join(root, 'dist', 'commands', 'sync.js')))
      throw new Error('dist/ missing: run `npm run build` first')
    dir = mkdtempSync(join(tmpdir(), 'ovn-bgp-release-'))
    tgz = execFileSync(process.execPath, [join(root, 'scripts', 'release.mjs'), '--out', dir], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
      .toString()
      .trim()
      .split('\n')
      .at(-1)!
    listing = execFileSync('tar', ['-tzf', tgz]).toString().trim().split('\n')
  })

  after(async () => {
    await nb?.stop()
    if (dir) rmSync(dir, {recursive: true, force: true})
  })

  it('holds the bundle, manifest, man pages, unit, completions, schemas and LICENSE, and nothing else', () => {
    for (const f of [
      'package/bin/ovn-bgp.js',
      'package/dist/ovn-bgp.mjs',
      'package/oclif.manifest.json',
      'package/LICENSE',
      'package/man/ovn-bgp.8',
      'package/man/ovn-bgp-watch.8',
      'package/packaging/ovn-bgp.service',
      'package/packaging/modules-load.conf',
      'package/completions/ovn-bgp.bash',
      'package/completions/_ovn-bgp',
      'package/schemas/sync.json',
    ])
      expect(listing, f).to.include(f)
    expect(
      listing.filter((f) => f.endsWith('.map')),
      'source maps',
    ).to.deep.equal([])
    expect(listing.filter((f) => f.startsWith('package/dist/')).sort(), 'one bundle file').to.deep.equal([
      'package/dist/build-info.json',
      'package/dist/ovn-bgp.mjs',
    ])
    expect(listing.filter((f) => /node_modules|\/src\/|\/test\//.test(f))).to.deep.equal([])
    expect(listing, 'sandbox is not offered by the package').to.not.include('package/man/ovn-bgp-sandbox.8')
    const pkg = JSON.parse(execFileSync('tar', ['-xzOf', tgz, 'package/package.json']).toString()) as Record<
      string,
      unknown
    >
    expect(pkg.dependencies, 'nothing to fetch at install time').to.equal(undefined)
    expect(pkg.engines).to.deep.equal({node: '>=20.19.0'})
  })

  it('the repository package.json keeps esbuild out of the runtime dependencies', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>
      devDependencies: Record<string, string>
    }
    expect(pkg.dependencies).to.not.have.property('esbuild')
    expect(pkg.devDependencies).to.have.property('esbuild')
  })

  it('installs on an empty prefix with the registry unreachable', () => {
    const prefix = join(dir, 'prefix')
    const env = {...process.env, npm_config_cache: join(dir, 'empty-cache')}
    execFileSync(
      'npm',
      [
        'install',
        '--global',
        '--offline',
        '--registry',
        'http://127.0.0.1:9/',
        '--no-audit',
        '--no-fund',
        '--prefix',
        prefix,
        tgz,
      ],
      {env, stdio: 'pipe'},
    )
    bin = join(prefix, 'bin', 'ovn-bgp')
    const installed = join(prefix, 'lib', 'node_modules', 'ovn-bgp')
    expect(existsSync(join(installed, 'node_modules')), 'no dependency installed').to.equal(false)
    expect(readdirSync(join(installed, 'dist'))).to.deep.equal(['build-info.json', 'ovn-bgp.mjs'])
  })

  it('the installed ovn-bgp answers --help, -v and sync --help', () => {
    const help = execFileSync(bin, ['--help']).toString()
    for (const id of ['sync', 'watch', 'doctor', 'expose-ip', 'autocomplete']) expect(help, id).to.include(id)
    expect(help).to.not.include('sandbox')
    expect(execFileSync(bin, ['-v']).toString()).to.match(/^ovn-bgp\/\d+\.\d+\.\d+ .* commit \S+ built /)
    expect(execFileSync(bin, ['sync', '--help']).toString()).to.include('--dry-run')
    const sandbox = spawnSync(bin, ['sandbox'], {encoding: 'utf8'})
    expect(sandbox.status).to.equal(2)
    expect(sandbox.stderr).to.include('source checkout')
  })

  it('the installed ovn-bgp runs sync --dry-run against a real NB', async () => {
    nb = await startNb()
    const state = join(dir, 'state')
    const text = spawnSync(bin, ['sync', '--dry-run', ...nodeArgs(nb.unix, state)], {encoding: 'utf8'})
    expect(text.status, text.stderr).to.equal(0)
    expect(text.stdout).to.include('+ address 172.24.4.226/32 dev bgp-nic')
    const json = spawnSync(bin, ['sync', '--dry-run', ...nodeArgs(nb.unix, state), '--json'], {encoding: 'utf8'})
    expect(json.status, json.stderr).to.equal(0)
    const doc = JSON.parse(json.stdout) as {schemaVersion: number; dryRun: boolean; changes: unknown[]}
    expect(doc.schemaVersion).to.equal(1)
    expect(doc.dryRun).to.equal(true)
    expect(doc.changes.length).to.be.greaterThan(5)
  })

  it("the installed watch serves /metrics from the bundle's lazily loaded prom-client", async () => {
    // OVS is absent, so the daemon waits for it; the endpoint is up before that wait
    const port = await freePort()
    const state = join(dir, 'watch-state')
    const child = spawn(bin, ['watch', ...nodeArgs(nb!.unix, state), '--metrics-address', `127.0.0.1:${port}`], {
      stdio: ['ignore', 'ignore', 'pipe'],
    })
    let stderr = ''
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString()
    })
    try {
      const text = await waitFor(
        'the metrics endpoint',
        async () => {
          if (child.exitCode !== null) throw new Error(`watch exited ${child.exitCode}: ${stderr}`)
          return fetchText(`http://127.0.0.1:${port}/metrics`).catch(() => undefined)
        },
        60_000,
        200,
      )
      expect(child.exitCode, stderr).to.equal(null)
      const families = parseExposition(text)
      expect(missingDefaults(families)).to.deep.equal([])
      expect(families.get('ovn_bgp_build_info')?.samples[0]?.labels.version).to.equal(
        (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {version: string}).version,
      )
    } finally {
      child.kill('SIGTERM')
      await new Promise((resolve) => {
        if (child.exitCode === null) child.once('exit', resolve)
        else resolve(undefined)
      })
    }
  })
})

function fetchText(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    get(url, {agent: false}, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (d: string) => {
        body += d
      })
      res.on('end', () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`HTTP ${res.statusCode}`))))
    }).on('error', reject)
  })
}
