import {expect} from 'chai'
import {
  appendFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {DependencyError} from '../../../src/lib/errors.js'
import {JOURNAL_SUFFIX, Ledger, LEDGER_FILE} from '../../../src/lib/kernel/ledger.js'
import {checkStateDir, writeFileAtomic} from '../../../src/lib/kernel/state-dir.js'
import {type LogFields, type Logger, NullLogger} from '../../../src/lib/log.js'

describe('kernel/ledger', () => {
  let dir: string

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'kernel-ledger-'))
  })

  afterEach(() => {
    rmSync(dir, {recursive: true, force: true})
  })

  it('starts empty, saves sorted keys atomically, creating the state dir', async () => {
    const l = Ledger.inDir(join(dir, 'state'))
    await l.load()
    expect(l.entries()).to.deep.equal([])
    l.add('neigh|br-ex|10.0.0.2')
    l.add('neigh|br-ex|10.0.0.1')
    await l.save()
    const saved = JSON.parse(readFileSync(join(dir, 'state', LEDGER_FILE), 'utf8')) as unknown
    expect(saved).to.deep.equal({version: 1, keys: ['neigh|br-ex|10.0.0.1', 'neigh|br-ex|10.0.0.2']})
    expect(readdirSync(join(dir, 'state'))).to.deep.equal([LEDGER_FILE])
  })

  it("sees another writer's save on the next load", async () => {
    const a = Ledger.inDir(dir)
    const b = Ledger.inDir(dir)
    await a.load()
    await b.load()
    a.add('ndp-proxy|br-ex|2001:db8::')
    await a.save()
    await b.load()
    expect(b.has('ndp-proxy|br-ex|2001:db8::')).to.equal(true)
    b.delete('ndp-proxy|br-ex|2001:db8::')
    await b.save()
    await a.load()
    expect(a.entries()).to.deep.equal([])
  })

  const bad: Array<{name: string; make: (path: string) => void; reason: RegExp}> = [
    {name: 'not JSON', make: (p) => writeFileSync(p, '{not json'), reason: /^corrupt: /},
    {name: 'truncated to nothing', make: (p) => writeFileSync(p, ''), reason: /^corrupt: /},
    {name: 'JSON but not a ledger', make: (p) => writeFileSync(p, '[1,2]'), reason: /not a JSON object/},
    {name: 'keys not a list', make: (p) => writeFileSync(p, '{"version":1,"keys":"x"}'), reason: /keys is not a list/},
    {name: 'unreadable (a directory)', make: (p) => mkdirSync(p), reason: /^unreadable: .*EISDIR/},
  ]
  for (const c of bad) {
    it(`sets a ledger that is ${c.name} aside with a warning and starts empty`, async () => {
      const path = join(dir, LEDGER_FILE)
      c.make(path)
      const warnings: Array<{msg: string; fields: LogFields | undefined}> = []
      const logger = {
        ...new NullLogger(),
        warn: (msg: string, fields?: LogFields) => warnings.push({msg, fields}),
        child: () => logger,
      } as unknown as Logger
      const l = new Ledger(path, logger, () => new Date('2026-01-02T03:04:05.678Z'))
      await l.load()
      expect(l.entries()).to.deep.equal([])
      expect(readdirSync(dir)).to.deep.equal([`${LEDGER_FILE}.corrupt-2026-01-02T030405678Z`])
      expect(warnings).to.have.length(1)
      expect(warnings[0]?.msg).to.match(/ledger set aside/)
      expect(String(warnings[0]?.fields?.reason)).to.match(c.reason)
      l.add('neigh|br-ex|10.0.0.1')
      await l.save()
      await new Ledger(path).load()
      expect(JSON.parse(readFileSync(path, 'utf8'))).to.deep.equal({version: 1, keys: ['neigh|br-ex|10.0.0.1']})
    })
  }
})

