// Processes started by tests (servers, daemons), looked at by pid only: never by name.
import {readFileSync} from 'node:fs'

/** Is `pid` a running process? A zombie (exited, not yet reaped) counts as gone. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'))
  } catch {
    return false
  }
}
