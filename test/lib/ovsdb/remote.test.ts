import {expect} from 'chai'

import {
  checkTransactResult,
  exponentialBackoff,
  OvsdbError,
  parseRemote,
  parseRemotes,
  RemoteSyntaxError,
  shuffled,
} from '../../../src/lib/ovsdb/index.js'

describe('ovsdb remotes, backoff, transact results', () => {
  const good: Array<[string, object]> = [
    ['tcp:127.0.0.1:6641', {kind: 'tcp', host: '127.0.0.1', port: 6641}],
    ['tcp:[::1]:6641', {kind: 'tcp', host: '::1', port: 6641}],
    ['ssl:[2001:db8::5]:6641', {kind: 'ssl', host: '2001:db8::5', port: 6641}],
    ['ssl:ovn-central.example:16641', {kind: 'ssl', host: 'ovn-central.example', port: 16_641}],
    ['tcp:10.0.0.1', {kind: 'tcp', host: '10.0.0.1', port: 6640}],
    ['unix:/run/ovn/ovnnb_db.sock', {kind: 'unix', path: '/run/ovn/ovnnb_db.sock'}],
  ]
  for (const [text, want] of good) {
    it(`parses ${text}`, () => expect(parseRemote(text)).to.deep.include(want))
  }

  const bad = [
    'tcp:::1:6641',
    'tcp:[::1',
    'tcp:[10.0.0.1]:1',
    'tcp:1.2.3.4:0',
    'tcp:1.2.3.4:70000',
    'udp:1.2.3.4:1',
    'unix:',
    'tcp:-bad:1',
    '/path',
    'tcp:[::1]x',
  ]
  for (const text of bad) {
    it(`rejects ${text}`, () => expect(() => parseRemote(text)).to.throw(RemoteSyntaxError))
  }

  it('parses comma-separated lists and rejects an empty one', () => {
    expect(parseRemotes('tcp:10.0.0.1:6641, tcp:10.0.0.2:6641,').map((r) => r.text)).to.deep.equal([
      'tcp:10.0.0.1:6641',
      'tcp:10.0.0.2:6641',
    ])
    expect(() => parseRemotes(' , ')).to.throw(RemoteSyntaxError)
  })

  it('shuffles deterministically with an injected random source and keeps every element', () => {
    const items = [1, 2, 3, 4, 5]
    expect(shuffled(items, () => 0)).to.deep.equal([2, 3, 4, 5, 1])
    expect(shuffled(items, () => 0.999).sort()).to.deep.equal(items)
  })

  it('backs off exponentially with jitter in [50%, 100%) and a cap', () => {
    const lo = exponentialBackoff({baseMs: 100, maxMs: 1000, random: () => 0})
    const hi = exponentialBackoff({baseMs: 100, maxMs: 1000, random: () => 0.999_999})
    expect([1, 2, 3, 4, 5, 50].map(lo)).to.deep.equal([50, 100, 200, 400, 500, 500])
    expect([1, 2, 3, 4, 5, 50].map(hi)).to.deep.equal([100, 200, 400, 800, 1000, 1000])
  })

  it('turns an op error into OvsdbError with its index, and a commit error without one', () => {
    const ops = [
      {op: 'comment' as const, comment: 'x'},
      {op: 'delete' as const, table: 'T', where: []},
    ]
    expect(() => checkTransactResult(ops, [{}, {error: 'constraint violation', details: 'why'}])).to.throw(
      OvsdbError,
      'transact op 1: constraint violation (why)',
    )
    try {
      checkTransactResult(ops, [{}, {count: 1}, {error: 'referential integrity violation'}])
      expect.fail('no error')
    } catch (error) {
      expect(error).to.be.instanceOf(OvsdbError).with.property('opIndex', undefined)
    }

    expect(checkTransactResult(ops, [{}, {count: 2}])).to.deep.equal([{}, {count: 2}])
  })
})
