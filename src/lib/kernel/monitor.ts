import type {ChildProcess} from 'node:child_process'

// The long-lived `ip -o -d -N monitor link address route rule neigh netconf` child that feeds the
// kernel model. Lines are parsed as they arrive (monitor-parse.ts). Two things make the model
// unreliable and are reported as such: a netlink overrun (iproute2 prints "netlink receive error
// No buffer space available" and goes on: notifications were lost) and the child's death.
//
// Readiness: a dump taken before the child has joined its multicast groups could miss a change
// made between the dump and the join. `start()` resolves once /proc/<pid>/net/netlink lists the
// child's socket (port id = pid) with a group mask, i.e. once it listens (bounded wait).
import {readFile} from 'node:fs/promises'
import {setTimeout as sleep} from 'node:timers/promises'

import type {Logger} from '../log.js'

import {defaultSpawn, type SpawnFn} from './batch-process.js'
import {type MonitorEvent, parseMonitorLine} from './monitor-parse.js'

export interface MonitorHandlers {
  onEvent(e: MonitorEvent): void
  /** Notifications were lost (overrun) or the child ended: the model must be reloaded. */
  onLost(reason: string): void
}

export interface MonitorOptions {
  ipPath: string
  /** Global options first (e.g. ['-n', netns] in tests). */
  args?: readonly string[]
  spawn?: SpawnFn
  logger?: Logger
  readyTimeoutMs?: number
}

/**
 * The receive buffer asked for the monitor's netlink socket (`ip -rcvbuf`, bytes): room for tens of
 * thousands of notifications while the reader catches up after a burst. iproute2 sets it with
 * SO_RCVBUF, so the kernel caps it at net.core.rmem_max (212,992 by default: see docs/kernel.md).
 */
const MONITOR_RCVBUF = 32 * 1024 * 1024

const MONITOR_ARGS = [
  '-rcvbuf',
  String(MONITOR_RCVBUF),
  '-o',
  '-d',
  '-N',
  'monitor',
  'link',
  'address',
  'route',
  'rule',
  'neigh',
  'netconf',
]

/** True when /proc/net/netlink text lists a NETLINK_ROUTE socket of port `pid` with groups joined. */
export function listening(netlinkText: string, pid: number): boolean {
  return netlinkText.split('\n').some((l) => {
    const f = l.trim().split(/\s+/)
    return (
      f[1] === '0' &&
      f[2] === String(pid) &&
      f[3] !== undefined &&
      /^[0-9a-f]+$/i.test(f[3]) &&
      Number.parseInt(f[3], 16) !== 0
    )
  })
}

export class KernelMonitor {
  private child: ChildProcess | undefined
  private partial = ''
  private stopped = false
  /** Lines parsed (tests and metrics). */
  events = 0

  constructor(
    private readonly opts: MonitorOptions,
    private readonly h: MonitorHandlers,
  ) {}

  get running(): boolean {
    return this.child !== undefined
  }

  /** Starts the child and waits until it listens. */
  async start(): Promise<void> {
    this.stopped = false
    const spawn = this.opts.spawn ?? defaultSpawn
    const child = spawn(this.opts.ipPath, [...(this.opts.args ?? []), ...MONITOR_ARGS], {
      env: {...process.env, LC_ALL: 'C'},
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    this.child = child
    this.partial = ''
    child.stdin?.end()
    child.stdout?.setEncoding('utf8').on('data', (d: string) => this.onData(d))
    child.stderr?.setEncoding('utf8').on('data', (d: string) => {
      if (/No buffer space|receive error/i.test(d)) this.h.onLost(`netlink overrun: ${d.trim()}`)
      else this.opts.logger?.debug('ip monitor stderr', {text: d.trim()})
    })
    child.on('error', (error) => this.ended(child, `cannot run ip monitor: ${error.message}`))
    child.on('close', (code) => this.ended(child, `ip monitor exited (${String(code)})`))
    const {pid} = child
    const deadline = Date.now() + (this.opts.readyTimeoutMs ?? 3000)
    while (this.child === child && Date.now() < deadline) {
      if (pid === undefined) break
      const text = await readFile(`/proc/${pid}/net/netlink`, 'utf8').catch(() => '')
      if (listening(text, pid)) return
      await sleep(5)
    }

    if (this.child === child) this.opts.logger?.warn('ip monitor: could not confirm it listens; continuing', {pid})
  }

  stop(): void {
    this.stopped = true
    const c = this.child
    this.child = undefined
    if (c && c.exitCode === null) c.kill('SIGTERM')
  }

  private onData(chunk: string): void {
    const lines = (this.partial + chunk).split('\n')
    this.partial = lines.pop() ?? ''
    for (const l of lines) {
      const e = parseMonitorLine(l)
      if (!e) continue
      this.events++
      this.h.onEvent(e)
    }
  }

  private ended(child: ChildProcess, why: string): void {
    if (this.child !== child) return
    this.child = undefined
    if (!this.stopped) this.h.onLost(why)
  }
}
