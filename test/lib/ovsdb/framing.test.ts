import {expect} from 'chai'

import {FramingError, JsonFramer} from '../../../src/lib/ovsdb/index.js'

const MESSAGES = [
  {id: 1, method: 'echo', params: []},
  {id: null, method: 'update2', params: ['m1', {T: {u: {modify: {s: String.raw`a } ] { [ "quoted" \ back\slash`}}}}]},
  [1, 2, [3, [4, {}]], '}}}', '\\'],
  {text: 'héllo wörld – 日本語 🚀 ✓', nested: {empty: '', brace: '{', bracket: ']'}},
  {id: 'echo', result: [], error: null},
]

function feed(framer: JsonFramer, bytes: Buffer, cuts: number[]): string[] {
  const out: string[] = []
  let at = 0
  for (const c of [...cuts, bytes.length]) {
    out.push(...framer.push(bytes.subarray(at, c)))
    at = c
  }

  return out
}

describe('ovsdb JsonFramer', () => {
  const texts = MESSAGES.map((m) => JSON.stringify(m))
  const stream = Buffer.from(texts.join('') + '\n' + texts.join(' \r\n\t'), 'utf8')
  const expected = [...texts, ...texts]

  it('yields back-to-back messages from one chunk', () => {
    expect(new JsonFramer().push(stream)).to.deep.equal(expected)
  })

  it('yields the same messages for a split at every byte offset (incl. inside UTF-8 sequences)', () => {
    for (let cut = 1; cut < stream.length; cut++) {
      expect(feed(new JsonFramer(), stream, [cut]), `cut at ${cut}`).to.deep.equal(expected)
    }
  })

  it('yields the same messages when fed one byte at a time and in pairs of random cuts', () => {
    const bytes = Array.from({length: stream.length - 1}, (_, i) => i + 1)
    expect(feed(new JsonFramer(), stream, bytes)).to.deep.equal(expected)
    let seed = 7
    const rnd = (): number => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31
      return seed / 2 ** 31
    }

    for (let k = 0; k < 300; k++) {
      const a = 1 + Math.floor(rnd() * (stream.length - 2))
      const b = a + 1 + Math.floor(rnd() * (stream.length - a - 1))
      expect(feed(new JsonFramer(), stream, [a, b])).to.deep.equal(expected)
    }
  })

  it('parses each yielded text back to the original value', () => {
    expect(new JsonFramer().push(stream).map((t) => JSON.parse(t) as unknown)).to.deep.equal([...MESSAGES, ...MESSAGES])
  })

  it('does not alias the caller buffer across pushes', () => {
    const f = new JsonFramer()
    const chunk = Buffer.from('{"a":"xy')
    expect(f.push(chunk)).to.deep.equal([])
    chunk.fill(0x20)
    expect(f.push(Buffer.from('z"}'))).to.deep.equal(['{"a":"xyz"}'])
  })

  const bad: Array<[string, string, 'syntax' | 'too-large', number?]> = [
    ['a bare number at top level', '42', 'syntax'],
    ['a bare string at top level', '"x"', 'syntax'],
    ['garbage after a message', '{"a":1}x', 'syntax'],
    ['a message over the limit in one chunk', JSON.stringify({s: 'x'.repeat(100)}), 'too-large', 64],
  ]
  for (const [name, text, code, max] of bad) {
    it(`throws FramingError(${code}) on ${name}`, () => {
      const f = new JsonFramer(max)
      expect(() => f.push(Buffer.from(text)))
        .to.throw(FramingError)
        .with.property('code', code)
      // the framer stays broken: the stream lost sync
      expect(() => f.push(Buffer.from('{}'))).to.throw(FramingError)
    })
  }

  it('throws too-large while a big message is still arriving, before its end', () => {
    const f = new JsonFramer(1000)
    expect(f.push(Buffer.from('{"s":"' + 'x'.repeat(900)))).to.deep.equal([])
    expect(() => f.push(Buffer.from('x'.repeat(200))))
      .to.throw(FramingError)
      .with.property('code', 'too-large')
  })

  it('accepts a message of exactly the limit', () => {
    const text = JSON.stringify({s: 'y'.repeat(50)})
    expect(new JsonFramer(Buffer.byteLength(text)).push(Buffer.from(text))).to.deep.equal([text])
  })
})
