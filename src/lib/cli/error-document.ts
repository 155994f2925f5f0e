// The one error document of every command under --json, and the short text error otherwise:
//   {"schemaVersion": 1, "error": {"code", "message", "exitCode", "suggestions"}}
// (schemas/error.json). Library errors (AgentError) carry their own code and exit status; oclif's
// parse errors become usage errors (exit 2) with a one-line message instead of oclif's raw object
// or the full usage text; anything else is an internal error (exit 1).
import {AgentError, ExitCode} from '../errors.js'
import {SCHEMA_VERSION} from '../output/contract.js'
import {closest} from './suggest.js'

export interface ErrorBody {
  /** Stable machine-readable code, e.g. CONFIG_INVALID, UNKNOWN_FLAG, INTERNAL. */
  code: string
  message: string
  exitCode: number
  /** What to try instead; may be empty. */
  suggestions: string[]
}

export interface ErrorDocument {
  schemaVersion: number
  error: ErrorBody
}

export interface ErrorContext {
  /** e.g. `ovn-bgp sync`: used in "see ... --help". */
  command: string
  /** Every flag name the command accepts (without dashes), for "did you mean". */
  flags: string[]
}

interface OclifLike {
  oclif?: {exit?: number}
  code?: string
  suggestions?: string[]
  /** NonExistentFlagsError */
  flags?: string[]
  parse?: unknown
  exitCode?: number
}

/** oclif appends this to every parse error; the short form says it itself. */
const SEE_MORE = /\n?See more help with --help\s*$/

function parseErrorCode(err: Error): string {
  const n = err.constructor?.name ?? ''
  if (n === 'NonExistentFlagsError') return 'UNKNOWN_FLAG'
  if (n === 'UnexpectedArgsError') return 'UNEXPECTED_ARGUMENT'
  if (n === 'RequiredArgsError') return 'MISSING_ARGUMENT'
  if (n === 'FlagInvalidOptionError' || n === 'ArgInvalidOptionError' || n === 'FailedFlagValidationError')
    return 'INVALID_FLAG_VALUE'
  return 'USAGE'
}

export function describeError(err: unknown, ctx: ErrorContext): ErrorBody {
  if (err instanceof AgentError)
    return {code: err.code, message: err.message, exitCode: err.exit, suggestions: [...err.suggestions]}
  const e = (err instanceof Error ? err : new Error(String(err))) as Error & OclifLike
  const help = `${ctx.command} --help`
  if (e.parse !== undefined) {
    const code = parseErrorCode(e)
    const suggestions: string[] = []
    let message = e.message.replace(SEE_MORE, '')
    if (code === 'UNKNOWN_FLAG') {
      const given = (e.flags ?? []).map((f) => f.replace(/=.*$/, ''))
      message = `unknown flag${given.length === 1 ? '' : 's'}: ${given.join(', ')}`
      for (const f of given) for (const near of closest(f.replace(/^-+/, ''), ctx.flags)) suggestions.push(`--${near}`)
    }

    suggestions.push(`see ${help}`)
    return {code, message, exitCode: ExitCode.Usage, suggestions}
  }

  const exit = e.oclif?.exit ?? e.exitCode
  if (exit !== undefined) {
    return {
      code: typeof e.code === 'string' ? e.code : exit === ExitCode.Usage ? 'USAGE' : 'ERROR',
      message: e.message.replace(SEE_MORE, ''),
      exitCode: exit,
      suggestions: e.suggestions ?? [],
    }
  }

  return {code: 'INTERNAL', message: e.message || String(err), exitCode: ExitCode.Internal, suggestions: []}
}

export function errorDocument(body: ErrorBody): ErrorDocument {
  return {schemaVersion: SCHEMA_VERSION, error: body}
}
