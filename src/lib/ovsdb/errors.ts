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
    super(
      opts.remote ? `${opts.remote}: ${message}` : message,
      opts.cause === undefined ? undefined : {cause: opts.cause},
    )
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

/**
 * Why a connection attempt failed, as far as retrying is concerned:
 *  - tls-verify: the server's certificate does not chain to our CA, or the server refused ours;
 *  - file: a private key, certificate or CA file cannot be read (or none was given);
 *  - dns: the host name does not resolve (ENOTFOUND; EAI_AGAIN is a transient resolver failure);
 *  - protocol: the peer answered, but not with JSON-RPC (an HTTP server, a TLS port spoken to in clear);
 *  - refused: nothing listens there (ECONNREFUSED, a missing Unix socket, permission denied on it);
 *  - transient: anything else (timeouts, resets, a cluster member not ready, a lost connection).
 * All but `transient` are permanent for a one-shot caller: the next attempt fails the same way
 * until someone changes the configuration or starts the server. A daemon still retries them all.
 */
export type ConnectFailureKind = 'tls-verify' | 'file' | 'dns' | 'protocol' | 'refused' | 'transient'

export interface ConnectFailure {
  kind: ConnectFailureKind
  permanent: boolean
}

/** OpenSSL X.509 verification results and TLS alerts that no retry can change. */
const TLS_VERIFY_CODES =
  /^(UNABLE_TO_(GET_ISSUER_CERT|GET_ISSUER_CERT_LOCALLY|VERIFY_LEAF_SIGNATURE|DECRYPT_CERT_SIGNATURE)|SELF_SIGNED_CERT_IN_CHAIN|DEPTH_ZERO_SELF_SIGNED_CERT|CERT_(HAS_EXPIRED|NOT_YET_VALID|REVOKED|UNTRUSTED|REJECTED|SIGNATURE_FAILURE)|INVALID_CA|ERR_SSL_(TLSV1|SSLV3)_ALERT_(UNKNOWN_CA|BAD_CERTIFICATE|CERTIFICATE_UNKNOWN|DECRYPT_ERROR|HANDSHAKE_FAILURE|CERTIFICATE_REQUIRED|ACCESS_DENIED)|ERR_SSL_(WRONG_VERSION_NUMBER|PACKET_LENGTH_TOO_LONG))$/

/** Classifies an error from connect()/openStream by walking its `cause` chain. */
export function classifyConnectFailure(err: unknown): ConnectFailure {
  const permanent = (kind: ConnectFailureKind): ConnectFailure => ({kind, permanent: kind !== 'transient'})
  let e: unknown = err
  for (let depth = 0; e instanceof Error && depth < 8; depth++) {
    if (e instanceof FramingError) return permanent('protocol')
    const {code, syscall} = e as NodeJS.ErrnoException
    if (typeof code === 'string') {
      if (code === 'ENOTFOUND') return permanent('dns')
      if (code === 'ECONNREFUSED') return permanent('refused')
      if ((code === 'ENOENT' || code === 'EACCES' || code === 'EISDIR') && syscall === 'open') return permanent('file')
      if ((code === 'ENOENT' || code === 'EACCES' || code === 'ENOTSOCK') && syscall === 'connect')
        return permanent('refused')
      if (TLS_VERIFY_CODES.test(code))
        return code.startsWith('ERR_SSL_WRONG') || code.startsWith('ERR_SSL_PACKET')
          ? permanent('protocol')
          : permanent('tls-verify')
    }

    if (e instanceof ConnectionError && e.code === 'tls' && /needs a private key/.test(e.message))
      return permanent('file')
    e = e.cause
  }

  return permanent('transient')
}
