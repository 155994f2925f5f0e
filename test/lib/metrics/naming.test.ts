// The metric names of the daemon against the Prometheus naming conventions
// (https://prometheus.io/docs/practices/naming/), on a scrape of the real HTTP endpoint: one
// application prefix, snake_case, base units (seconds, bytes) as the last word, `_total` exactly on
// counters, `_info` gauges of value 1, `_timestamp_seconds` for points in time, HELP and TYPE for
// every family; plus prom-client's default collectors. The same checks run on a real `watch` in
// test/commands/watch.test.ts.
import {expect} from 'chai'
import {get} from 'node:http'

import {AgentMetrics} from '../../../src/lib/metrics/index.js'
import {missingDefaults, namingProblems, parseExposition, type ScrapedFamily} from './conventions.js'

async function scrape(m: AgentMetrics): Promise<string> {
  const server = await m.serve('127.0.0.1:0')
  try {
    return await new Promise<string>((resolve, reject) => {
      get(`${server.url()}/metrics`, {agent: false}, (res) => {
        expect(res.headers['content-type']).to.equal('text/plain; version=0.0.4; charset=utf-8')
        let body = ''
        res.setEncoding('utf8')
        res.on('data', (d: string) => {
          body += d
        })
        res.on('end', () => resolve(body))
      }).on('error', reject)
    })
  } finally {
    await server.close()
  }
}

describe('metrics: Prometheus naming conventions', () => {
  it('every ovn_bgp_* family of a scrape follows them, and the default collectors are there', async () => {
    const m = new AgentMetrics({build: {version: '1.2.3', commit: 'abc'}})
    m.recordPass({result: 'ok', durationSeconds: 0.1, full: true})
    const families = parseExposition(await scrape(m))
    const ours = [...families.values()].filter((f) => f.name.startsWith('ovn_bgp_'))
    expect(ours.map((f) => f.name)).to.have.members(m.registry.describe().map((f) => f.name))
    expect(ours.flatMap((f) => namingProblems(f))).to.deep.equal([])
    expect(missingDefaults(families)).to.deep.equal([])
    for (const f of families.values()) {
      expect(f.type, `${f.name}: TYPE`).to.be.a('string')
      expect(f.help, `${f.name}: HELP`).to.be.a('string').and.not.equal('')
    }
  })

  it('has the families an operator needs: build info, NB reconnects, FRR checks, last good pass', () => {
    const names = new AgentMetrics({processMetrics: false}).registry.describe().map((f) => f.name)
    expect(names).to.include.members([
      'ovn_bgp_build_info',
      'ovn_bgp_nb_reconnects_total',
      'ovn_bgp_frr_checks_total',
      'ovn_bgp_last_successful_reconcile_timestamp_seconds',
    ])
  })

  // the checks themselves: each rule catches what it is for
  const fam = (name: string, type: string, value = 1, labels: Record<string, string> = {}): ScrapedFamily => ({
    name,
    type,
    help: 'Some help text.',
    samples: [{name, labels, value}],
  })
  const cases: Array<[ScrapedFamily, RegExp | undefined]> = [
    [fam('ovn_bgp_passes_total', 'counter'), undefined],
    [fam('ovn_bgp_pass_seconds', 'histogram'), undefined],
    [fam('ovn_bgp_build_info', 'gauge'), undefined],
    [fam('ovn_bgp_passes', 'counter'), /counter not ending in _total/],
    [fam('ovn_bgp_exposed_total', 'gauge'), /_total on a non-counter/],
    [fam('ovn_bgp_pass_milliseconds', 'histogram'), /base units/],
    [fam('ovn_bgp_pass_duration', 'histogram'), /histogram without a base unit/],
    [fam('ovn_bgp_seconds_pass', 'gauge'), /unit is not the last word/],
    [fam('ovn_bgp_build_info', 'gauge', 2), /_info gauge not at 1/],
    [fam('ovn_bgp_last_timestamp', 'gauge'), /timestamp not in seconds/],
    [fam('ovnBgpPasses_total', 'counter'), /snake_case/],
    [fam('bgp_passes_total', 'counter'), /ovn_bgp_/],
    [fam('ovn_bgp_x_total', 'counter', 1, {Kind: 'a'}), /label Kind/],
    [{...fam('ovn_bgp_x_total', 'counter'), help: undefined}, /no HELP/],
    [{...fam('ovn_bgp_x_total', 'counter'), type: undefined}, /TYPE missing/],
  ]
  for (const [f, problem] of cases) {
    it(`${f.name} (${f.type ?? 'no type'}${f.help ? '' : ', no help'}): ${problem ? `rejected, ${problem.source}` : 'accepted'}`, () => {
      const found = namingProblems(f)
      if (problem) expect(found.join('\n')).to.match(problem)
      else expect(found).to.deep.equal([])
    })
  }

  it('reads histograms, labels and escaped values from an exposition', () => {
    const lines = [
      '# HELP a_seconds A.',
      '# TYPE a_seconds histogram',
      String.raw`a_seconds_bucket{le="1",k="x\"y"} 2`,
      String.raw`a_seconds_bucket{le="+Inf",k="x\"y"} 3`,
      String.raw`a_seconds_sum{k="x\"y"} 4.5`,
      String.raw`a_seconds_count{k="x\"y"} 3`,
      '',
      'stray 1',
    ]
    const f = parseExposition(lines.join('\n') + '\n')
    expect([...f.keys()]).to.deep.equal(['a_seconds', 'stray'])
    expect(f.get('a_seconds')!.samples.map((s) => s.name)).to.deep.equal([
      'a_seconds_bucket',
      'a_seconds_bucket',
      'a_seconds_sum',
      'a_seconds_count',
    ])
    expect(f.get('a_seconds')!.samples[1]).to.deep.equal({
      name: 'a_seconds_bucket',
      labels: {le: '+Inf', k: String.raw`x\"y`},
      value: 3,
    })
    expect(f.get('stray')).to.deep.include({type: undefined, help: undefined})
  })

  it('build_info is 1 with version, commit and runtime labels; a reconnect counts once per outage', async () => {
    const m = new AgentMetrics({processMetrics: false, build: {version: '1.2.3', commit: 'abc'}})
    const text = await m.registry.metrics()
    expect(text).to.match(
      new RegExp(`^ovn_bgp_build_info\\{version="1.2.3",commit="abc",nodejs="${process.versions.node}"\\} 1$`, 'm'),
    )
    // one outage with three failed attempts (the client's states, in order), then up again
    for (const st of ['connecting', 'syncing', 'ready', 'reconnecting', 'connecting', 'reconnecting'] as const)
      m.setNbConnectionState(st)
    for (const st of ['connecting', 'reconnecting', 'connecting', 'syncing', 'ready'] as const)
      m.setNbConnectionState(st)
    m.recordFrrCheck('applied')
    m.recordPass({result: 'ok', durationSeconds: 0.1, full: true})
    const after = await m.registry.metrics()
    expect(after).to.match(/^ovn_bgp_nb_reconnects_total 1$/m)
    expect(after).to.match(/^ovn_bgp_frr_checks_total\{result="applied"\} 1$/m)
    const ts = Number(/^ovn_bgp_last_successful_reconcile_timestamp_seconds (\S+)$/m.exec(after)?.[1])
    expect(Math.abs(ts - Date.now() / 1000)).to.be.lessThan(60)
  })
})
