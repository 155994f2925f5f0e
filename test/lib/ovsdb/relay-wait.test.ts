// A client on an ovsdb-server relay whose upstream (a real one-member RAFT cluster) goes away for
// longer than the relay tolerates: the relay then reports its database not connected in
// `_Server` (after 30 s in ovsdb-server 3.1). The client waits on the relay instead of leaving it
// for its reconnect backoff, and is ready again as soon as the relay reports the upstream back:
// what a full NB cluster restart looks like to a fleet of agents. Slow by nature (~35 s).
import {expect} from 'chai'
import {mkdirSync, mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {OvsdbClient, type RowChange, type StateChange} from '../../../src/lib/ovsdb/index.js'
import {
  type ClusterMember,
  type OvsdbServer,
  startCluster,
  startRelay,
  writeNbSchema,
} from '../../helpers/ovsdb-server.js'
import {requireTools} from '../../helpers/require.js'
import {sleep, waitFor} from '../../helpers/wait.js'

const DB = 'OVN_Northbound'

describe('OvsdbClient on a relay that loses its upstream (real ovsdb-server relay and cluster)', function () {
  this.timeout(150_000)
  let dir: string
  let members: ClusterMember[] = []
  let relay: OvsdbServer | undefined
  const clients: OvsdbClient[] = []

  before(async function () {
    requireTools(this, ['ovsdb-server', 'ovsdb-tool'])
    dir = mkdtempSync(join(tmpdir(), 'relay-wait-'))
    members = await startCluster(writeNbSchema(dir), DB, 1, dir)
    mkdirSync(join(dir, 'r0'))
    relay = await startRelay(DB, members[0]!.remote, join(dir, 'r0'))
  })

  after(async () => {
    for (const c of clients) await c.close()
    await relay?.stop()
    for (const m of members) await m.server.stop({clean: false})
    if (dir) rmSync(dir, {recursive: true, force: true})
  })

  it('waits on the relay while its upstream is gone, and is ready as soon as the relay is connected again', async () => {
    const writer = new OvsdbClient({remotes: members[0]!.remote, retry: () => 100})
    clients.push(writer)
    await writer.connect()
    await writer.transact(DB, [{op: 'insert', table: 'Logical_Switch', row: {name: 'before'}}])

    const client = new OvsdbClient({remotes: relay!.tcp})
    clients.push(client)
    const changes: RowChange[] = []
    const states: Array<{at: number; state: string}> = []
    client.on('state', (s: StateChange) => states.push({at: Date.now(), state: s.state}))
    await client.connect()
    const rep = await client.monitor(DB, {Logical_Switch: {columns: ['name']}}, {onChange: (c) => changes.push(c)})
    expect([...rep.rows('Logical_Switch')].map((r) => r.name)).to.deep.equal(['before'])

    // the relay's own view of its upstream, timestamped
    let relayBackAt = 0
    let relayDown = false
    const watcher = new OvsdbClient({remotes: relay!.tcp, requireConnected: false})
    clients.push(watcher)
    await watcher.connect()
    await watcher.monitor(
      '_Server',
      {Database: {columns: ['name', 'connected']}},
      {
        onChange(c) {
          if (c.row.name !== DB) return
          if (c.row.connected === false) relayDown = true
          else if (relayDown && relayBackAt === 0) relayBackAt = Date.now()
        },
      },
    )

    await members[0]!.server.kill('SIGTERM')
    await waitFor('the relay to report its upstream lost', () => relayDown || undefined, 90_000, 100)
    // the session was closed and reopened on the same relay, where it waits before any monitor
    await waitFor('the client to wait on the relay', () => client.state === 'syncing' || undefined, 10_000, 20)
    // parked: one session held open on the relay, not a backoff loop of new attempts
    const parkedFrom = Date.now()
    await sleep(4000)
    const attempts = states.filter((s) => s.at >= parkedFrom && s.state === 'connecting').length
    expect(attempts, 'connection attempts while the relay had no upstream').to.equal(0)
    expect(client.remote, 'a session stays open on the relay').to.equal(relay!.tcp)

    await members[0]!.server.start()
    await writer.transact(DB, [{op: 'insert', table: 'Logical_Switch', row: {name: 'after'}}])
    await waitFor('the relay to report its upstream back', () => relayBackAt || undefined, 60_000, 20)
    const readyAt = await waitFor(
      'the client to be ready with the new row',
      () =>
        (client.state === 'ready' && [...rep.rows('Logical_Switch')].some((r) => r.name === 'after') && Date.now()) ||
        undefined,
      30_000,
      10,
    )
    // without the wait, the client would find the relay back only after its backoff (up to 8 s)
    expect(readyAt - relayBackAt, 'ms from the relay connected to the client ready').to.be.below(1500)
    expect(
      changes.filter((c) => c.kind === 'delete'),
      'no row deleted',
    ).to.deep.equal([])
    expect([...rep.rows('Logical_Switch')].map((r) => r.name).sort()).to.deep.equal(['after', 'before'])
  })
})
