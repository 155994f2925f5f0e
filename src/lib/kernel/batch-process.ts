// A long-lived `ip [-4|-6] -force -batch -` child fed through stdin, so a pass costs a write and a
// read instead of a process start per group.
//
// Attribution: iproute2 numbers stdin lines cumulatively for the life of the process and reports a
// failing line N as its error text followed by "Command failed -:N" on stderr (unbuffered), then
// goes on with N+1 (-force). After every request we write one SENTINEL line: an unknown object
// name, which fails deterministically without touching the kernel. When its marker arrives, every
// line before it has been executed and every failure among them reported, so the lines of the
// request without a marker succeeded. A `neigh` command that hits a kernel error makes iproute2
// exit instead: the lines of the request from the last reported one on are then 'unknown' (the
// caller re-runs them alone), and the next request starts a fresh process.
//
// Deadline: a request is written as chunks of at most REQUEST_CHUNK lines, each with its sentinel.
// A chunk whose marker has not arrived within `requestTimeoutMs` of the previous chunk's (or of the
// write, for the first) fails (a child stopped, or a lost marker), with every chunk after it: their
// lines without a reported error get a reason naming the timeout (they may or may not have been applied; the caller's retry and the next observation tell),
// the child is killed with SIGKILL and the next request runs in a fresh one. Without the deadline a
// child that stops answering would hold the reconcile pass, and so every later pass, forever.
import {type ChildProcess, spawn as nodeSpawn} from 'node:child_process'

import type {Logger} from '../log.js'
import type {IpOp} from './commands.js'

import {type ExecGroup, execGroupOf, type IpExec, type LineOutcome} from './batch.js'

/** A batch line that fails at once, without a netlink request: no object starts with "zz". */
const SENTINEL = 'zzovnbgp-sentinel'

export type SpawnFn = (
  file: string,
  args: readonly string[],
  opts: {env: NodeJS.ProcessEnv; stdio: ['pipe', 'pipe', 'pipe']},
) => ChildProcess

export const defaultSpawn: SpawnFn = (file, args, opts) => nodeSpawn(file, args, opts)

const MARKER = /^Command failed (.*):(\d+)\s*$/

/** Default bound on one request (a pass's batch is ~1 ms per line in a loaded guest; generous). */
const DEFAULT_REQUEST_TIMEOUT_MS = 30_000

/**
 * Lines per sentinel: a request larger than this is answered chunk by chunk, and the deadline is
 * per chunk. Measured in the emulated guest at 10,000 exposed ports: 2,000 `ip rule add` lines did
 * not finish within 30 s (each insertion walks the rule list), so a chunk is much smaller.
 */
const REQUEST_CHUNK = 500

interface Pending {
  /** Cumulative number of the request's first line. */
  first: number
  count: number
  sentinel: number
  errors: Map<number, string>
  resolve: (o: LineOutcome[]) => void
  ops: readonly IpOp[]
  /** The chunk's deadline timer (armed when it is the oldest unanswered one; cleared when it settles). */
  timer?: NodeJS.Timeout
  /** The whole request was this one line (a re-run alone: the process's last words are its error). */
  alone: boolean
}

/**
 * Incremental parser of the stderr stream: feeds complete lines, returns (line number, error text)
 * for every marker. Exported for unit tests.
 */
export class MarkerParser {
  private partial = ''
  private buf: string[] = []

  feed(chunk: string): Array<{line: number; text: string}> {
    const out: Array<{line: number; text: string}> = []
    const lines = (this.partial + chunk).split('\n')
    this.partial = lines.pop() ?? ''
    for (const l of lines) {
      const m = MARKER.exec(l)
      if (m) {
        out.push({line: Number(m[2]), text: this.buf.join('\n').trim()})
        this.buf = []
      } else if (l.trim() !== '') this.buf.push(l)
    }

    return out
  }

  /** Error text written after the last marker (a process that exited early). */
  trailing(): string {
    return [...this.buf, this.partial].join('\n').trim()
  }
}

/** A line iproute2 reported an error for: ok when the op tolerates it ("exists" on an add), else failed. */
function errorOutcome(op: IpOp, err: string): LineOutcome {
  return op.tolerate?.test(err) ? {state: 'ok'} : {state: 'failed', reason: err || 'command failed'}
}

/** Outcome of each line of a request from the markers seen (tolerated errors count as ok). */
export function settleRequest(
  ops: readonly IpOp[],
  first: number,
  errors: ReadonlyMap<number, string>,
  complete: boolean,
): LineOutcome[] {
  const lastReported = Math.max(first - 1, ...[...errors.keys()].filter((n) => n < first + ops.length))
  return ops.map((op, i) => {
    const n = first + i
    const err = errors.get(n)
    if (err !== undefined) return errorOutcome(op, err)
    if (!complete && n > lastReported) return {state: 'unknown'}
    return {state: 'ok'}
  })
}

