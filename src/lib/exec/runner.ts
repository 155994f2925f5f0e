// The one place that starts processes. Never through a shell: argv arrays only.
import {spawn} from 'node:child_process'

import {DependencyError} from '../errors.js'

export interface RunOptions {
  /** Written to the child's stdin (e.g. an `ip -batch -` script). */
  input?: string
  /** Extra environment variables, merged over the parent's. */
  env?: Record<string, string>
  timeoutMs?: number
}

export interface RunResult {
  /** Exit status; a child killed by a signal or timeout reports a non-zero code. */
  code: number
  stdout: string
  stderr: string
}

/**
 * Seam for every external command (ip, sysctl, ovs-ofctl, vtysh).
 * Contract: resolves with the result whatever the exit code; rejects only when the
 * program cannot be started at all (DependencyError).
 */
export interface CommandRunner {
  run(file: string, args: readonly string[], opts?: RunOptions): Promise<RunResult>
}

/**
 * Runs through node:child_process directly. execa was used before; importing it loads ~150 module
 * files, which dominated the daemon's start-up in a slow (TCG) guest (see docs/reliability.md,
 * item 6), and it added per-process overhead while doing nothing we need here.
 */
export class ExecRunner implements CommandRunner {
  run(file: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
    return new Promise((resolve, reject) => {
      let child
      try {
        child = spawn(file, args, {
          shell: false,
          env: opts.env ? {...process.env, ...opts.env} : process.env,
          stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
          ...(opts.timeoutMs ? {timeout: opts.timeoutMs, killSignal: 'SIGTERM' as const} : {}),
        })
      } catch (error) {
        reject(new DependencyError(`${file}: cannot run: ${(error as Error).message}`, {cause: error}))
        return
      }
      const out: Buffer[] = []
      const err: Buffer[] = []
      child.stdout!.on('data', (d: Buffer) => out.push(d))
      child.stderr!.on('data', (d: Buffer) => err.push(d))
      child.on('error', (error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') reject(new DependencyError(`${file}: command not found`, {code: 'COMMAND_NOT_FOUND', cause: error}))
        // Started, then failed (e.g. a kill after the timeout): 'close' follows and resolves.
        else if (child.pid === undefined) reject(new DependencyError(`${file}: cannot run: ${error.message}`, {cause: error}))
      })
      child.on('close', (code, signal) => {
        const stderr = Buffer.concat(err).toString('utf8')
        const why = signal ? `${file} killed by ${signal}${opts.timeoutMs ? ` (timeout ${opts.timeoutMs} ms)` : ''}` : ''
        resolve({code: code ?? 1, stdout: Buffer.concat(out).toString('utf8'), stderr: stderr || why})
      })
      if (opts.input !== undefined) {
        child.stdin!.on('error', () => undefined) // EPIPE when the program exits without reading
        child.stdin!.end(opts.input)
      }
    })
  }
}

/** A runner that records every call and answers from a script; for applier unit tests. */
export class RecordingRunner implements CommandRunner {
  readonly calls: Array<{file: string; args: string[]; input?: string}> = []

  constructor(private readonly answer: (file: string, args: readonly string[], input?: string) => RunResult | undefined = () => undefined) {}

  async run(file: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
    const call: {file: string; args: string[]; input?: string} = {file, args: [...args]}
    if (opts.input !== undefined) call.input = opts.input
    this.calls.push(call)
    return this.answer(file, args, opts.input) ?? {code: 0, stdout: '', stderr: ''}
  }
}
