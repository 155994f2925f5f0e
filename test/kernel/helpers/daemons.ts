// Shared plumbing for guest daemons: private state dirs, pidfile-based stop, polling.
import {existsSync, mkdtempSync, readFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'

/** A fresh private directory under the guest's /tmp (tmpfs). */
export function stateDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `${prefix}-`))
}

/** argv prefix that runs a command inside `netns` (none = the current namespace). */
export function inNs(netns: string | undefined, file: string, ...args: string[]): [string, string[]] {
  return netns ? ['ip', ['netns', 'exec', netns, file, ...args]] : [file, args]
}

/** Polls `check` until it returns a value other than undefined/false, or throws on timeout. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 30_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const v = await check()
    if (v !== undefined && v !== false) return v
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await sleep(everyMs)
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    // A zombie still answers signal 0; it is gone for our purposes.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return !/^\d+ \(.*\) Z/.test(stat)
  } catch {
    return false
  }
}

/** SIGTERM the process named in each pidfile (only those: never by name), then wait; SIGKILL stragglers. */
export async function killPidfiles(pidfiles: readonly string[], timeoutMs = 5000): Promise<void> {
  const pids: number[] = []
  for (const f of pidfiles) {
    if (!existsSync(f)) continue
    const pid = Number(readFileSync(f, 'utf8').trim())
    if (Number.isInteger(pid) && pid > 1) pids.push(pid)
  }
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGTERM')
    } catch {}
  }
  const deadline = Date.now() + timeoutMs
  while (pids.some(alive) && Date.now() < deadline) await sleep(50)
  for (const pid of pids.filter(alive)) {
    try {
      process.kill(pid, 'SIGKILL')
    } catch {}
  }
}
