// drain's wait, pure: reading FRR's JSON (established neighbours with their queues, advertised
// routes carrying the graceful-shutdown marking LOCAL_PREF 0), and the wait loop on a fake clock
// (early finish, settle within the bound, timeout, no neighbour, a failed read). The documents are
// shaped as FRR 8.4 prints them (checked against a live bgpd with a gobgpd peer).
import {expect} from 'chai'

import {
  describeWait,
  type EstablishedNeighbour,
  establishedNeighbours,
  markedCounts,
  type PeerProgress,
  progressOf,
  waitForPeers,
} from '../../../src/lib/drain/peer-wait.js'

const neighbour = (state: string, outq: number, afi: Record<string, number>) => ({
  bgpState: state,
  messageStats: {depthInq: 0, depthOutq: outq, updatesSent: 3},
  addressFamilyInfo: Object.fromEntries(
    Object.entries(afi).map(([k, q]) => [k, {updateGroupId: 1, subGroupId: 1, packetQueueLength: q}]),
  ),
})

const route = (prefix: string, locPrf?: number) => ({
  addrPrefix: prefix.split('/')[0],
  network: prefix,
  nextHop: '0.0.0.0',
  metric: 0,
  ...(locPrf === undefined ? {} : {locPrf}),
  weight: 32_768,
})
const advertised = (...routes: Array<ReturnType<typeof route>>) => ({
  bgpTableVersion: 4,
  advertisedRoutes: Object.fromEntries(routes.map((r) => [r.network, r])),
  totalPrefixCounter: routes.length,
})

const peer = (sent: boolean): PeerProgress => ({
  peer: '192.0.2.2',
  state: 'Established',
  outq: 0,
  families: [{family: 'ipv4', advertised: 7, marked: sent ? 7 : 3, queued: 0}],
  sent,
})
function run(reads: Array<PeerProgress[] | Error>, opts: {timeoutSeconds: number; settleSeconds: number}) {
  let t = 0
  const sleeps: number[] = []
  let i = 0
  return waitForPeers(
    {
      async read() {
        const r = reads[Math.min(i++, reads.length - 1)]!
        if (r instanceof Error) throw r
        return r
      },
      async sleep(ms) {
        sleeps.push(ms)
        t += ms
      },
      clock: () => t,
    },
    {...opts, intervalMs: 1000},
  ).then((w) => ({w, sleeps}))
}

