// Keeping FRR's side of the agent in place while `watch` runs: every `frr_reconcile_interval`
// seconds the VRF and bgp-nic devices are ensured (through the caller's `devices` callback, the
// kernel layer's ensureBase) and the leak configuration is verified with ONE read of
// `show running-config`; anything missing (a `vtysh` edit, `frr-reload.py`, a bgpd restart) is
// re-applied. A restart of zebra or bgpd is noticed sooner: the vty socket directory is watched
// (inotify; its parent while it does not exist; polled every `identityPollMs` only where neither can
// be watched) and a change of the sockets' identity runs a check at once. No process is spawned for
// that.
//
// Contracts:
// - Checks never overlap; a check requested while one runs is run once more afterwards.
// - A router id learned from FRR (bgp_router_id unset) is remembered until the vty sockets change,
//   so the periodic check stays one `vtysh -c` instead of up to four.
// - Errors are logged and counted, never thrown: the next tick tries again.
// - Periodic ticks are skipped while `paused()` says so (the daemon: while its reconcile passes fail,
//   their retries already redo the device part, and each check is a chain of processes), and after
//   failed checks they back off (the next check 2, 4, then at most 8 intervals later): a node without FRR does not spawn vtysh
//   every interval forever. A restart of zebra/bgpd still runs a check at once.
import {existsSync, type FSWatcher, watch} from 'node:fs'
import {stat} from 'node:fs/promises'
import {basename, dirname, join} from 'node:path'

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
  /** Poll period where the socket directory cannot be watched. Default 1000 ms; 0 disables restart detection. */
  identityPollMs?: number
  /** Periodic ticks are skipped while this returns true (the daemon: reconcile passes failing). */
  paused?: () => boolean
}

/** Periodic ticks skipped after n consecutive failed checks: 0, 1, 3, then 7 (1, 2, 4, 8 intervals). */
export function ticksToSkip(failures: number): number {
  return failures <= 0 ? 0 : 2 ** Math.min(failures, 3) - 1
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
  private watcher: FSWatcher | undefined
  private poll: NodeJS.Timeout | undefined
  private polling = false
  private pollAgain = false
  private stopped = false
  private failures = 0
  private skip = 0
  /** Checks run so far and how many repaired something (for logs and tests). */
  checks = 0
  repairs = 0

  constructor(private readonly opts: FrrUpkeepOptions) {
    this.logger = (opts.logger ?? new NullLogger()).child({component: 'frr-upkeep'})
  }

  /** Starts the periodic check (every `intervalMs`) and the restart detection. Does not check now. */
  async start(intervalMs: number): Promise<void> {
    this.stopped = false
    this.identity = await frrSocketIdentity(this.opts.socketDir)
    const tick = setInterval(() => this.tick(), intervalMs)
    tick.unref?.()
    this.timers.push(tick)
    if ((this.opts.identityPollMs ?? 1000) <= 0) return
    this.arm()
  }

  /**
   * Watches the socket directory; where it does not exist (yet: FRR not started, or its run
   * directory removed on a stop), its parent, for the directory's creation. Polls every
   * `identityPollMs` only where neither can be watched. Idle costs nothing but the watch: a node
   * whose FRR is not running does not wake up every second.
   */
  private arm(): void {
    this.watcher?.close()
    this.watcher = undefined
    if (this.stopped) return
    const dir = this.opts.socketDir
    const name = basename(dir)
    try {
      const w = watch(dir, {persistent: false}, (_event, file) => {
        // An event naming the directory itself and the directory gone: the watch is dead.
        if (file === name && !existsSync(dir)) this.arm()
        this.pollIdentity().catch(() => undefined)
      })
      w.on('error', () => {
        if (this.watcher === w) this.arm()
      })
      this.watcher = w
      return
    } catch (error) {
      // no inotify, not a directory, ...: poll
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') return this.pollInstead()
    }

    try {
      const w = watch(dirname(dir), {persistent: false}, (_event, file) => {
        if (file !== name || !existsSync(dir)) return
        this.arm() // the directory appeared: watch it, and look at the sockets already in it
        this.pollIdentity().catch(() => undefined)
      })
      w.on('error', () => {
        if (this.watcher === w) this.pollInstead()
      })
      this.watcher = w
    } catch {
      return this.pollInstead()
    }

    if (existsSync(dir)) this.arm() // created between the failed watch and the parent's
  }

  /** The fallback where nothing can be watched: a stat of the sockets every `identityPollMs`. */
  private pollInstead(): void {
    this.watcher?.close()
    this.watcher = undefined
    if (this.stopped || this.poll) return
    this.poll = setInterval(() => void this.pollIdentity(), this.opts.identityPollMs ?? 1000)
    this.poll.unref?.()
  }

  /**
   * Stops the timers and the watch; resolves when a check in flight has ended (its commands end at
   * once when the caller's runner is closed).
   */
  async stop(): Promise<void> {
    this.stopped = true
    for (const t of this.timers) clearInterval(t)
    this.timers = []
    if (this.poll) clearInterval(this.poll)
    this.poll = undefined
    this.watcher?.close()
    this.watcher = undefined
    this.again = false
    await this.running?.catch(() => undefined)
  }

  private tick(): void {
    if (this.opts.paused?.()) return
    if (this.skip > 0) {
      this.skip--
      return
    }

    this.check({devices: true}).catch(() => undefined)
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
    while (this.again && !this.stopped) {
      const d = this.againDevices
      this.again = false
      this.againDevices = false
      r = await this.checkOnce(d)
    }

    return r
  }

  private async pollIdentity(): Promise<void> {
    if (this.stopped) return
    if (this.polling) {
      this.pollAgain = true // a socket event during a poll (or its check): look once more after it
      return
    }

    this.polling = true
    try {
      const id = await frrSocketIdentity(this.opts.socketDir)
      if (id === this.identity) return
      this.logger.info('FRR vty sockets changed (zebra or bgpd restarted); checking the leak configuration')
      // A daemon restart leaves the kernel devices alone: only FRR's side is checked.
      await this.check({devices: false})
    } finally {
      this.polling = false
      if (this.pollAgain) {
        this.pollAgain = false
        this.pollIdentity().catch(() => undefined)
      }
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

    this.failures = out.ok ? 0 : this.failures + 1
    this.skip = ticksToSkip(this.failures)
    this.opts.onCheck?.(out)
    return out
  }
}
