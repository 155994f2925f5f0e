import {expect} from 'chai'
import {mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {DependencyError} from '../../../src/lib/errors.js'
import {Ledger, LEDGER_FILE} from '../../../src/lib/kernel/ledger.js'
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
