// Noticing an ovs-vswitchd restart, which empties every bridge's OpenFlow tables (cookie-999 flows
// included) while the OVS database, and so the local OVS monitor, sees nothing change.
// ovs-vswitchd creates `<OVS_RUNDIR>/<bridge>.mgmt` (the socket ovs-ofctl talks to) when it sets
// a bridge up, so a new inode on that path (or its reappearance) means a new vswitchd, or a bridge
// that was re-created: either way its flows must be put back. The run directory is watched
// (inotify): a socket created or removed there stat()s the paths at once. When the directory itself
// is removed (systemd's RuntimeDirectory= on an OVS stop), its parent is watched until it is back,
// then the directory again. Only a slow safety poll (`safetyPollMs`, default 30 s) runs besides the
// watch; where nothing can be watched, the paths are stat()ed every `pollMs` (default 500 ms). No
// process is spawned and nothing is read from vswitchd; an idle node is not woken up every few
// seconds (in an emulated guest each wake-up with a stat costs tens of ms of CPU).
import {existsSync, type FSWatcher, watch} from 'node:fs'
import {stat} from 'node:fs/promises'
import {basename, dirname, join} from 'node:path'

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
  /** Poll period beside a working watch. Default 30000 ms. */
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
  /** The watch is on the run directory's parent, waiting for the directory to come back. */
  private parentWatch = false
  private stopped = false
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
    const every = watching ? (this.opts.safetyPollMs ?? 30_000) : (this.opts.pollMs ?? 500)
    this.timer = setInterval(() => {
      this.safetyPoll().catch(() => undefined)
    }, every)
    this.timer.unref?.()
  }

  stop(): void {
    this.stopped = true
    if (this.timer) clearInterval(this.timer)
    this.timer = undefined
    this.watcher?.close()
    this.watcher = undefined
  }

  /** (Re)creates the watch when the run directory is new; false when it cannot be watched. */
  private async rewatch(): Promise<boolean> {
    const dir = await identity(this.opts.runDir)
    if (this.watcher && dir === this.watchedDir && !(this.parentWatch && dir !== 'absent')) return true
    return this.arm(dir)
  }

  /** Watches the run directory (identity `dir`), or its parent while it is absent. */
  private arm(dir: string): boolean {
    this.watcher?.close()
    this.watcher = undefined
    this.parentWatch = false
    if (this.stopped) return false
    const {runDir} = this.opts
    const base = basename(runDir)
    if (dir !== 'absent') {
      try {
        const w = watch(runDir, {persistent: false}, (_event, name) => {
          const file = name === null ? null : String(name)
          // an event naming the directory itself, and it is gone: this watch is dead
          if (file === base && !existsSync(runDir)) {
            if (this.watcher === w) this.arm('absent')
            return
          }

          if (file === null || file.endsWith('.mgmt')) this.poll(true).catch(() => undefined)
        })
        this.adopt(w, dir)
        return true
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') return false
      }
    }

    try {
      const w = watch(dirname(runDir), {persistent: false}, (_event, name) => {
        if (name === null || String(name) !== base || !existsSync(runDir)) return
        // the directory is back: watch it, and look at the sockets already in it
        this.rewatch()
          .then(async () => this.poll(true))
          .catch(() => undefined)
      })
      this.adopt(w, 'absent')
      this.parentWatch = true
      return true
    } catch {
      return false
    }
  }

  private adopt(w: FSWatcher, dir: string): void {
    w.on('error', () => {
      w.close()
      if (this.watcher === w) this.watcher = undefined
    })
    this.watcher = w
    this.watchedDir = dir
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
