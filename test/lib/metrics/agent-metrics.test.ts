import {expect} from 'chai'
import {get} from 'node:http'

import {AgentMetrics} from '../../../src/lib/metrics/agent-metrics.js'

function fetchText(url: string): Promise<{status: number; body: string}> {
  return new Promise((resolve, reject) => {
    get(url, {agent: false}, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (d: string) => {
        body += d
      })
      res.on('end', () => resolve({status: res.statusCode ?? 0, body}))
    }).on('error', reject)
  })
}

async function lines(m: AgentMetrics, prefix: string): Promise<string[]> {
  return (await m.registry.metrics()).split('\n').filter((l) => l.startsWith(prefix))
}

describe('AgentMetrics: the daemon metric set', () => {
  it('declares every family with HELP and TYPE from the start', async () => {
    const text = await new AgentMetrics({processMetrics: false}).registry.metrics()
    const types = [...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((x) => `${x[1]} ${x[2]}`)
    expect(types).to.deep.equal([
      'ovn_bgp_nb_connection_state gauge',
      'ovn_bgp_nb_events_total counter',
      'ovn_bgp_reconcile_passes_total counter',
      'ovn_bgp_reconcile_duration_seconds histogram',
      'ovn_bgp_reconcile_changes_total counter',
      'ovn_bgp_reconcile_failures_total counter',
      'ovn_bgp_exposed_ips gauge',
      'ovn_bgp_unannounced_ips gauge',
      'ovn_bgp_drift_repaired_total counter',
      'ovn_bgp_nb_commit_to_kernel_seconds histogram',
      'ovn_bgp_reconcile_consecutive_failures gauge',
      'ovn_bgp_last_successful_reconcile_timestamp_seconds gauge',
      'ovn_bgp_desired_mismatch_total counter',
      'ovn_bgp_build_info gauge',
      'ovn_bgp_nb_reconnects_total counter',
      'ovn_bgp_frr_checks_total counter',
      'ovn_bgp_reconcile_stuck_passes_total counter',
    ])
    expect(text).to.include('ovn_bgp_reconcile_passes_total{result="error"} 0\n')
    expect(text).to.include('ovn_bgp_reconcile_changes_total{kind="ndp-proxy",action="remove"} 0\n')
    expect(text).to.include('ovn_bgp_exposed_ips{kind="lb-vip"} 0\n')
    expect(text).to.include('ovn_bgp_unannounced_ips{cause="route"} 0\n')
    expect(text).to.include('ovn_bgp_desired_mismatch_total 0\n')
  })

  it('counts incremental-vs-full desired state differences', async () => {
    const m = new AgentMetrics({processMetrics: false})
    m.recordDesiredMismatch(3)
    expect(await lines(m, 'ovn_bgp_desired_mismatch_total')).to.deep.equal(['ovn_bgp_desired_mismatch_total 3'])
  })

  it('a stuck pass: counted, /readyz not ready with the reason until a pass ends well', async () => {
    const cases = [
      {what: 'ready before, an event pass ends well', full: false, result: 'ok' as const, ready: true, after: true},
      {
        what: 'not ready before, an event pass ends well',
        full: false,
        result: 'ok' as const,
        ready: false,
        after: false,
      },
      {
        what: 'not ready before, a full pass ends well',
        full: true,
        result: 'partial' as const,
        ready: false,
        after: true,
      },
      {what: 'ready before, the pass fails', full: true, result: 'error' as const, ready: true, after: false},
    ]
    for (const c of cases) {
      const m = new AgentMetrics({processMetrics: false})
      if (c.ready) m.recordPass({result: 'ok', durationSeconds: 1, full: true})
      m.recordPassStuck({trigger: 'periodic', stage: 'apply (12 operations)', runningSeconds: 300.4})
      expect(m.readiness.state(), c.what).to.deep.equal({
        ready: false,
        reason: 'reconcile pass stuck: running for 300 s (periodic pass, in apply (12 operations))',
      })
      expect(await lines(m, 'ovn_bgp_reconcile_stuck_passes_total'), c.what).to.deep.equal([
        'ovn_bgp_reconcile_stuck_passes_total 1',
      ])
      m.recordPass({result: c.result, durationSeconds: 400, full: c.full})
      expect(m.readiness.ready, c.what).to.equal(c.after)
    }
  })

  it("adds prom-client's default collectors, sampled at each scrape", async () => {
    const m = new AgentMetrics()
    const first = await m.registry.metrics()
    for (const name of [
      'process_start_time_seconds gauge',
      'process_cpu_seconds_total counter',
      'process_resident_memory_bytes gauge',
      'process_open_fds gauge',
      'nodejs_heap_size_used_bytes gauge',
      'nodejs_eventloop_lag_seconds gauge',
      'nodejs_gc_duration_seconds histogram',
    ]) {
      expect(first).to.include(`# TYPE ${name}\n`)
    }

    const value = (text: string, name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1])
    const start = value(first, 'process_start_time_seconds')
    // prom-client takes Date.now() - uptime once; a wall clock that moves against the monotonic one
    // during a long run (CI hosts: 2.4 s seen) shifts it by that much, so 60 s of slack, not 2.
    expect(start).to.be.within(Date.now() / 1000 - process.uptime() - 60, Date.now() / 1000)
    expect(value(first, 'process_resident_memory_bytes')).to.be.greaterThan(1e6)
    expect(value(first, 'process_open_fds')).to.be.greaterThan(2)
    let x = 0
    for (let i = 0; i < 2e6; i++) x += Math.sqrt(i)
    expect(x).to.be.greaterThan(0)
    expect(value(await m.registry.metrics(), 'process_cpu_seconds_total')).to.be.greaterThan(
      value(first, 'process_cpu_seconds_total'),
    )
  })

  it('reports exactly one NB connection state as 1', async () => {
    const m = new AgentMetrics()
    m.setNbConnectionState('ready')
    expect(await lines(m, 'ovn_bgp_nb_connection_state{')).to.deep.equal([
      'ovn_bgp_nb_connection_state{state="idle"} 0',
      'ovn_bgp_nb_connection_state{state="connecting"} 0',
      'ovn_bgp_nb_connection_state{state="syncing"} 0',
      'ovn_bgp_nb_connection_state{state="ready"} 1',
      'ovn_bgp_nb_connection_state{state="reconnecting"} 0',
      'ovn_bgp_nb_connection_state{state="closed"} 0',
    ])
  })

  it('records a pass: result, duration, changes, failures, drift and exposed counts', async () => {
    const m = new AgentMetrics()
    m.recordNbEvent('lsp-provider-create')
    m.recordNbEvent('lsp-provider-create', 2)
    m.recordPass({
      result: 'partial',
      durationSeconds: 0.2,
      full: false,
      added: {address: 3, rule: 2},
      removed: {route: 1},
      failed: {neigh: 1},
      driftRepaired: {address: 1},
      exposed: {vm: 2, fip: 1},
    })
    m.recordPass({result: 'ok', durationSeconds: 0.02, full: false, exposed: {vm: 3}})
    m.recordCommitToKernel(0.3)
    expect(await lines(m, 'ovn_bgp_nb_events_total{')).to.deep.equal([
      'ovn_bgp_nb_events_total{class="lsp-provider-create"} 3',
    ])
    expect(await m.reconcilePasses.get({result: 'partial'})).to.equal(1)
    expect(await m.reconcilePasses.get({result: 'ok'})).to.equal(1)
    expect(await m.reconcileChanges.get({kind: 'address', action: 'add'})).to.equal(3)
    expect(await m.reconcileChanges.get({kind: 'route', action: 'remove'})).to.equal(1)
    expect(await m.reconcileFailures.get({kind: 'neigh'})).to.equal(1)
    expect(await m.driftRepaired.get({kind: 'address'})).to.equal(1)
    // exposed is a complete snapshot: fip went back to 0 in the second pass
    expect(await m.exposedIps.get({kind: 'vm'})).to.equal(3)
    expect(await m.exposedIps.get({kind: 'fip'})).to.equal(0)
    expect(await lines(m, 'ovn_bgp_reconcile_duration_seconds_')).to.include.members([
      'ovn_bgp_reconcile_duration_seconds_bucket{le="0.025"} 1',
      'ovn_bgp_reconcile_duration_seconds_bucket{le="0.25"} 2',
      'ovn_bgp_reconcile_duration_seconds_bucket{le="+Inf"} 2',
      'ovn_bgp_reconcile_duration_seconds_count 2',
    ])
    expect(await lines(m, 'ovn_bgp_nb_commit_to_kernel_seconds_count')).to.deep.equal([
      'ovn_bgp_nb_commit_to_kernel_seconds_count 1',
    ])
  })

  it('reports the IPs kept off bgp-nic by cause, as a complete snapshot per pass', async () => {
    const m = new AgentMetrics({processMetrics: false})
    m.recordPass({result: 'partial', durationSeconds: 0.1, full: true, unannounced: {route: 2, address: 1}})
    expect(await lines(m, 'ovn_bgp_unannounced_ips{')).to.deep.equal([
      'ovn_bgp_unannounced_ips{cause="rule"} 0',
      'ovn_bgp_unannounced_ips{cause="route"} 2',
      'ovn_bgp_unannounced_ips{cause="neigh"} 0',
      'ovn_bgp_unannounced_ips{cause="ndp-proxy"} 0',
      'ovn_bgp_unannounced_ips{cause="address"} 1',
    ])
    m.recordPass({result: 'ok', durationSeconds: 0.1, full: false, unannounced: {}})
    expect(await m.unannouncedIps.get({cause: 'route'})).to.equal(0)
    expect(await m.unannouncedIps.get({cause: 'address'})).to.equal(0)
  })

  it('becomes ready after the first full pass that is not an error, and stays ready', () => {
    const m = new AgentMetrics()
    expect(m.readiness.state()).to.deep.equal({ready: false, reason: 'waiting for the first full reconcile'})
    m.recordPass({result: 'ok', durationSeconds: 0.01, full: false})
    expect(m.readiness.ready).to.equal(false)
    m.recordPass({result: 'error', durationSeconds: 0.01, full: true})
    expect(m.readiness.ready).to.equal(false)
    m.recordPass({result: 'partial', durationSeconds: 0.01, full: true})
    expect(m.readiness.ready).to.equal(true)
    m.recordPass({result: 'error', durationSeconds: 0.01, full: true})
    expect(m.readiness.ready).to.equal(true)
  })

  it('serves its registry and readiness over HTTP (real socket)', async () => {
    const m = new AgentMetrics()
    const server = await m.serve('127.0.0.1:0')
    try {
      expect(await fetchText(`${server.url()}/readyz`)).to.deep.equal({
        status: 503,
        body: 'not ready: waiting for the first full reconcile\n',
      })
      m.setNbConnectionState('ready')
      m.recordPass({result: 'ok', durationSeconds: 1.5, full: true, exposed: {vm: 4}})
      expect(await fetchText(`${server.url()}/readyz`)).to.deep.equal({status: 200, body: 'ready\n'})
      const metrics = await fetchText(`${server.url()}/metrics`)
      expect(metrics.body).to.include('ovn_bgp_nb_connection_state{state="ready"} 1\n')
      expect(metrics.body).to.include('ovn_bgp_exposed_ips{kind="vm"} 4\n')
      expect(metrics.body).to.include('ovn_bgp_reconcile_duration_seconds_bucket{le="2.5"} 1\n')
    } finally {
      await server.close()
    }
  })
})
