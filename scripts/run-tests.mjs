#!/usr/bin/env node
// The project's test command (README, .ci/run). Runs, in order:
//   1. the type check of src + test + bench, then `eslint .`, `prettier --check` (npm run
//      format:check) and `knip` (each counts as one test), then a clean `npm run build` (counts as
//      one test: the CLI, man-page and release tests run the built bin/run.js on dist/),
//   2. the host tier: mocha over test/**/*.test.ts (real ovsdb-server, ovs-vswitchd, FRR, gobgpd),
//   3. the kernel tier: test/kernel/**/*.ktest.ts inside a qemu guest running a real Debian kernel
//      (test/harness/vm/kernel-tier.sh),
// then prints the plain summary line `N passed, N failed` last.
// Options: --host-only, --kernel-only, --grep PATTERN (passed to mocha in both tiers).
import {spawn} from 'node:child_process'
import {existsSync, rmSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const args = process.argv.slice(2)
const hostOnly = args.includes('--host-only')
const kernelOnly = args.includes('--kernel-only')
const gi = args.indexOf('--grep')
const grep = gi === -1 ? undefined : args[gi + 1]

let passed = 0
let failed = 0

/** Runs a command, echoing its output, and returns [exitCode, combinedOutput]. */
function run(cmd, argv, env = {}) {
  return new Promise((resolve) => {
    const child = spawn(cmd, argv, {cwd: root, env: {...process.env, ...env}, stdio: ['ignore', 'pipe', 'pipe']})
    let out = ''
    child.stdout.on('data', (d) => {
      out += d
      process.stdout.write(d)
    })
    child.stderr.on('data', (d) => {
      out += d
      process.stderr.write(d)
    })
    child.on('close', (code) => resolve([code ?? 1, out]))
    child.on('error', (err) => resolve([127, String(err)]))
  })
}

/** Adds mocha's counts from a spec-reporter transcript; pending (skipped) tests count as failed. */
function count(tier, code, out) {
  const clean = out.replaceAll(/\u001B\[[0-9;]*m/g, '')
  const num = (re) => [...clean.matchAll(re)].reduce((n, m) => n + Number(m[1]), 0)
  const p = num(/^\s*(\d+) passing/gm)
  const f = num(/^\s*(\d+) failing/gm)
  const s = num(/^\s*(\d+) pending/gm)
  passed += p
  failed += f + s
  if (s > 0) console.log(`${tier}: ${s} pending test(s) count as failed`)
  if (code !== 0 && f === 0) {
    console.log(`${tier}: exited with code ${code} without a failing test; counted as one failure`)
    failed += 1
  }
}

/** Runs one whole-tree check that counts as a single test. */
async function check(name, cmd, argv) {
  const [code] = await run(cmd, argv)
  if (code === 0) passed += 1
  else failed += 1
  console.log(`${name}: ${code === 0 ? 'ok' : 'FAILED'}`)
}

if (!kernelOnly) {
  await check('typecheck', 'npx', ['tsc', '-p', 'test/tsconfig.json', '--noEmit'])
  await check('lint', 'npx', ['eslint', '.'])
  await check('format', 'npm', ['run', '--silent', 'format:check'])
  await check('knip', 'npx', ['knip', '--no-progress'])

  // A fresh clone has no dist/; a stale one may hold files of deleted sources.
  rmSync(join(root, 'dist'), {force: true, recursive: true})
  const [bc] = await run('npm', ['run', 'build'])
  if (bc === 0) passed += 1
  else failed += 1
  console.log(`build: ${bc === 0 ? 'ok' : 'FAILED'}`)

  const mochaArgs = ['mocha', '--reporter', 'spec', 'test/**/*.test.ts']
  if (grep) mochaArgs.push('--grep', grep)
  const [code, out] = await run('npx', mochaArgs)
  count('host tier', code, out)
}

if (!hostOnly) {
  const tier = join(root, 'test/harness/vm/kernel-tier.sh')
  if (existsSync(tier)) {
    const [code, out] = await run('sh', [tier, ...(grep ? ['--grep', grep] : [])])
    count('kernel tier', code, out)
  } else {
    console.log('kernel tier: test/harness/vm/kernel-tier.sh is missing')
    failed += 1
  }
}

console.log(`${passed} passed, ${failed} failed`)
process.exit(failed === 0 ? 0 : 1)
