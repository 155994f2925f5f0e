// Talking to FRR through vtysh (docs/upstream-behaviour.md#frr-configuration): one-shot show commands (`-c`) and config
// files (`-f`).
// Surprise (harness pitfall 12): `vtysh -f` is not atomic and its exit code is not reliable: with a
// rejected line it applies the other lines, and for some failures (e.g. "BGP is already running;
// AS is N") it still exits 0. The per-line errors it prints (`line N: ...`) are the truth, so
// applyConfig reports them and treats any of them as a failure.
import {randomBytes} from 'node:crypto'
import {lstat, mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {isAbsolute, join} from 'node:path'

import type {CommandRunner, RunResult} from '../exec/runner.js'

import {AgentError, ConfigError, DependencyError} from '../errors.js'
import {type Logger, NullLogger} from '../log.js'
import {vtyCommands, type VtyDaemon} from './vty-socket.js'

export interface VtyshOptions {
  vtyshPath: string
  /** FRR vty socket directory (`--vty_socket`). */
  socketDir: string
  logger?: Logger
  /** Parent of the private temp directory for config files (default: os.tmpdir()). */
  tmpRoot?: string
  timeoutMs?: number
}

export interface FailedLine {
  /** 1-based line number in the applied text. */
  line: number
  /** The config line as we wrote it (trimmed). */
  text: string
  /** vtysh's message, e.g. `% Unknown command`. */
  error: string
}

export interface ApplyResult {
  ok: boolean
  code: number
  failedLines: FailedLine[]
  /** Anything vtysh printed (stdout and stderr), for logs. */
  output: string
}

const NOT_CONNECTED = /failed to connect to any daemons|is not running|Connection refused|No such file or directory/i

/** Parses vtysh's `line N: <error>[<code>]<rest>` messages. */
export function parseFailedLines(output: string, configText: string): FailedLine[] {
  const lines = configText.split('\n')
  const seen = new Map<number, FailedLine>()
  for (const m of output.matchAll(/line (\d+): ([^\n[:]*)/g)) {
    const n = Number(m[1])
    if (!seen.has(n)) seen.set(n, {line: n, text: (lines[n - 1] ?? '').trim(), error: (m[2] ?? '').trim()})
  }

  return [...seen.values()].sort((a, b) => a.line - b.line)
}

export class Vtysh {
  private readonly logger: Logger

  constructor(
    private readonly runner: CommandRunner,
    private readonly opts: VtyshOptions,
  ) {
    if (!isAbsolute(opts.socketDir))
      throw new ConfigError(`FRR vty socket directory must be absolute: ${JSON.stringify(opts.socketDir)}`)
    this.logger = (opts.logger ?? new NullLogger()).child({component: 'vtysh'})
  }

  /**
   * Runs one command with `-c`. Throws DependencyError when FRR cannot be reached, AgentError
   * (FRR_COMMAND_FAILED) when the command is rejected.
   */
  async show(command: string): Promise<string> {
    const r = await this.vtysh(['-c', command])
    if (r.code === 0) return r.stdout
    const text = (r.stderr + r.stdout).trim()
    if (NOT_CONNECTED.test(text)) {
      throw new DependencyError(`cannot reach FRR at ${this.opts.socketDir}: ${text}`, {
        code: 'FRR_UNAVAILABLE',
        suggestions: ['check that zebra and bgpd are running', 'check the frr_vty_socket option'],
      })
    }

    throw new AgentError(`vtysh -c ${JSON.stringify(command)} failed: ${text}`, {code: 'FRR_COMMAND_FAILED'})
  }

  /**
   * Several show commands in ONE vtysh process (`-c A -c B ...`): their outputs, concatenated.
   * vtysh stops at the first rejected command (non-zero exit); what the earlier ones printed is
   * still returned, so callers parse what is there (`... json` commands report most problems as
   * a `{"warning": ...}` document and exit 0). Throws DependencyError when FRR cannot be reached.
   */
  async showBatch(commands: readonly string[]): Promise<{stdout: string; code: number; stderr: string}> {
    const r = await this.vtysh(commands.flatMap((c) => ['-c', c]))
    if (r.code !== 0 && r.stdout.trim() === '' && NOT_CONNECTED.test(r.stderr + r.stdout)) {
      throw new DependencyError(`cannot reach FRR at ${this.opts.socketDir}: ${(r.stderr + r.stdout).trim()}`, {
        code: 'FRR_UNAVAILABLE',
        suggestions: ['check that zebra and bgpd are running', 'check the frr_vty_socket option'],
      })
    }

    return {stdout: r.stdout, code: r.code, stderr: r.stderr}
  }

  /**
   * One command on one daemon's own vty socket, without a vtysh process (vty-socket.ts): that
   * daemon's part of the answer only (`show running-config` of bgpd is its `router bgp` blocks).
   * Throws DependencyError when the socket cannot be reached, AgentError (FRR_COMMAND_FAILED) when
   * the daemon rejects the command.
   */
  async daemonShow(daemon: VtyDaemon, command: string): Promise<string> {
    const replies = await vtyCommands(
      join(this.opts.socketDir, `${daemon}.vty`),
      ['enable', command],
      this.opts.timeoutMs ? {timeoutMs: this.opts.timeoutMs} : {},
    )
    const r = replies[1]!
    if (r.status === 0) return r.output
    throw new AgentError(`${daemon} rejected ${JSON.stringify(command)} (status ${r.status}): ${r.output.trim()}`, {
      code: 'FRR_COMMAND_FAILED',
    })
  }

  /** `show` and JSON.parse; undefined when the output is not JSON. */
  async showJson(command: string): Promise<unknown> {
    const out = await this.show(command)
    try {
      return JSON.parse(out)
    } catch {
      return undefined
    }
  }

  /**
   * Applies a configuration with `vtysh -f`, from a file in a fresh private (0700) directory that is
   * removed afterwards. Throws DependencyError when FRR cannot be reached at all.
   */
  async applyConfig(text: string): Promise<ApplyResult> {
    const dir = await this.privateDir()
    try {
      const file = join(dir, `leak-${randomBytes(4).toString('hex')}.conf`)
      await writeFile(file, text, {mode: 0o600, flag: 'wx'})
      const r = await this.vtysh(['-f', file])
      const output = (r.stdout + r.stderr).trim()
      const failedLines = parseFailedLines(r.stdout + '\n' + r.stderr, text)
      if (failedLines.length === 0 && r.code !== 0 && NOT_CONNECTED.test(output)) {
        throw new DependencyError(`cannot reach FRR at ${this.opts.socketDir}: ${output}`, {code: 'FRR_UNAVAILABLE'})
      }

      const ok = r.code === 0 && failedLines.length === 0
      if (!ok) this.logger.warn('vtysh -f reported errors', {code: r.code, failed: failedLines.length, output})
      return {ok, code: r.code, failedLines, output}
    } finally {
      await rm(dir, {recursive: true, force: true})
    }
  }

  /** mkdtemp, then verify it really is ours and private (a pre-planted path must not be used). */
  private async privateDir(): Promise<string> {
    const dir = await mkdtemp(join(this.opts.tmpRoot ?? tmpdir(), 'ovn-bgp-frr-'))
    const st = await lstat(dir)
    const uid = typeof process.getuid === 'function' ? process.getuid() : st.uid
    if (!st.isDirectory() || (st.mode & 0o077) !== 0 || st.uid !== uid) {
      await rm(dir, {recursive: true, force: true})
      throw new AgentError(`temporary directory ${dir} is not private (mode ${(st.mode & 0o777).toString(8)})`, {
        code: 'UNSAFE_TEMP_DIR',
      })
    }

    return dir
  }

  private vtysh(args: string[]): Promise<RunResult> {
    const opts: {timeoutMs?: number} = {}
    if (this.opts.timeoutMs) opts.timeoutMs = this.opts.timeoutMs
    return this.runner.run(this.opts.vtyshPath, ['--vty_socket', this.opts.socketDir, ...args], opts)
  }
}
