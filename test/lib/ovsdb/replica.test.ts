// Pure tests of the replica: decoding, update2 diff semantics, update v1, snapshot resync diff.
import {expect} from 'chai'

import {
  type Json,
  type MonitorSpec,
  nullOvsdbLogger,
  parseDatabaseSchema,
  Replica,
  ReplicaInconsistencyError,
  type RowChange,
  type SnapshotInfo,
} from '../../../src/lib/ovsdb/index.js'
import {TEST_SCHEMA} from './test-schema.js'

const schema = parseDatabaseSchema(TEST_SCHEMA)
const U1 = '11111111-1111-1111-1111-111111111111'
const C1 = 'c1111111-1111-1111-1111-111111111111'
const C2 = 'c2222222-2222-2222-2222-222222222222'

function make(spec?: MonitorSpec): {rep: Replica; changes: RowChange[]; snaps: SnapshotInfo[]} {
  const changes: RowChange[] = []
  const snaps: SnapshotInfo[] = []
  const rep = new Replica(
    'Test',
    spec ?? {Parent: {}, Child: {}},
    {onChange: (c) => changes.push(c), onSnapshot: (s) => snaps.push(s)},
    nullOvsdbLogger,
  )
  rep.prepare(schema)
  return {rep, changes, snaps}
}

const initialParent: Record<string, Json> = {
  name: 'p',
  n: 3,
  tags: ['set', ['a', 'b']],
  ext: [
    'map',
    [
      ['k1', 'v1'],
      ['k2', 'v2'],
    ],
  ],
  children: ['set', [['uuid', C1]]],
  opt: 7,
}

