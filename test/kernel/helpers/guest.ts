// Guest-side basics for kernel-tier tests (*.ktest.ts run inside the qemu guest by
// test/harness/vm/kernel-tier.sh): gating, a private network namespace per suite, and a runner
// that executes every command inside that namespace.
import {spawn} from 'node:child_process'
import {randomBytes} from 'node:crypto'

import type {CommandRunner, RunOptions, RunResult} from '../../../src/lib/exec/runner.js'

import {DependencyError} from '../../../src/lib/errors.js'
import {inCI, requireTools} from '../../helpers/require.js'

/** True inside the kernel-tier guest (set by test/harness/vm/guest-mocha.sh). */
const inGuest = process.env.OVN_BGP_GUEST === '1'

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
function uniqueName(area: string): string {
  return `${area}-${process.pid}-${randomBytes(2).toString('hex')}`
}

/**
 * CommandRunner on plain child_process.spawn (argv, no shell). In the TCG guest a process started
 * through execa costs about 1.7 s against 0.25 s for a bare spawn, so guest tests use this one;
 * the contract is the same as ExecRunner's (resolves whatever the exit code).
 */
export class SpawnRunner implements CommandRunner {
  run(file: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
    return new Promise((resolve, reject) => {
      const child = spawn(file, args, {
        env: opts.env ? {...process.env, ...opts.env} : process.env,
        stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      })
      // a run past timeoutMs is killed and reported as timed out, as ExecRunner does
      let timedOut = false
      const timer = opts.timeoutMs
        ? setTimeout(() => {
            timedOut = true
            child.kill('SIGTERM')
          }, opts.timeoutMs)
        : undefined
      let stdout = ''
      let stderr = ''
      child.stdout!.setEncoding('utf8').on('data', (d: string) => {
        stdout += d
      })
      child.stderr!.setEncoding('utf8').on('data', (d: string) => {
        stderr += d
      })
      child.on('error', (error: NodeJS.ErrnoException) => {
        clearTimeout(timer)
        reject(
          new DependencyError(`${file}: ${error.code === 'ENOENT' ? 'command not found' : error.message}`, {
            cause: error,
          }),
        )
      })
      child.on('close', (code) => {
        clearTimeout(timer)
        resolve({code: code ?? 1, stdout, stderr, ...(timedOut ? {timedOut} : {})})
      })
      // a child that exits before reading all its input (EPIPE) is reported by its exit code
      child.stdin?.on('error', () => undefined)
      if (opts.input !== undefined) child.stdin?.end(opts.input)
    })
  }
}

export const host = new SpawnRunner()

/** Runs a command and throws with its stderr when it exits non-zero. */
export async function must(file: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const r = await host.run(file, args, opts)
  if (r.code !== 0) throw new Error(`${file} ${args.join(' ')} -> exit ${r.code}: ${r.stderr.trim()}`)
  return r
}

/**
 * Runs every command inside network namespace `ns`: `ip -n NS ...` for ip (a setns only; cheap),
 * `ip netns exec NS FILE ...` for anything else (also remounts /sys: slow under TCG).
 */
export class NetnsRunner implements CommandRunner {
  constructor(
    readonly ns: string,
    private readonly inner: CommandRunner = host,
  ) {}

  run(file: string, args: readonly string[], opts?: RunOptions): Promise<RunResult> {
    if (file === 'ip' || file.endsWith('/ip')) return this.inner.run(file, ['-n', this.ns, ...args], opts)
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
