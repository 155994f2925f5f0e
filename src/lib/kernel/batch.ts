// Runs many iproute2 commands in one process: `ip [-4|-6] -force -batch -` with the lines on stdin,
// and maps iproute2's per-line error reports back to the operations.
//
// Verified format (iproute2 6.1, LC_ALL=C): for a failing line N, iproute2 writes the error text
// (one or more lines, e.g. "RTNETLINK answers: File exists" or "Error: ipv4: Address already
// assigned.") and then "Command failed -:N". With -force it goes on with line N+1. Some commands
// (`neigh add/del/replace` on a kernel error) exit the whole process instead: the error text then
// has no "Command failed" marker and the remaining lines never ran (`aborted`).
import type {CommandRunner} from '../exec/runner.js'
import type {BatchGroup, IpOp} from './commands.js'

export type LineOutcome = {state: 'ok'} | {state: 'failed'; reason: string} | {state: 'unknown'}

export interface BatchStderr {
  /** 1-based line number -> error text. */
  errors: Map<number, string>
  /** Error text after the last marker: the process stopped early. */
  trailing: string
}

const MARKER = /^Command failed (.*):(\d+)\s*$/

export function parseBatchStderr(stderr: string): BatchStderr {
  const errors = new Map<number, string>()
  let buf: string[] = []
  for (const line of stderr.split('\n')) {
    const m = MARKER.exec(line)
    if (m) {
      errors.set(Number(m[2]), buf.join('\n').trim())
      buf = []
    } else if (line.trim() !== '') {
      buf.push(line)
    }
  }

  return {errors, trailing: buf.join('\n').trim()}
}

/**
 * Outcome of every line. A line with a reported error is failed unless `tolerate` matches. When the
 * process stopped early, lines after the last reported error are 'unknown' (the caller verifies
 * them); otherwise lines without an error are ok.
 */
export function lineOutcomes(ops: readonly IpOp[], code: number, stderr: string): LineOutcome[] {
  const {errors, trailing} = parseBatchStderr(stderr)
  const aborted = code !== 0 && trailing !== ''
  const lastReported = Math.max(0, ...errors.keys())
  return ops.map((op, i) => {
    const n = i + 1
    const err = errors.get(n)
    if (err !== undefined) {
      return op.tolerate?.test(err) ? {state: 'ok'} : {state: 'failed', reason: err || 'command failed'}
    }

    if (aborted && n > lastReported) return {state: 'unknown'}
    return {state: 'ok'}
  })
}

/** Batch text: one op per line. The words were validated by the builders (no newline can occur). */
export function batchText(ops: readonly IpOp[]): string {
  return ops.map((o) => o.args.join(' ')).join('\n') + '\n'
}

export interface BatchRunOptions {
  ipPath: string
  /** `-4`/`-6` for rule and route batches (a batch line cannot carry a family flag). */
  family?: 4 | 6
  timeoutMs?: number
}

export async function runIpBatch(
  runner: CommandRunner,
  ops: readonly IpOp[],
  opts: BatchRunOptions,
): Promise<LineOutcome[]> {
  if (ops.length === 0) return []
  const args = [...(opts.family ? [`-${opts.family}`] : []), '-force', '-batch', '-']
  const r = await runner.run(opts.ipPath, args, {
    input: batchText(ops),
    env: {LC_ALL: 'C'},
    ...(opts.timeoutMs ? {timeoutMs: opts.timeoutMs} : {}),
  })
  return lineOutcomes(ops, r.code, r.stderr)
}

/** One op in its own process (used to get a precise error after an aborted batch). */
async function runIpSingle(runner: CommandRunner, op: IpOp, opts: BatchRunOptions): Promise<LineOutcome> {
  const args = [...(opts.family ? [`-${opts.family}`] : []), ...op.args]
  const r = await runner.run(opts.ipPath, args, {
    env: {LC_ALL: 'C'},
    ...(opts.timeoutMs ? {timeoutMs: opts.timeoutMs} : {}),
  })
  if (r.code === 0) return {state: 'ok'}
  const err = r.stderr.trim()
  return op.tolerate?.test(err) ? {state: 'ok'} : {state: 'failed', reason: err || `exit ${r.code}`}
}

/** Which process an op runs in: family-bound rules/routes/addresses, or the family-less one. */
export type ExecGroup = 'ip4' | 'ip6' | 'neutral'

export function execGroupOf(op: IpOp): ExecGroup {
  const g: BatchGroup = op.group
  return g === 'ip4' || g === 'ip6' ? g : 'neutral'
}

/**
 * Runs the ip ops of ONE ExecGroup in order and returns one settled outcome per op (never
 * 'unknown'). Implemented per command (OneShotIpExec: an `ip -batch` process per call) and by the
 * daemon's long-lived processes (batch-process.ts).
 */
export interface IpExec {
  run(ops: readonly IpOp[]): Promise<LineOutcome[]>
  close?(): void
}

export class OneShotIpExec implements IpExec {
  /** Processes started so far. */
  starts = 0

  constructor(
    private readonly runner: CommandRunner,
    private readonly opts: {ipPath: string; timeoutMs?: number},
  ) {}

  async run(ops: readonly IpOp[]): Promise<LineOutcome[]> {
    if (ops.length === 0) return []
    const g = execGroupOf(ops[0]!)
    const o = {
      ipPath: this.opts.ipPath,
      ...(g === 'neutral' ? {} : {family: g === 'ip4' ? (4 as const) : (6 as const)}),
      ...(this.opts.timeoutMs ? {timeoutMs: this.opts.timeoutMs} : {}),
    }
    this.starts++
    const out = await runIpBatch(this.runner, ops, o)
    for (const [i, x] of out.entries()) {
      if (x.state !== 'unknown') continue
      this.starts++
      out[i] = await runIpSingle(this.runner, ops[i]!, o)
    }

    return out
  }
}
