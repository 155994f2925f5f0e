// The `log_file` sink: log lines appended to a file instead of stderr, as upstream's oslo.log does
// with log_file. The lines themselves are formatted by log.ts (a StreamLogger's `write`); this only
// owns the file descriptor. reopen() is what SIGHUP calls after logrotate moved the file away (the
// usual `postrotate kill -HUP` recipe): the next line goes to a new file at the configured path.
import {closeSync, openSync, writeSync} from 'node:fs'

import {ConfigError} from './errors.js'

export class LogFile {
  private fd: number

  private constructor(readonly path: string) {
    this.fd = LogFile.openFd(path)
  }

  /** Opens (creates) `path` for appending; ConfigError (exit 2) naming log_file when it cannot. */
  static open(path: string): LogFile {
    try {
      return new LogFile(path)
    } catch (error) {
      const e = error as NodeJS.ErrnoException
      throw new ConfigError(`log_file ${path} cannot be opened for appending (${e.code ?? e.message})`, {
        cause: error,
        suggestions: [
          'create its directory, writable by the user ovn-bgp runs as',
          'or unset log_file to log to stderr (the journal under systemd)',
        ],
      })
    }
  }

  private static openFd(path: string): number {
    return openSync(path, 'a', 0o640)
  }

  /**
   * Appends one line. Synchronous, like stderr writes, so lines keep their order and the last ones
   * before an exit are not lost. A failing write (disk full) falls back to stderr.
   */
  readonly write = (line: string): void => {
    const buf = Buffer.from(line + '\n')
    try {
      let off = 0
      while (off < buf.length) off += writeSync(this.fd, buf, off)
    } catch {
      process.stderr.write(buf)
    }
  }

  /**
   * Opens the path again and switches to it; the old descriptor is closed. When the path cannot be
   * opened, logging continues on the old descriptor and the error is returned (the caller logs it).
   */
  reopen(): Error | undefined {
    let fd: number
    try {
      fd = LogFile.openFd(this.path)
    } catch (error) {
      return error as Error
    }

    const old = this.fd
    this.fd = fd
    closeSync(old)
    return undefined
  }

  close(): void {
    try {
      closeSync(this.fd)
    } catch {
      // already closed
    }
  }
}
