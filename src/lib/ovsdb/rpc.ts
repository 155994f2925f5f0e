// JSON-RPC 1.0 as OVSDB speaks it (RFC 7047 section 4), over one connected byte stream.
//
// Contract:
//  - Every message is dispatched synchronously, in arrival order, from the socket's data event:
//    a reply callback passed to call() runs before any later notification is seen. (Promises would
//    let notifications overtake the reply of the monitor request that started them.)
//  - Server `echo` requests are answered at once. With probeIntervalMs > 0, after one interval
//    with nothing received we send our own `echo`; if a second interval passes with still nothing
//    received, the connection is declared dead (ConnectionError 'timeout') and closed.
//  - close(): every pending call is rejected with ConnectionError, the socket is destroyed, the
//    timer is cleared, onClose listeners run once. A peer close or a FramingError does the same.
import type {Duplex} from 'node:stream'

import type {Json} from './codec.js'
import type {OvsdbLogger} from './logger.js'

import {ConnectionError, FramingError, OvsdbError} from './errors.js'
import {JsonFramer} from './framing.js'

export interface RpcOptions {
  remote: string
  probeIntervalMs: number
  maxMessageBytes: number
  logger: OvsdbLogger
}

export type ReplyCallback = (err: Error | undefined, result: Json) => void
export type NotificationHandler = (method: string, params: Json[]) => void

interface RpcMessage {
  id?: Json
  method?: string
  params?: Json
  result?: Json
  error?: Json
}

export interface RpcStats {
  echoRequestsAnswered: number
  probesSent: number
  /** Bytes read from the stream (after TLS), i.e. the JSON-RPC text the server sent. */
  bytesReceived: number
}

export class RpcConnection {
  readonly stats: RpcStats = {echoRequestsAnswered: 0, probesSent: 0, bytesReceived: 0}
  private readonly framer: JsonFramer
  private readonly pending = new Map<number, {method: string; cb: ReplyCallback}>()
  private readonly closeListeners: Array<(err: ConnectionError) => void> = []
  private notify: NotificationHandler = () => {}
  private nextId = 1
  private closedWith: ConnectionError | undefined
  private probeTimer: NodeJS.Timeout | undefined
  private heard = false
  private probeOutstanding = false

  constructor(
    private readonly stream: Duplex,
    private readonly opts: RpcOptions,
  ) {
    this.framer = new JsonFramer(opts.maxMessageBytes)
    stream.on('data', (chunk: Buffer) => {
      this.stats.bytesReceived += chunk.length
      this.onData(chunk)
    })
    stream.on('error', (err: NodeJS.ErrnoException & {reason?: string}) => {
      // e.g. a TLS 1.3 server refusing our certificate: reported after our side of the handshake
      const tls = err.code?.startsWith('ERR_SSL') === true
      const msg = tls ? `TLS error: ${err.reason ?? err.message} (${err.code})` : `connection error: ${err.message}`
      this.close(new ConnectionError(tls ? 'tls' : 'closed', msg, {remote: opts.remote, cause: err}))
    })
    stream.on('close', () =>
      this.close(new ConnectionError('closed', 'connection closed by peer', {remote: opts.remote})),
    )
    if (opts.probeIntervalMs > 0) {
      this.probeTimer = setInterval(() => this.probeTick(), opts.probeIntervalMs)
      this.probeTimer.unref?.()
    }
  }

  get closed(): boolean {
    return this.closedWith !== undefined
  }

  get remote(): string {
    return this.opts.remote
  }

  onNotification(handler: NotificationHandler): void {
    this.notify = handler
  }

  onClose(listener: (err: ConnectionError) => void): void {
    if (this.closedWith) listener(this.closedWith)
    else this.closeListeners.push(listener)
  }

  /** Sends a request; `cb` runs synchronously when the reply is read (or with the close error). */
  call(method: string, params: Json[], cb: ReplyCallback): void {
    if (this.closedWith) {
      const err = this.closedWith
      queueMicrotask(() => cb(err, null))
      return
    }

    const id = this.nextId++
    this.pending.set(id, {method, cb})
    this.send({id, method, params})
  }

