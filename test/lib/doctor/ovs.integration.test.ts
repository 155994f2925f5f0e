// The ovs-ofctl check against a real ovs-vswitchd (userspace datapath, private run directory and
// network namespace), through the real process runner and ovs_env, as the agent runs it.
import {expect} from 'chai'

import {defaultConfig} from '../../../src/lib/config/load.js'
import {createDoctorContext} from '../../../src/lib/doctor/context.js'
import {ofctlCheck} from '../../../src/lib/doctor/ovs-checks.js'
import {ExecRunner} from '../../../src/lib/exec/runner.js'
import {requireTools} from '../../helpers/require.js'
import {OvsInstance} from '../ovs/ovs-instance.js'

describe('doctor ovs-ofctl check: real Open vSwitch', () => {
  let ovs: OvsInstance | undefined

  before(async function () {
    requireTools(this, ['ovsdb-server', 'ovs-vswitchd', 'ovs-vsctl', 'ovs-ofctl', 'ip'], {root: true})
    ovs = await OvsInstance.start('doctorovs')
    ovs.addBridge('br-dr1')
    // a bridge that refuses OpenFlow 1.0, as some deployments configure
    ovs.addBridge('br-dr13')
    ovs.vsctl(['set', 'Bridge', 'br-dr13', 'protocols=OpenFlow13'])
  })

  after(async () => {
    await ovs?.stop()
  })

  const ctx = (bridges: string[]) =>
    createDoctorContext({
      config: {
        ...defaultConfig(),
        ovsOfctlPath: 'ovs-ofctl',
        ovsEnv: ovs?.env ?? {},
        bridgeMappings: bridges.map((bridge, i) => ({physnet: `p${i}`, bridge, index: i + 1})),
      },
      runner: new ExecRunner(),
    })

  it('passes for bridges that speak OpenFlow 1.0 and bridges limited to 1.3', async () => {
    expect(await ofctlCheck.run(ctx(['br-dr1', 'br-dr13']))).to.deep.equal({
      status: 'pass',
      detail: 'reachable: br-dr1, br-dr13',
    })
  })

  it('fails for a bridge that does not exist', async () => {
    const r = await ofctlCheck.run(ctx(['br-dr1', 'br-nope']))
    expect(r.status).to.equal('fail')
    expect(r.detail).to.match(/^br-nope: /)
  })
})