describe('kernel/state-dir', () => {
  let dir: string

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'kernel-state-dir-'))
  })

  afterEach(() => {
    rmSync(dir, {recursive: true, force: true})
  })

  it('creates a missing state_dir and leaves nothing behind', async () => {
    await checkStateDir(join(dir, 'a', 'b'))
    expect(readdirSync(join(dir, 'a', 'b'))).to.deep.equal([])
  })

  it('refuses a state_dir that cannot be created: exit 4, naming the option and the fix', async () => {
    writeFileSync(join(dir, 'file'), '')
    const err = (await checkStateDir(join(dir, 'file', 'state')).catch((error: unknown) => error)) as DependencyError
    expect(err).to.be.instanceOf(DependencyError)
    expect(err.exit).to.equal(4)
    expect(err.code).to.equal('STATE_DIR_UNWRITABLE')
    expect(err.message).to.match(/^state_dir .*file\/state is not writable \(ENOTDIR\)/)
    expect(err.suggestions.join(' ')).to.match(/--state-dir/)
  })

  it('writeFileAtomic replaces the content in one step and cleans up its temporary file', async () => {
    const p = join(dir, 'x.json')
    await writeFileAtomic(p, 'one')
    await writeFileAtomic(p, 'two')
    expect(readFileSync(p, 'utf8')).to.equal('two')
    expect(readdirSync(dir)).to.deep.equal(['x.json'])
  })
})

