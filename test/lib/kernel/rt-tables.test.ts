import {expect} from 'chai'
import {execFile} from 'node:child_process'
import {existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {promisify} from 'node:util'

import {lowestFreeTable, parseRtTables, RtTables, RtTablesExhaustedError} from '../../../src/lib/kernel/rt-tables.js'

const run = promisify(execFile)

describe('kernel/rt-tables', () => {
  let dir: string
  let path: string

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'kernel-rt-'))
    path = join(dir, 'iproute2', 'rt_tables')
  })

  afterEach(() => {
    rmSync(dir, {recursive: true, force: true})
  })

  const parseCases: Array<[string, Array<{table: number; name: string}>]> = [
    [
      '255\tlocal\n254 main\n# 200 commented\n  7 indented\n200 br-ex extra\n',
      [
        {table: 255, name: 'local'},
        {table: 254, name: 'main'},
        {table: 200, name: 'br-ex'},
      ],
    ],
    ['', []],
  ]
  for (const [text, want] of parseCases) {
    it(`parses ${JSON.stringify(text.slice(0, 20))}`, () => {
      expect(parseRtTables(text)).to.deep.equal(want)
    })
  }

  it('picks the lowest free number', () => {
    expect(lowestFreeTable(new Set([1, 2, 4]))).to.equal(3)
    expect(lowestFreeTable(new Set(Array.from({length: 252}, (_, i) => i + 1)))).to.equal(undefined)
  })

  it('keeps an existing entry and appends new bridges deterministically, skipping the VRF table', async () => {
    const shipped = join(dir, 'shipped')
    writeFileSync(shipped, '255\tlocal\n254\tmain\n253\tdefault\n0\tunspec\n1\tbr-old\n')
    const rt = new RtTables(path, {shipped: [shipped]})
    const got = await rt.ensure(['br-old', 'br-ex', 'br-vlan'], [2])
    expect([...got]).to.deep.equal([
      ['br-old', 1],
      ['br-ex', 3],
      ['br-vlan', 4],
    ])
    const text = readFileSync(path, 'utf8')
    expect(text.startsWith('255\tlocal\n')).to.equal(true)
    expect(text.endsWith('1\tbr-old\n3 br-ex # ovn-bgp\n4 br-vlan # ovn-bgp\n')).to.equal(true)
    // Only the appended lines carry the ownership mark: br-old was there before.
    expect([...(await rt.owned())]).to.deep.equal([
      ['br-ex', 3],
      ['br-vlan', 4],
    ])
    // Second run: nothing appended.
    expect([...(await rt.ensure(['br-ex', 'br-vlan'], [2]))]).to.deep.equal([
      ['br-ex', 3],
      ['br-vlan', 4],
    ])
    expect(readFileSync(path, 'utf8')).to.equal(text)
  })

  it('creates a missing file with the standard lines when nothing is shipped', async () => {
    const rt = new RtTables(path, {shipped: [join(dir, 'none')]})
    expect((await rt.ensure(['br-ex'])).get('br-ex')).to.equal(1)
    const entries = parseRtTables(readFileSync(path, 'utf8'))
    expect(entries).to.deep.include({table: 254, name: 'main'})
    expect(entries.at(-1)).to.deep.equal({table: 1, name: 'br-ex'})
  })

  it('appends after a last line without newline', async () => {
    writeFileSync(join(dir, 'rt'), '5 br-a')
    const rt = new RtTables(join(dir, 'rt'))
    await rt.ensure(['br-b'])
    expect(readFileSync(join(dir, 'rt'), 'utf8')).to.equal('5 br-a\n1 br-b # ovn-bgp\n')
  })

  it('throws a typed error when 1..252 are all used', async () => {
    writeFileSync(join(dir, 'rt'), Array.from({length: 251}, (_, i) => `${i + 1} t${i + 1}`).join('\n') + '\n')
    const rt = new RtTables(join(dir, 'rt'))
    let err: unknown
    await rt.ensure(['br-ex'], [252]).catch((error: unknown) => {
      err = error
    })
    expect(err).to.be.instanceOf(RtTablesExhaustedError)
    expect(existsSync(join(dir, 'rt.lock'))).to.equal(false)
  })

  it('rejects names that would corrupt the file', async () => {
    for (const bad of ['a b', '#x', '12', '']) {
      let err: unknown
      await new RtTables(join(dir, 'rt')).ensure([bad]).catch((error: unknown) => {
        err = error
      })
      expect(String(err), bad).to.match(/invalid routing table name/)
    }
  })

  it('gives distinct numbers to concurrent writers in separate processes', async () => {
    writeFileSync(join(dir, 'rt'), '255 local\n254 main\n')
    const mod = fileURLToPath(new URL('../../../src/lib/kernel/rt-tables.ts', import.meta.url))
    const script = `const {RtTables} = await import(${JSON.stringify(mod)}); const m = await new RtTables(process.argv[1]).ensure([process.argv[2]]); console.log(m.get(process.argv[2]))`
    const procs = Array.from({length: 6}, (_, i) =>
      run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, join(dir, 'rt'), `br-${i}`]),
    )
    const numbers = (await Promise.all(procs)).map((r) => Number(r.stdout.trim()))
    expect(new Set(numbers).size).to.equal(6)
    expect([...numbers].sort((a, b) => a - b)).to.deep.equal([1, 2, 3, 4, 5, 6])
    const entries = parseRtTables(readFileSync(join(dir, 'rt'), 'utf8'))
    expect(entries).to.have.length(8)
  })

  it('removes a stale lock left by a dead writer', async () => {
    writeFileSync(join(dir, 'rt'), '')
    writeFileSync(join(dir, 'rt.lock'), '99999')
    const rt = new RtTables(join(dir, 'rt'), {staleLockMs: 0, lockTimeoutMs: 2000})
    expect((await rt.ensure(['br-ex'])).get('br-ex')).to.equal(1)
  })
})
