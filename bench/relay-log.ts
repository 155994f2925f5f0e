// What an ovsdb-server relay did with its upstream during a cluster restart, read from its log
// (bench/fleet.ts turns on `reconnect` and `ovsdb_cs` debug logging on its relays for this).
// ovsdb-server 3.1 writes, among others:
//   reconnect|INFO|tcp:...: connected                              an upstream connection opened
//   reconnect|INFO|tcp:...: waiting 4 seconds before reconnect     the backoff after a failure
//   ovsdb_cs|INFO|tcp:...: clustered database server is disconnected from cluster; trying another server
//   ovsdb_cs|DBG|tcp:...: DATA_MONITOR_COND_SINCE_REQUESTED -> MONITORING at ...   monitor answered
//   timeval|WARN|Unreasonably long 18863ms poll interval (4643ms user, 75ms system)
//   reconnect|INFO|tcp:...: connection closed by peer
// A long poll interval right after MONITORING is the relay applying a full copy of the database:
// it clears its own copy and inserts every row again, and every monitor of its clients is
// evaluated against both transactions, with the relay answering nobody meanwhile.
import {readFileSync} from 'node:fs'

export interface RelayTimeline {
  /** upstream connections opened (every attempt that got a TCP connection) */
  connections: number[]
  /** members that answered but were refused: not yet joined, or not connected to a leader */
  refusals: number[]
  /** the relay's monitor was answered: it serves the restarted cluster from here */
  monitoring: number[]
  /** the longest backoff the relay announced, in seconds */
  maxBackoffS: number
  /** event-loop stalls over 1 s: when each ended, its wall and CPU seconds */
  stalls: {atS: number; wallS: number; cpuS: number}[]
  /** upstream connections lost (closed by the member, or dropped) */
  drops: number[]
}

const LINE = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)\|\d+\|(\w+)\|(\w+)\|(.*)$/

/**
 * The relay's upstream events in `log` from `fromMs` on (epoch ms), as seconds since `originMs`
 * (epoch ms), each list in log order.
 */
export function relayTimeline(log: string, fromMs: number, originMs: number): RelayTimeline {
  const t: RelayTimeline = {connections: [], refusals: [], monitoring: [], maxBackoffS: 0, stalls: [], drops: []}
  for (const line of log.split('\n')) {
    const m = LINE.exec(line)
    if (!m) continue
    const at = Date.parse(m[1]!)
    if (at < fromMs) continue
    const s = Math.round(at - originMs) / 1000
    const module = m[2]!
    const level = m[3]!
    const text = m[4]!
    // the relay's own clients' sessions log at DBG level; its upstream session at INFO and WARN
    const upstream = module === 'reconnect' && level !== 'DBG'
    if (upstream && text.endsWith(': connected')) t.connections.push(s)
    else if (upstream && /connection closed by peer|connection dropped/.test(text)) t.drops.push(s)
    else if (upstream) {
      const b = /waiting (\d+) seconds before reconnect/.exec(text)
      if (b) t.maxBackoffS = Math.max(t.maxBackoffS, Number(b[1]))
    } else if (module === 'ovsdb_cs' && /trying another server/.test(text)) t.refusals.push(s)
    else if (module === 'ovsdb_cs' && /-> MONITORING /.test(text)) t.monitoring.push(s)
    else if (module === 'timeval') {
      const p = /Unreasonably long (\d+)ms poll interval \((\d+)ms user, (\d+)ms system\)/.exec(text)
      if (p) t.stalls.push({atS: s, wallS: Number(p[1]) / 1000, cpuS: (Number(p[2]) + Number(p[3])) / 1000})
    }
  }

  return t
}

/** relayTimeline() of the log file at `path`. */
export function readRelayTimeline(path: string, fromMs: number, originMs: number): RelayTimeline {
  return relayTimeline(readFileSync(path, 'utf8'), fromMs, originMs)
}