export interface BatchProcessOptions {
  ipPath: string
  /** Global options before `-force -batch -`, e.g. ['-4'] or ['-n', netns]. */
  args: readonly string[]
  spawn?: SpawnFn
  logger?: Logger
  /**
   * Keep one idle spare child, started this long after a child was taken into use. Replacing a
   * child (recycle) then takes the spare instead of starting a process on the repair path: a start
   * from node is synchronous and costs 0.5-1.5 s in a loaded emulated guest. Unset: no spare.
   */
  spareDelayMs?: number
  /**
   * Asked when a spare is due: false postpones it by SPARE_RECHECK_MS. The start is synchronous
   * and stalls the whole process, so the executor lets it happen only while no request is in
   * flight, and one group at a time. Unset: always now.
   */
  maySpawnSpare?: () => boolean
  /** Bound on one request's answer; default DEFAULT_REQUEST_TIMEOUT_MS. */
  requestTimeoutMs?: number
}

/** A postponed spare is asked for again this much later. */
const SPARE_RECHECK_MS = 250

interface ChildState {
  child: ChildProcess
  nextLine: number
  parser: MarkerParser
  queue: Pending[]
  /** Device names this child has resolved (and so may have cached): the words after `dev`, `link`, `name`. */
  names: Set<string>
}

/** Words of an ip line that name a device (the child caches their name -> index). */
const DEVICE_WORD = new Set(['dev', 'link', 'name', 'master', 'iif', 'oif'])

/** A kernel error that a stale name -> index cache produces: the cached index is gone. */
const STALE_INDEX = /No such device/

/** One `ip -force -batch -` child; requests are serialised; a new child after one exits. */
export class BatchProcess {
  private cur: ChildState | undefined
  private chain: Promise<unknown> = Promise.resolve()
  private stale = false
  private spare: ChildProcess | undefined
  private spareTimer: NodeJS.Timeout | undefined
  private closed = false
  /** Processes started so far, spares included (benchmarks and tests). */
  starts = 0

  constructor(private readonly opts: BatchProcessOptions) {}

  /** Runs `ops` in order; one outcome per op. Never rejects for a failing line. */
  run(ops: readonly IpOp[]): Promise<LineOutcome[]> {
    if (ops.length === 0) return Promise.resolve([])
    const p = this.chain.then(() => this.send(ops))
    this.chain = p.catch(() => undefined)
    return p
  }

  /**
   * The next request runs in a fresh child. iproute2 caches interface name -> index for the life of
   * the process, so after a device is deleted (and perhaps re-created under the same name with a new
   * index) a long-lived child can keep failing with "No such device" on a device that exists.
   * With `name`, only a child that has resolved that name is replaced (the others never cached it).
   * An idle child is replaced at once, so the start-up cost (seconds in an emulated guest) is paid
   * while the repair pass is still being scheduled rather than inside it.
   */
  recycle(name?: string): void {
    const {cur} = this
    if (!cur || (name !== undefined && !cur.names.has(name))) return
    if (cur.queue.length > 0) {
      this.stale = true
      return
    }

    this.stale = false
    this.closeCurrent()
    this.ensure()
  }

  /** Ends the child and the spare. A later run() starts a child again (without a spare). */
  close(): void {
    this.closed = true
    if (this.spareTimer) clearTimeout(this.spareTimer)
    this.spareTimer = undefined
    const s = this.spare
    this.spare = undefined
    if (s && s.exitCode === null) {
      s.stdin?.end()
      s.kill('SIGTERM')
    }

    this.closeCurrent()
  }

  private closeCurrent(): void {
    const c = this.cur?.child
    this.cur = undefined
    if (c && c.exitCode === null) {
      c.stdin?.end()
      c.kill('SIGTERM')
    }
  }

