import type {Vtysh} from '../frr/vtysh.js'

// drain's wait: after `bgp graceful-shutdown`, wait until FRR has SENT every established neighbour
// the GRACEFUL_SHUTDOWN-marked routes (or the timeout), instead of a fixed sleep. What FRR's JSON
// offers for that (FRR 8.4 checked; `advertised-routes detail` does not exist there):
//   - `show bgp <afi> unicast neighbors X advertised-routes json` lists the adj-RIB-out with the
//     attributes of what was last packed into an UPDATE for X. RFC 8326 marking in FRR adds the
//     GRACEFUL_SHUTDOWN community AND sets LOCAL_PREF 0 (eBGP and iBGP alike), and the listing
//     carries `locPrf` (no communities), so `locPrf: 0` on a route = its marked UPDATE was built;
//     a route still waiting in the advertisement FIFO shows its previous attributes.
//   - `show bgp neighbors json`: `messageStats.depthOutq` (messages in the peer's output buffer)
//     and `addressFamilyInfo.<afi>Unicast.packetQueueLength` (update-group packets X has not taken
//     yet). Both 0 = written to the TCP socket.
// A neighbour is "sent" when every advertised route is marked and both queues are empty. That is
// as far as FRR can see: whether the peer then moved its traffic is the fabric's business, which
// drain's --settle covers.
import {frrWarning, splitJsonDocuments} from '../frr/json-stream.js'
import {ipFamily, isIfName} from '../net/ip.js'

type WaitOutcome = 'sent' | 'timeout' | 'no-established-neighbours'

interface FamilyProgress {
  family: 'ipv4' | 'ipv6'
  /** Routes in the adj-RIB-out. */
  advertised: number
  /** Of those, carrying the graceful-shutdown marking (LOCAL_PREF 0). */
  marked: number
  /** Update-group packets not yet taken by the neighbour. */
  queued: number
}

export interface PeerProgress {
  peer: string
  state: string
  /** Messages in the neighbour's output buffer. */
  outq: number
  families: FamilyProgress[]
  /** Every advertised route marked and nothing queued. */
  sent: boolean
}

/** What drain waited for and how it ended; part of drain's --json. */
export interface DrainWait {
  for: 'graceful-shutdown-sent'
  outcome: WaitOutcome
  timeoutSeconds: number
  settleSeconds: number
  /** From the end of the announce step to the end of the wait (settle included). */
  elapsedMs: number
  /** FRR reads (each two vtysh processes). */
  polls: number
  /** Established neighbours at the last successful read, and how far each was. */
  neighbours: PeerProgress[]
  /** The last failed read (FRR busy or restarting), null when none failed; reads go on until the timeout. */
  lastError: string | null
}

type Obj = Record<string, unknown>
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v)
const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0)

/** A neighbour name safe for an argv: an IP address or an interface name (unnumbered). */
const safePeer = (p: string): boolean => !p.startsWith('-') && (ipFamily(p) !== undefined || isIfName(p))

export interface EstablishedNeighbour {
  peer: string
  state: string
  outq: number
  families: Array<{family: 'ipv4' | 'ipv6'; queued: number}>
}

/** Established neighbours of `show bgp neighbors json`, with their queue depths. Pure. */
export function establishedNeighbours(doc: unknown): EstablishedNeighbour[] {
  if (!isObj(doc) || frrWarning(doc)) return []
  const out: EstablishedNeighbour[] = []
  for (const [peer, raw] of Object.entries(doc)) {
    if (!isObj(raw) || raw.bgpState !== 'Established' || !safePeer(peer)) continue
    const afi = isObj(raw.addressFamilyInfo) ? raw.addressFamilyInfo : {}
    const stats = isObj(raw.messageStats) ? raw.messageStats : {}
    const families: EstablishedNeighbour['families'] = []
    for (const family of ['ipv4', 'ipv6'] as const) {
      const af = afi[`${family}Unicast`]
      if (isObj(af)) families.push({family, queued: num(af.packetQueueLength)})
    }

    out.push({peer, state: 'Established', outq: num(stats.depthOutq), families})
  }

  return out.sort((a, b) => (a.peer < b.peer ? -1 : a.peer > b.peer ? 1 : 0))
}

/** Advertised and marked counts of one `advertised-routes json` document. Pure. */
export function markedCounts(doc: unknown): {advertised: number; marked: number} | undefined {
  if (!isObj(doc) || frrWarning(doc)) return undefined
  const routes = isObj(doc.advertisedRoutes) ? doc.advertisedRoutes : {}
  const all = Object.values(routes)
  return {advertised: all.length, marked: all.filter((r) => isObj(r) && r.locPrf === 0).length}
}

