// Structured logging. Library code takes a Logger by injection; NullLogger is the default.
// Lines go to stderr (stdout is for command results), as `key=value` text or one JSON object per line.
// Under systemd (stderr connected to the journal, see journal-stream.ts) text lines start with the
// journal's `<N>` syslog priority and carry no timestamp: journald stamps every line itself, and the
// prefix is what `journalctl -p warning` filters on. JSON lines are the same everywhere.

export type LogLevel = 'debug' | 'info' | 'warn' | 'error'
export type LogFields = Record<string, unknown>

export interface Logger {
  debug(msg: string, fields?: LogFields): void
  info(msg: string, fields?: LogFields): void
  warn(msg: string, fields?: LogFields): void
  error(msg: string, fields?: LogFields): void
  /** A logger whose lines all carry `fields` (e.g. {component: 'ovsdb'}). */
  child(fields: LogFields): Logger
}

const ORDER: Record<LogLevel, number> = {debug: 10, info: 20, warn: 30, error: 40}

/** syslog(3) priorities, as journald's stream protocol reads them from a `<N>` line prefix. */
export const JOURNAL_PRIORITY: Record<LogLevel, number> = {debug: 7, info: 6, warn: 4, error: 3}

export class NullLogger implements Logger {
  debug(): void {}

  info(): void {}

  warn(): void {}

  error(): void {}

  child(): Logger {
    return this
  }
}

export interface StreamLoggerOptions {
  level?: LogLevel
  json?: boolean
  /** `<N>` priority prefix, no timestamp (stderr is the journal). Ignored with `json`. */
  journal?: boolean
  write?: (line: string) => void
  now?: () => Date
}

function fmtValue(v: unknown): string {
  if (v instanceof Error) return JSON.stringify(v.message)
  if (typeof v === 'string') return /^[\w.:/@+-]+$/.test(v) ? v : JSON.stringify(v)
  if (typeof v === 'number' || typeof v === 'boolean' || v === null || v === undefined) return String(v)
  return JSON.stringify(v)
}

export class StreamLogger implements Logger {
  private readonly level: number
  private readonly json: boolean
  private readonly journal: boolean
  private readonly write: (line: string) => void
  private readonly now: () => Date

  constructor(
    opts: StreamLoggerOptions = {},
    private readonly base: LogFields = {},
  ) {
    this.level = ORDER[opts.level ?? 'info']
    this.json = opts.json ?? false
    this.journal = opts.journal ?? false
    this.write = opts.write ?? ((line) => process.stderr.write(line + '\n'))
    this.now = opts.now ?? (() => new Date())
  }

  debug(msg: string, fields?: LogFields): void {
    this.emit('debug', msg, fields)
  }

  info(msg: string, fields?: LogFields): void {
    this.emit('info', msg, fields)
  }

  warn(msg: string, fields?: LogFields): void {
    this.emit('warn', msg, fields)
  }

  error(msg: string, fields?: LogFields): void {
    this.emit('error', msg, fields)
  }

  child(fields: LogFields): Logger {
    const opts: StreamLoggerOptions = {json: this.json, journal: this.journal, write: this.write, now: this.now}
    const level = (Object.keys(ORDER) as LogLevel[]).find((l) => ORDER[l] === this.level)
    if (level) opts.level = level
    return new StreamLogger(opts, {...this.base, ...fields})
  }

  private emit(level: LogLevel, msg: string, fields?: LogFields): void {
    if (ORDER[level] < this.level) return
    const all: LogFields = {...this.base, ...fields}
    if (this.json) {
      const obj: LogFields = {ts: this.now().toISOString(), level, msg}
      for (const [k, v] of Object.entries(all)) obj[k] = v instanceof Error ? v.message : v
      this.write(JSON.stringify(obj))
      return
    }

    const kv = Object.entries(all)
      .map(([k, v]) => `${k}=${fmtValue(v)}`)
      .join(' ')
    // journald splits a stream at newlines: a continuation line would lose the priority.
    const text = this.journal ? msg.replaceAll('\n', String.raw`\n`) : msg
    const head = this.journal ? `<${JOURNAL_PRIORITY[level]}>` : `${this.now().toISOString()} `
    this.write(`${head}${level.toUpperCase().padEnd(5)} ${text}${kv ? ' ' + kv : ''}`)
  }
}
