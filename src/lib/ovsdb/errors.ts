// Typed errors of the OVSDB client. Callers branch on the class (instanceof) and on `code`.

/** The server answered with an error: a JSON-RPC `error` reply or a failed operation in `transact`. */
export class OvsdbError extends Error {
  /** The OVSDB error string, e.g. "constraint violation", "unknown method", "referential integrity violation". */
  readonly error: string
  readonly details: string | undefined
  /** For transact: index of the failed operation in the ops array (undefined for commit-time errors). */
  readonly opIndex: number | undefined

  constructor(method: string, error: string, details?: string, opIndex?: number) {
    const where = opIndex === undefined ? method : `${method} op ${opIndex}`
    super(`${where}: ${error}${details ? ` (${details})` : ''}`)
    this.name = 'OvsdbError'
    this.error = error
    this.details = details
    this.opIndex = opIndex
  }

  /** ovsdb-server's answer to a method it does not implement (drives the monitor fallback). */
  get isUnknownMethod(): boolean {
    return /unknown method/i.test(this.error)
  }
}

export type ConnectionErrorCode = 'closed' | 'disposed' | 'timeout' | 'connect' | 'tls' | 'not-ready'

/** The transport failed or went away: closed by the peer, disposed by us, timed out, refused, TLS refused. */
export class ConnectionError extends Error {
  readonly code: ConnectionErrorCode
  readonly remote: string | undefined

  constructor(code: ConnectionErrorCode, message: string, opts: {remote?: string; cause?: unknown} = {}) {
    super(opts.remote ? `${opts.remote}: ${message}` : message, opts.cause === undefined ? undefined : {cause: opts.cause})
    this.name = 'ConnectionError'
    this.code = code
    this.remote = opts.remote
  }
}

/** The byte stream is not a sequence of JSON values, or one value exceeds the size limit. */
export class FramingError extends Error {
  readonly code: 'too-large' | 'syntax'

  constructor(code: 'too-large' | 'syntax', message: string) {
    super(message)
    this.name = 'FramingError'
    this.code = code
  }
}

/** A remote string that cannot be parsed (`tcp:host:port`, `ssl:host:port`, `unix:path`). */
export class RemoteSyntaxError extends Error {
  constructor(remote: string, why: string) {
    super(`invalid OVSDB remote "${remote}": ${why}`)
    this.name = 'RemoteSyntaxError'
  }
}
