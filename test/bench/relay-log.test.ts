// The fleet bench's reading of an ovsdb-server relay's log (bench/relay-log.ts). The lines are
// those ovsdb-server 3.1 wrote in a relay's log during a cluster restart of the bench.
import {expect} from 'chai'

import {relayTimeline} from '../../bench/relay-log.js'

const LOG = `2026-12-02T07:03:38.000Z|00015|reconnect|INFO|tcp:127.0.0.1:32793: connected
2026-12-02T07:03:38.484Z|00016|reconnect|INFO|tcp:127.0.0.1:32793: connection closed by peer
2026-12-02T07:03:38.485Z|00021|reconnect|INFO|tcp:127.0.0.1:46413: connection attempt failed (Connection refused)
2026-12-02T07:03:39.487Z|00030|reconnect|INFO|tcp:127.0.0.1:32793: waiting 2 seconds before reconnect
2026-12-02T07:03:41.494Z|00035|reconnect|INFO|tcp:127.0.0.1:46413: waiting 4 seconds before reconnect
2026-12-02T07:03:48.648Z|00042|reconnect|DBG|tcp:127.0.0.1:48518: connecting...
2026-12-02T07:03:48.648Z|00044|reconnect|DBG|tcp:127.0.0.1:48518: connected
2026-12-02T07:03:53.499Z|00047|reconnect|INFO|tcp:127.0.0.1:32793: connected
2026-12-02T07:03:53.503Z|00050|ovsdb_cs|DBG|tcp:127.0.0.1:32793: SERVER_SCHEMA_REQUESTED -> SERVER_MONITOR_REQUESTED at ../lib/ovsdb-cs.c:456
2026-12-02T07:03:53.504Z|00051|ovsdb_cs|INFO|tcp:127.0.0.1:32793: clustered database server is disconnected from cluster; trying another server
2026-12-02T07:03:58.882Z|00057|reconnect|DBG|tcp:127.0.0.1:48518: connection dropped
2026-12-02T07:04:01.499Z|00060|reconnect|INFO|tcp:127.0.0.1:46413: connected
2026-12-02T07:04:02.690Z|00066|ovsdb_cs|DBG|tcp:127.0.0.1:46413: DATA_MONITOR_COND_SINCE_REQUESTED -> MONITORING at ../lib/ovsdb-cs.c:496
2026-12-02T07:04:21.521Z|00068|timeval|WARN|Unreasonably long 18863ms poll interval (4643ms user, 75ms system)
2026-12-02T07:04:21.532Z|00085|reconnect|INFO|tcp:127.0.0.1:46413: connection closed by peer
2026-12-02T07:04:22.606Z|00096|ovsdb_cs|DBG|tcp:127.0.0.1:46661: DATA_MONITOR_COND_SINCE_REQUESTED -> MONITORING at ../lib/ovsdb-cs.c:496
not a log line
`

describe('bench relay log timeline', () => {
  const kill = Date.parse('2026-12-02T07:03:38.400Z')
  const up = Date.parse('2026-12-02T07:03:39.400Z')
  const t = relayTimeline(LOG, kill, up)

  it("counts only the upstream session: the sessions of the relay's own clients log at DBG level", () => {
    expect(t.connections).to.deep.equal([14.099, 22.099])
    expect(t.drops).to.deep.equal([-0.916, 42.132])
  })

  it('ignores lines before the given start', () => {
    expect(relayTimeline(LOG, 0, up).connections).to.deep.equal([-1.4, 14.099, 22.099])
  })

  it('reads refusals, monitor answers, the announced backoff and stalls', () => {
    expect(t.refusals).to.deep.equal([14.104])
    expect(t.monitoring).to.deep.equal([23.29, 43.206])
    expect(t.maxBackoffS).to.equal(4)
    expect(t.stalls).to.deep.equal([{atS: 42.121, wallS: 18.863, cpuS: 4.718}])
  })
})
