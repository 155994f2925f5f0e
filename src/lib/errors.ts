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

/** What a failed connection was for, in the operator's terms (the options to check). */
export interface ConnectTarget {
  /** e.g. "the OVN NB database". */
  what: string
  remote: string
  /** The option that names the remote, e.g. "[ovn] ovn_nb_connection". */
  remoteOption: string
  /** The options that name the SSL files, for ssl: remotes. */
  sslOptions?: string
  /** The default port of this database, for protocol mismatches. */
  port?: number
}

/**
 * The AgentError for a connection that failed, from the OVSDB client's classification
 * (ovsdb/errors.ts classifyConnectFailure): names the cause and the fix. Unreadable SSL files
 * are a configuration error (exit 2); everything else a dependency error (exit 4).
 */
export function connectError(err: Error, failure: {kind: string}, t: ConnectTarget): AgentError {
  const why = err.message
  const opts = {cause: err}
  const ssl = t.sslOptions ?? 'the SSL options'
  switch (failure.kind) {
    case 'file': {
      return new ConfigError(`cannot use the SSL files for ${t.what} at ${t.remote}: ${why}`, {
        ...opts,
        code: 'SSL_FILES_UNREADABLE',
        suggestions: [`check ${ssl}: each file must exist and be readable by ovn-bgp`],
      })
    }

    case 'tls-verify': {
      return new DependencyError(`TLS verification with ${t.what} at ${t.remote} failed: ${why}`, {
        ...opts,
        code: 'TLS_VERIFY_FAILED',
        suggestions: [
          `check ${ssl}: the CA certificate must be the one that signed the server's certificate, and the server must trust the CA that signed ours`,
        ],
      })
    }

    case 'dns': {
      return new DependencyError(`the host name of ${t.remote} (${t.what}) does not resolve: ${why}`, {
        ...opts,
        code: 'DNS_FAILED',
        suggestions: [
          `check ${t.remoteOption} for a typo, or use an IP address; check the resolver (/etc/resolv.conf)`,
        ],
      })
    }

    case 'protocol': {
      return new DependencyError(`${t.remote} is not an OVSDB server (${t.what}): ${why}`, {
        ...opts,
        code: 'NOT_OVSDB',
        suggestions: [
          `check the port and scheme in ${t.remoteOption}${t.port ? ` (default port ${t.port})` : ''}: an ssl: server needs ssl:, a tcp: one tcp:`,
        ],
      })
    }

    case 'refused': {
      return new DependencyError(`nothing accepts connections at ${t.remote} (${t.what}): ${why}`, {
        ...opts,
        code: 'CONNECTION_REFUSED',
        suggestions: [`start the server, or correct ${t.remoteOption}`],
      })
    }

    default: {
      return new DependencyError(`cannot reach ${t.what} at ${t.remote}: ${why}`, {
        ...opts,
        code: 'DEPENDENCY_UNREACHABLE',
        suggestions: [`check ${t.remoteOption} and the network path; --timeout waits longer`],
      })
    }
  }
}
