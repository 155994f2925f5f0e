// Shared pieces of the OVSDB integration tests: a listener that folds the RowChange stream and
// checks its contract, an independent read of the server's contents, and a random writer.
import {expect} from 'chai'

import {
  type Condition,
  ConnectionError,
  type DatabaseSchema,
  decodeRow,
  type Json,
  type Operation,
  type OvsdbClient,
  type Replica,
  type ReplicaListener,
  type Row,
  type RowChange,
  type SnapshotInfo,
  valuesEqual,
  wire,
} from '../../../src/lib/ovsdb/index.js'
import {transact} from '../../helpers/ovsdb-server.js'

export type Contents = Map<string, Map<string, Row>>

/** Folds changes into its own copy of the tables and records every contract violation. */
export class FoldingListener implements ReplicaListener {
  readonly state: Contents = new Map()
  readonly violations: string[] = []
  readonly snapshots: SnapshotInfo[] = []
  changes = 0

  onChange(c: RowChange): void {
    this.changes++
    let t = this.state.get(c.table)
    if (!t) this.state.set(c.table, (t = new Map()))
    const prev = t.get(c.uuid)
    if (c.row._uuid !== c.uuid) this.violations.push(`row._uuid mismatch ${c.uuid}`)
    if (c.kind === 'insert') {
      if (prev) this.violations.push(`insert of known ${c.table} ${c.uuid}`)
      if (c.old) this.violations.push('insert with old')
      t.set(c.uuid, c.row)
    } else if (c.kind === 'delete') {
      if (!prev) this.violations.push(`delete of unknown ${c.table} ${c.uuid}`)
      t.delete(c.uuid)
    } else {
      if (!prev) {
        this.violations.push(`update of unknown ${c.table} ${c.uuid}`)
        t.set(c.uuid, c.row)
        return
      }

      const old = c.old ?? {}
      if (Object.keys(old).length === 0) this.violations.push(`update without old ${c.uuid}`)
      for (const col of new Set([...Object.keys(prev), ...Object.keys(c.row)])) {
        if (col in old) {
          if (!valuesEqual(old[col], prev[col]))
            this.violations.push(`old.${col} is not the previous value (${c.uuid})`)
          if (valuesEqual(old[col], c.row[col])) this.violations.push(`old.${col} listed but unchanged (${c.uuid})`)
        } else if (!valuesEqual(prev[col], c.row[col])) {
          this.violations.push(`${col} changed but missing from old (${c.uuid})`)
        }
      }

      t.set(c.uuid, c.row)
    }
  }

  onSnapshot(info: SnapshotInfo): void {
    this.snapshots.push(info)
  }
}

/** The replica's tables as plain maps. */
export function replicaContents(rep: Replica): Contents {
  const out: Contents = new Map()
  for (const t of rep.tableNames()) out.set(t, new Map([...rep.rows(t)].map((r) => [r._uuid, r])))
  return out
}

/** Every row of `tables` read with one raw `select` on a fresh connection, decoded like the replica. */
export async function serverContents(
  remote: string,
  schema: DatabaseSchema,
  db: string,
  tables: Record<string, readonly string[]>,
): Promise<Contents> {
  const names = Object.keys(tables)
  const res = (await transact(remote, [db, ...names.map((table) => ({op: 'select', table, where: []}))])) as Array<{
    rows: Array<Record<string, Json>>
  }>
  const out: Contents = new Map()
  for (const [i, table] of names.entries()) {
    const ts = schema.tables.get(table)
    if (!ts) throw new Error(`no table ${table}`)
    const rows = new Map<string, Row>()
    for (const r of res[i]?.rows ?? []) {
      const uuid = (r._uuid as [string, string])[1]
      rows.set(uuid, decodeRow(r, ts, tables[table] ?? [], uuid))
    }

    out.set(table, rows)
  }

  return out
}

/** Deep comparison with set semantics for set columns; a readable first difference on failure. */
export function expectSameContents(actual: Contents, expected: Contents, what: string): void {
  for (const [table, rows] of expected) {
    const got = actual.get(table) ?? new Map<string, Row>()
    expect(got.size, `${what}: ${table} row count`).to.equal(rows.size)
    for (const [uuid, row] of rows) {
      const g = got.get(uuid)
      expect(g, `${what}: ${table} ${uuid} present`).to.not.equal(undefined)
      for (const col of Object.keys(row)) {
        if (!valuesEqual(g?.[col], row[col]))
          expect.fail(`${what}: ${table} ${uuid}.${col}: ${show(g?.[col])} != ${show(row[col])}`)
      }
    }
  }
}

function show(v: unknown): string {
  return v instanceof Map ? JSON.stringify([...v]) : JSON.stringify(v)
}

/** A small deterministic PRNG (mulberry32). */
function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d_2b_79_f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
}

/**
 * Random transactions on the Test schema: inserts, scalar/set/map updates and mutations, deletes,
 * strong refs (Child is garbage-collected when no Parent refers to it) and weak refs.
 */
/** How long a RandomWriter transaction may wait for its reply. */
const TXN_TIMEOUT_MS = 10_000

export class RandomWriter {
  ok = 0
  failed = 0
  /** Transactions the server held past TXN_TIMEOUT_MS (counted in `failed` too: outcome unknown). */
  timedOut = 0
  private parents: string[] = []
  private children: string[] = []
  private readonly rnd: () => number

  constructor(
    private readonly client: OvsdbClient,
    seed: number,
  ) {
    this.rnd = prng(seed)
  }

