import {expect} from 'chai'

import {escapeHelp, escapeLabelValue, formatValue} from '../../../src/lib/metrics/format.js'
import {Counter, Registry} from '../../../src/lib/metrics/registry.js'

describe('metrics registry: text exposition 0.0.4', () => {
  it('renders counters, gauges and histograms exactly (golden)', () => {
    const r = new Registry()
    const c = r.counter({name: 'demo_requests_total', help: 'Requests handled.', labelNames: ['code', 'path']})
    const g = r.gauge({name: 'demo_temperature', help: 'Current temperature.'})
    const h = r.histogram({name: 'demo_latency_seconds', help: 'Latency.', labelNames: ['op'], buckets: [0.1, 1, 2.5]})
    c.inc({code: '200', path: '/a'})
    c.inc({code: '200', path: '/a'}, 2)
    c.inc({path: '/b', code: '500'})
    g.set({}, -3.5)
    h.observe({op: 'add'}, 0.05)
    h.observe({op: 'add'}, 0.1)
    h.observe({op: 'add'}, 2)
    h.observe({op: 'add'}, 7)
    expect(r.metrics()).to.equal(
      [
        '# HELP demo_requests_total Requests handled.',
        '# TYPE demo_requests_total counter',
        'demo_requests_total{code="200",path="/a"} 3',
        'demo_requests_total{code="500",path="/b"} 1',
        '# HELP demo_temperature Current temperature.',
        '# TYPE demo_temperature gauge',
        'demo_temperature -3.5',
        '# HELP demo_latency_seconds Latency.',
        '# TYPE demo_latency_seconds histogram',
        'demo_latency_seconds_bucket{op="add",le="0.1"} 2',
        'demo_latency_seconds_bucket{op="add",le="1"} 2',
        'demo_latency_seconds_bucket{op="add",le="2.5"} 3',
        'demo_latency_seconds_bucket{op="add",le="+Inf"} 4',
        'demo_latency_seconds_sum{op="add"} 9.15',
        'demo_latency_seconds_count{op="add"} 4',
        '',
      ].join('\n'),
    )
  })

  it('renders a label-less metric at 0 before any update, a labelled one with no series as headers only', () => {
    const r = new Registry()
    r.counter({name: 'a_total', help: 'A.'})
    r.gauge({name: 'b', help: 'B.', labelNames: ['x']})
    r.histogram({name: 'c_seconds', help: 'C.', buckets: [1]})
    expect(r.metrics()).to.equal(
      '# HELP a_total A.\n# TYPE a_total counter\na_total 0\n' +
        '# HELP b B.\n# TYPE b gauge\n' +
        '# HELP c_seconds C.\n# TYPE c_seconds histogram\nc_seconds_bucket{le="1"} 0\nc_seconds_bucket{le="+Inf"} 0\nc_seconds_sum 0\nc_seconds_count 0\n',
    )
  })

  it('escapes label values and HELP text', () => {
    const r = new Registry()
    const c = r.counter({name: 'esc_total', help: 'Back\\slash and\nnewline.', labelNames: ['v']})
    c.inc({v: 'a"b\\c\nd'})
    expect(r.metrics()).to.equal(
      '# HELP esc_total Back\\\\slash and\\nnewline.\n# TYPE esc_total counter\nesc_total{v="a\\"b\\\\c\\nd"} 1\n',
    )
    expect(escapeHelp('say "hi"')).to.equal('say "hi"')
    expect(escapeLabelValue('say "hi"')).to.equal(String.raw`say \"hi\"`)
  })

  it('formats special float values the Prometheus way', () => {
    expect(
      [Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.NaN, -0, 1e21, 0.25].map(formatValue),
    ).to.deep.equal(['+Inf', '-Inf', 'NaN', '0', '1e+21', '0.25'])
  })

  it('keeps first-use order of label sets and supports declare/remove', () => {
    const r = new Registry()
    const g = r.gauge({name: 'g', help: 'G.', labelNames: ['k']})
    g.declare({k: 'z'})
    g.set({k: 'a'}, 1)
    g.inc({k: 'z'}, 2)
    g.dec({k: 'a'})
    expect(r.metrics()).to.equal('# HELP g G.\n# TYPE g gauge\ng{k="z"} 2\ng{k="a"} 0\n')
    g.remove({k: 'z'})
    expect(r.metrics()).to.equal('# HELP g G.\n# TYPE g gauge\ng{k="a"} 0\n')
  })

  it('rejects invalid use', () => {
    const r = new Registry()
    const c = r.counter({name: 'x_total', help: 'X.', labelNames: ['a']})
    expect(() => c.inc({a: '1'}, -1)).to.throw(RangeError)
    expect(() => c.inc({} as {a: string})).to.throw(TypeError, /exactly \{a\}/)
    expect(() => c.inc({a: '1', b: '2'} as {a: string})).to.throw(TypeError)
    expect(() => r.counter({name: 'x_total', help: 'again'})).to.throw(/already registered/)
    expect(() => new Counter({name: '1bad', help: ''})).to.throw(/metric name/)
    expect(() => new Counter({name: 'ok', help: '', labelNames: ['__x']})).to.throw(/label name/)
    expect(() => r.histogram({name: 'h', help: '', labelNames: ['le'], buckets: [1]})).to.throw(/label name/)
    expect(() => r.histogram({name: 'h2', help: '', buckets: [2, 1]})).to.throw(/ascending/)
    expect(() => r.histogram({name: 'h3', help: '', buckets: [1, Number.POSITIVE_INFINITY]})).to.throw(/finite/)
  })

  it('reads values back for tests and logs', () => {
    const r = new Registry()
    const c = r.counter({name: 'n_total', help: 'N.', labelNames: ['k']})
    const h = r.histogram({name: 'd_seconds', help: 'D.', buckets: [1]})
    c.inc({k: 'a'}, 4)
    h.observe({}, 0.5)
    h.observe({}, Number.NaN)
    expect(c.get({k: 'a'})).to.equal(4)
    expect(c.get({k: 'never'})).to.equal(0)
    expect(h.get()).to.deep.equal({count: 1, sum: 0.5})
  })

  it('describes its families for documentation', () => {
    const r = new Registry()
    r.counter({name: 'a_total', help: 'A.', labelNames: ['k']})
    r.histogram({name: 'h_seconds', help: 'H.', buckets: [1]})
    expect(r.describe()).to.deep.equal([
      {name: 'a_total', help: 'A.', type: 'counter', labelNames: ['k']},
      {name: 'h_seconds', help: 'H.', type: 'histogram', labelNames: []},
    ])
  })

  it('runs collect hooks before each rendering', () => {
    const r = new Registry()
    const g = r.gauge({name: 'sampled', help: 'S.'})
    let n = 0
    r.onCollect(() => g.set({}, ++n))
    expect(r.metrics()).to.include('sampled 1\n')
    expect(r.metrics()).to.include('sampled 2\n')
  })
})
