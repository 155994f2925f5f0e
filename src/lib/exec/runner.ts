// The one place that starts processes. Never through a shell: argv arrays only.
import {execa} from 'execa'
import {closeSync, mkdtempSync, openSync, rmSync} from 'node:fs'
import {readFile, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {AgentError, DependencyError} from '../errors.js'

export interface RunOptions {
  /** Written to the child's stdin (e.g. an `ip -batch -` script). */
  input?: string
  /** Extra environment variables, merged over the parent's. */
  env?: Record<string, string>
  timeoutMs?: number
  /**
   * The child writes its stdout to a file of a private directory, read back in one piece once it
   * has exited, instead of into a pipe. For outputs of megabytes (the periodic kernel dump): a
   * program writing to a pipe hands it over a few kilobytes at a time, and each piece wakes this
   * process and costs it a read (measured on the host for 1.4 MB of `ip -json address show`:
   * 22 ms of this process's CPU through a pipe, 6 ms through a file). A hint: runners that do
   * not start processes ignore it; the result is the same.
   */
  stdoutToFile?: boolean
  /**
   * stdout comes back undecoded, as `RunResult.stdoutBytes` (and `stdout` is ''). Bytes live
   * outside the JS heap: megabytes of dump text that are hashed and then dropped never become
   * strings, so they are not promoted into, nor collected from, the old generation.
   */
  stdoutBytes?: boolean
}

export interface RunResult {
  /** Exit status; a child killed by a signal or timeout reports a non-zero code. */
  code: number
  stdout: string
  /** With RunOptions.stdoutBytes (runners that start no process may leave it out: use `stdout`). */
  stdoutBytes?: Buffer
  stderr: string
  /** Set when the child was killed for running past `timeoutMs` (its code is then non-zero). */
  timedOut?: boolean
}

/**
 * Seam for every external command (ip, sysctl, ovs-ofctl, vtysh).
 * Contract: resolves with the result whatever the exit code; rejects only when the
 * program cannot be started at all (DependencyError).
 */
export interface CommandRunner {
  run(file: string, args: readonly string[], opts?: RunOptions): Promise<RunResult>
}

export class ExecRunner implements CommandRunner {
  private readonly closing = new AbortController()
  /** The private directory (0700, mkdtemp) of stdoutToFile's files; made at the first use. */
  private outDir: string | undefined
  private outSeq = 0

  /**
   * Shutdown: children still running are sent SIGTERM and every later run() rejects (code
   * STOPPED), so background work in flight (an FRR check, a base setup retry: each a chain of
   * `ip`/`vtysh` runs) ends at its next step instead of keeping the process alive for seconds.
   */
  close(): void {
    this.closing.abort()
    if (this.outDir) rmSync(this.outDir, {recursive: true, force: true})
    this.outDir = undefined
  }

  async run(file: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
    if (this.closing.signal.aborted) throw new AgentError(`${file}: not run, shutting down`, {code: 'STOPPED'})
    if (!opts.stdoutToFile) return this.runPiped(file, args, opts)
    // mkdtemp makes the directory 0700 with a random name: nobody else can open or plant the file.
    this.outDir ??= mkdtempSync(join(tmpdir(), 'ovn-bgp-out-'))
    const path = join(this.outDir, String(++this.outSeq))
    const fd = openSync(path, 'wx', 0o600)
    try {
      let r: RunResult
      try {
        r = await this.runPiped(file, args, opts, fd)
      } finally {
        closeSync(fd) // once, and before the read: the child has exited
      }

      // gone only when close() removed the directory meanwhile: the child was stopped with it
      const bytes = await readFile(path).catch(() => Buffer.alloc(0))
      return opts.stdoutBytes ? {...r, stdoutBytes: bytes} : {...r, stdout: bytes.toString()}
    } finally {
      await rm(path, {force: true})
    }
  }

  /** `stdoutFd`: the child's stdout goes to that open file instead of a pipe (stdout is then ''). */
  private async runPiped(
    file: string,
    args: readonly string[],
    opts: RunOptions,
    stdoutFd?: number,
  ): Promise<RunResult> {
    try {
      const r = await execa(file, args, {
        reject: false,
        shell: false,
        cancelSignal: this.closing.signal,
        // The tools we run are short-lived; skipping execa's exit hook per child cuts its overhead
        // by about a quarter (measured: 5.0 -> 3.7 ms per process on the host, far more under TCG).
        cleanup: false,
        stripFinalNewline: false,
        ...(opts.input === undefined ? {stdin: 'ignore' as const} : {input: opts.input}),
        ...(opts.env ? {env: opts.env, extendEnv: true} : {}),
        ...(opts.timeoutMs ? {timeout: opts.timeoutMs} : {}),
        // A descriptor number goes to the child as it is (execa's lib/stdio/native.js); execa's
        // types list only 3-9 for it.
        ...(stdoutFd === undefined ? {} : {stdout: stdoutFd as 3}),
        ...(opts.stdoutBytes && stdoutFd === undefined ? {encoding: 'buffer' as const} : {}),
        maxBuffer: 512 * 1024 * 1024,
      })
      if (r.failed && r.exitCode === undefined && (r as {code?: string}).code === 'ENOENT') {
        throw new DependencyError(`${file}: command not found`, {code: 'COMMAND_NOT_FOUND'})
      }

      const out = r.stdout as unknown
      const err = r.stderr as unknown
      return {
        code: r.exitCode ?? 1,
        ...(out instanceof Uint8Array
          ? {stdout: '', stdoutBytes: Buffer.from(out.buffer, out.byteOffset, out.byteLength)}
          : {stdout: String(out ?? '')}),
        stderr: err instanceof Uint8Array ? Buffer.from(err).toString() : String(err ?? r.message ?? ''),
        ...(r.timedOut ? {timedOut: true} : {}),
      }
    } catch (error) {
      if (error instanceof DependencyError) throw error
      throw new DependencyError(`${file}: cannot run: ${(error as Error).message}`, {cause: error})
    }
  }
}

/** A runner that records every call and answers from a script; for applier unit tests. */
export class RecordingRunner implements CommandRunner {
  readonly calls: Array<{file: string; args: string[]; input?: string}> = []

  constructor(
    private readonly answer: (file: string, args: readonly string[], input?: string) => RunResult | undefined = () =>
      undefined,
  ) {}

  async run(file: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
    const call: {file: string; args: string[]; input?: string} = {file, args: [...args]}
    if (opts.input !== undefined) call.input = opts.input
    this.calls.push(call)
    return this.answer(file, args, opts.input) ?? {code: 0, stdout: '', stderr: ''}
  }
}
