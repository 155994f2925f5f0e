// Benchmark (not a test): where the start of the `ovn-bgp` CLI goes before its first connection,
// in the qemu guest (`sh bench/run-kernel-bench.sh cli-start [rounds]`, the guest's CLI bundle,
// cli/bin.mjs) or on the host after transpile.mjs. Interleaved, `rounds` times each (default 7):
//   node        `node -e 0`: the runtime alone;
//   version     `ovn-bgp --version`: oclif and the bundle, no command;
//   sync        `ovn-bgp sync --json --log-level debug` on a configuration whose OVS socket does not
//               exist, timed to its first debug line (the OVS client connecting), then killed:
//               everything a cold `sync` does before it reaches the network.
// Prints the median wall time of each. CPU_PROF_DIR (run-kernel-bench.sh's CPU_PROF): every
// process also writes a V8 CPU profile there.
import {spawn} from 'node:child_process'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

const ROUNDS = Number(process.argv[2] ?? 7)
const cli = fileURLToPath(new URL('../cli/bin.mjs', import.meta.url))
const prof = process.env.CPU_PROF_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.CPU_PROF_DIR}`] : []
const dir = mkdtempSync(join(tmpdir(), 'cli-start-'))
const ini = join(dir, 'agent.ini')
writeFileSync(
  ini,
  [
    '[DEFAULT]',
    'driver = nb_ovn_bgp_driver',
    `ovsdb_connection = unix:${join(dir, 'no-ovs.sock')}`,
    `state_dir = ${join(dir, 'state')}`,
    '[ovn]',
    `ovn_nb_connection = unix:${join(dir, 'no-nb.sock')}`,
    '',
  ].join('\n'),
)

/** Wall ms from spawn to exit, or to the first stderr line matching `until` (then killed). */
async function time(args: string[], until?: RegExp): Promise<number> {
  const t0 = performance.now()
  const child = spawn(process.execPath, [...prof, ...args], {stdio: ['ignore', 'ignore', 'pipe']})
  return new Promise<number>((resolve, reject) => {
    let at = 0
    child.stderr.on('data', (d: Buffer) => {
      if (at === 0 && until?.test(d.toString())) {
        at = performance.now() - t0
        child.kill('SIGINT') // a profile is written on a clean exit only
      }
    })
    child.once('error', reject)
    child.once('close', (code) => {
      if (until && at === 0) reject(new Error(`${args.join(' ')}: exit ${code} before ${until}`))
      else resolve(at || performance.now() - t0)
    })
  })
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const runs: Record<string, number[]> = {node: [], version: [], sync: []}
try {
  for (let r = 0; r < ROUNDS; r++) {
    runs.node!.push(await time(['-e', '0']))
    runs.version!.push(await time([cli, '--version']))
    runs.sync!.push(
      await time([cli, 'sync', '--json', '--log-level', 'debug', '--config-file', ini], /state=connecting/),
    )
  }

  for (const [k, xs] of Object.entries(runs))
    console.log(`${k.padEnd(8)} median ${median(xs).toFixed(0)} ms (${xs.map((x) => x.toFixed(0)).join(' ')})`)
} finally {
  rmSync(dir, {recursive: true, force: true})
}
