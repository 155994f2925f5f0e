// `ovn-bgp frr-leak`: run through oclif (flags, config loading, --json) against a real FRR.
import {Config} from '@oclif/core'
import {expect} from 'chai'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

import type {KernelParts} from '../../src/lib/reconciler/kernel-parts.js'

import FrrLeakCommand, {type FrrLeakResult} from '../../src/commands/frr-leak.js'
import {captureStdout} from '../helpers/output.js'
import {requireTools} from '../helpers/require.js'
import {useTestRuntime} from '../helpers/runtime-fake.js'
import {FrrInstance} from '../lib/frr/frr-instance.js'

const root = join(dirname(fileURLToPath(import.meta.url)), '../..')

/** Runs the command with stdout captured; returns the result, the text printed and the exit code. */
async function runCmd(
  argv: string[],
): Promise<{result?: FrrLeakResult; stdout: string; error?: Error & {oclif?: {exit?: number}}; exitCode: number}> {
  const config = await Config.load(root)
  const r = await captureStdout(async () => (await FrrLeakCommand.run(argv, config)) as FrrLeakResult, {exitCode: 0})
  const exitCode = Number(r.exitCode ?? 0)
  return r.error ? {stdout: r.stdout, error: r.error, exitCode} : {result: r.result!, stdout: r.stdout, exitCode}
}

describe('command frr-leak', () => {
  it('--dry-run renders without FRR when bgp_router_id is set (--json)', async () => {
    const r = await runCmd([
      '--dry-run',
      '--json',
      '--bgp-router-id',
      '172.30.0.1',
      '--frr-vty-socket',
      '/nonexistent-frr',
      '--bgp-vrf',
      'vrf-x',
    ])
    expect(r.error).to.equal(undefined)
    const doc = JSON.parse(r.stdout) as FrrLeakResult
    expect(doc.devices).to.equal(null)
    expect(doc).to.include({
      dryRun: true,
      missing: null,
      routerId: '172.30.0.1',
      routerIdSource: 'config',
      vrf: 'vrf-x',
      asn: '64999',
    })
    expect(doc.config).to.include('router bgp 64999 vrf vrf-x\n bgp router-id 172.30.0.1\n')
  })

  it('--dry-run human output prints the configuration', async () => {
    const r = await runCmd([
      '--dry-run',
      '--bgp-router-id',
      '172.30.0.1',
      '--frr-vty-socket',
      '/nonexistent-frr',
      '--advertisement-method-tenant-networks',
      'subnet',
    ])
    expect(r.stdout).to.include('FRR not reachable')
    expect(r.stdout).to.include('  redistribute kernel')
  })

  it('rejects an invalid router id with exit 2', async () => {
    const r = await runCmd(['--dry-run', '--bgp-router-id', '2001:db8::1', '--frr-vty-socket', '/nonexistent-frr'])
    expect(r.error?.oclif?.exit).to.equal(2)
  })

  describe('with a real FRR', () => {
    let frr: FrrInstance | undefined
    let restoreRuntime = (): void => {}
    // The host kernel has no vrf/dummy: the device part is the kernel layer's (tested in the guest);
    // here it is a recording stand-in so the FRR side runs for real.
    const baseCalls: Array<{clearVrfRoutes: boolean}> = []
    const kernel: KernelParts = {
      layer: {observe: () => Promise.reject(new Error('unused')), apply: () => Promise.reject(new Error('unused'))},
      tables: {tables: () => Promise.reject(new Error('unused'))},
      links: () => Promise.resolve([]),
      ensureBase(opts) {
        baseCalls.push(opts)
        return Promise.resolve({
          changed:
            baseCalls.length === 1 ? ['created vrf bgp-vrf table 10', 'created dummy bgp-nic master bgp-vrf'] : [],
        })
      },
    }

    before(async function () {
      requireTools(this, ['vtysh', 'zebra', 'bgpd', 'ip'], {root: true})
      frr = await FrrInstance.start('frrcmd')
      restoreRuntime = useTestRuntime({}, () => kernel)
    })

    after(async () => {
      restoreRuntime()
      await frr?.stop()
    })

    it('without any router id: exit 4 and nothing applied', async () => {
      const r = await runCmd(['--frr-vty-socket', frr!.dir])
      expect(baseCalls).to.deep.equal([{clearVrfRoutes: false}])
      expect(r.error?.oclif?.exit).to.equal(4)
      expect(r.error?.message).to.match(/router id/)
      expect(frr!.vtysh('show running-config')).not.to.include('router bgp')
    })

    it('applies once, then reports changed: false', async () => {
      const args = ['--json', '--frr-vty-socket', frr!.dir, '--bgp-router-id', '172.30.0.1']
      const first = await runCmd(args)
      expect(first.error).to.equal(undefined)
      const doc1 = JSON.parse(first.stdout) as FrrLeakResult
      expect(doc1).to.include({changed: true, ok: true, dryRun: false})
      expect(doc1.missing).to.have.length(5)
      expect(doc1.devices).to.deep.equal([])
      const second = await runCmd(args)
      const doc2 = JSON.parse(second.stdout) as FrrLeakResult
      expect(doc2).to.include({changed: false, ok: true})
      expect(doc2.missing).to.deep.equal([])
      expect(second.exitCode).to.equal(0)
      expect(frr!.vtysh('show running-config')).to.include('import vrf bgp-vrf')
    })

    it('human output says it is in place', async () => {
      const r = await runCmd(['--frr-vty-socket', frr!.dir, '--bgp-router-id', '172.30.0.1'])
      expect(r.stdout).to.match(/already in place, router id 172\.30\.0\.1 \(config\)/)
      expect(baseCalls).to.have.length(4)
    })
  })
})
