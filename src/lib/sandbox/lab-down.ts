// `sandbox down`, host side: stops what a sandbox started and removes its directory, also after a
// crash or a half-finished start. Deletes a directory only when it carries the sandbox marker.
import {existsSync, readdirSync, rmSync} from 'node:fs'
import {join} from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'

import {request} from './lab-request.js'
import {ipCmd, netnsExists} from './netns.js'
import {findProcesses, isRunning, pidAlive, qemuProcesses} from './processes.js'
import {MARKER, paths, readProgress, readState} from './state-dir.js'

/**
 * Stops everything the sandbox in `dir` started and removes `dir`: asks the node agent to stop the
 * lab (graceful), then stops the launcher/qemu, deletes the namespaces, removes the directory.
 * Works on a half-started or crashed sandbox too. Returns what it did.
 */
export async function down(dir: string, log?: (line: string) => void): Promise<string[]> {
  const did: string[] = []
  const say = (l: string) => {
    did.push(l)
    log?.(l)
  }

  const p = paths(dir)
  const st = readState(dir)
  if (st && isRunning(dir) && readProgress(p.progress).includes('ready')) {
    try {
      const r = await request(dir, {op: 'shutdown'}, 20_000)
      for (const l of r.stdout.trim().split('\n')) if (l) say(`lab: ${l}`)
    } catch (error) {
      say(`lab did not stop cleanly: ${(error as Error).message}`)
    }
  }

  if (st) {
    // VM: the guest powers off once the node agent exits; give it a moment, then stop it.
    const deadline = Date.now() + 15_000
    while (Date.now() < deadline && (pidAlive(st.launcherPid) || qemuProcesses(dir).length > 0)) await sleep(100)
    const pids = [...qemuProcesses(dir)]
    if (pidAlive(st.launcherPid)) pids.push(st.launcherPid)
    if (st.mode === 'host' && st.nodeNs) pids.push(...findProcesses(p.dir))
    for (const sig of ['SIGTERM', 'SIGKILL'] as const) {
      const live = pids.filter((x) => pidAlive(x))
      if (live.length === 0) break
      for (const x of live) {
        try {
          process.kill(x, sig)
        } catch {}
      }

      say(`sent ${sig} to ${live.join(' ')}`)
      for (let i = 0; i < 50 && live.some((x) => pidAlive(x)); i++) await sleep(100)
    }

    if (pidAlive(st.launcherPid)) {
      try {
        process.kill(-st.launcherPid, 'SIGKILL') // its process group (detached)
      } catch {}
    }

    for (const ns of [st.peerNs, st.nodeNs]) {
      if (st.mode === 'host' && ns && netnsExists(ns)) {
        ipCmd(['netns', 'del', ns])
        say(`deleted netns ${ns}`)
      }
    }

    if (st.mode === 'vm' && qemuProcesses(dir).length === 0) say('qemu stopped')
  }

  if (existsSync(dir)) {
    if (existsSync(join(dir, MARKER)) || readdirSync(dir).length === 0) {
      rmSync(dir, {recursive: true, force: true})
      say(`removed ${dir}`)
    } else say(`left ${dir} in place: it is not a sandbox directory (no ${MARKER})`)
  }

  return did
}