  private start(): ChildProcess {
    const spawn = this.opts.spawn ?? defaultSpawn
    const child = spawn(this.opts.ipPath, [...this.opts.args, '-force', '-batch', '-'], {
      env: {...process.env, LC_ALL: 'C'},
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    this.starts++
    child.stdout?.resume() // commands we send print nothing useful; never let the pipe fill
    child.stdin?.on('error', () => undefined) // EPIPE after an early exit: settled on 'close'
    return child
  }

  private scheduleSpare(): void {
    const delay = this.opts.spareDelayMs
    if (delay === undefined || this.closed || this.spare || this.spareTimer) return
    this.armSpare(delay)
  }

  private armSpare(delay: number): void {
    this.spareTimer = setTimeout(() => {
      this.spareTimer = undefined
      if (this.closed || this.spare) return
      if (this.opts.maySpawnSpare && !this.opts.maySpawnSpare()) {
        this.armSpare(SPARE_RECHECK_MS)
        return
      }

      const c = this.start()
      const gone = (): void => {
        if (this.spare === c) this.spare = undefined
      }

      c.on('error', gone)
      c.on('close', gone)
      this.spare = c
    }, delay)
    this.spareTimer.unref?.()
  }

  /** A spare is due but not started yet (tests wait for the node to be quiet). */
  get sparePending(): boolean {
    return this.spareTimer !== undefined
  }

  private ensure(): ChildState {
    if (this.cur && this.cur.child.exitCode === null && this.cur.child.signalCode === null) return this.cur
    // The spare has run nothing, so its name -> index cache is empty: valid after any deletion.
    let child = this.spare
    this.spare = undefined
    if (!child || child.exitCode !== null || child.signalCode !== null) child = this.start()
    const st: ChildState = {child, nextLine: 1, parser: new MarkerParser(), queue: [], names: new Set()}
    this.cur = st
    child.stderr?.setEncoding('utf8').on('data', (d: string) => this.onStderr(st, d))
    child.on('error', (error) => this.onExit(st, `cannot run ${this.opts.ipPath}: ${error.message}`))
    child.on('close', (code) => this.onExit(st, `ip exited (${String(code)})`))
    this.scheduleSpare()
    return st
  }

  private send(ops: readonly IpOp[]): Promise<LineOutcome[]> {
    // Requests are serialised, so the current child has none pending here.
    if (this.stale) {
      this.stale = false
      this.closeCurrent()
    }

    const st = this.ensure()
    // Chunks of at most REQUEST_CHUNK lines, each followed by its own sentinel, all written at once.
    // Only the oldest unanswered chunk's deadline runs (armHead): the deadline measures progress,
    // so a cold pass's 20,000-line request is not cut at 30 s while the child works through it.
    const chunks: Array<Promise<LineOutcome[]>> = []
    const text: string[] = []
    // an empty request is one empty chunk: its sentinel alone
    for (let at = 0; ; at += REQUEST_CHUNK) {
      const part = ops.slice(at, at + REQUEST_CHUNK)
      const first = st.nextLine
      const sentinel = first + part.length
      st.nextLine = sentinel + 1
      chunks.push(
        new Promise((resolve) => {
          st.queue.push({
            first,
            count: part.length,
            sentinel,
            errors: new Map(),
            resolve,
            ops: part,
            alone: ops.length === 1,
          })
        }),
      )
      for (const o of part)
        for (let i = 0; i + 1 < o.args.length; i++) if (DEVICE_WORD.has(o.args[i]!)) st.names.add(o.args[i + 1]!)
      text.push(...part.map((o) => o.args.join(' ')), SENTINEL)
      if (at + REQUEST_CHUNK >= ops.length) break
    }

    this.armHead(st)
    st.child.stdin?.write(text.join('\n') + '\n')
    return Promise.all(chunks).then((outs) => outs.flat())
  }

  /** Starts the deadline of the oldest unanswered chunk, if it has none yet. */
  private armHead(st: ChildState): void {
    const head = st.queue[0]
    if (!head || head.timer) return
    head.timer = setTimeout(() => this.onTimeout(st, head), this.opts.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS)
  }

  private onStderr(st: ChildState, chunk: string): void {
    for (const {line, text} of st.parser.feed(chunk)) {
      const head = st.queue[0]
      if (!head) continue
      if (line === head.sentinel) {
        st.queue.shift()
        clearTimeout(head.timer)
        head.resolve(settleRequest(head.ops, head.first, head.errors, true))
        this.armHead(st)
      } else {
        head.errors.set(line, text)
        // A device deleted behind our back without us hearing of it: do not keep its old index.
        if (STALE_INDEX.test(text) && st === this.cur) this.stale = true
      }
    }
  }

  /**
   * A request not answered in time: it fails (lines with a reported error keep it), the child is
   * killed and forgotten (its late output or exit settles nothing), the next request starts another.
   */
  private onTimeout(st: ChildState, p: Pending): void {
    if (!st.queue.includes(p)) return
    const ms = this.opts.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS
    const reason = `ip batch request not answered within ${ms} ms (child killed)`
    const pending = st.queue
    st.queue = []
    if (this.cur === st) this.cur = undefined
    st.child.kill('SIGKILL')
    this.opts.logger?.warn('ip batch process did not answer; killed, the next request starts a new one', {
      args: this.opts.args.join(' '),
      timeoutMs: ms,
      lines: pending.reduce((n, q) => n + q.count, 0),
    })
    for (const q of pending) {
      clearTimeout(q.timer)
      q.resolve(
        q.ops.map((op, i) => {
          const err = q.errors.get(q.first + i)
          return err === undefined ? {state: 'failed', reason} : errorOutcome(op, err)
        }),
      )
    }
  }

  private onExit(st: ChildState, why: string): void {
    if (this.cur === st) this.cur = undefined
    const pending = st.queue
    st.queue = []
    const trailing = st.parser.trailing()
    if (pending.length > 0) this.opts.logger?.debug('ip batch process ended with requests pending', {why, trailing})
    for (const p of pending) {
      clearTimeout(p.timer)
      const out = settleRequest(p.ops, p.first, p.errors, false)
      // A single line that ended the process: its error is the text after the last marker.
      if (p.alone && out[0]?.state === 'unknown')
        out[0] = p.ops[0]?.tolerate?.test(trailing) ? {state: 'ok'} : {state: 'failed', reason: trailing || why}
      p.resolve(out)
    }
  }
}

/**
 * The persistent IpExec: one long-lived child per group (`ip -4`, `ip -6`, and a family-less one for
 * neighbours, proxies and links, whose kernel errors end the process and so must not take the
 * rule/route stream down with them). Lines whose outcome is unknown after an early exit run again
 * one per request, which pins the error on the line that caused it.
 */
export class BatchExecutor implements IpExec {
  private readonly procs: Record<ExecGroup, BatchProcess>
  /** Requests in flight, all groups (a spare is not started meanwhile). */
  private inFlight = 0
  /** When the last request ended and the last spare started (performance.now()). */
  private lastEnd = Number.NEGATIVE_INFINITY
  private lastSpare = Number.NEGATIVE_INFINITY

  constructor(opts: {
    ipPath: string
    args?: readonly string[]
    spawn?: SpawnFn
    logger?: Logger
    spareDelayMs?: number
    requestTimeoutMs?: number
  }) {
    const mk = (fam: string[]): BatchProcess =>
      new BatchProcess({
        ipPath: opts.ipPath,
        args: [...(opts.args ?? []), ...fam],
        ...(opts.spawn ? {spawn: opts.spawn} : {}),
        ...(opts.logger ? {logger: opts.logger} : {}),
        ...(opts.spareDelayMs === undefined
          ? {}
          : {spareDelayMs: opts.spareDelayMs, maySpawnSpare: () => this.maySpawnSpare()}),
        ...(opts.requestTimeoutMs === undefined ? {} : {requestTimeoutMs: opts.requestTimeoutMs}),
      })
    this.procs = {ip4: mk(['-4']), ip6: mk(['-6']), neutral: mk([])}
  }

  /** Processes started so far, all groups. */
  get starts(): number {
    return this.procs.ip4.starts + this.procs.ip6.starts + this.procs.neutral.starts
  }

  async run(ops: readonly IpOp[]): Promise<LineOutcome[]> {
    if (ops.length === 0) return []
    const group = execGroupOf(ops[0]!)
    const proc = this.procs[group]
    this.inFlight++
    try {
      const out = await proc.run(ops)
      for (const [i, o] of out.entries()) {
        if (o.state === 'unknown') out[i] = (await proc.run([ops[i]!]))[0] ?? {state: 'unknown'}
      }

      return out
    } finally {
      this.inFlight--
      this.lastEnd = performance.now()
    }
  }

  /** A spare of some group is due but not started yet. */
  get sparesPending(): boolean {
    return Object.values(this.procs).some((p) => p.sparePending)
  }

  /**
   * The spares' gate: none while a request is in flight or within SPARE_RECHECK_MS of the last
   * one (a pass's requests come in a row: the start would stall that repair), and at most one per
   * SPARE_RECHECK_MS (two groups replaced by one device deletion would otherwise start theirs in
   * the same tick, one long stall).
   */
  private maySpawnSpare(): boolean {
    const now = performance.now()
    const quiet = this.inFlight === 0 && now - this.lastEnd >= SPARE_RECHECK_MS
    if (!quiet || now - this.lastSpare < SPARE_RECHECK_MS) return false
    this.lastSpare = now
    return true
  }

  /** Every group's child that resolved `name` (all, without one) is replaced: that device was deleted. */
  recycle(name?: string): void {
    for (const p of Object.values(this.procs)) p.recycle(name)
  }

  close(): void {
    for (const p of Object.values(this.procs)) p.close()
  }
}
