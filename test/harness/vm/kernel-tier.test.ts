import {expect} from 'chai'
import {spawnSync} from 'node:child_process'
import {fileURLToPath} from 'node:url'

// Host-side checks of the kernel tier's entry script: CI gating when qemu is missing, and the
// translation of test file arguments into the transpiled paths the guest runs.
import {inCI} from '../../helpers/require.js'

const script = fileURLToPath(new URL('kernel-tier.sh', import.meta.url))
const root = fileURLToPath(new URL('../../..', import.meta.url)).replace(/\/$/, '')

function tier(args: string[], env: Record<string, string>): {code: number; out: string} {
  const r = spawnSync('sh', [script, ...args], {env: {...process.env, ...env}, encoding: 'utf8', cwd: root})
  return {code: r.status ?? 1, out: r.stdout + r.stderr}
}

/** The tier skipped (qemu or a kernel missing): a failure under CI, a skip otherwise. */
function skipOrFail(ctx: Mocha.Context, out: string): void {
  if (inCI) throw new Error(`kernel tier unavailable under CI: ${out.trim().split('\n').at(-1)}`)
  ctx.skip()
}

describe('kernel-tier.sh', () => {
  it('fails with a failing-test line under CI when qemu is missing', () => {
    const r = tier([], {CI: 'true', KTIER_QEMU: 'no-such-qemu-binary'})
    expect(r.code).to.equal(1)
    expect(r.out).to.match(/required component unavailable under CI: no-such-qemu-binary/)
    expect(r.out).to.match(/^\s+1 failing$/m)
  })

  it('skips locally when qemu is missing', () => {
    const r = tier([], {CI: '', KTIER_QEMU: 'no-such-qemu-binary'})
    expect(r.code).to.equal(0)
    expect(r.out).to.match(/kernel tier: skipped locally, missing: no-such-qemu-binary/)
  })

  it('runs the transpiled files given (relative, ./ or absolute) with --grep', function () {
    this.timeout(60_000)
    const r = tier(
      ['--grep', 'a b', 'test/kernel/a.ktest.ts', './test/kernel/b.ktest.ts', `${root}/test/kernel/c.ktest.ts`],
      {CI: '', KTIER_DRY_RUN: '1'},
    )
    if (/skipped locally/.test(r.out)) skipOrFail(this, r.out)
    expect(r.code).to.equal(0)
    expect(r.out.trim().split('\n').at(-1)).to.equal(
      `guest-mocha.sh [${root}] [--grep] [a b] [/run/out/js/test/kernel/a.ktest.js] [/run/out/js/test/kernel/b.ktest.js] [/run/out/js/test/kernel/c.ktest.js]`,
    )
  })

  it('runs every ktest by default', function () {
    this.timeout(60_000)
    const r = tier([], {CI: '', KTIER_DRY_RUN: '1'})
    if (/skipped locally/.test(r.out)) skipOrFail(this, r.out)
    expect(r.out.trim().split('\n').at(-1)).to.equal(`guest-mocha.sh [${root}] [/run/out/js/test/kernel/**/*.ktest.js]`)
  })
})
