// Opens the byte stream to one remote: TCP (IPv4/IPv6), Unix socket, or TLS with mutual
// certificates like OVS's ssl: remotes.
//
// TLS: the server certificate must chain to the given CA. As in OVS (stream-ssl), the host name is
// NOT matched against the certificate: OVS PKI certificates name a switch or a role, not an address.
import {readFileSync} from 'node:fs'
import {connect as netConnect, type Socket} from 'node:net'
import {connect as tlsConnect, type TLSSocket} from 'node:tls'

import type {Remote} from './remote.js'

import {ConnectionError} from './errors.js'

export interface SslFiles {
  /** PEM private key of this client. */
  privateKey: string
  /** PEM certificate of this client. */
  certificate: string
  /** PEM CA certificate that must have signed the server's certificate. */
  caCert: string
}

export interface OpenOptions {
  ssl?: SslFiles | undefined
  timeoutMs: number
}

type Stream = Socket | TLSSocket

function readPem(path: string, what: string, remote: string): Buffer {
  try {
    return readFileSync(path)
  } catch (error) {
    throw new ConnectionError('tls', `cannot read ${what} ${path}: ${(error as Error).message}`, {remote, cause: error})
  }
}

/** Resolves once the stream is connected (and the TLS handshake verified); rejects with ConnectionError. */
export function openStream(remote: Remote, opts: OpenOptions): Promise<Stream> {
  return new Promise<Stream>((resolve, reject) => {
    let sock: Stream
    const isTls = remote.kind === 'ssl'
    try {
      if (remote.kind === 'unix') sock = netConnect({path: remote.path})
      else if (remote.kind === 'tcp') sock = netConnect({host: remote.host, port: remote.port})
      else {
        if (!opts.ssl)
          throw new ConnectionError('tls', 'ssl: remote needs a private key, certificate and CA certificate', {
            remote: remote.text,
          })
        sock = tlsConnect({
          host: remote.host,
          port: remote.port,
          key: readPem(opts.ssl.privateKey, 'private key', remote.text),
          cert: readPem(opts.ssl.certificate, 'certificate', remote.text),
          ca: readPem(opts.ssl.caCert, 'CA certificate', remote.text),
          rejectUnauthorized: true,
          checkServerIdentity: () => undefined,
        })
      }
    } catch (error) {
      reject(
        error instanceof ConnectionError
          ? error
          : new ConnectionError('connect', (error as Error).message, {remote: remote.text, cause: error}),
      )
      return
    }

    const timer = setTimeout(
      () => fail(new ConnectionError('timeout', `connect timed out after ${opts.timeoutMs} ms`, {remote: remote.text})),
      opts.timeoutMs,
    )
    const cleanup = (): void => {
      clearTimeout(timer)
      sock.off('error', onError)
    }

    const fail = (err: ConnectionError): void => {
      cleanup()
      sock.destroy()
      reject(err)
    }

    const onError = (err: NodeJS.ErrnoException & {reason?: string}): void => {
      const code = err.code ? ` (${err.code})` : ''
      if (isTls && (err.code?.startsWith('ERR_SSL') || /certificate|verify|SSL|TLS/i.test(err.message))) {
        fail(
          new ConnectionError('tls', `TLS handshake failed: ${err.reason ?? err.message}${code}`, {
            remote: remote.text,
            cause: err,
          }),
        )
      } else {
        fail(new ConnectionError('connect', `${err.message}${code}`, {remote: remote.text, cause: err}))
      }
    }

    sock.on('error', onError)
    sock.once(isTls ? 'secureConnect' : 'connect', () => {
      cleanup()
      sock.setNoDelay?.(true)
      resolve(sock)
    })
  })
}
