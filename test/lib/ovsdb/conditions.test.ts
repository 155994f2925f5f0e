// Conditional monitoring against a real ovsdb-server: `where` in the monitor request, conditions
// changed with monitor_cond_change (rows arrive as inserts, leave as deletes, rows matching old and
// new conditions are untouched), rows moving in and out of a condition by a write, `[]` = no row,
// a clause on a column the server lacks = every row, only changed tables sent again, and conditions
// changed while disconnected.
import {expect} from 'chai'
import {mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {
  type ConditionClause,
  type Operation,
  OvsdbClient,
  type Replica,
  type RowChange,
  wire,
} from '../../../src/lib/ovsdb/index.js'
import {NB_SCHEMA_SOURCE, type OvsdbServer, startOvsdbServer, writeNbSchema} from '../../helpers/ovsdb-server.js'
import {requireTools} from '../../helpers/require.js'
import {waitFor as poll} from '../../helpers/wait.js'
import {RpcProxy} from './rpc-proxy.js'

const DB = 'OVN_Northbound'
const LSP = 'Logical_Switch_Port'
const on = (chassis: string): ConditionClause => ['options', 'includes', ['map', [['requested-chassis', chassis]]]]

/** Ports are not root rows: they live as long as a switch holds them. */
function addPorts(ports: Array<[name: string, chassis: string]>): Operation[] {
  const ops: Operation[] = ports.map(([name, chassis]) => ({
    op: 'insert',
    table: LSP,
    'uuid-name': name,
    row: {name, options: wire.map([['requested-chassis', chassis]])},
  }))
  ops.push({
    op: 'insert',
    table: 'Logical_Switch',
    row: {name: 'ls', ports: wire.set(ports.map(([name]) => wire.namedUuid(name)))},
  })
  return ops
}

function names(rep: Replica): string[] {
  return [...rep.rows(LSP)].map((r) => String(r.name)).sort()
}

describe('ovsdb conditional monitoring (real ovsdb-server)', function () {
  this.timeout(60_000)
  let nb: OvsdbServer
  let old: OvsdbServer
  const clients: OvsdbClient[] = []

  before(async function () {
    requireTools(this, ['ovsdb-server', 'ovsdb-tool'])
    const dir = mkdtempSync(join(tmpdir(), 'ovsdb-cond-'))
    nb = await startOvsdbServer({schema: writeNbSchema(dir), dir})
    old = await startOvsdbServer({schema: NB_SCHEMA_SOURCE})
    const writer = new OvsdbClient({remotes: nb.unix})
    clients.push(writer)
    await writer.connect()
    await writer.transact(DB, [
      ...addPorts([
        ['a1', 'c1'],
        ['a2', 'c1'],
        ['b1', 'c2'],
        ['ab', 'c1,c2'],
      ]),
    ])
  })

  after(async () => {
    for (const c of clients) await c.close()
    for (const s of [nb, old]) await s?.stop()
  })

  async function client(remote: string): Promise<OvsdbClient> {
    const c = new OvsdbClient({remotes: remote, retry: () => 100})
    clients.push(c)
    await c.connect()
    return c
  }

  it('asks only for matching rows and follows monitor_cond_change with inserts and deletes', async () => {
    const c = await client(nb.unix)
    const seen: RowChange[] = []
    const rep = await c.monitor(
      DB,
      {[LSP]: {columns: ['name', 'options'], where: [on('c1')]}},
      {onChange: (ch) => seen.push(ch)},
    )
    expect(names(rep)).to.deep.equal(['a1', 'a2'])
    seen.length = 0
    await c.changeConditions(rep, {[LSP]: [on('c2'), on('c1,c2')]})
    expect(names(rep)).to.deep.equal(['ab', 'b1'])
    expect(seen.map((ch) => `${ch.kind} ${String(ch.row.name)}`).sort()).to.deep.equal([
      'delete a1',
      'delete a2',
      'insert ab',
      'insert b1',
    ])
    // b1 matches both the old and the new conditions: it is neither deleted nor inserted again
    seen.length = 0
    await c.changeConditions(rep, {[LSP]: [on('c2')]})
    expect(seen.map((ch) => `${ch.kind} ${String(ch.row.name)}`)).to.deep.equal(['delete ab'])
    // the newest of several quick changes wins; every promise resolves
    await Promise.all([
      c.changeConditions(rep, {[LSP]: [on('c1')]}),
      c.changeConditions(rep, {[LSP]: [on('c2'), on('c1')]}),
    ])
    expect(names(rep)).to.deep.equal(['a1', 'a2', 'b1'])
  })

  it('a write that makes a row match arrives as an insert, one that makes it stop matching as a delete', async () => {
    const c = await client(nb.unix)
    const seen: RowChange[] = []
    const rep = await c.monitor(
      DB,
      {[LSP]: {columns: ['name', 'options'], where: [on('c3')]}},
      {onChange: (ch) => seen.push(ch)},
    )
    expect(names(rep)).to.deep.equal([])
    const w = await client(nb.unix)
    const move = (chassis: string): Operation => ({
      op: 'update',
      table: LSP,
      where: [['name', '==', 'a1']],
      row: {options: wire.map([['requested-chassis', chassis]])},
    })
    await w.transact(DB, [move('c3')])
    await waitFor(() => names(rep).includes('a1'))
    await w.transact(DB, [move('c1')])
    await waitFor(() => !names(rep).includes('a1'))
    expect(seen.map((ch) => ch.kind)).to.deep.equal(['insert', 'delete'])
  })

  it('[] asks for no row (not every row); omitted conditions ask for every row', async () => {
    const c = await client(nb.unix)
    const none = await c.monitor(DB, {[LSP]: {columns: ['name'], where: []}}, {onChange() {}})
    expect(none.size(LSP)).to.equal(0)
    const all = await c.monitor(DB, {[LSP]: {columns: ['name']}}, {onChange() {}})
    expect(all.size(LSP)).to.equal(4)
    await c.changeConditions(none, {[LSP]: undefined})
    expect(none.size(LSP)).to.equal(4)
  })

  it('a clause on a column the server lacks asks for every row of that table (a superset, never a refusal)', async () => {
    const w = await client(old.unix)
    await w.transact(DB, [
      {op: 'insert', table: 'Logical_Router_Port', 'uuid-name': 'gw', row: {name: 'gw', mac: 'fa:16:3e:00:00:01'}},
      {op: 'insert', table: 'Logical_Router', row: {name: 'r', ports: wire.set([wire.namedUuid('gw')])}},
    ])
    const c = await client(old.unix)
    const rep = await c.monitor(
      DB,
      {Logical_Router_Port: {columns: ['name'], where: [['status', 'includes', ['map', [['hosting-chassis', 'x']]]]]}},
      {onChange() {}},
    )
    expect(rep.size('Logical_Router_Port')).to.equal(1)
  })

  it('monitor_cond_change carries only the tables whose conditions changed; a resend of the same ones sends nothing', async () => {
    const sent: unknown[] = []
    const proxy = await RpcProxy.start(nb.unix.slice('unix:'.length), {
      fromClient: (m) => m.method === 'monitor_cond_change' && sent.push(m.params?.[2]),
    })
    try {
      const c = await client(proxy.remote)
      const rep = await c.monitor(
        DB,
        {
          [LSP]: {columns: ['name', 'options'], where: [on('c1')]},
          Logical_Switch: {columns: ['name'], where: [['name', '==', 'ls']]},
        },
        {onChange() {}},
      )
      expect(rep.size('Logical_Switch')).to.equal(1)
      await c.changeConditions(rep, {[LSP]: [on('c2')], Logical_Switch: [['name', '==', 'ls']]})
      expect(names(rep)).to.deep.equal(['b1'])
      expect(rep.size('Logical_Switch')).to.equal(1)
      expect(sent).to.deep.equal([{[LSP]: [{where: [on('c2')]}]}])
      // equal clauses in new arrays: nothing to send
      await c.changeConditions(rep, {[LSP]: [on('c2')], Logical_Switch: [['name', '==', 'ls']]})
      expect(sent).to.have.length(1)
      await c.changeConditions(rep, {Logical_Switch: []})
      expect(rep.size('Logical_Switch')).to.equal(0)
      expect(names(rep)).to.deep.equal(['b1'])
      expect(sent.at(-1)).to.deep.equal({Logical_Switch: [{where: [false]}]})
    } finally {
      await proxy.close()
    }
  })

  it('conditions changed while the server is down are in the next monitor request', async () => {
    const c = await client(nb.tcp)
    const rep = await c.monitor(DB, {[LSP]: {columns: ['name', 'options'], where: [on('c1')]}}, {onChange() {}})
    await nb.kill('SIGKILL')
    const changed = c.changeConditions(rep, {[LSP]: [on('c2')]})
    await nb.start()
    await changed
    expect(names(rep)).to.deep.equal(['b1'])
  })
})

const waitFor = (cond: () => boolean, timeoutMs = 5000): Promise<true> => poll('the condition', cond, timeoutMs, 20)
