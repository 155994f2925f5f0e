// Splits a byte stream of concatenated JSON values (what OVSDB's JSON-RPC sends: no length
// prefix, no delimiter) into whole values. Pure: no sockets, no timers.
//
// Contract:
//  - push(chunk) returns the texts of every value completed by this chunk, in order; the
//    remainder is kept for the next push. Chunks may split anywhere, including inside a
//    multi-byte UTF-8 character: scanning is done on bytes (the structural characters are
//    ASCII and never occur inside a multi-byte sequence) and a value is decoded only once
//    complete.
//  - Only objects and arrays are accepted at top level (JSON-RPC messages); whitespace between
//    values is skipped. Anything else throws FramingError('syntax').
//  - A value longer than maxBytes throws FramingError('too-large') as soon as the limit is
//    crossed, without buffering the rest.
//  - After a FramingError the framer is unusable (the stream has lost sync): drop the connection.
import {FramingError} from './errors.js'

const LBRACE = 0x7b
const RBRACE = 0x7d
const LBRACKET = 0x5b
const RBRACKET = 0x5d
const QUOTE = 0x22
const BACKSLASH = 0x5c

/** Default limit for one JSON-RPC message: far above a 100k-port NB snapshot, below V8's string limit. */
export const DEFAULT_MAX_MESSAGE_BYTES = 256 * 1024 * 1024

export class JsonFramer {
  private parts: Buffer[] = []
  private size = 0
  private depth = 0
  private inString = false
  private escaped = false
  private broken: FramingError | undefined

  constructor(private readonly maxBytes: number = DEFAULT_MAX_MESSAGE_BYTES) {}

  /** Bytes of the value currently being received (0 between values). */
  get pending(): number {
    return this.size
  }

  push(chunk: Uint8Array): string[] {
    if (this.broken) throw this.broken
    const out: string[] = []
    let start = 0 // start of the not-yet-stored part of chunk that belongs to the current value
    const n = chunk.length
    for (let i = 0; i < n; i++) {
      const c = chunk[i] as number
      if (this.depth === 0) {
        if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) {
          start = i + 1
          continue
        }

        if (c !== LBRACE && c !== LBRACKET) {
          this.fail('syntax', `unexpected byte 0x${c.toString(16)} between JSON-RPC messages`)
        }

        start = i
        this.depth = 1
        continue
      }

      if (this.inString) {
        if (this.escaped) this.escaped = false
        else if (c === BACKSLASH) this.escaped = true
        else if (c === QUOTE) this.inString = false
        continue
      }

      switch (c) {
        case QUOTE: {
          this.inString = true
          break
        }

        case LBRACE:
        case LBRACKET: {
          this.depth++
          break
        }

        case RBRACE:
        case RBRACKET: {
          this.depth--
          if (this.depth === 0) {
            out.push(this.finish(chunk.subarray(start, i + 1)))
            start = i + 1
          }

          break
        }
        // No default
      }
    }

    if (this.depth > 0 && start < n) {
      const rest = chunk.subarray(start, n)
      this.size += rest.length
      if (this.size > this.maxBytes) this.tooLarge()
      // copy: the caller may reuse its buffer
      this.parts.push(Buffer.from(rest))
    }

    return out
  }

  private finish(last: Uint8Array): string {
    const total = this.size + last.length
    if (total > this.maxBytes) this.tooLarge()
    const text =
      this.parts.length === 0
        ? Buffer.from(last.buffer, last.byteOffset, last.length).toString('utf8')
        : Buffer.concat([...this.parts, last], total).toString('utf8')
    this.parts = []
    this.size = 0
    return text
  }

  private tooLarge(): never {
    this.fail('too-large', `JSON-RPC message exceeds ${this.maxBytes} bytes`)
  }

  private fail(code: 'too-large' | 'syntax', msg: string): never {
    this.broken = new FramingError(code, msg)
    this.parts = []
    throw this.broken
  }
}
