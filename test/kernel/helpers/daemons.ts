// Shared plumbing for guest daemons: private state dirs, pidfile-based stop, polling.
import {mkdtempSync, readFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {alive} from '../../helpers/process.js'
import {waitFor as poll, sleep} from '../../helpers/wait.js'

/** A fresh private directory under the guest's /tmp (tmpfs). */
export function stateDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `${prefix}-`))
}

/** argv prefix that runs a command inside `netns` (none = the current namespace). */
export function inNs(netns: string | undefined, file: string, ...args: string[]): [string, string[]] {
  return netns ? ['ip', ['netns', 'exec', netns, file, ...args]] : [file, args]
}

/** The shared poll (test/helpers/wait.ts) with the guest daemons' defaults: 30 s, every 100 ms. */
export function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 30_000,
  everyMs = 100,
): Promise<T> {
  return poll(what, check, timeoutMs, everyMs)
}

/** SIGTERM the process named in each pidfile (only those: never by name), then wait; SIGKILL stragglers. */
export async function killPidfiles(pidfiles: readonly string[], timeoutMs = 5000): Promise<void> {
  const pids: number[] = []
  for (const f of pidfiles) {
    let text: string
    try {
      text = readFileSync(f, 'utf8')
    } catch {
      // No pidfile, or one removed as we read it: a daemon told to exit (ovs-appctl exit) removes
      // its own; nothing left to kill then.
      continue
    }

    const pid = Number(text.trim())
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
