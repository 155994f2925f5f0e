// Which processes belong to a sandbox: the launcher recorded in state.json and the qemu it started
// (found by the share path in its command line). Read from /proc, no `ps`.
import {readdirSync, readFileSync} from 'node:fs'

import {paths, readState} from './state-dir.js'

export function pidAlive(pid: number | undefined): boolean {
  if (!pid || pid < 2) return false
  try {
    process.kill(pid, 0)
    const st = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return !/^\d+ \(.*\) Z /.test(st)
  } catch {
    return false
  }
}

/** Processes whose command line mentions `needle` (e.g. qemu with this sandbox's share path). */
export function findProcesses(needle: string, exe?: RegExp): number[] {
  const out: number[] = []
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue
    const pid = Number(e)
    if (pid === process.pid) continue
    let cmd: string[]
    try {
      cmd = readFileSync(`/proc/${e}/cmdline`, 'utf8').split('\0')
    } catch {
      continue
    }

    if (exe && !exe.test(cmd[0] ?? '')) continue
    if (cmd.some((a) => a.includes(needle))) out.push(pid)
  }

  return out
}

/** qemu processes of the sandbox in `dir` (they carry `path=<dir>/share` in their -virtfs option). */
export function qemuProcesses(dir: string): number[] {
  return findProcesses(`path=${paths(dir).share},`, /qemu-system/)
}

export function isRunning(dir: string): boolean {
  const st = readState(dir)
  if (!st) return false
  return pidAlive(st.launcherPid) || (st.mode === 'vm' && qemuProcesses(dir).length > 0)
}