  /** Runs `n` transactions, `parallel` at a time. Failures (stale uuids, closed connections) are counted. */
  async run(n: number, parallel = 8): Promise<void> {
    let next = 0
    const worker = async (): Promise<void> => {
      while (next < n) {
        const i = next++
        if (i % 50 === 0) await this.refresh()
        try {
          // bounded: the writer only makes load, and a cluster member that holds a transaction
          // (its leader gone) must not hold the test with it
          await this.client.transact('Test', this.randomTxn(), {timeoutMs: TXN_TIMEOUT_MS})
          this.ok++
        } catch (error) {
          this.failed++
          if (error instanceof ConnectionError && error.code === 'timeout') this.timedOut++
        }
      }
    }

    await Promise.all(Array.from({length: parallel}, worker))
  }

  private async refresh(): Promise<void> {
    try {
      const res = await this.client.transact(
        'Test',
        [
          {op: 'select', table: 'Parent', where: [], columns: ['_uuid']},
          {op: 'select', table: 'Child', where: [], columns: ['_uuid']},
        ],
        {timeoutMs: TXN_TIMEOUT_MS},
      )
      const ids = (i: number): string[] => (res[i]?.rows ?? []).map((r) => (r._uuid as [string, string])[1])
      this.parents = ids(0)
      this.children = ids(1)
    } catch {
      // keep the stale lists; failures are tolerated
    }
  }

  private pick<T>(a: readonly T[]): T | undefined {
    return a.length > 0 ? a[Math.floor(this.rnd() * a.length)] : undefined
  }

  private word(): string {
    return ['a', 'b', 'c', 'd', 'e', 'x{y}', 'q"uote', 'ü'][Math.floor(this.rnd() * 8)] as string
  }

  private words(max: number): string[] {
    return [...new Set(Array.from({length: Math.floor(this.rnd() * (max + 1))}, () => this.word()))]
  }

  private randomTxn(): Operation[] {
    const p = this.pick(this.parents)
    const c = this.pick(this.children)
    const whereP: Condition[] = [['_uuid', '==', wire.uuid(p ?? '00000000-0000-0000-0000-000000000000')]]
    const whereC: Condition[] = [['_uuid', '==', wire.uuid(c ?? '00000000-0000-0000-0000-000000000000')]]
    const k = Math.floor(this.rnd() * 13)
    switch (k) {
      case 0:
      case 1: {
        return [
          {
            op: 'insert',
            table: 'Parent',
            row: {
              name: this.word(),
              n: Math.floor(this.rnd() * 100),
              r: this.rnd(),
              b: this.rnd() < 0.5,
              tags: wire.set(this.words(3)),
              ext: wire.map(this.words(3).map((w) => [w, this.word()])),
              opt: wire.set(this.rnd() < 0.5 ? [7] : []),
            },
          },
        ]
      }

      case 2: {
        return [
          {
            op: 'insert',
            table: 'Child',
            row: {name: this.word(), w: this.rnd(), labels: wire.set(this.words(2))},
            'uuid-name': 'c',
          },
          {
            op: 'mutate',
            table: 'Parent',
            where: whereP,
            mutations: [['children', 'insert', wire.set([wire.namedUuid('c')])]],
          },
        ]
      }

      case 3: {
        return [
          {
            op: 'update',
            table: 'Parent',
            where: whereP,
            row: {
              n: Math.floor(this.rnd() * 100),
              b: this.rnd() < 0.5,
              opt: wire.set(this.rnd() < 0.5 ? [Math.floor(this.rnd() * 5)] : []),
            },
          },
        ]
      }

      case 4: {
        return [
          {
            op: 'mutate',
            table: 'Parent',
            where: whereP,
            mutations: [
              ['tags', this.rnd() < 0.5 ? 'insert' : 'delete', wire.set(this.words(2))],
              ['n', '+=', 1],
            ],
          },
        ]
      }

      case 5: {
        return [
          {
            op: 'mutate',
            table: 'Parent',
            where: whereP,
            mutations: [['ext', 'insert', wire.map(this.words(2).map((w) => [w, this.word()]))]],
          },
        ]
      }

      case 6: {
        return [
          {
            op: 'mutate',
            table: 'Parent',
            where: whereP,
            mutations: [
              ['ext', 'delete', wire.set(this.words(2))],
              ['weights', 'insert', wire.map([[this.word(), Math.floor(this.rnd() * 9)]])],
            ],
          },
        ]
      }

      case 7: {
        return [
          {
            op: 'update',
            table: 'Parent',
            where: whereP,
            row: {ext: wire.map(this.words(3).map((w) => [w, this.word()])), weights: wire.map([])},
          },
        ]
      }

      case 8: {
        return [{op: 'delete', table: 'Parent', where: whereP}]
      }

      case 9: {
        return [
          {
            op: 'mutate',
            table: 'Parent',
            where: whereP,
            mutations: [['children', 'delete', wire.set([wire.uuid(c ?? '00000000-0000-0000-0000-000000000000')])]],
          },
        ]
      }

      case 10: {
        return [{op: 'update', table: 'Parent', where: whereP, row: {best: c ? wire.uuid(c) : wire.set([])}}]
      }

      case 11: {
        return [
          {
            op: 'update',
            table: 'Child',
            where: whereC,
            row: {w: this.rnd(), flag: this.rnd() < 0.5, labels: wire.set(this.words(3))},
          },
        ]
      }

      default: {
        return this.rnd() < 0.6
          ? [
              {
                op: 'insert',
                table: 'Other',
                row: {key: this.word(), peers: wire.set(this.parents.slice(0, 3).map(wire.uuid))},
              },
            ]
          : [{op: 'delete', table: 'Other', where: [['key', '==', this.word()]]}]
      }
    }
  }
}
