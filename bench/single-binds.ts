// Single binds end to end, the event latency: one VM port bound here per NB transaction, on
// a node with many ports exposed, timed from the moment the transaction is sent to the NB server to
// the moment the port's address appears on bgp-nic (the kernel's own notification, read by one
// long-lived `ip monitor`), so the figure holds the whole path: the commit, the NB monitor update,
// the daemon's planner, its pass and the kernel. Binds are spaced `gapMs` apart after each address
// appeared, so each is a change of its own, not part of a burst.
//
// The floor, as for the datapath bench (kernel-event.ts): one `ip -force -batch -` of the same
// 4 ops (bgp-nic address, ip rule, bridge-table route, permanent neighbour) in a scratch namespace
// of the same guest, once per bind, after the binds. The scratch namespace has no FRR, so the floor
// is the cheaper of the two. Ratios are p50 against p50 and p99 against p99.
import {spawn} from 'node:child_process'
import {setTimeout as sleep} from 'node:timers/promises'

import {transact} from '../test/helpers/ovsdb-server.js'
import {floor, node, ports} from './kernel-floor.js'

export interface SingleBindsOptions {
  /** The NB server's unix socket. */
  nb: string
  /** How many binds. */
  count: number
  /** Time left after an address appeared before the next bind (ms). */
  gapMs: number
  /** Index of the first port bound (port i has the IP `ipOf(i)`). */
  first: number
  /** The NB operations that bind ports from..from+n here (one transaction). */
  portOps: (from: number, n: number) => unknown[]
  ipOf: (i: number) => string
  /** How long one bind may take (ms). */
  timeoutMs?: number
  log: (m: string) => void
}

export interface SingleBindsResult {
  /** Per bind: transaction sent -> address on bgp-nic (ms). */
  latencies: number[]
  /** Per bind: transaction answered -> address on bgp-nic (ms). */
  fromReply: number[]
  /** Per bind: one `ip -batch` of the same 4 ops in a scratch namespace (ms). */
  floors: number[]
}

/** Nearest-rank percentile of `xs` (p in 0..100). */
export function percentile(xs: readonly number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!
}

/** Times of the IPv4 addresses added to bgp-nic, from one `ip monitor` for the whole run. */
class AddressWatch {
  private readonly seen = new Map<string, number>()
  private readonly waiters = new Map<string, (at: number) => void>()
  private readonly mon = spawn('ip', ['-4', '-o', 'monitor', 'address'], {stdio: ['ignore', 'pipe', 'ignore']})

  constructor() {
    let rest = ''
    this.mon.stdout!.setEncoding('utf8').on('data', (d: string) => {
      const at = performance.now()
      const lines = (rest + d).split('\n')
      rest = lines.pop() ?? ''
      for (const l of lines) {
        if (l.startsWith('Deleted') || !/ bgp-nic\b/.test(l)) continue
        const ip = / inet ([\d.]+)\//.exec(l)?.[1]
        if (!ip) continue
        this.seen.set(ip, at)
        this.waiters.get(ip)?.(at)
      }
    })
  }

  /** When `ip` appeared on bgp-nic (now or later); rejects after `ms`. */
  async when(ip: string, ms: number): Promise<number> {
    const at = this.seen.get(ip)
    if (at !== undefined) return at
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(ip)
        reject(new Error(`${ip} not on bgp-nic after ${ms} ms`))
      }, ms)
      this.waiters.set(ip, (t) => {
        clearTimeout(timer)
        this.waiters.delete(ip)
        resolve(t)
      })
    })
  }

  close(): void {
    this.mon.kill()
  }
}

export async function singleBinds(o: SingleBindsOptions): Promise<SingleBindsResult> {
  const watch = new AddressWatch()
  const latencies: number[] = []
  const fromReply: number[] = []
  try {
    await sleep(1000) // the monitor subscribed before the first bind
    for (let e = 0; e < o.count; e++) {
      const i = o.first + e
      const t0 = performance.now()
      await transact(o.nb, o.portOps(i, 1))
      const replied = performance.now()
      const at = await watch.when(o.ipOf(i), o.timeoutMs ?? 120_000)
      latencies.push(at - t0)
      fromReply.push(at - replied)
      await sleep(o.gapMs)
    }
  } finally {
    watch.close()
  }

  const n = node()
  const floors: number[] = []
  try {
    for (let e = 0; e < o.count; e++) floors.push(await floor(n, ports(700_000 + e, 1)))
  } finally {
    n.close()
  }

  const ms = (x: number): string => (x >= 1000 ? `${(x / 1000).toFixed(2)} s` : `${x.toFixed(1)} ms`)
  const p = (xs: number[], q: number): string => ms(percentile(xs, q))
  o.log(
    `single binds: ${o.count} ports bound one NB transaction each: NB commit -> address on bgp-nic p50 ${p(latencies, 50)}, p90 ${p(latencies, 90)}, p99 ${p(latencies, 99)} (from the server's reply: p50 ${p(fromReply, 50)}, p99 ${p(fromReply, 99)}) | floor (4 ops, one ip -batch, scratch namespace) p50 ${p(floors, 50)}, p99 ${p(floors, 99)} | p50 ${(percentile(latencies, 50) / percentile(floors, 50)).toFixed(2)}x, p99 ${(percentile(latencies, 99) / percentile(floors, 99)).toFixed(2)}x`,
  )
  o.log(`  each bind (ms): ${latencies.map((x) => x.toFixed(0)).join(' ')}`)
  return {latencies, fromReply, floors}
}
