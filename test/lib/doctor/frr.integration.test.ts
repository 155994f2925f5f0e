// The FRR checks against a real zebra + bgpd in a private network namespace (how FRR runs in
// tests: CONTRIBUTING.md#real-components), through the real process runner.
import {expect} from 'chai'

import {defaultConfig} from '../../../src/lib/config/load.js'
import {createDoctorContext} from '../../../src/lib/doctor/context.js'
import {frrRouterBgpCheck, frrVtyCheck} from '../../../src/lib/doctor/frr-checks.js'
import {ExecRunner} from '../../../src/lib/exec/runner.js'
import {requireTools} from '../../helpers/require.js'
import {FrrInstance} from '../frr/frr-instance.js'

describe('doctor FRR checks: real FRR in a private netns', () => {
  let frr: FrrInstance | undefined

  before(async function () {
    requireTools(this, ['vtysh', 'zebra', 'bgpd', 'ip'], {root: true})
    frr = await FrrInstance.start('doctorfrr')
  })

  after(async () => {
    await frr?.stop()
  })

  const ctx = () =>
    createDoctorContext({
      config: {...defaultConfig(), vtyshPath: 'vtysh', frrVtySocket: frr?.dir ?? ''},
      runner: new ExecRunner(),
    })

  it('frr-vty reports the running version', async () => {
    const r = await frrVtyCheck.run(ctx())
    expect(r.status).to.equal('pass')
    expect(r.detail).to.match(/^FRRouting \d+\.\d+/)
  })

  it('frr-router-bgp fails on an empty configuration and passes once router bgp is configured', async () => {
    expect((await frrRouterBgpCheck.run(ctx())).status).to.equal('fail')
    frr?.vtysh('configure terminal\nrouter bgp 64999')
    const r = await frrRouterBgpCheck.run(ctx())
    expect(r).to.deep.equal({
      status: 'pass',
      detail: 'router bgp 64999; no VRF instance for bgp-vrf yet (ovn-bgp adds it)',
    })
  })

  it('frr-vty fails once bgpd stops, naming it', async () => {
    await frr?.stopDaemon('bgpd')
    const r = await frrVtyCheck.run(ctx())
    expect(r.status).to.equal('fail')
    expect(r.detail).to.match(/: bgpd not running \(running: zebra\)$/)
  })

  it('frr-vty fails against a directory without sockets', async () => {
    const r = await frrVtyCheck.run(
      createDoctorContext({
        config: {...defaultConfig(), vtyshPath: 'vtysh', frrVtySocket: '/nonexistent-frr-dir/'},
        runner: new ExecRunner(),
      }),
    )
    expect(r.status).to.equal('fail')
  })
})
