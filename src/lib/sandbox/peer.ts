// What the sandbox's BGP peer (gobgpd) received: `gobgp global rib -a ipv4|ipv6 -j` parsed into rows.
import Table from 'cli-table3'

import {request} from './lab-request.js'

export interface PeerRoute {
  family: 'ipv4' | 'ipv6'
  prefix: string
  nexthop: string
  asPath: string
  best: boolean
  /** Seconds since the peer received it. */
  ageS: number | null
}

/** The demo topology's prefixes that ovn-bgp on this node should advertise (sandbox/topology.sh). */
export const EXPECTED_PREFIXES = [
  '172.24.4.11/32', // vm1 (provider network, bound here)
  '172.24.4.10/32', // router gateway port (cr-lrp hosted here)
  '172.24.4.100/32', // floating IP of vm3
  '172.24.4.50/32', // load balancer VIP
  '10.0.0.5/32', // vm3 (tenant network behind the local cr-lrp)
  '2001:db8:100::11/128',
  '2001:db8:100::10/128',
  'fd00:10::5/128',
]

interface GobgpPath {
  nlri?: {prefix?: string}
  age?: number
  best?: boolean
  attrs?: {type?: number; nexthop?: string; as_paths?: {asns?: number[]}[]}[]
}

export function parseGobgpRib(json: string, family: 'ipv4' | 'ipv6', nowS = Date.now() / 1000): PeerRoute[] {
  const text = json.trim()
  if (text === '' || text === 'null') return []
  const rib = JSON.parse(text) as Record<string, GobgpPath[]>
  const out: PeerRoute[] = []
  for (const [prefix, pathsFor] of Object.entries(rib)) {
    for (const p of pathsFor ?? []) {
      const attrs = p.attrs ?? []
      const nh = attrs.find((a) => typeof a.nexthop === 'string')?.nexthop ?? ''
      const asns = attrs.find((a) => a.type === 2)?.as_paths?.flatMap((s) => s.asns ?? []) ?? []
      out.push({
        family,
        prefix: p.nlri?.prefix ?? prefix,
        nexthop: nh,
        asPath: asns.join(' '),
        best: p.best === true,
        ageS: typeof p.age === 'number' ? Math.max(0, Math.round(nowS - p.age)) : null,
      })
    }
  }

  return out.sort((a, b) => a.family.localeCompare(b.family) || comparePrefix(a.prefix, b.prefix))
}

function comparePrefix(a: string, b: string): number {
  return a.localeCompare(b, 'en', {numeric: true})
}

/** Both families as the peer sees them now. */
export async function peerRoutes(dir: string): Promise<PeerRoute[]> {
  const out: PeerRoute[] = []
  for (const family of ['ipv4', 'ipv6'] as const) {
    const r = await request(dir, {op: 'peer-rib', family}, 30_000)
    if (r.code !== 0) throw new Error(`gobgp global rib -a ${family}: exit ${r.code}: ${r.stderr.trim()}`)
    out.push(...parseGobgpRib(r.stdout, family))
  }

  return out
}

export function renderPeerTable(routes: PeerRoute[]): string {
  if (routes.length === 0) return 'the peer has received no prefixes'
  const t = new Table({
    head: ['family', 'prefix', 'next hop', 'AS path', 'age'],
    style: {head: [], border: []},
    chars: {mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': ''},
  })
  for (const r of routes) t.push([r.family, r.prefix, r.nexthop, r.asPath, r.ageS === null ? '' : `${r.ageS}s`])
  return t.toString()
}
