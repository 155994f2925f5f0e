// The typed registry over prom-client: exact exposition of our families (golden), the checks
// prom-client does not make (exact label sets, reserved label names, monotonic counters), and
// reading values back.
import {expect} from 'chai'

import {Counter, Registry} from '../../../src/lib/metrics/registry.js'

describe('metrics registry (prom-client): text exposition 0.0.4', () => {
  it('renders counters, gauges and histograms exactly (golden), labels in declared order', async () => {
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
    expect(await r.metrics()).to.equal(
      [
        '# HELP demo_requests_total Requests handled.',
        '# TYPE demo_requests_total counter',
        'demo_requests_total{code="200",path="/a"} 3',
        'demo_requests_total{code="500",path="/b"} 1',
        '',
        '# HELP demo_temperature Current temperature.',
        '# TYPE demo_temperature gauge',
        'demo_temperature -3.5',
        '',
        '# HELP demo_latency_seconds Latency.',
        '# TYPE demo_latency_seconds histogram',
        'demo_latency_seconds_bucket{le="0.1",op="add"} 2',
        'demo_latency_seconds_bucket{le="1",op="add"} 2',
        'demo_latency_seconds_bucket{le="2.5",op="add"} 3',
        'demo_latency_seconds_bucket{le="+Inf",op="add"} 4',
        'demo_latency_seconds_sum{op="add"} 9.15',
        'demo_latency_seconds_count{op="add"} 4',
        '',
      ].join('\n'),
    )
  })

  it('renders a label-less metric at 0 before any update, a labelled one with no series as headers only', async () => {
    const r = new Registry()
    r.counter({name: 'a_total', help: 'A.'})
    r.gauge({name: 'b', help: 'B.', labelNames: ['x']})
    r.histogram({name: 'c_seconds', help: 'C.', buckets: [1]})
    expect(await r.metrics()).to.equal(
      '# HELP a_total A.\n# TYPE a_total counter\na_total 0\n\n' +
        '# HELP b B.\n# TYPE b gauge\n\n' +
        '# HELP c_seconds C.\n# TYPE c_seconds histogram\nc_seconds_bucket{le="1"} 0\nc_seconds_bucket{le="+Inf"} 0\nc_seconds_sum 0\nc_seconds_count 0\n',
    )
  })

  it('escapes label values and HELP text', async () => {
    const r = new Registry()
    const c = r.counter({name: 'esc_total', help: 'Back\\slash and\nnewline.', labelNames: ['v']})
    c.inc({v: 'a"b\\c\nd'})
    expect(await r.metrics()).to.equal(
      '# HELP esc_total Back\\\\slash and\\nnewline.\n# TYPE esc_total counter\nesc_total{v="a\\"b\\\\c\\nd"} 1\n',
    )
  })

  it('supports declare (a series at 0 before its first update) and remove', async () => {
    const r = new Registry()
    const g = r.gauge({name: 'g', help: 'G.', labelNames: ['k']})
    const h = r.histogram({name: 'h_seconds', help: 'H.', labelNames: ['k'], buckets: [1]})
    g.declare({k: 'z'})
    h.declare({k: 'q'})
    g.set({k: 'a'}, 1)
    g.inc({k: 'z'}, 2)
    g.dec({k: 'a'})
    expect(await r.metrics()).to.equal(
      '# HELP g G.\n# TYPE g gauge\ng{k="z"} 2\ng{k="a"} 0\n\n' +
        '# HELP h_seconds H.\n# TYPE h_seconds histogram\nh_seconds_bucket{le="1",k="q"} 0\nh_seconds_bucket{le="+Inf",k="q"} 0\nh_seconds_sum{k="q"} 0\nh_seconds_count{k="q"} 0\n',
    )
    g.remove({k: 'z'})
    expect(await r.metrics()).to.match(/^# HELP g G\.\n# TYPE g gauge\ng\{k="a"\} 0\n\n/)
  })

  it('rejects invalid use', () => {
    const r = new Registry()
    const c = r.counter({name: 'x_total', help: 'X.', labelNames: ['a']})
    expect(() => c.inc({a: '1'}, -1)).to.throw(RangeError)
    expect(() => c.inc({a: '1'}, Number.POSITIVE_INFINITY)).to.throw(RangeError)
    expect(() => c.inc({} as {a: string})).to.throw(TypeError, /exactly \{a\}/)
    expect(() => c.inc({a: '1', b: '2'} as {a: string})).to.throw(TypeError)
    expect(() => r.counter({name: 'x_total', help: 'again'})).to.throw(/already registered/)
    expect(() => new Counter({name: '1bad', help: ''})).to.throw(/metric name/)
    expect(() => new Counter({name: 'ok', help: '', labelNames: ['__x']})).to.throw(/label name/)
    expect(() => r.histogram({name: 'h', help: '', labelNames: ['le'], buckets: [1]})).to.throw(/label name/)
    expect(() => r.histogram({name: 'h2', help: '', buckets: [2, 1]})).to.throw(/ascending/)
    expect(() => r.histogram({name: 'h3', help: '', buckets: [1, Number.POSITIVE_INFINITY]})).to.throw(/finite/)
    // a rejected family is not half-registered: the name can be used afterwards
    expect(() => r.histogram({name: 'h2', help: 'H2.', buckets: [1, 2]})).to.not.throw()
  })

  it('reads values back for tests and logs', async () => {
    const r = new Registry()
    const c = r.counter({name: 'n_total', help: 'N.', labelNames: ['k']})
    const h = r.histogram({name: 'd_seconds', help: 'D.', buckets: [1]})
    c.inc({k: 'a'}, 4)
    h.observe({}, 0.5)
    h.observe({}, Number.NaN)
    expect(await c.get({k: 'a'})).to.equal(4)
    expect(await c.get({k: 'never'})).to.equal(0)
    expect(await h.get()).to.deep.equal({count: 1, sum: 0.5})
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

  it("adds prom-client's default collectors on request, sampled at each scrape", async () => {
    const r = new Registry()
    expect((await r.metrics()).trim()).to.equal('')
    r.collectDefaults()
    const text = await r.metrics()
    for (const name of [
      'process_cpu_seconds_total counter',
      'process_resident_memory_bytes gauge',
      'process_open_fds gauge',
      'nodejs_eventloop_lag_seconds gauge',
      'nodejs_gc_duration_seconds histogram',
    ])
      expect(text).to.include(`# TYPE ${name}\n`)
  })
})
