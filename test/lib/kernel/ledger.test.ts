import {expect} from 'chai'
import {mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {Ledger, LEDGER_FILE} from '../../../src/lib/kernel/ledger.js'

describe('kernel/ledger', function () {
  let dir: string

  beforeEach(function () {
    dir = mkdtempSync(join(tmpdir(), 'kernel-ledger-'))
  })

  afterEach(function () {
    rmSync(dir, {recursive: true, force: true})
  })

  it('starts empty, saves sorted keys atomically, creating the state dir', async function () {
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

  it("sees another writer's save on the next load", async function () {
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

  it('reports a corrupt file instead of treating it as empty', async function () {
    writeFileSync(join(dir, LEDGER_FILE), '{not json')
    let err: unknown
    await Ledger.inDir(dir).load().catch((error: unknown) => (err = error))
    expect(err).to.have.property('code', 'LEDGER_CORRUPT')
  })
})
