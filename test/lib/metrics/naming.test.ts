// The metric names of the daemon against the Prometheus naming conventions
// (https://prometheus.io/docs/practices/naming/): one application prefix, snake_case, base units
// (seconds, bytes) as suffixes, `_total` exactly on counters, `_info` gauges of value 1 for build
// information, `_timestamp_seconds` for points in time, and a help text for every family.
import {expect} from 'chai'

import {AgentMetrics} from '../../../src/lib/metrics/index.js'

const STANDARD = /^(process|nodejs)_/ // families named as the official clients name them
const UNIT_WORDS = /_(milliseconds|microseconds|minutes|hours|kilobytes|megabytes|percent)(_|$)/

describe('metrics: Prometheus naming conventions', () => {
  const m = new AgentMetrics({build: {version: '1.2.3', commit: 'abc'}})
  const families = m.registry.describe()

  it('has the families an operator needs: build info, NB reconnects, FRR checks, last good pass', () => {
    const names = families.map((f) => f.name)
    expect(names).to.include.members([
      'ovn_bgp_build_info',
      'ovn_bgp_nb_reconnects_total',
      'ovn_bgp_frr_checks_total',
      'ovn_bgp_last_successful_reconcile_timestamp_seconds',
    ])
  })

  for (const f of new AgentMetrics().registry.describe()) {
    it(`${f.name} (${f.type})`, () => {
      expect(f.name).to.match(/^[a-z][a-z0-9_]*$/)
      expect(f.name).to.not.match(/__/)
      if (!STANDARD.test(f.name)) expect(f.name, 'application prefix').to.match(/^ovn_bgp_/)
      expect(f.name, 'base units only').to.not.match(UNIT_WORDS)
      if (f.type === 'counter') expect(f.name, 'counters end in _total').to.match(/_total$/)
      else expect(f.name, '_total only on counters').to.not.match(/_total$/)
      if (f.type === 'histogram') expect(f.name, 'histograms of a base unit').to.match(/_(seconds|bytes)$/)
      if (/timestamp/.test(f.name)) expect(f.name).to.match(/_timestamp_seconds$/)
      for (const l of f.labelNames) expect(l, 'label name').to.match(/^[a-z][a-z0-9_]*$/)
      expect(f.help.length, 'help text').to.be.greaterThan(10)
    })
  }

  it('build_info is 1 with version, commit and runtime labels; a reconnect counts once per outage', () => {
    const text = m.registry.metrics()
    expect(text).to.match(
      new RegExp(`^ovn_bgp_build_info\\{version="1.2.3",commit="abc",nodejs="${process.versions.node}"\\} 1$`, 'm'),
    )
    m.setNbConnectionState('ready')
    m.setNbConnectionState('reconnecting')
    m.setNbConnectionState('reconnecting')
    m.setNbConnectionState('ready')
    m.recordFrrCheck('applied')
    m.recordPass({result: 'ok', durationSeconds: 0.1, full: true})
    const after = m.registry.metrics()
    expect(after).to.match(/^ovn_bgp_nb_reconnects_total 1$/m)
    expect(after).to.match(/^ovn_bgp_frr_checks_total\{result="applied"\} 1$/m)
    const ts = Number(/^ovn_bgp_last_successful_reconcile_timestamp_seconds (\S+)$/m.exec(after)?.[1])
    expect(Math.abs(ts - Date.now() / 1000)).to.be.lessThan(60)
  })
})
