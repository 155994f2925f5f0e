// The sandbox's two failures: refused before anything was started (nothing to clean up), and
// failed while doing what was asked.
import {AgentError, ExitCode} from '../errors.js'

/** `up` refused before starting anything (already running, foreign directory): nothing to clean. */
export class SandboxRefused extends AgentError {
  constructor(message: string, hint?: string) {
    super(message, {code: 'SANDBOX_REFUSED', exit: ExitCode.Usage, suggestions: hint ? [hint] : []})
  }
}

/** The sandbox could not do what was asked (exit 4, or 2 for a bad request). */
export class SandboxError extends AgentError {
  constructor(message: string, hint?: string, exit: ExitCode = ExitCode.Unavailable) {
    super(message, {code: 'SANDBOX', exit, suggestions: hint ? [hint] : []})
  }
}
