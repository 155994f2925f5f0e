// Keeping FRR's side of the agent in place while `watch` runs: every `frr_reconcile_interval`
// seconds the VRF and bgp-nic devices are ensured (through the caller's `devices` callback, the
// kernel layer's ensureBase) and the leak configuration is verified with ONE read of
// `show running-config`; anything missing (a `vtysh` edit, `frr-reload.py`, a bgpd restart) is
// re-applied. A restart of zebra or bgpd is noticed sooner: the identity of their vty sockets is
// stat()ed every `identityPollMs` (no process is spawned for that) and a change runs a check at once.
//
// Contracts:
// - Checks never overlap; a check requested while one runs is run once more afterwards.
// - A router id learned from FRR (bgp_router_id unset) is remembered until the vty sockets change,
//   so the periodic check stays one `vtysh -c` instead of up to four.
// - Errors are logged and counted, never thrown: the next tick tries again.
import {stat} from 'node:fs/promises'
import {join} from 'node:path'

import type {FrrLeak, LeakResult, LeakSettings} from './leak.js'

import {type Logger, NullLogger} from '../log.js'

/** What one check did. */
export interface UpkeepResult {
  /** Kernel devices (VRF, bgp-nic, ...) the devices callback created or fixed. */
  devicesChanged: string[]
  /** The leak configuration was missing something and `vtysh -f` was run. */
  leakApplied: boolean
  /** What was missing before applying (empty when all was in place). */
  missing: string[]
  ok: boolean
  error?: string
}

export interface FrrUpkeepOptions {
  leak: Pick<FrrLeak, 'ensure'>
  settings: LeakSettings
  /** FRR's vty socket directory (`frr_vty_socket`), for restart detection. */
  socketDir: string
  /** Ensures the VRF and bgp-nic devices; returns what it changed. */
  devices?: () => Promise<{changed: string[]}>
  /** Called after a check that changed devices (addresses on a re-created bgp-nic must be re-added). */
  onDevicesChanged?: (changed: string[]) => void
  /** Called after every check (metrics, tests). */
  onCheck?: (r: UpkeepResult) => void
  logger?: Logger
  /** Default 1000 ms; 0 disables socket polling. */
  identityPollMs?: number
}

/** Identity of FRR's vty sockets: changes when zebra or bgpd restart. */
async function frrSocketIdentity(dir: string): Promise<string> {
  const parts: string[] = []
  for (const d of ['zebra.vty', 'bgpd.vty']) {
    try {
      const s = await stat(join(dir, d))
      parts.push(`${s.ino}:${s.ctimeMs}`)
    } catch {
      parts.push('absent')
    }
  }

  return parts.join('|')
}

export class FrrUpkeep {
  private readonly logger: Logger
  private running: Promise<UpkeepResult> | undefined
  private again = false
  private againDevices = false
  private identity = ''
  private learnedRouterId: string | undefined
  private timers: NodeJS.Timeout[] = []
  private polling = false
  /** Checks run so far and how many repaired something (for logs and tests). */
  checks = 0
  repairs = 0

  constructor(private readonly opts: FrrUpkeepOptions) {
    this.logger = (opts.logger ?? new NullLogger()).child({component: 'frr-upkeep'})
  }

  /** Starts the periodic check (every `intervalMs`) and the restart detection. Does not check now. */
  async start(intervalMs: number): Promise<void> {
    this.identity = await frrSocketIdentity(this.opts.socketDir)
    const tick = setInterval(() => void this.check({devices: true}), intervalMs)
    tick.unref?.()
    this.timers.push(tick)
    const pollMs = this.opts.identityPollMs ?? 1000
    if (pollMs > 0) {
      const poll = setInterval(() => void this.pollIdentity(), pollMs)
      poll.unref?.()
      this.timers.push(poll)
    }
  }

  stop(): void {
    for (const t of this.timers) clearInterval(t)
    this.timers = []
  }

  /**
   * Runs one check now (or, when one is running, once more right after it). `devices` (default
   * true) includes the devices callback.
   */
  check(opts: {devices?: boolean} = {}): Promise<UpkeepResult> {
    const devices = opts.devices ?? true
    if (this.running) {
      this.again = true
      this.againDevices ||= devices
      return this.running
    }

    this.running = this.runChecks(devices).finally(() => {
      this.running = undefined
    })
    return this.running
  }

  private async runChecks(devices: boolean): Promise<UpkeepResult> {
    let r = await this.checkOnce(devices)
    while (this.again) {
      const d = this.againDevices
      this.again = false
      this.againDevices = false
      r = await this.checkOnce(d)
    }

    return r
  }

  private async pollIdentity(): Promise<void> {
    if (this.polling) return
    this.polling = true
    try {
      const id = await frrSocketIdentity(this.opts.socketDir)
      if (id === this.identity) return
      this.logger.info('FRR vty sockets changed (zebra or bgpd restarted); checking the leak configuration')
      // A daemon restart leaves the kernel devices alone: only FRR's side is checked.
      await this.check({devices: false})
    } finally {
      this.polling = false
    }
  }

  private async checkOnce(devices: boolean): Promise<UpkeepResult> {
    const out: UpkeepResult = {devicesChanged: [], leakApplied: false, missing: [], ok: true}
    this.checks++
    try {
      const id = await frrSocketIdentity(this.opts.socketDir)
      if (id !== this.identity) this.learnedRouterId = undefined
      // Even when this check fails, a restart triggers one check, not one per poll: retries are the
      // interval's job (a bgpd without a router id must not make us spawn vtysh every second).
      this.identity = id
      if (devices && this.opts.devices) out.devicesChanged = (await this.opts.devices()).changed
      const settings: LeakSettings = this.learnedRouterId
        ? {...this.opts.settings, routerId: this.learnedRouterId}
        : this.opts.settings
      const res: LeakResult = await this.opts.leak.ensure(settings)
      if (res.routerIdSource !== 'config') this.learnedRouterId = res.routerId
      out.leakApplied = res.changed
      out.missing = res.missing ?? []
      out.ok = res.ok
      if (res.changed) {
        this.repairs++
        this.logger.info('FRR leak configuration repaired', {
          missing: res.missing,
          ok: res.ok,
          remaining: res.remaining,
        })
      }
    } catch (error) {
      out.ok = false
      out.error = (error as Error).message
      this.learnedRouterId = undefined
      // A check cut short by shutdown (the runner refuses new commands) is not an FRR fault.
      if ((error as {code?: unknown}).code === 'STOPPED')
        this.logger.debug('FRR leak check stopped', {error: out.error})
      else this.logger.error('FRR leak check failed', {error: out.error})
    }

    if (out.devicesChanged.length > 0) {
      this.repairs++
      this.opts.onDevicesChanged?.(out.devicesChanged)
    }

    this.opts.onCheck?.(out)
    return out
  }
}
