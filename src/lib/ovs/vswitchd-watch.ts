// Noticing an ovs-vswitchd restart, which empties every bridge's OpenFlow tables (cookie-999 flows
// included) while the OVS database, and so the local OVS monitor, sees nothing change.
// ovs-vswitchd creates `<OVS_RUNDIR>/<bridge>.mgmt` (the socket ovs-ofctl talks to) when it sets
// a bridge up, so a new inode on that path (or its reappearance) means a new vswitchd, or a bridge
// that was re-created: either way its flows must be put back. The paths are stat()ed every
// `pollMs` (default 500 ms): no process is spawned and nothing is read from vswitchd.
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
  pollMs?: number
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
  private busy = false
  private readonly logger: Logger

  constructor(private readonly opts: VswitchdWatchOptions) {
    this.logger = (opts.logger ?? new NullLogger()).child({component: 'vswitchd-watch'})
  }

  /** Records the current sockets (no callback for them) and starts polling. */
  async start(): Promise<void> {
    await this.poll(false)
    this.timer = setInterval(() => void this.poll(true), this.opts.pollMs ?? 500)
    this.timer.unref?.()
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer)
    this.timer = undefined
  }

  /** One poll; exported for tests. Bridges first seen are recorded without a callback when !notify. */
  async poll(notify = true): Promise<string[]> {
    if (this.busy) return []
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
    }
  }
}
