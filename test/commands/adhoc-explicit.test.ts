// Explicit-value mode of the ad-hoc verbs: the same exposure described by values plans exactly what
// the NB object plans (one planner), and every value is validated (exit 2 naming the flag).
import {expect} from 'chai'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import type {OvsdbServer} from '../helpers/ovsdb-server.js'

import {requireTools} from '../helpers/require.js'
import {useTestRuntime} from '../helpers/runtime-fake.js'
import {type CmdRun, nodeArgs, runAdhocCmd, startNb} from './adhoc-harness.js'

const objects = (r: CmdRun) => r.doc!.changes.map((c) => `${c.action} ${c.object}`)

describe('ad-hoc verbs with explicit values (dry run)', () => {
  let nb: OvsdbServer | undefined
  let state = ''
  let restoreRuntime = (): void => {}

  before(async function () {
    requireTools(this, ['ovsdb-server', 'ovsdb-tool'])
    nb = await startNb()
    state = mkdtempSync(join(tmpdir(), 'adhoc-state-'))
    restoreRuntime = useTestRuntime({ovsTimeoutMs: 50, nbTimeoutMs: 1000})
  })

  after(async () => {
    restoreRuntime()
    await nb?.stop()
    if (state) rmSync(state, {recursive: true, force: true})
  })

  const run = (id: string, ...args: string[]) =>
    runAdhocCmd(id, [...args, '--dry-run', '--json', ...nodeArgs(nb!.unix, state)])
  /** Explicit mode never reads NB: point it at nothing to prove it. */
  const runOffline = (id: string, ...args: string[]) =>
    runAdhocCmd(id, [...args, '--dry-run', '--json', ...nodeArgs(`unix:${join(state, 'no-nb.sock')}`, state)])

  const PROVIDER = ['--bridge', 'br-ex', '--vlan', '100']

  const same = [
    {
      what: 'a VM port (expose-ip)',
      nb: ['expose-ip', '--port', 'vm1'],
      explicit: [
        'expose-ip',
        '--ip',
        '172.24.4.226',
        '--ip',
        '2001:db8:100::226',
        '--mac',
        'fa:16:3e:00:01:e2',
        '--cidr',
        '172.24.4.226/24',
        '--cidr',
        '2001:db8:100::226/64',
        ...PROVIDER,
      ],
    },
    {
      what: 'a FIP (expose-fip)',
      nb: ['expose-fip', '--port', 'vm3'],
      explicit: ['expose-fip', '--ip', '172.24.4.201', '--mac', 'fa:16:3e:00:02:01', ...PROVIDER],
    },
    {
      what: 'a provider LB VIP (expose-lb-vip)',
      nb: ['expose-lb-vip', '--lb', 'lb2'],
      explicit: ['expose-lb-vip', '--ip', '172.24.4.60', ...PROVIDER],
    },
    {
      what: 'an LB FIP (expose-lb-fip)',
      nb: ['expose-lb-fip', '--lb', 'lb1'],
      explicit: ['expose-lb-fip', '--ip', '172.24.4.50', '--mac', 'fa:16:3e:00:00:0a', ...PROVIDER],
    },
    {
      what: 'a tenant subnet with its VMs (expose-subnet)',
      nb: ['expose-subnet', '--port', 'rif1'],
      explicit: [
        'expose-subnet',
        '--cidr',
        '10.0.0.1/24',
        '--via',
        '172.24.4.10',
        '--ip',
        '10.0.0.5',
        '--ip',
        '10.0.0.7',
        ...PROVIDER,
      ],
    },
    {
      what: 'a tenant VM IP (expose-remote-ip)',
      nb: ['expose-remote-ip', '--port', 'vm2'],
      explicit: ['expose-remote-ip', '--ip', '10.0.0.5', ...PROVIDER],
    },
  ]

  for (const c of same) {
    it(`plans the same objects as NB mode for ${c.what}`, async () => {
      const [id, ...args] = c.nb as [string, ...string[]]
      const [eid, ...eargs] = c.explicit as [string, ...string[]]
      const fromNb = await run(id, ...args)
      const fromValues = await runOffline(eid, ...eargs)
      expect(fromNb.error, 'nb').to.equal(undefined)
      expect(fromValues.error, 'explicit').to.equal(undefined)
      expect(fromValues.doc!.target.mode).to.equal('explicit')
      expect(fromValues.doc!.ips).to.deep.equal(fromNb.doc!.ips)
      expect(objects(fromValues)).to.deep.equal(objects(fromNb))
      expect(fromValues.doc!.exposed.map((e) => [e.ip, e.kind, e.bridge, e.vlan])).to.deep.equal(
        fromNb.doc!.exposed.map((e) => [e.ip, e.kind, e.bridge, e.vlan]),
      )
    })
  }

  it('reports the values it was given, canonical', async () => {
    const r = await runOffline(
      'expose-ip',
      '--ip',
      '2001:DB8:100:0::226',
      '--mac',
      'FA:16:3E:00:01:E2',
      '--cidr',
      '2001:db8:100:0::226/64',
      '--bridge',
      'br-ex',
    )
    expect(r.error).to.equal(undefined)
    expect(r.doc!.target).to.deep.equal({
      mode: 'explicit',
      values: {ip: ['2001:db8:100::226'], bridge: 'br-ex', mac: 'fa:16:3e:00:01:e2', cidr: ['2001:db8:100::226/64']},
    })
    expect(objects(r)).to.include('add neigh 2001:db8:100::226 lladdr fa:16:3e:00:01:e2 dev br-ex nud permanent')
    expect(objects(r)).to.include('add neigh proxy 2001:db8:100:: dev br-ex')
  })

  it('rejects bad values with exit 2, naming the flag', async () => {
    const cases: Array<[string, string[], string]> = [
      ['expose-ip', ['--ip', '172.24.4.256', '--bridge', 'br-ex', '--mac', 'fa:16:3e:00:01:e2'], '--ip'],
      ['expose-ip', ['--ip', '172.24.4.1', '--bridge', 'br-ex', '--mac', 'fa:16:3e:00:01'], '--mac'],
      ['expose-ip', ['--ip', '172.24.4.1', '--bridge', 'br/ex', '--mac', 'fa:16:3e:00:01:e2'], '--bridge'],
      [
        'expose-ip',
        ['--ip', '172.24.4.1', '--bridge', 'br-ex', '--vlan', '4095', '--mac', 'fa:16:3e:00:01:e2'],
        '--vlan',
      ],
      [
        'expose-ip',
        ['--ip', '172.24.4.1', '--bridge', 'br-ex', '--vlan', '1e2', '--mac', 'fa:16:3e:00:01:e2'],
        '--vlan',
      ],
      [
        'expose-ip',
        ['--ip', '172.24.4.1', '--bridge', 'br-ex', '--mac', 'fa:16:3e:00:01:e2', '--cidr', '172.24.4.0/33'],
        '--cidr',
      ],
      ['expose-subnet', ['--cidr', '10.0.0.1', '--via', '172.24.4.10', '--bridge', 'br-ex'], '--cidr'],
      ['expose-subnet', ['--cidr', '10.0.0.1/24', '--via', 'gw', '--bridge', 'br-ex'], '--via'],
      ['withdraw-fip', ['--ip', '-1', '--bridge', 'br-ex'], '--ip'],
    ]
    for (const [id, args, flag] of cases) {
      const r = await runOffline(id, ...args)
      expect(r.exitCode, `${id} ${args.join(' ')}`).to.equal(2)
      expect(r.error?.message, `${id} ${args.join(' ')}`).to.include(`Parsing ${flag}`)
    }
  })

  it('needs the values it cannot derive (exit 2 naming them), fewer to withdraw than to expose', async () => {
    const noMac = await runOffline('expose-ip', '--ip', '172.24.4.1', '--bridge', 'br-ex')
    expect(noMac.exitCode).to.equal(2)
    expect(noMac.error?.message).to.include('expose-ip with explicit values needs --mac')
    const noBridge = await runOffline('expose-fip', '--ip', '172.24.4.1', '--mac', 'fa:16:3e:00:01:e2')
    expect(noBridge.error?.message).to.include('needs --bridge')
    const noVia = await runOffline('expose-subnet', '--cidr', '10.0.0.1/24', '--bridge', 'br-ex')
    expect(noVia.error?.message).to.include('needs --via')
    const withdraw = await runOffline('withdraw-ip', '--ip', '172.24.4.1', '--bridge', 'br-ex')
    expect(withdraw.error).to.equal(undefined)
    expect(withdraw.doc!.ips).to.deep.equal(['172.24.4.1'])
  })

  it('refuses a bridge that is not in the bridge mappings', async () => {
    const r = await runOffline('expose-lb-vip', '--ip', '172.24.4.60', '--bridge', 'br-other')
    expect(r.exitCode).to.equal(2)
    expect(r.error?.message).to.include('--bridge br-other: not in the bridge mappings (physnet1:br-ex)')
  })

  it('refuses NB-object and explicit flags together, and --network without --router', async () => {
    const both = await runOffline('expose-ip', '--port', 'vm1', '--ip', '172.24.4.1')
    expect(both.exitCode).to.equal(2)
    expect(both.error?.message).to.match(/cannot also be provided when using/)
    const two = await runOffline('expose-ip', '--port', 'vm1', '--router', 'r1')
    expect(two.exitCode).to.equal(2)
    const net = await runOffline('expose-subnet', '--network', 'neutron-priv')
    expect(net.exitCode).to.equal(2)
    const none = await runOffline('expose-lb-fip')
    expect(none.exitCode).to.equal(2)
    expect(none.error?.message).to.include('name the object with --lb')
  })

  it('an unreachable NB database is exit 4 (NB mode only)', async () => {
    const r = await runOffline('expose-ip', '--port', 'vm1')
    expect(r.exitCode).to.equal(4)
    // a closed socket is a permanent failure: named at once, with the remote and what it is
    expect(r.error?.message).to.match(/nothing accepts connections at unix:.* \(the OVN NB database\)/)
  })

  it('a missing ip(8) is exit 4 (the node cannot be observed)', async () => {
    const r = await runOffline(
      'expose-lb-vip',
      '--ip',
      '172.24.4.60',
      '--bridge',
      'br-ex',
      '--ip-path',
      join(state, 'no-such-ip'),
    )
    expect(r.exitCode).to.equal(4)
    expect(r.error?.message).to.include('command not found')
  })

  it('in subnet advertisement mode a tenant IP exposes nothing, as upstream (exit 2 explains)', async () => {
    const r = await runOffline(
      'expose-remote-ip',
      '--ip',
      '10.0.0.5',
      '--advertisement-method-tenant-networks',
      'subnet',
    )
    expect(r.exitCode).to.equal(2)
    expect(r.error?.message).to.include('exposes nothing on this chassis')
  })
})
