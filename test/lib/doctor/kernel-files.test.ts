// The kernel checks on the real module files of an installed Debian kernel package (the guest
// kernel of the kernel test tier): the release is detected from /lib/modules, never hard-coded.
import {expect} from 'chai'
import {existsSync, readdirSync} from 'node:fs'

import {defaultConfig} from '../../../src/lib/config/load.js'
import {createDoctorContext, nodeDoctorFs} from '../../../src/lib/doctor/context.js'
import {kernelDummyCheck, kernelVlanCheck, kernelVrfCheck} from '../../../src/lib/doctor/kernel-checks.js'
import {RecordingRunner} from '../../../src/lib/exec/runner.js'
import {inCI} from '../../helpers/require.js'

function installedRelease(): string | undefined {
  if (!existsSync('/lib/modules')) return undefined
  return readdirSync('/lib/modules').find((r) => existsSync(`/lib/modules/${r}/modules.dep`))
}

describe('doctor kernel checks: real /lib/modules files', () => {
  let release: string

  before(function () {
    const r = installedRelease()
    if (!r) {
      if (inCI)
        throw new Error(
          'required component unavailable under CI: a kernel module tree in /lib/modules (linux-image-amd64)',
        )
      this.skip()
    }

    release = r as string
  })

  // No links exist and /proc/modules is whatever this host has: the evidence must come from files.
  const ctx = () =>
    createDoctorContext({
      config: defaultConfig(),
      runner: new RecordingRunner(() => ({code: 0, stdout: '[]', stderr: ''})),
      fs: nodeDoctorFs,
      kernelRelease: release,
      facts: {
        nb: {
          ok: true,
          value: {
            remote: 'x',
            schemaVersion: '7.1.0',
            lrpStatusColumn: true,
            localnetVlans: [{physnet: 'physnet1', tag: 100}],
          },
        },
        ovs: {ok: true, value: {systemId: 'c', hostname: 'h', bridgeMappings: 'physnet1:br-ex', nbRemote: undefined}},
      },
    })

  for (const check of [kernelVrfCheck, kernelDummyCheck, kernelVlanCheck]) {
    it(`${check.id} passes from the module files of the installed kernel`, async () => {
      const r = await check.run(ctx())
      expect(r.status, r.detail).to.equal('pass')
      expect(r.detail).to.match(/module (loaded|available)|built into the kernel/)
      expect(r.detail).to.include(release)
    })
  }
})
