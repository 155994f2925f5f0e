// Start-up time of `ovn-bgp --help` and `ovn-bgp --version`, three ways, interleaved in one run:
//   before   the repository's bin/run.js without oclif.manifest.json (oclif imports every command
//            module to list them: what `npm pack` shipped before the manifest was generated)
//   manifest the same with the manifest that `npm pack` now generates (scripts/gen-manifest.mjs)
//   release  the installed release artefact (scripts/release.mjs): one bundled file + manifest
//   baseline (with --baseline TGZ) another release artefact, e.g. one built from main before a
//            change, installed the same way: the change's effect on start-up, in the same run
// Prints the median wall time of each and the ratios to `before`. Needs `npm run build`.
//   node --import tsx bench/startup.ts [rounds] [--baseline ovn-bgp-<version>.tgz]
import {execFileSync, spawnSync} from 'node:child_process'
import {existsSync, mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {dirname, join, resolve} from 'node:path'
import {fileURLToPath} from 'node:url'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const bi = process.argv.indexOf('--baseline')
const baselineTgz = bi === -1 ? undefined : resolve(process.argv[bi + 1]!)
const rounds = Number(process.argv.slice(2).find((a) => /^\d+$/.test(a)) ?? 9)
const manifest = join(root, 'oclif.manifest.json')
if (existsSync(manifest)) throw new Error('oclif.manifest.json exists in the working tree: remove it first')

type Kind = 'baseline' | 'before' | 'manifest' | 'release'
const dir = mkdtempSync(join(tmpdir(), 'ovn-bgp-startup-'))
try {
  const tgz = execFileSync(process.execPath, [join(root, 'scripts', 'release.mjs'), '--out', dir])
    .toString()
    .trim()
    .split('\n')
    .at(-1)!
  const install = (artefact: string, prefix: string): string => {
    execFileSync(
      'npm',
      ['install', '--global', '--offline', '--no-audit', '--no-fund', '--prefix', join(dir, prefix), artefact],
      {stdio: 'pipe'},
    )
    return join(dir, prefix, 'bin', 'ovn-bgp')
  }

  const release = install(tgz, 'prefix')
  const baseline = baselineTgz ? install(baselineTgz, 'baseline') : undefined
  const repo = join(root, 'bin', 'run.js')

  const time = (bin: string, args: string[]): number => {
    const t0 = performance.now()
    const r = spawnSync(process.execPath, [bin, ...args], {stdio: 'ignore'})
    if (r.status !== 0) throw new Error(`${bin} ${args.join(' ')}: exit ${r.status}`)
    return performance.now() - t0
  }

  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

  for (const args of [['--help'], ['--version']]) {
    const runs: Record<Kind, number[]> = {before: [], manifest: [], release: [], baseline: []}
    for (let i = 0; i < rounds; i++) {
      runs.before.push(time(repo, args))
      execFileSync(process.execPath, [join(root, 'scripts', 'gen-manifest.mjs')], {stdio: 'ignore'})
      runs.manifest.push(time(repo, args))
      rmSync(manifest)
      runs.release.push(time(release, args))
      if (baseline) runs.baseline.push(time(baseline, args))
    }

    const b = median(runs.before)
    const line = (k: keyof typeof runs) =>
      `${k.padEnd(8)} ${(median(runs[k]) / 1000).toFixed(2)} s  (${(median(runs[k]) / b).toFixed(2)}x of before)`
    console.log(`ovn-bgp ${args.join(' ')}, median of ${rounds}:`)
    for (const k of ['before', 'manifest', 'release', 'baseline'] as const)
      if (runs[k].length > 0) console.log('  ' + line(k))
    if (baseline) console.log(`  release / baseline: ${(median(runs.release) / median(runs.baseline)).toFixed(2)}x`)
  }
} finally {
  rmSync(manifest, {force: true})
  rmSync(dir, {recursive: true, force: true})
}