const advertisedQuery = (peer: string, family: 'ipv4' | 'ipv6'): string =>
  `show bgp ${family} unicast neighbors ${peer} advertised-routes json`

/** Joins the neighbours with their advertised-routes documents (in query order). Pure. */
export function progressOf(neighbours: readonly EstablishedNeighbour[], advDocs: readonly unknown[]): PeerProgress[] {
  let i = 0
  return neighbours.map((n) => {
    const families = n.families.map((f): FamilyProgress => {
      const c = markedCounts(advDocs[i++])
      // no answer for a family: unknown, so not sent (the next read retries)
      return c
        ? {family: f.family, ...c, queued: f.queued}
        : {family: f.family, advertised: -1, marked: 0, queued: f.queued}
    })
    const sent = n.outq === 0 && families.every((f) => f.advertised >= 0 && f.marked === f.advertised && f.queued === 0)
    return {peer: n.peer, state: n.state, outq: n.outq, families, sent}
  })
}

/** One read of every established neighbour's progress: two vtysh processes. */
export async function readPeerProgress(vtysh: Vtysh): Promise<PeerProgress[]> {
  const neighbours = establishedNeighbours(await vtysh.showJson('show bgp neighbors json'))
  const queries = neighbours.flatMap((n) => n.families.map((f) => advertisedQuery(n.peer, f.family)))
  const docs = queries.length > 0 ? splitJsonDocuments((await vtysh.showBatch(queries)).stdout) : []
  return progressOf(neighbours, docs)
}

export interface WaitDeps {
  read: () => Promise<PeerProgress[]>
  sleep: (ms: number) => Promise<void>
  /** Milliseconds, monotonic. */
  clock: () => number
}

/**
 * Polls until every established neighbour has been sent the marked routes, then settles; bounded
 * by the timeout as a whole (settle included). No established neighbour: nothing to wait for.
 */
export async function waitForPeers(
  deps: WaitDeps,
  opts: {timeoutSeconds: number; settleSeconds: number; intervalMs?: number},
): Promise<DrainWait> {
  const t0 = deps.clock()
  const deadline = t0 + opts.timeoutSeconds * 1000
  const interval = opts.intervalMs ?? 1000
  let polls = 0
  let neighbours: PeerProgress[] = []
  let outcome: WaitOutcome
  let lastError: string | null = null
  for (;;) {
    polls++
    let read: PeerProgress[] | undefined
    try {
      read = await deps.read()
    } catch (error) {
      lastError = error instanceof Error ? error.message : String(error)
    }

    if (read) neighbours = read
    if (read?.length === 0) {
      outcome = 'no-established-neighbours'
      break
    }

    if (read?.every((n) => n.sent)) {
      outcome = 'sent'
      const settle = Math.min(opts.settleSeconds * 1000, Math.max(0, deadline - deps.clock()))
      if (settle > 0) await deps.sleep(settle)
      break
    }

    const left = deadline - deps.clock()
    if (left <= 0) {
      outcome = 'timeout'
      break
    }

    await deps.sleep(Math.min(interval, left))
  }

  return {
    for: 'graceful-shutdown-sent',
    outcome,
    timeoutSeconds: opts.timeoutSeconds,
    settleSeconds: opts.settleSeconds,
    elapsedMs: Math.round(deps.clock() - t0),
    polls,
    neighbours,
    lastError,
  }
}

const peerList = (ns: readonly PeerProgress[]): string => ns.map((n) => n.peer).join(', ')

/** One line for humans: what the wait step waited for and how it ended. */
export function describeWait(w: DrainWait): string {
  const secs = (w.elapsedMs / 1000).toFixed(1)
  switch (w.outcome) {
    case 'sent': {
      return `waited ${secs} s: every established neighbour (${peerList(w.neighbours)}) was sent the GRACEFUL_SHUTDOWN-marked routes${w.settleSeconds > 0 ? `, then settled up to ${w.settleSeconds} s` : ''}`
    }

    case 'no-established-neighbours': {
      return `no established BGP neighbour: nothing to wait for (${secs} s)`
    }

    case 'timeout': {
      const late = w.neighbours.filter((n) => !n.sent)
      const detail = late.map((n) => {
        const f = n.families.map(
          (x) => `${x.family} ${Math.max(0, x.marked)}/${Math.max(0, x.advertised)} marked, ${x.queued} queued`,
        )
        return `${n.peer} (${[...f, `outq ${n.outq}`].join(', ')})`
      })
      const why =
        detail.length > 0 ? `not yet sent to ${detail.join('; ')}` : `FRR not readable: ${w.lastError ?? 'unknown'}`
      return `timed out after ${secs} s waiting for the peers: ${why}; routes withdrawn anyway`
    }
  }
}
