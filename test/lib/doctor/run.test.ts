import {expect} from 'chai'

import type {CheckReport, DoctorCheck} from '../../../src/lib/doctor/types.js'

import {ALL_CHECKS} from '../../../src/lib/doctor/index.js'
import {exitCodeFor, runDoctor, worstStatus} from '../../../src/lib/doctor/run.js'
import {ctxWith} from './helpers.js'

function report(status: CheckReport['status'], category: CheckReport['category']): CheckReport {
  return {id: 'x', title: 'x', category, status, detail: '', fix: ''}
}

describe('doctor: running checks and the exit code', () => {
  it('maps the worst verdict to 0, 2 or 4', () => {
    expect(exitCodeFor([])).to.equal(0)
    expect(exitCodeFor([report('pass', 'config'), report('warn', 'environment')])).to.equal(0)
    expect(exitCodeFor([report('fail', 'config'), report('warn', 'environment')])).to.equal(2)
    expect(exitCodeFor([report('fail', 'config'), report('fail', 'environment')])).to.equal(4)
    expect(worstStatus(['pass', 'warn', 'pass'])).to.equal('warn')
    expect(worstStatus([])).to.equal('pass')
  })

  it('keeps the check order, counts verdicts, applies category overrides and turns a crash into a failure', async () => {
    const checks: DoctorCheck[] = [
      {
        id: 'a',
        title: 'A',
        category: 'config',
        run: async () => ({status: 'pass', detail: 'fine', fix: 'ignored on pass'}),
      },
      {
        id: 'b',
        title: 'B',
        category: 'environment',
        run: async () => ({status: 'fail', category: 'config', detail: 'bad', fix: 'do X'}),
      },
      {
        id: 'c',
        title: 'C',
        category: 'config',
        async run() {
          throw new Error('boom\nstack')
        },
      },
    ]
    const {ctx} = ctxWith()
    const r = await runDoctor(ctx, checks)
    expect(r.checks).to.deep.equal([
      {id: 'a', title: 'A', category: 'config', status: 'pass', detail: 'fine', fix: ''},
      {id: 'b', title: 'B', category: 'config', status: 'fail', detail: 'bad', fix: 'do X'},
      {
        id: 'c',
        title: 'C',
        category: 'environment',
        status: 'fail',
        detail: 'check failed unexpectedly: boom',
        fix: 'Report this as a bug in ovn-bgp doctor.',
      },
    ])
    expect(r.counts).to.deep.equal({pass: 1, warn: 0, fail: 2})
    expect(r.worst).to.equal('fail')
    expect(r.exitCode).to.equal(4)
  })

  it('has unique kebab-case ids for every check', () => {
    const ids = ALL_CHECKS.map((c) => c.id)
    expect(new Set(ids).size).to.equal(ids.length)
    for (const id of ids) expect(id).to.match(/^[a-z0-9]+(-[a-z0-9]+)*$/)
  })

  it('runs every check on a healthy fixture node and passes', async () => {
    const P = '/proc/sys/net'
    const {ctx} = ctxWith({
      files: {
        '/proc/modules': 'vrf 1 0 - Live 0x0\ndummy 1 0 - Live 0x0\n',
        [`${P}/ipv4/ip_forward`]: '1',
        [`${P}/ipv6/conf/all/forwarding`]: '1',
        [`${P}/ipv4/conf/br-ex/proxy_arp`]: '1',
        [`${P}/ipv6/conf/br-ex/proxy_ndp`]: '1',
        [`${P}/ipv4/conf/all/rp_filter`]: '0',
        [`${P}/ipv4/conf/br-ex/rp_filter`]: '2',
      },
      answers: [
        (f) =>
          f === '/usr/sbin/ip'
            ? {code: 0, stdout: JSON.stringify([{ifname: 'br-ex', flags: ['UP']}]), stderr: ''}
            : undefined,
        (f, a) =>
          a.at(-1) === 'show version'
            ? {code: 0, stdout: 'FRRouting 8.4.4 (n) on Linux(6.1).\n', stderr: ''}
            : undefined,
        (f, a) => (a.at(-1) === 'show daemons' ? {code: 0, stdout: ' zebra bgpd\n', stderr: ''} : undefined),
        (f, a) =>
          a.at(-1) === 'show running-config' ? {code: 0, stdout: 'router bgp 64999\n', stderr: ''} : undefined,
        (f, a) =>
          f.endsWith('ovs-ofctl') && a.join(' ') === 'show br-ex'
            ? {code: 0, stdout: 'OFPT_FEATURES_REPLY', stderr: ''}
            : undefined,
      ],
    })
    const r = await runDoctor(ctx, ALL_CHECKS)
    expect(r.checks.filter((c) => c.status !== 'pass').map((c) => `${c.id}: ${c.detail}`)).to.deep.equal([])
    expect(r.exitCode).to.equal(0)
  })
})