describe('drain: waiting for the peers', () => {
  describe('established neighbours of `show bgp neighbors json`', () => {
    const cases: Array<[string, unknown, EstablishedNeighbour[]]> = [
      [
        'both families, queues read',
        {'192.0.2.2': neighbour('Established', 2, {ipv4Unicast: 1, ipv6Unicast: 0})},
        [
          {
            peer: '192.0.2.2',
            state: 'Established',
            outq: 2,
            families: [
              {family: 'ipv4', queued: 1},
              {family: 'ipv6', queued: 0},
            ],
          },
        ],
      ],
      [
        'not established, or a name unsafe for an argv: left out; sorted',
        {
          '192.0.2.9': neighbour('Established', 0, {ipv4Unicast: 0}),
          '192.0.2.3': neighbour('Active', 0, {ipv4Unicast: 0}),
          '-c': neighbour('Established', 0, {ipv4Unicast: 0}),
          eth1: neighbour('Established', 0, {ipv6Unicast: 0}),
        },
        [
          {peer: '192.0.2.9', state: 'Established', outq: 0, families: [{family: 'ipv4', queued: 0}]},
          {peer: 'eth1', state: 'Established', outq: 0, families: [{family: 'ipv6', queued: 0}]},
        ],
      ],
      ['a warning document', {warning: 'No such neighbor'}, []],
      ['not an object', undefined, []],
    ]
    for (const [name, doc, want] of cases) it(name, () => expect(establishedNeighbours(doc)).to.deep.equal(want))
  })

  describe('marked routes of `advertised-routes json`', () => {
    const cases: Array<[string, unknown, {advertised: number; marked: number} | undefined]> = [
      [
        'before graceful shutdown (eBGP: no locPrf)',
        advertised(route('172.24.4.1/32'), route('172.24.4.2/32')),
        {advertised: 2, marked: 0},
      ],
      ['all marked', advertised(route('172.24.4.1/32', 0), route('2001:db8::1/128', 0)), {advertised: 2, marked: 2}],
      [
        'iBGP before: locPrf 100 is not the marking',
        advertised(route('172.24.4.1/32', 100), route('172.24.4.2/32', 0)),
        {advertised: 2, marked: 1},
      ],
      ['nothing advertised', {advertisedRoutes: {}}, {advertised: 0, marked: 0}],
      ['no answer', undefined, undefined],
      ['a warning', {warning: 'No such neighbor or address family'}, undefined],
    ]
    for (const [name, doc, want] of cases) it(name, () => expect(markedCounts(doc)).to.deep.equal(want))
  })

  it('progress: sent only with every route marked and both queues empty; documents taken in query order', () => {
    const ns: EstablishedNeighbour[] = [
      {
        peer: 'a',
        state: 'Established',
        outq: 0,
        families: [
          {family: 'ipv4', queued: 0},
          {family: 'ipv6', queued: 0},
        ],
      },
      {peer: 'b', state: 'Established', outq: 1, families: [{family: 'ipv4', queued: 0}]},
      {peer: 'c', state: 'Established', outq: 0, families: [{family: 'ipv4', queued: 2}]},
      {peer: 'd', state: 'Established', outq: 0, families: [{family: 'ipv4', queued: 0}]},
    ]
    const all = advertised(route('172.24.4.1/32', 0))
    const p = progressOf(ns, [all, advertised(route('2001:db8::1/128', 0)), all, all, undefined])
    expect(p.map((x) => [x.peer, x.sent])).to.deep.equal([
      ['a', true],
      ['b', false],
      ['c', false],
      ['d', false],
    ])
    expect(p[0]!.families.map((f) => f.family)).to.deep.equal(['ipv4', 'ipv6'])
    expect(p[3]!.families[0]).to.deep.equal({family: 'ipv4', advertised: -1, marked: 0, queued: 0})
  })

  describe('the wait loop (fake clock)', () => {
    it('finishes as soon as every neighbour was sent the marked routes, then settles', async () => {
      const {w, sleeps} = await run([[peer(false)], [peer(false)], [peer(true)]], {
        timeoutSeconds: 30,
        settleSeconds: 5,
      })
      expect(w).to.deep.include({outcome: 'sent', polls: 3, elapsedMs: 7000})
      expect(sleeps).to.deep.equal([1000, 1000, 5000])
    })

    it('settle never goes past the bound', async () => {
      const {w} = await run([[peer(false)], [peer(false)], [peer(true)]], {timeoutSeconds: 3, settleSeconds: 5})
      expect(w).to.deep.include({outcome: 'sent', elapsedMs: 3000})
    })

    it('times out with the neighbours not done', async () => {
      const {w} = await run([[peer(false)]], {timeoutSeconds: 2.5, settleSeconds: 5})
      expect(w).to.deep.include({outcome: 'timeout', polls: 4, elapsedMs: 2500})
      expect(describeWait(w)).to.equal(
        'timed out after 2.5 s waiting for the peers: not yet sent to 192.0.2.2 (ipv4 3/7 marked, 0 queued, outq 0); routes withdrawn anyway',
      )
    })

    it('no established neighbour: nothing to wait for', async () => {
      const {w, sleeps} = await run([[]], {timeoutSeconds: 30, settleSeconds: 5})
      expect(w).to.deep.include({outcome: 'no-established-neighbours', polls: 1, elapsedMs: 0})
      expect(sleeps).to.deep.equal([])
    })

    it('a failed read is retried; the last error is reported', async () => {
      const {w} = await run([new Error('vtysh busy'), [peer(true)]], {timeoutSeconds: 30, settleSeconds: 0})
      expect(w).to.deep.include({outcome: 'sent', polls: 2, lastError: 'vtysh busy'})
      expect(describeWait(w)).to.equal(
        'waited 1.0 s: every established neighbour (192.0.2.2) was sent the GRACEFUL_SHUTDOWN-marked routes',
      )
    })

    it('timeout 0: one read, no sleep', async () => {
      const {w, sleeps} = await run([[peer(false)]], {timeoutSeconds: 0, settleSeconds: 5})
      expect(w).to.deep.include({outcome: 'timeout', polls: 1, elapsedMs: 0})
      expect(sleeps).to.deep.equal([])
    })
  })
})
