// /proc readings of a daemon for the steady-state benchmarks (bench/steady-rss.ts, steady-cpu.ts):
// resident memory (VmRSS now, VmHWM = peak) and CPU seconds of a process with its descendants;
// and a wait for the whole machine to be quiet before a timed run.
import {readdirSync, readFileSync} from 'node:fs'
import {setTimeout as sleep} from 'node:timers/promises'

const CLK_TCK = 100 // USER_HZ on Linux x86_64

/** VmRSS and VmHWM (peak resident set) of a process, in MiB; undefined once it is gone. */
export function memory(pid: number): undefined | {hwmMiB: number; rssMiB: number} {
  try {
    const s = readFileSync(`/proc/${pid}/status`, 'utf8')
    const kb = (k: string): number => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(s)?.[1] ?? Number.NaN)
    return {hwmMiB: kb('VmHWM') / 1024, rssMiB: kb('VmRSS') / 1024}
  } catch {
    return undefined
  }
}

interface Stat {
  pid: number
  ppid: number
  /** utime + stime of the process itself */
  own: number
  /** cutime + cstime: children it has reaped */
  reaped: number
  comm: string
}

function stat(pid: number): Stat | undefined {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ')
    const n = (i: number): number => Number(f[i])
    return {
      pid,
      ppid: n(1),
      own: (n(11) + n(12)) / CLK_TCK,
      reaped: (n(13) + n(14)) / CLK_TCK,
      comm: s.slice(s.indexOf('(') + 1, s.lastIndexOf(')')),
    }
  } catch {
    return undefined // ended between the listing and the read
  }
}

/** CPU seconds of the children a process has reaped so far (cutime + cstime). */
export function reapedCpu(pid: number): number {
  return stat(pid)?.reaped ?? Number.NaN
}

/**
 * CPU seconds a process has used with all its descendants so far: its own utime+stime, the
 * children it reaped (cutime+cstime), and every live descendant's own time. Differences of two
 * readings count each child once: a child live at the first reading and reaped before the second
 * moves from the live part into the reaped part. `byComm` splits the live part by program name.
 */
export function treeCpu(root: number): undefined | {byComm: Record<string, number>; seconds: number} {
  const all = readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map((d) => stat(Number(d)))
    .filter((s): s is Stat => s !== undefined)
  const me = all.find((s) => s.pid === root)
  if (!me) return undefined
  const kids = new Map<number, Stat[]>()
  for (const s of all) kids.set(s.ppid, [...(kids.get(s.ppid) ?? []), s])
  const byComm: Record<string, number> = {}
  let seconds = me.own + me.reaped
  byComm.daemon = me.own
  byComm['reaped children'] = me.reaped
  const todo = [...(kids.get(root) ?? [])]
  while (todo.length > 0) {
    const s = todo.pop()!
    seconds += s.own + s.reaped
    byComm[s.comm] = (byComm[s.comm] ?? 0) + s.own + s.reaped
    todo.push(...(kids.get(s.pid) ?? []))
  }

  return {byComm, seconds}
}

/**
 * CPU seconds (utime + stime) of each thread of a process, summed per thread name; the thread whose
 * id is the pid is `main` (JavaScript, and the collector's work on it). Node names few of its
 * threads, so most of the others show as `node` (the collector's and compiler's helpers, the
 * thread pool). Threads that ended are left out: a difference of two readings covers the threads
 * live at both.
 */
export function threadCpu(pid: number): Map<string, number> {
  const out = new Map<string, number>()
  let tids: string[]
  try {
    tids = readdirSync(`/proc/${pid}/task`)
  } catch {
    return out
  }

  for (const t of tids) {
    try {
      const s = readFileSync(`/proc/${pid}/task/${t}/stat`, 'utf8')
      const f = s.slice(s.lastIndexOf(')') + 2).split(' ')
      const comm = Number(t) === pid ? 'main' : s.slice(s.indexOf('(') + 1, s.lastIndexOf(')'))
      out.set(comm, (out.get(comm) ?? 0) + (Number(f[11]) + Number(f[12])) / CLK_TCK)
    } catch {
      // the thread ended between the listing and the read
    }
  }

  return out
}

/**
 * Voluntary context switches of a process's main thread so far: each is one wait for the event
 * loop ended (a timer, a socket, a pipe), so a difference of two readings counts the wake-ups.
 */
export function mainWakeups(pid: number): number {
  try {
    const s = readFileSync(`/proc/${pid}/task/${pid}/status`, 'utf8')
    return Number(/^voluntary_ctxt_switches:\s+(\d+)/m.exec(s)?.[1] ?? Number.NaN)
  } catch {
    return Number.NaN
  }
}