describe('ovsdb Replica', () => {
  it('decodes an initial row: omitted columns get defaults, sets are arrays, maps are Maps, uuids strings', () => {
    const {rep, changes, snaps} = make()
    rep.loadSnapshot({Parent: {[U1]: {initial: initialParent}}}, 'update2')
    const row = rep.get('Parent', U1)
    expect(row).to.deep.equal({
      _uuid: U1,
      name: 'p',
      n: 3,
      r: 0,
      b: false,
      opt: [7],
      tags: ['a', 'b'],
      ext: new Map([
        ['k1', 'v1'],
        ['k2', 'v2'],
      ]),
      weights: new Map(),
      children: [C1],
      best: [],
    })
    expect(changes.map((c) => [c.kind, c.table, c.uuid])).to.deep.equal([['insert', 'Parent', U1]])
    expect(snaps).to.deep.equal([{resync: false}])
  })

  // [name, diff sent in "modify", expected new values, expected `old`]
  const cases: Array<[string, Record<string, Json>, Record<string, unknown>, Record<string, unknown>]> = [
    ['scalar replaced', {n: 4}, {n: 4}, {n: 3}],
    ['set: add one element (symmetric difference)', {tags: 'c'}, {tags: ['a', 'b', 'c']}, {tags: ['a', 'b']}],
    ['set: remove and add in one diff', {tags: ['set', ['a', 'z']]}, {tags: ['b', 'z']}, {tags: ['a', 'b']}],
    ['set of uuids: remove the only element', {children: ['uuid', C1]}, {children: []}, {children: [C1]}],
    [
      'map: same value removes the key',
      {ext: ['map', [['k1', 'v1']]]},
      {ext: new Map([['k2', 'v2']])},
      {
        ext: new Map([
          ['k1', 'v1'],
          ['k2', 'v2'],
        ]),
      },
    ],
    [
      'map: other value changes it, new key adds it',
      {
        ext: [
          'map',
          [
            ['k2', 'X'],
            ['k3', 'v3'],
          ],
        ],
      },
      {
        ext: new Map([
          ['k1', 'v1'],
          ['k2', 'X'],
          ['k3', 'v3'],
        ]),
      },
      {
        ext: new Map([
          ['k1', 'v1'],
          ['k2', 'v2'],
        ]),
      },
    ],
    ['optional scalar (max 1): diff is the new value', {opt: 8}, {opt: [8]}, {opt: [7]}],
    ['optional scalar cleared', {opt: ['set', []]}, {opt: []}, {opt: [7]}],
    ['optional weak ref set from empty', {best: ['uuid', C2]}, {best: [C2]}, {best: []}],
    ['several columns at once', {n: 5, name: 'q', b: true}, {n: 5, name: 'q', b: true}, {n: 3, name: 'p', b: false}],
  ]
  for (const [name, diff, now, old] of cases) {
    it(`update2 modify: ${name}`, () => {
      const {rep, changes} = make()
      rep.loadSnapshot({Parent: {[U1]: {initial: initialParent}}}, 'update2')
      const before = rep.get('Parent', U1)
      const beforeCopy = structuredClone(before)
      rep.applyUpdate2({Parent: {[U1]: {modify: diff}}})
      const after = rep.get('Parent', U1)
      const last = changes.at(-1) as RowChange
      expect(last.kind).to.equal('update')
      expect(last.row).to.equal(after)
      expect(last.old).to.deep.equal(old)
      for (const [k, v] of Object.entries(now)) {
        const got = after?.[k]
        if (Array.isArray(v)) expect([...(got as unknown[])].sort()).to.deep.equal([...v].sort())
        else expect(got).to.deep.equal(v)
      }

      // the previous Row object is a snapshot: untouched
      expect(before).to.deep.equal(beforeCopy)
    })
  }

  it('update2 modify that changes nothing emits nothing', () => {
    const {rep, changes} = make()
    rep.loadSnapshot({Parent: {[U1]: {initial: initialParent}}}, 'update2')
    rep.applyUpdate2({Parent: {[U1]: {modify: {tags: ['set', []]}}}})
    expect(changes).to.have.length(1)
  })

  it('update2 insert and delete; delete carries the last row', () => {
    const {rep, changes} = make()
    rep.loadSnapshot({}, 'update2')
    rep.applyUpdate2({Child: {[C1]: {insert: {name: 'c', w: 1.5}}}})
    rep.applyUpdate2({Child: {[C1]: {delete: null}}})
    expect(changes.map((c) => c.kind)).to.deep.equal(['insert', 'delete'])
    expect(changes[1]?.row).to.deep.include({name: 'c', w: 1.5, flag: false, labels: []})
    expect(rep.size('Child')).to.equal(0)
  })

  const inconsistent: Array<[string, Json]> = [
    ['modify of an unknown row', {Parent: {[C2]: {modify: {n: 1}}}}],
    ['delete of an unknown row', {Parent: {[C2]: {delete: null}}}],
    ['insert of a known row', {Parent: {[U1]: {insert: {name: 'again'}}}}],
  ]
  for (const [name, upd] of inconsistent) {
    it(`throws ReplicaInconsistencyError on ${name}, after delivering what was applied`, () => {
      const {rep, changes} = make()
      rep.loadSnapshot({Parent: {[U1]: {initial: initialParent}}}, 'update2')
      expect(() => rep.applyUpdate2({Child: {[C1]: {insert: {name: 'first'}}}, ...(upd as object)})).to.throw(
        ReplicaInconsistencyError,
      )
      expect(changes.map((c) => c.kind)).to.deep.equal(['insert', 'insert'])
    })
  }

  it('update (v1): old lists the changed columns, new the full row', () => {
    const {rep, changes} = make()
    rep.loadSnapshot({Parent: {[U1]: {new: initialParent}}}, 'update1')
    rep.applyUpdate1({
      Parent: {[U1]: {old: {n: 3, tags: ['set', ['a', 'b']]}, new: {...initialParent, n: 9, tags: 'a'}}},
    })
    rep.applyUpdate1({Parent: {[U1]: {old: {...initialParent, n: 9, tags: 'a'}}}})
    expect(changes.map((c) => c.kind)).to.deep.equal(['insert', 'update', 'delete'])
    expect(changes[1]?.old).to.deep.equal({n: 3, tags: ['a', 'b']})
    expect(changes[1]?.row).to.deep.include({n: 9, tags: ['a']})
  })

  it('a later snapshot is diffed: inserts, updates (old = changed columns only), deletes, then resync', () => {
    const {rep, changes, snaps} = make()
    rep.loadSnapshot({Parent: {[U1]: {initial: initialParent}}, Child: {[C1]: {initial: {name: 'c1'}}}}, 'update2')
    changes.length = 0
    rep.loadSnapshot(
      {
        Parent: {[U1]: {initial: {...initialParent, n: 4, tags: ['set', ['b', 'a']]}}},
        Child: {[C2]: {initial: {name: 'c2'}}},
      },
      'update2',
    )
    expect(changes.map((c) => [c.kind, c.uuid])).to.deep.equal([
      ['update', U1],
      ['insert', C2],
      ['delete', C1],
    ])
    expect(changes[0]?.old).to.deep.equal({n: 3})
    expect(snaps).to.deep.equal([{resync: false}, {resync: true}])
  })

  it('a column the server gained across a reconnect shows up as an update from its default', () => {
    const {rep, changes} = make({Parent: {columns: ['name', 'tags']}} as never)
    const narrow = parseDatabaseSchema({...TEST_SCHEMA, tables: {Parent: {columns: {name: {type: 'string'}}}}})
    rep.prepare(narrow)
    rep.loadSnapshot({Parent: {[U1]: {initial: {name: 'p'}}}}, 'update2')
    rep.prepare(schema)
    rep.loadSnapshot({Parent: {[U1]: {initial: {name: 'p', tags: ['set', ['t']]}}}}, 'update2')
    expect(changes.map((c) => c.kind)).to.deep.equal(['insert', 'update'])
    expect(changes[1]?.old).to.deep.equal({tags: []})
    expect(changes[1]?.row.tags).to.deep.equal(['t'])
  })

  it('restricts rows to the monitored columns and drops columns the schema lacks (one warning)', () => {
    const warnings: string[] = []
    const logger = {
      ...nullOvsdbLogger,
      warn: (m: string, f?: Record<string, unknown>) => warnings.push(`${m} ${String(f?.column)}`),
    }
    const rep = new Replica('Test', {Parent: {columns: ['name', 'status', '_uuid']}}, {onChange() {}}, logger)
    const req = rep.prepare(schema)
    rep.prepare(schema)
    expect([...req]).to.deep.equal([['Parent', ['name']]])
    expect(warnings).to.have.length(1)
    expect(warnings[0]).to.contain('status')
    expect(rep.hasColumn('Parent', 'status')).to.equal(false)
    expect(rep.hasColumn('Parent', 'name')).to.equal(true)
    rep.loadSnapshot({Parent: {[U1]: {initial: initialParent}}}, 'update2')
    expect(rep.get('Parent', U1)).to.deep.equal({_uuid: U1, name: 'p'})
  })

  it('a throwing listener does not stop delivery to later changes', () => {
    const seen: string[] = []
    const rep = new Replica(
      'Test',
      {Child: {}},
      {
        onChange(c) {
          seen.push(c.uuid)
          throw new Error('consumer bug')
        },
      },
      nullOvsdbLogger,
    )
    rep.prepare(schema)
    rep.loadSnapshot({Child: {[C1]: {initial: {}}, [C2]: {initial: {}}}}, 'update2')
    expect(seen).to.deep.equal([C1, C2])
  })
})
