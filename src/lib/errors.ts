// Exit codes are declared once here and used by every command (see man/ovn-bgp.8, EXIT STATUS).
export const ExitCode = {
  /** Success, including "nothing to do". */
  Ok: 0,
  /** Unexpected internal error (a bug). */
  Internal: 1,
  /** Bad command line, bad configuration value, bad input. */
  Usage: 2,
  /** Some operations of a plan were applied, others failed. */
  Partial: 3,
  /** A dependency (OVSDB, vtysh, ip, ovs-ofctl, the kernel) could not be used. */
  Unavailable: 4,
} as const
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode]

export interface AgentErrorOptions {
  code?: string
  exit?: ExitCode
  suggestions?: string[]
  cause?: unknown
}

/** Base of every error the library raises on purpose. Commands map `exit` to the process exit code. */
export class AgentError extends Error {
  readonly code: string
  readonly exit: ExitCode
  readonly suggestions: string[]

  constructor(message: string, opts: AgentErrorOptions = {}) {
    super(message, opts.cause === undefined ? undefined : {cause: opts.cause})
    this.name = new.target.name
    this.code = opts.code ?? 'AGENT_ERROR'
    this.exit = opts.exit ?? ExitCode.Internal
    this.suggestions = opts.suggestions ?? []
  }
}

/** Invalid configuration or command-line value: exit 2. */
export class ConfigError extends AgentError {
  constructor(message: string, opts: Omit<AgentErrorOptions, 'exit'> = {}) {
    super(message, {code: 'CONFIG_INVALID', ...opts, exit: ExitCode.Usage})
  }
}

/** Invalid input value (IP, CIDR, MAC, interface name ...): exit 2. */
export class ValidationError extends AgentError {
  constructor(message: string, opts: Omit<AgentErrorOptions, 'exit'> = {}) {
    super(message, {code: 'INVALID_VALUE', ...opts, exit: ExitCode.Usage})
  }
}

/** A dependency (OVSDB server, vtysh, ip, ovs-ofctl) is not reachable or not installed: exit 4. */
export class DependencyError extends AgentError {
  constructor(message: string, opts: Omit<AgentErrorOptions, 'exit'> = {}) {
    super(message, {code: 'DEPENDENCY_UNAVAILABLE', ...opts, exit: ExitCode.Unavailable})
  }
}

/** Some operations failed while others succeeded: exit 3. */
export class PartialError extends AgentError {
  constructor(message: string, opts: Omit<AgentErrorOptions, 'exit'> = {}) {
    super(message, {code: 'PARTIALLY_APPLIED', ...opts, exit: ExitCode.Partial})
  }
}