  /**
   * Promise form of call(), for requests whose reply ordering against notifications does not
   * matter. With `timeoutMs`, a request still unanswered then is rejected (ConnectionError
   * 'timeout': what it did is unknown) and forgotten, and a late reply is ignored; the connection
   * stays as it is (a server that answers echoes but holds one request, e.g. a `wait` op).
   */
  request(method: string, params: Json[], opts: {timeoutMs?: number} = {}): Promise<Json> {
    return new Promise((resolve, reject) => {
      const id = this.nextId
      const timer =
        opts.timeoutMs === undefined
          ? undefined
          : setTimeout(() => {
              // still pending: the reply never came (a closed connection answered it already)
              if (!this.pending.delete(id)) return
              reject(
                new ConnectionError(
                  'timeout',
                  `no reply to ${method} within ${opts.timeoutMs} ms (its outcome is unknown)`,
                  {
                    remote: this.opts.remote,
                  },
                ),
              )
            }, opts.timeoutMs)
      this.call(method, params, (err, res) => {
        clearTimeout(timer)
        if (err) reject(err)
        else resolve(res)
      })
    })
  }

  close(err?: ConnectionError): void {
    if (this.closedWith) return
    const reason = err ?? new ConnectionError('disposed', 'connection closed by client', {remote: this.opts.remote})
    this.closedWith = reason
    if (this.probeTimer) clearInterval(this.probeTimer)
    this.probeTimer = undefined
    this.stream.destroy()
    const pending = [...this.pending.values()]
    this.pending.clear()
    for (const p of pending) p.cb(reason, null)
    for (const l of this.closeListeners.splice(0)) l(reason)
  }

  private send(msg: object): void {
    this.stream.write(JSON.stringify(msg))
  }

  private probeTick(): void {
    if (this.heard) {
      this.heard = false
      this.probeOutstanding = false
      return
    }

    if (this.probeOutstanding) {
      this.close(
        new ConnectionError('timeout', `no reply to echo probe within ${this.opts.probeIntervalMs} ms`, {
          remote: this.opts.remote,
        }),
      )
      return
    }

    this.probeOutstanding = true
    this.stats.probesSent++
    // the reply is "activity"; its content is irrelevant
    this.call('echo', [], () => {})
  }

  private onData(chunk: Buffer): void {
    if (this.closedWith) return
    this.heard = true
    let texts: string[]
    try {
      texts = this.framer.push(chunk)
    } catch (error) {
      this.close(new ConnectionError('closed', (error as Error).message, {remote: this.opts.remote, cause: error}))
      return
    }

    for (const text of texts) {
      if (this.closedWith) return
      let msg: RpcMessage
      try {
        msg = JSON.parse(text) as RpcMessage
      } catch (error) {
        const fe = new FramingError('syntax', `invalid JSON from server: ${(error as Error).message}`)
        this.close(new ConnectionError('closed', fe.message, {remote: this.opts.remote, cause: fe}))
        return
      }

      try {
        this.dispatch(msg)
      } catch (error) {
        // a consumer callback threw: the stream state is unknown from here on
        this.opts.logger.error('ovsdb message handler failed', {
          remote: this.opts.remote,
          err: (error as Error).message,
        })
        this.close(
          new ConnectionError('closed', `message handler failed: ${(error as Error).message}`, {
            remote: this.opts.remote,
            cause: error,
          }),
        )
        return
      }
    }
  }

  private dispatch(msg: RpcMessage): void {
    if (typeof msg.method === 'string') {
      const params = Array.isArray(msg.params) ? msg.params : []
      if (msg.id !== null && msg.id !== undefined) {
        if (msg.method === 'echo') {
          this.stats.echoRequestsAnswered++
          this.send({id: msg.id, result: params, error: null})
        } else {
          this.send({id: msg.id, result: null, error: 'unknown method'})
        }

        return
      }

      this.notify(msg.method, params)
      return
    }

    const id = typeof msg.id === 'number' ? msg.id : -1
    const p = this.pending.get(id)
    if (!p) {
      this.opts.logger.debug('ovsdb reply to unknown id', {remote: this.opts.remote, id: msg.id})
      return
    }

    this.pending.delete(id)
    if (msg.error !== null && msg.error !== undefined) {
      const e = msg.error as {error?: unknown; details?: unknown} | string
      const name = typeof e === 'string' ? e : String(e.error ?? JSON.stringify(e))
      const details = typeof e === 'object' && typeof e.details === 'string' ? e.details : undefined
      p.cb(new OvsdbError(p.method, name, details), null)
      return
    }

    p.cb(undefined, msg.result ?? null)
  }
}
