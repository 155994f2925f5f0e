// The doctor command end to end with its seams replaced: facts, runner and files are fixtures, the
// oclif parsing, configuration loading, rendering and exit code are real.
import {expect} from 'chai'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

import type {DoctorReport} from '../../../src/lib/doctor/types.js'

import DoctorCommand from '../../../src/commands/doctor.js'
import {RecordingRunner} from '../../../src/lib/exec/runner.js'
import {captureStdout} from '../../helpers/output.js'
import {mapFs, NB, OVS} from './helpers.js'

const root = join(dirname(fileURLToPath(import.meta.url)), '../../../package.json')
const P = '/proc/sys/net'

async function capture(
  argv: string[],
): Promise<{result: DoctorReport; stdout: string; exitCode: number | string | undefined}> {
  const r = await captureStdout(async () => (await DoctorCommand.run(argv, root)) as DoctorReport)
  if (r.error) throw r.error
  return {result: r.result!, stdout: r.stdout, exitCode: r.exitCode}
}

describe('ovn-bgp doctor (command)', () => {
  const saved = {...DoctorCommand.deps}
  let runner: RecordingRunner
  let gathered: Array<{ovsdb: string; timeoutMs: number}>

  beforeEach(() => {
    gathered = []
    runner = new RecordingRunner((file, args) => {
      if (file.endsWith('ovs-ofctl')) return {code: 0, stdout: 'OFPT_FEATURES_REPLY', stderr: ''}
      if (file.endsWith('ip')) return {code: 0, stdout: JSON.stringify([{ifname: 'br-ex', flags: ['UP']}]), stderr: ''}
      if (args.at(-1) === 'show daemons') return {code: 0, stdout: ' zebra bgpd\n', stderr: ''}
      if (args.at(-1) === 'show version') return {code: 0, stdout: 'FRRouting 8.4.4 (n) on Linux(6.1).\n', stderr: ''}
      if (args.at(-1) === 'show running-config') return {code: 0, stdout: 'router bgp 64999\n', stderr: ''}
      return undefined
    })
    DoctorCommand.deps = {
      async gatherFacts(config, timeoutMs) {
        gathered.push({ovsdb: config.ovsdbConnection, timeoutMs})
        return {ovs: {ok: true, value: OVS}, nb: {ok: true, value: NB}}
      },
      runner: () => runner,
      fs: mapFs({
        '/proc/modules': 'vrf 1 0 - Live 0x0\ndummy 1 0 - Live 0x0\n',
        [`${P}/ipv4/ip_forward`]: '1',
        [`${P}/ipv6/conf/all/forwarding`]: '1',
        [`${P}/ipv4/conf/br-ex/proxy_arp`]: '1',
        [`${P}/ipv6/conf/br-ex/proxy_ndp`]: '1',
      }),
    }
  })

  afterEach(() => {
    DoctorCommand.deps = saved
  })

  it('passes every check on a healthy node, prints a table and exits 0', async () => {
    const {result, stdout, exitCode} = await capture(['--ovsdb-connection', 'unix:/tmp/x.sock', '--timeout', '2'])
    expect(result.counts).to.deep.equal({pass: 17, warn: 0, fail: 0})
    expect(gathered).to.deep.equal([{ovsdb: 'unix:/tmp/x.sock', timeoutMs: 2000}])
    expect(stdout).to.include('frr-router-bgp')
    expect(stdout).to.include('17 checks: 17 pass, 0 warn, 0 fail (exit status 0)')
    expect(exitCode ?? 0).to.equal(0)
  })

  it('--json prints the report document and sets the exit code of the worst failure', async () => {
    const {result, stdout, exitCode} = await capture([
      '--json',
      '--check',
      'frr-router-bgp',
      '--check',
      'kernel-vrf',
      '--bgp-as',
      '65000',
    ])
    expect(result.checks.map((c) => [c.id, c.status, c.category])).to.deep.equal([
      ['kernel-vrf', 'pass', 'environment'],
      ['frr-router-bgp', 'fail', 'config'],
    ])
    expect(JSON.parse(stdout)).to.deep.equal({schemaVersion: 1, ...JSON.parse(JSON.stringify(result))})
    expect(result.exitCode).to.equal(2)
    expect(exitCode).to.equal(2)
  })

  it('--offline skips the databases and only warns about what it could not see', async () => {
    const {result, exitCode} = await capture([
      '--offline',
      '--json',
      '--check',
      'nb-schema',
      '--check',
      'chassis-identity',
    ])
    expect(gathered).to.deep.equal([])
    expect(result.checks.map((c) => c.status)).to.deep.equal(['warn', 'warn'])
    expect(exitCode ?? 0).to.equal(0)
  })

  it('rejects an unknown check id as a usage error', async () => {
    let err: (Error & {oclif?: {exit?: number}}) | undefined
    try {
      await capture(['--check', 'no-such-check'])
    } catch (error) {
      err = error as Error
    }

    expect(err?.message).to.match(/Expected --check=no-such-check to be one of/)
    expect(err?.oclif?.exit).to.equal(2)
  })
})
