// In-memory ConfigFs and a recording Logger for the config tests.
import path from 'node:path'

import type {ConfigFs} from '../../../src/lib/config/index.js'
import type {LogFields, Logger} from '../../../src/lib/log.js'

/** Files by absolute path; directories are derived from the paths. */
export function memFs(files: Record<string, string>): ConfigFs {
  return {
    async readFile(file) {
      const text = files[file]
      if (text === undefined) throw Object.assign(new Error(`ENOENT: ${file}`), {code: 'ENOENT'})
      return text
    },
    async readdir(dir) {
      const names = Object.keys(files)
        .filter((f) => path.dirname(f) === dir)
        .map((f) => path.basename(f))
      if (names.length === 0) throw Object.assign(new Error(`ENOENT: ${dir}`), {code: 'ENOENT'})
      // Unsorted on purpose: the loader must sort.
      return names.reverse()
    },
  }
}

export class RecordingLogger implements Logger {
  readonly lines: Array<{level: string; msg: string; fields?: LogFields}> = []

  debug(msg: string, fields?: LogFields): void {
    this.push('debug', msg, fields)
  }

  info(msg: string, fields?: LogFields): void {
    this.push('info', msg, fields)
  }

  warn(msg: string, fields?: LogFields): void {
    this.push('warn', msg, fields)
  }

  error(msg: string, fields?: LogFields): void {
    this.push('error', msg, fields)
  }

  child(): Logger {
    return this
  }

  private push(level: string, msg: string, fields?: LogFields): void {
    this.lines.push(fields === undefined ? {level, msg} : {level, msg, fields})
  }
}