describe('kernel/ledger: journal', () => {
  let dir: string
  const keys = (n: number, from = 0): string[] =>
    Array.from({length: n}, (_, i) => `neigh|br-ex|10.1.${Math.floor((from + i) / 256)}.${(from + i) % 256}`)

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'kernel-ledger-journal-'))
  })

  afterEach(() => {
    rmSync(dir, {recursive: true, force: true})
  })

  async function ledgerOf(n: number): Promise<Ledger> {
    const l = Ledger.inDir(dir)
    await l.load()
    for (const k of keys(n)) l.add(k)
    await l.save()
    return l
  }

  it('a small change to a large ledger is appended to the journal; the snapshot is not rewritten', async () => {
    const l = await ledgerOf(400)
    const snap = statSync(join(dir, LEDGER_FILE))
    l.add('neigh|br-ex|10.9.9.9')
    l.delete(keys(1)[0]!)
    await l.save()
    expect(statSync(join(dir, LEDGER_FILE)).ino, 'snapshot untouched').to.equal(snap.ino)
    expect(readFileSync(join(dir, LEDGER_FILE + JOURNAL_SUFFIX), 'utf8')).to.equal(
      `["+neigh|br-ex|10.9.9.9","-${keys(1)[0]}"]\n`,
    )
    const fresh = Ledger.inDir(dir)
    await fresh.load()
    expect(fresh.entries()).to.deep.equal(l.entries())
    expect(fresh.size).to.equal(400)
  })

  it('reads one-change lines and whole-save lines alike (a journal an earlier version wrote)', async () => {
    const l = await ledgerOf(400)
    const [a, b] = keys(2)
    writeFileSync(
      join(dir, LEDGER_FILE + JOURNAL_SUFFIX),
      `-"${a}"\n+"neigh|br-ex|10.9.9.1"\n["+neigh|br-ex|10.9.9.2","-${b}","-neigh|br-ex|10.9.9.1"]\n`,
    )
    const fresh = Ledger.inDir(dir)
    await fresh.load()
    const want = new Set(l.entries())
    want.delete(a!)
    want.delete(b!)
    want.add('neigh|br-ex|10.9.9.2')
    expect(fresh.entries()).to.deep.equal([...want].sort())
  })

  it('compacts once the journal would exceed a quarter of the keys: one snapshot, no journal', async () => {
    const l = await ledgerOf(400)
    for (let i = 0; i < 100; i++) {
      l.add(keys(1, 1000 + i)[0]!)
      await l.save()
    }

    const lines = readFileSync(join(dir, LEDGER_FILE + JOURNAL_SUFFIX), 'utf8').split('\n').length - 1
    expect(lines).to.be.at.most(125)
    for (let i = 100; i < 160; i++) {
      l.add(keys(1, 1000 + i)[0]!)
      await l.save()
    }

    const files = readdirSync(dir)
    const snapshot = (JSON.parse(readFileSync(join(dir, LEDGER_FILE), 'utf8')) as {keys: string[]}).keys
    const journal = files.includes(LEDGER_FILE + JOURNAL_SUFFIX)
      ? readFileSync(join(dir, LEDGER_FILE + JOURNAL_SUFFIX), 'utf8').split('\n').length - 1
      : 0
    expect(snapshot.length + journal, 'every key in the snapshot or the journal').to.equal(560)
    expect(snapshot.length, 'compacted at least once').to.be.greaterThan(400)
    const fresh = Ledger.inDir(dir)
    await fresh.load()
    expect(fresh.entries()).to.deep.equal(l.entries())
  })

  it("sees another writer's appends and removals on its next load", async () => {
    const a = await ledgerOf(400)
    const b = Ledger.inDir(dir)
    await b.load()
    a.add('neigh|br-ex|10.9.9.1')
    await a.save()
    await b.load()
    expect(b.has('neigh|br-ex|10.9.9.1')).to.equal(true)
    a.delete('neigh|br-ex|10.9.9.1')
    await a.save()
    await b.load()
    expect(b.has('neigh|br-ex|10.9.9.1')).to.equal(false)
    expect(b.entries()).to.deep.equal(a.entries())
  })

  it('leaves out a torn last line (a kill during an append), and the next save compacts', async () => {
    const l = await ledgerOf(400)
    l.add('neigh|br-ex|10.9.9.1')
    await l.save()
    appendFileSync(join(dir, LEDGER_FILE + JOURNAL_SUFFIX), '+"neigh|br-ex|10.9.')
    const b = Ledger.inDir(dir)
    await b.load()
    expect(b.size).to.equal(401)
    expect(b.has('neigh|br-ex|10.9.9.1')).to.equal(true)
    b.add('neigh|br-ex|10.9.9.2')
    await b.save()
    expect(readdirSync(dir)).to.deep.equal([LEDGER_FILE])
    const c = Ledger.inDir(dir)
    await c.load()
    expect(c.size).to.equal(402)
  })

  it('replays a journal a crash left behind after its compaction to the same set', async () => {
    const l = await ledgerOf(400)
    l.add('neigh|br-ex|10.9.9.1')
    l.delete(keys(1)[0]!)
    await l.save()
    const journal = readFileSync(join(dir, LEDGER_FILE + JOURNAL_SUFFIX), 'utf8')
    // The compaction's snapshot, written, and the kill before the journal is deleted.
    writeFileSync(join(dir, LEDGER_FILE), JSON.stringify({version: 1, keys: l.entries()}))
    writeFileSync(join(dir, LEDGER_FILE + JOURNAL_SUFFIX), journal)
    const b = Ledger.inDir(dir)
    await b.load()
    expect(b.entries()).to.deep.equal(l.entries())
  })

  it('sets a journal with a corrupt line aside with a warning, keeping the snapshot', async () => {
    await ledgerOf(400)
    writeFileSync(join(dir, LEDGER_FILE + JOURNAL_SUFFIX), '+"neigh|br-ex|10.9.9.1"\nxyz\n')
    const warnings: Array<LogFields | undefined> = []
    const logger = {
      ...new NullLogger(),
      warn: (_msg: string, fields?: LogFields) => warnings.push(fields),
      child: () => logger,
    } as unknown as Logger
    const l = new Ledger(join(dir, LEDGER_FILE), logger, () => new Date('2026-01-02T03:04:05.678Z'))
    await l.load()
    expect(l.size).to.equal(400)
    expect(warnings).to.have.length(1)
    expect(String(warnings[0]?.reason)).to.match(/journal line 2/)
    expect(readdirSync(dir).sort()).to.deep.equal([
      LEDGER_FILE,
      `${LEDGER_FILE}${JOURNAL_SUFFIX}.corrupt-2026-01-02T030405678Z`,
    ])
  })

  it('keeps the journal when the snapshot is corrupt: its keys were recorded as owned', async () => {
    await ledgerOf(400)
    const l = Ledger.inDir(dir)
    await l.load()
    l.add('neigh|br-ex|10.9.9.1')
    await l.save()
    writeFileSync(join(dir, LEDGER_FILE), '{not json')
    const b = new Ledger(join(dir, LEDGER_FILE), new NullLogger(), () => new Date('2026-01-02T03:04:05.678Z'))
    await b.load()
    expect(b.entries()).to.deep.equal(['neigh|br-ex|10.9.9.1'])
  })
})

describe('kernel/state-dir: writeFileAtomic with concurrent writers in one process', () => {
  it('20 concurrent writes of one file all succeed, and the file is one of them whole', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'atomic-'))
    try {
      const path = join(dir, 'kernel-ledger.json')
      const bodies = Array.from({length: 20}, (_, i) => JSON.stringify({writer: i, pad: 'x'.repeat(10_000)}))
      await Promise.all(bodies.map((b) => writeFileAtomic(path, b)))
      expect(bodies).to.include(readFileSync(path, 'utf8'))
      expect(readdirSync(dir), 'no temporary file left').to.deep.equal(['kernel-ledger.json'])
    } finally {
      rmSync(dir, {recursive: true, force: true})
    }
  })
})
