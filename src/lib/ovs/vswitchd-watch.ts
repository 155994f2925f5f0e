// Noticing an ovs-vswitchd restart, which empties every bridge's OpenFlow tables (cookie-999 flows
// included) while the OVS database, and so the local OVS monitor, sees nothing change.
// ovs-vswitchd creates `<OVS_RUNDIR>/<bridge>.mgmt` (the socket ovs-ofctl talks to) when it sets
// a bridge up, so a new inode on that path (or its reappearance) means a new vswitchd, or a bridge
// that was re-created: either way its flows must be put back. The run directory is watched
// (inotify): a socket created or removed there stat()s the paths at once. Only a slow safety poll
// (`safetyPollMs`, default 5 s) runs besides it, which also re-arms the watch when the directory
// itself was re-created (systemd's RuntimeDirectory= on an OVS restart); where the directory cannot
// be watched, the paths are stat()ed every `pollMs` (default 500 ms). No process is spawned and
// nothing is read from vswitchd.
import {type FSWatcher, watch} from 'node:fs'
import {stat} from 'node:fs/promises'
import {dirname, join} from 'node:path'

import {type Logger, NullLogger} from '../log.js'

export const DEFAULT_OVS_RUNDIR = '/var/run/openvswitch'

/**
 * The directory holding the bridge management sockets: OVS_RUNDIR from `ovs_env` (as ovs-ofctl
 * gets it), else the directory of a `unix:` ovsdb_connection, else /var/run/openvswitch.
 */
export function ovsRunDir(ovsEnv: Readonly<Record<string, string>>, ovsdbConnection: string): string {
  if (ovsEnv.OVS_RUNDIR) return ovsEnv.OVS_RUNDIR
  const m = /^unix:(\/.+)$/.exec(ovsdbConnection.split(',')[0]?.trim() ?? '')
  return m ? dirname(m[1]!) : DEFAULT_OVS_RUNDIR
}

export interface VswitchdWatchOptions {
  runDir: string
  /** The bridges whose flows we own (re-read on every poll). */
  bridges: () => readonly string[]
  /** Called with the bridges whose management socket is new. */
  onRestart: (bridges: string[]) => void
  /** Poll period where the run directory cannot be watched. Default 500 ms. */
  pollMs?: number
  /** Poll period beside a working watch. Default 5000 ms. */
  safetyPollMs?: number
  logger?: Logger
}

async function identity(path: string): Promise<string> {
  try {
    const s = await stat(path)
    return `${s.ino}:${s.ctimeMs}`
  } catch {
    return 'absent'
  }
}

export class VswitchdWatch {
  private readonly seen = new Map<string, string>()
  private timer: NodeJS.Timeout | undefined
  private watcher: FSWatcher | undefined
  /** Identity of the watched run directory (a re-created directory needs a new watch). */
  private watchedDir = ''
  private busy = false
  private pollAgain = false
  private readonly logger: Logger

  constructor(private readonly opts: VswitchdWatchOptions) {
    this.logger = (opts.logger ?? new NullLogger()).child({component: 'vswitchd-watch'})
  }

  /** Records the current sockets (no callback for them) and starts polling. */
  async start(): Promise<void> {
    await this.poll(false)
    const watching = await this.rewatch()
    const every = watching ? (this.opts.safetyPollMs ?? 5000) : (this.opts.pollMs ?? 500)
    this.timer = setInterval(() => {
      this.safetyPoll().catch(() => undefined)
    }, every)
    this.timer.unref?.()
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer)
    this.timer = undefined
    this.watcher?.close()
    this.watcher = undefined
  }

  /** (Re)creates the watch when the run directory is new; false when it cannot be watched. */
  private async rewatch(): Promise<boolean> {
    const dir = await identity(this.opts.runDir)
    if (this.watcher && dir === this.watchedDir) return true
    this.watcher?.close()
    this.watcher = undefined
    if (dir === 'absent') return false
    try {
      const w = watch(this.opts.runDir, {persistent: false}, (_event, name) => {
        if (name === null || String(name).endsWith('.mgmt')) this.poll(true).catch(() => undefined)
      })
      w.on('error', () => {
        w.close()
        if (this.watcher === w) this.watcher = undefined
      })
      this.watcher = w
      this.watchedDir = dir
      return true
    } catch {
      return false
    }
  }

  private async safetyPoll(): Promise<void> {
    await this.poll(true)
    if (this.timer) await this.rewatch()
  }

  /** One poll; exported for tests. Bridges first seen are recorded without a callback when !notify. */
  async poll(notify = true): Promise<string[]> {
    if (this.busy) {
      this.pollAgain ||= notify // an event during a poll: poll once more after it
      return []
    }

    this.busy = true
    try {
      const changed: string[] = []
      const bridges = [...new Set(this.opts.bridges())]
      for (const b of bridges) {
        const id = await identity(join(this.opts.runDir, `${b}.mgmt`))
        const prev = this.seen.get(b)
        this.seen.set(b, id)
        // Vanishing is not a restart yet (vswitchd is down: nothing to program); coming back is.
        if (notify && id !== 'absent' && prev !== undefined && prev !== id) changed.push(b)
      }

      for (const b of [...this.seen.keys()]) if (!bridges.includes(b)) this.seen.delete(b)
      if (changed.length > 0) {
        this.logger.info('ovs-vswitchd restarted or bridge re-created: its flows are gone', {bridges: changed})
        this.opts.onRestart(changed)
      }

      return changed
    } finally {
      this.busy = false
      if (this.pollAgain) {
        this.pollAgain = false
        this.poll(true).catch(() => undefined)
      }
    }
  }
}
