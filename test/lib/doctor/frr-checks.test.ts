import {expect} from 'chai'

import type {CommandRunner} from '../../../src/lib/exec/runner.js'

import {frrRouterBgpCheck, frrVtyCheck, parseFrrVersion, parseRouterBgp} from '../../../src/lib/doctor/frr-checks.js'
import {DependencyError} from '../../../src/lib/errors.js'
import {type Answer, ctxWith, ok} from './helpers.js'

// Output shapes of FRR 8.4 (`show version`, `show running-config`).
const SHOW_VERSION =
  "FRRouting 8.4.4 (node-1) on Linux(6.1.0-56-amd64).\nCopyright 1996-2005 Kunihiro Ishiguro, et al.\nconfigured with:\n    '--prefix=/usr'\n"
const RUNNING = [
  'Building configuration...',
  '',
  'Current configuration:',
  '!',
  'frr version 8.4.4',
  'frr defaults traditional',
  'hostname node-1',
  '!',
  'router bgp 64999',
  ' bgp router-id 169.254.77.1',
  ' neighbor 169.254.77.2 remote-as 65001',
  'exit',
  '!',
  'router bgp 64999 vrf bgp-vrf',
  ' bgp router-id 169.254.77.1',
  'exit',
  '!',
  'end',
  '',
].join('\n')

function vtysh(command: string, stdout: string, code = 0, stderr = ''): Answer {
  return (file, args) =>
    file === '/usr/bin/vtysh' && args.join(' ') === `--vty_socket /run/frr/ -c ${command}`
      ? {code, stdout, stderr}
      : undefined
}

describe('doctor: FRR', () => {
  it('parses the version and the router bgp stanzas', () => {
    expect(parseFrrVersion(SHOW_VERSION)).to.equal('8.4.4')
    expect(parseFrrVersion('hello')).to.equal(undefined)
    expect(parseRouterBgp(RUNNING)).to.deep.equal({defaultAs: ['64999'], vrfs: [{as: '64999', vrf: 'bgp-vrf'}]})
  })

  it('frr-vty passes with the version, calling vtysh with the configured socket dir', async () => {
    const {ctx, runner} = ctxWith({
      answers: [vtysh('show version', SHOW_VERSION), vtysh('show daemons', ' zebra bgpd staticd\n')],
    })
    expect(await frrVtyCheck.run(ctx)).to.deep.equal({status: 'pass', detail: 'FRRouting 8.4.4 via /run/frr/'})
    expect(runner.calls).to.deep.equal([
      {file: '/usr/bin/vtysh', args: ['--vty_socket', '/run/frr/', '-c', 'show version']},
      {file: '/usr/bin/vtysh', args: ['--vty_socket', '/run/frr/', '-c', 'show daemons']},
    ])
  })

  it('frr-vty fails when bgpd is not running', async () => {
    const {ctx} = ctxWith({answers: [vtysh('show version', SHOW_VERSION), vtysh('show daemons', ' zebra\n')]})
    expect(await frrVtyCheck.run(ctx)).to.deep.equal({
      status: 'fail',
      detail: 'FRRouting 8.4.4: bgpd not running (running: zebra)',
      fix: 'Enable bgpd=yes in /etc/frr/daemons and restart FRR.',
    })
  })

  it('frr-vty does not hold an unknown `show daemons` against FRR', async () => {
    const {ctx} = ctxWith({
      answers: [vtysh('show version', SHOW_VERSION), vtysh('show daemons', '', 1, '% Unknown command: show daemons\n')],
    })
    expect((await frrVtyCheck.run(ctx)).status).to.equal('pass')
  })

  it('frr-vty fails when no daemon answers', async () => {
    const {ctx} = ctxWith({answers: [vtysh('show version', '', 1, 'Exiting: failed to connect to any daemons.\n')]})
    const r = await frrVtyCheck.run(ctx)
    expect(r.status).to.equal('fail')
    expect(r.detail).to.include('failed to connect to any daemons')
    expect(r.fix).to.include('Start FRR')
  })

  it('frr-vty explains a permission problem', async () => {
    const {ctx} = ctxWith({
      answers: [vtysh('show version', '', 1, 'vtysh: connect to /run/frr/zebra.vty: Permission denied\n')],
    })
    expect((await frrVtyCheck.run(ctx)).fix).to.include('frrvty')
  })

  it('frr-vty fails when vtysh is not installed', async () => {
    const {ctx} = ctxWith()
    const missing: CommandRunner = {run: () => Promise.reject(new DependencyError('/usr/bin/vtysh: command not found'))}
    const r = await frrVtyCheck.run({...ctx, runner: missing})
    expect(r).to.deep.include({status: 'fail', detail: 'cannot run /usr/bin/vtysh: /usr/bin/vtysh: command not found'})
  })

  it('frr-vty warns on an old FRR', async () => {
    const {ctx} = ctxWith({answers: [vtysh('show version', 'FRRouting 7.5.1 (x) on Linux(5.10).\n')]})
    expect((await frrVtyCheck.run(ctx)).status).to.equal('warn')
  })

  it('frr-router-bgp passes when the AS matches bgp_AS', async () => {
    const {ctx} = ctxWith({answers: [vtysh('show running-config', RUNNING)]})
    expect(await frrRouterBgpCheck.run(ctx)).to.deep.equal({
      status: 'pass',
      detail: 'router bgp 64999; VRF instance for bgp-vrf present',
    })
  })

  it('frr-router-bgp fails (environment) without any router bgp', async () => {
    const {ctx} = ctxWith({answers: [vtysh('show running-config', 'Current configuration:\n!\nend\n')]})
    const r = await frrRouterBgpCheck.run(ctx)
    expect(r.status).to.equal('fail')
    expect(r.category).to.equal(undefined)
  })

  it('frr-router-bgp fails as a config problem on an AS mismatch', async () => {
    const {ctx} = ctxWith({config: {bgpAS: '65000'}, answers: [vtysh('show running-config', RUNNING)]})
    const r = await frrRouterBgpCheck.run(ctx)
    expect(r).to.deep.include({status: 'fail', category: 'config'})
    expect(r.fix).to.equal("Set bgp_AS = 64999 in bgp-agent.conf (or change FRR's AS).")
  })

  it('frr-router-bgp passes ok() answers through the same seam', async () => {
    const {ctx} = ctxWith({
      config: {frrVtySocket: '/tmp/frr-x'},
      answers: [(f, a) => (a[1] === '/tmp/frr-x' ? ok('router bgp 64999\n') : undefined)],
    })
    expect((await frrRouterBgpCheck.run(ctx)).detail).to.equal(
      'router bgp 64999; no VRF instance for bgp-vrf yet (ovn-bgp adds it)',
    )
  })
})