/** The per-thread-name differences of two threadCpu readings, largest first ("main 1.20 s, ..."). */
export function threadText(a: ReadonlyMap<string, number>, b: ReadonlyMap<string, number>): string {
  return [...b]
    .map(([comm, s]) => [comm, s - (a.get(comm) ?? 0)] as const)
    .filter(([, s]) => s > 0.005)
    .sort((x, y) => y[1] - x[1])
    .map(([c, s]) => `${c} ${s.toFixed(2)} s`)
    .join(', ')
}

/** Busy and total jiffies of all CPUs together (/proc/stat's first line). */
function machineJiffies(): {busy: number; total: number} {
  const f = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.trim().split(/\s+/).slice(1).map(Number)
  const total = f.reduce((a, b) => a + b, 0)
  // idle and iowait are not busy
  return {busy: total - (f[3] ?? 0) - (f[4] ?? 0), total}
}

/**
 * Waits until the machine is quiet: at least `minS`, then until `calmS` consecutive 1 s samples
 * each had less than `busyShare` of all CPUs busy, or `maxS` in all. A timed run that starts while
 * FRR and the peer still work through the previous run's withdrawals shares the CPUs with them;
 * a fixed pause let the cold start's lab floor vary 1.8x within one run. Returns the seconds
 * waited and the last sample's busy share (to print next to the figure).
 */
export async function waitQuiet(
  minS: number,
  o: {busyShare?: number; calmS?: number; maxS?: number} = {},
): Promise<{busy: number; quiet: boolean; waitedS: number}> {
  const {busyShare = 0.1, calmS = 3, maxS = 180} = o
  const t0 = performance.now()
  const waited = (): number => (performance.now() - t0) / 1000
  await sleep(minS * 1000)
  let calm = 0
  let busy = 1
  let prev = machineJiffies()
  while (calm < calmS && waited() < maxS) {
    await sleep(1000)
    const now = machineJiffies()
    busy = (now.busy - prev.busy) / Math.max(1, now.total - prev.total)
    prev = now
    calm = busy < busyShare ? calm + 1 : 0
  }

  return {busy, quiet: calm >= calmS, waitedS: waited()}
}

/** CPU seconds of the whole machine and of the long-lived programs that share it, at one moment. */
export interface CpuShares {
  /** Busy seconds of all CPUs together (/proc/stat, idle and iowait left out). */
  machine: number
  /** Per program name: own time of the live processes plus what they reaped from their children. */
  byComm: Map<string, number>
}

/** `daemon`: that process is counted as "daemon" (else it and the bench are both "node"). */
export function cpuShares(daemon?: number): CpuShares {
  const byComm = new Map<string, number>()
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue
    const s = stat(Number(d))
    const comm = s?.pid === daemon ? 'daemon' : s?.comm
    if (s && comm) byComm.set(comm, (byComm.get(comm) ?? 0) + s.own + s.reaped)
  }

  return {machine: machineJiffies().busy / CLK_TCK, byComm}
}

/**
 * Where the CPUs went between two readings: the machine's busy seconds against the wall time
 * (2 CPUs: at most 2 s per s), then the programs that took at least 2 % of it, largest first.
 * A process that started and ended between the readings counts under its parent (reaped), or
 * not at all when the parent is gone too: the machine figure holds everything.
 */
export function sharesText(a: CpuShares, b: CpuShares, wallS: number): string {
  const busy = b.machine - a.machine
  const rows = [...b.byComm]
    .map(([comm, s]) => [comm, s - (a.byComm.get(comm) ?? 0)] as const)
    .filter(([, s]) => s >= 0.02 * busy && s > 0)
    .sort((x, y) => y[1] - x[1])
  return `CPUs busy ${busy.toFixed(1)} s in ${wallS.toFixed(1)} s (${rows.map(([c, s]) => `${c} ${s.toFixed(1)}`).join(', ')})`
}

/**
 * cpuShares once a second until stopped: a line per second of the CPU seconds each of `programs`
 * used in it ("daemon" for the `daemon` pid), and the machine's busy share. Shows in which phase
 * of a burst each program contended for the CPUs.
 */
export function cpuTimeline(programs: readonly string[], daemon?: number): {stop(): string[]} {
  const rows: string[] = []
  let prev = cpuShares(daemon)
  const t0 = performance.now()
  const timer = setInterval(() => {
    const now = cpuShares(daemon)
    const d = (p: string): string => ((now.byComm.get(p) ?? 0) - (prev.byComm.get(p) ?? 0)).toFixed(2)
    const s = ((performance.now() - t0) / 1000).toFixed(0).padStart(3)
    rows.push(
      `${s} s: busy ${(now.machine - prev.machine).toFixed(2)} | ${programs.map((p) => `${p} ${d(p)}`).join(' ')}`,
    )
    prev = now
  }, 1000)
  return {
    stop() {
      clearInterval(timer)
      return rows
    },
  }
}
