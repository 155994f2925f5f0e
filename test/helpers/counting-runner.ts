// A CommandRunner that counts and records the processes it starts, then runs them for real
// through `inner` (default: the production ExecRunner): how tests assert "no process" or "two".
import {type CommandRunner, ExecRunner, type RunOptions, type RunResult} from '../../src/lib/exec/runner.js'

export class CountingRunner implements CommandRunner {
  /** Processes started so far (tests reset it between steps). */
  count = 0
  /** Each one's argv, file first. */
  readonly calls: string[][] = []

  constructor(private readonly inner: CommandRunner = new ExecRunner()) {}

  run(file: string, args: readonly string[], opts?: RunOptions): Promise<RunResult> {
    this.count++
    this.calls.push([file, ...args])
    return this.inner.run(file, args, opts)
  }
}
