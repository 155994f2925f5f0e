// Guest-side basics for kernel-tier tests (*.ktest.ts run inside the qemu guest by
// test/harness/vm/kernel-tier.sh): gating, a private network namespace per suite, and a runner
// that executes every command inside that namespace.
import {randomBytes} from 'node:crypto'

import type {CommandRunner, RunOptions, RunResult} from '../../../src/lib/exec/runner.js'
import {ExecRunner} from '../../../src/lib/exec/runner.js'
import {inCI, requireTools} from '../../helpers/require.js'

/** True inside the kernel-tier guest (set by test/harness/vm/guest-mocha.sh). */
export const inGuest = process.env.OVN_BGP_GUEST === '1'

/**
 * Gate for kernel-tier suites. Outside the guest the suite is skipped (even under CI: the host tier
 * never runs *.ktest.ts; the kernel tier does, and there a missing tool fails under CI).
 */
export function requireGuest(ctx: Mocha.Context, tools: string[] = []): void {
  if (!inGuest) {
    if (inCI && process.env.KTEST_ALLOW_HOST !== '1') {
      // Reached only when someone runs a ktest on the host under CI by hand.
      throw new Error('kernel-tier test run outside the qemu guest (use test/harness/vm/kernel-tier.sh)')
    }
    ctx.skip()
  }
  requireTools(ctx, ['ip', ...tools], {root: true})
}

/** A unique, short (netns names are free-form, but keep them readable) namespace name. */
export function uniqueName(area: string): string {
  return `${area}-${process.pid}-${randomBytes(2).toString('hex')}`
}

const host = new ExecRunner()

/** Runs a command and throws with its stderr when it exits non-zero. */
export async function must(file: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const r = await host.run(file, args, opts)
  if (r.code !== 0) throw new Error(`${file} ${args.join(' ')} -> exit ${r.code}: ${r.stderr.trim()}`)
  return r
}

/** Runs every command inside network namespace `ns` (`ip netns exec NS FILE ARGS`). */
export class NetnsRunner implements CommandRunner {
  constructor(
    readonly ns: string,
    private readonly inner: CommandRunner = host,
  ) {}

  run(file: string, args: readonly string[], opts?: RunOptions): Promise<RunResult> {
    return this.inner.run('ip', ['netns', 'exec', this.ns, file, ...args], opts)
  }
}

/** A private network namespace with lo up; `close()` deletes it (and every device in it). */
export class Netns {
  readonly runner: NetnsRunner

  private constructor(readonly name: string) {
    this.runner = new NetnsRunner(name)
  }

  static async create(area: string): Promise<Netns> {
    const name = uniqueName(area)
    await must('ip', ['netns', 'add', name])
    await must('ip', ['-n', name, 'link', 'set', 'lo', 'up'])
    return new Netns(name)
  }

  /** `ip -n NS ARGS...`, throwing on failure. */
  async ip(...args: string[]): Promise<RunResult> {
    return must('ip', ['-n', this.name, ...args])
  }

  /** `ip -n NS -json ARGS...` parsed. */
  async ipJson<T = unknown>(...args: string[]): Promise<T> {
    const r = await must('ip', ['-n', this.name, '-json', ...args])
    return JSON.parse(r.stdout.trim() || '[]') as T
  }

  async exec(file: string, ...args: string[]): Promise<RunResult> {
    return must('ip', ['netns', 'exec', this.name, file, ...args])
  }

  async close(): Promise<void> {
    await host.run('ip', ['netns', 'del', this.name])
  }
}
