// The sandbox state directory and what is in it (0700, default /run/ovn-bgp-sandbox, or --dir /
// OVN_BGP_SANDBOX_DIR):
//   state.json   mode, launcher pid, netns names, start time
//   share/       the lab's writable share (/run/out in the guest): queue/, progress, console.log,
//                agent.log (ovn-bgp watch), node-agent.log, bgp-agent.conf, qemu logs
//   lab/         host mode only: the lab's daemons' state (in the guest it is /run/lab, a tmpfs)
//   vm-cache/    VM mode only: the initramfs
import {readFileSync} from 'node:fs'
import {dirname, join, resolve} from 'node:path'
import {fileURLToPath} from 'node:url'

import {AGENT_LOG, PROGRESS_FILE, QUEUE_DIR} from './protocol.js'

const DEFAULT_DIR = '/run/ovn-bgp-sandbox'
/** Marks a directory as a sandbox state dir: `down` only ever deletes a directory carrying it. */
export const MARKER = '.ovn-bgp-sandbox'
const DIR_ENV = 'OVN_BGP_SANDBOX_DIR'

/** The project root (dist/lib/sandbox/state-dir.js or src/lib/sandbox/state-dir.ts -> ../../..). */
export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..')

export type SandboxMode = 'vm' | 'host'

export interface SandboxState {
  mode: SandboxMode
  /** Pid of the launcher: scripts/vm/run.sh (vm) or `ip netns exec NODE sh lab.sh` (host). */
  launcherPid: number
  peerNs: string
  /** host mode: the node's network namespace. */
  nodeNs?: string
  startedAt: string
  project: string
  provider: 'vlan' | 'flat'
}

export function resolveDir(flag?: string): string {
  const d = flag || process.env[DIR_ENV] || DEFAULT_DIR
  return resolve(d)
}

export function paths(dir: string) {
  const share = join(dir, 'share')
  return {
    dir,
    state: join(dir, 'state.json'),
    share,
    queue: join(share, QUEUE_DIR),
    progress: join(share, PROGRESS_FILE),
    console: join(share, 'console.log'),
    agentLog: join(share, AGENT_LOG),
    lab: join(dir, 'lab'),
    vmCache: join(dir, 'vm-cache'),
    launcherLog: join(dir, 'launcher.log'),
  }
}

export function readState(dir: string): SandboxState | undefined {
  try {
    return JSON.parse(readFileSync(paths(dir).state, 'utf8')) as SandboxState
  } catch {
    return undefined
  }
}

export function readProgress(file: string): string[] {
  try {
    return readFileSync(file, 'utf8').split('\n').filter(Boolean)
  } catch {
    return []
  }
}

export function tail(file: string, n: number): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-n).join('\n')
  } catch {
    return `(no ${file})`
  }
}
