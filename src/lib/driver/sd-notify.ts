// systemd's service notification protocol for `ovn-bgp watch` under Type=notify
// (packaging/ovn-bgp.service): READY=1 after the first complete reconcile pass, STATUS= lines,
// STOPPING=1 at shutdown, and WATCHDOG=1 keep-alives while the reconcile loop makes progress.
//
// The protocol is one datagram on the AF_UNIX socket named by $NOTIFY_SOCKET. Node cannot send
// datagrams on unix sockets (dgram is UDP only) and ovn-bgp takes no native modules, so each
// message is sent by systemd's own `systemd-notify --pid=<our pid> ...` (no shell, fixed argv).
// Two consequences, handled in the unit: the sender is a child process, so the unit needs
// NotifyAccess=all; and systemd-notify waits (sd_notify_barrier, systemd >= 246) until systemd has
// read the message, so the message is attributed to the unit before the helper exits.
import {execFile} from 'node:child_process'

import type {Logger} from '../log.js'

export type NotifyExec = (file: string, args: string[]) => Promise<void>

const execNotify: NotifyExec = (file, args) =>
  new Promise((resolve, reject) => {
    execFile(file, args, {timeout: 10_000}, (err) => (err ? reject(err) : resolve()))
  })

export interface SdNotifyOptions {
  env?: NodeJS.ProcessEnv
  /** systemd-notify binary. */
  binary?: string
  exec?: NotifyExec
  logger?: Logger
  pid?: number
}

export class SdNotify {
  /** False outside systemd (no $NOTIFY_SOCKET): every method is then a no-op. */
  readonly enabled: boolean
  /** Watchdog timeout systemd expects keep-alives within ($WATCHDOG_USEC for our pid), or undefined. */
  readonly watchdogMs: number | undefined
  private readonly binary: string
  private readonly exec: NotifyExec
  private readonly pid: number
  private chain: Promise<void> = Promise.resolve()

  constructor(private readonly opts: SdNotifyOptions = {}) {
    const env = opts.env ?? process.env
    this.pid = opts.pid ?? process.pid
    this.enabled = Boolean(env.NOTIFY_SOCKET)
    this.binary = opts.binary ?? 'systemd-notify'
    this.exec = opts.exec ?? execNotify
    const usec = Number(env.WATCHDOG_USEC)
    const forUs = env.WATCHDOG_PID === undefined || Number(env.WATCHDOG_PID) === this.pid
    this.watchdogMs = this.enabled && forUs && Number.isFinite(usec) && usec > 0 ? usec / 1000 : undefined
  }

  ready(status: string): Promise<void> {
    return this.send(['--ready', `--status=${status}`])
  }

  status(status: string): Promise<void> {
    return this.send([`--status=${status}`])
  }

  stopping(): Promise<void> {
    return this.send(['STOPPING=1'])
  }

  watchdog(): Promise<void> {
    return this.send(['WATCHDOG=1'])
  }

  /** Messages go out one at a time, in order; a failure is logged, never thrown. */
  private send(args: string[]): Promise<void> {
    if (!this.enabled) return Promise.resolve()
    const argv = [`--pid=${this.pid}`, ...args]
    this.chain = this.chain.then(() =>
      this.exec(this.binary, argv).catch((error: unknown) =>
        this.opts.logger?.warn('systemd notification failed', {args: args.join(' '), error: (error as Error).message}),
      ),
    )
    return this.chain
  }
}

/**
 * WATCHDOG=1 every watchdogMs/2 while the daemon makes progress: the event loop runs (else no timer
 * fires) and no reconcile pass has been running for longer than the watchdog timeout (a pass stuck
 * on a hung tool or socket). When either stops, keep-alives stop and systemd restarts the service.
 */
export function startWatchdog(notify: SdNotify, passRunningMs: () => number | undefined, logger?: Logger): () => void {
  const limit = notify.watchdogMs
  if (limit === undefined) return () => {}
  let warned = false
  const timer = setInterval(
    () => {
      const running = passRunningMs()
      if (running !== undefined && running > limit) {
        if (!warned)
          logger?.error('reconcile pass stuck; withholding the watchdog keep-alive so systemd restarts the service', {
            runningMs: Math.round(running),
            watchdogMs: limit,
          })
        warned = true
        return
      }

      warned = false
      void notify.watchdog()
    },
    Math.max(50, limit / 2),
  )
  timer.unref?.()
  return () => clearInterval(timer)
}
