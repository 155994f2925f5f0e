// The ad-hoc verbs against the real kernel (guest), explicit mode (no NB needed): expose-ip applies
// every object of a VLAN provider address, a second run changes nothing; withdraw-ip removes the
// per-IP objects and keeps the shared ones, a second withdraw changes nothing. The same for a
// tenant subnet; and one port by NB object. (`ip route` does not print `proto boot`, the default protocol.)
import {expect} from 'chai'
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'

import type {OvsdbServer} from '../helpers/ovsdb-server.js'

import {type CmdRun, nodeArgs, runAdhocCmd, startNb} from '../commands/adhoc-harness.js'
import {requireTools} from '../helpers/require.js'
import {useTestRuntime} from '../helpers/runtime-fake.js'
import {requireGuest} from './helpers/guest.js'
import {kernelEnv, type KernelEnv} from './helpers/kernel-env.js'

const objects = (r: CmdRun) => r.doc!.changes.map((c) => `${c.action} ${c.object}`)

describe('ad-hoc verbs against the real kernel (guest, explicit values)', function () {
  let env: KernelEnv
  let restoreRuntime = (): void => {}

  // every command is a full CLI run, about 10-25 s under TCG emulation
  this.timeout(300_000)

  before(async function () {
    requireGuest(this, ['sysctl'])
    env = await kernelEnv('kadhoc', {bridges: [{name: 'br-ex', table: 200}]})
    const base = await env.kernel.ensureBase(env.base)
    expect(base.failed).to.deep.equal([])
    writeFileSync(join(env.stateDir, 'rt_tables'), '200\tbr-ex\n')
    restoreRuntime = useTestRuntime({runner: env.ns.runner, ovsTimeoutMs: 50})
  })

  after(async () => {
    restoreRuntime()
    await env?.close()
  })

  const run = (id: string, ...args: string[]) =>
    runAdhocCmd(id, [...args, '--json', ...nodeArgs(`unix:${join(env.stateDir, 'no-nb.sock')}`, env.stateDir)])
  const VM = [
    '--ip',
    '172.24.4.226',
    '--ip',
    '2001:db8:100::226',
    '--cidr',
    '2001:db8:100::226/64',
    '--bridge',
    'br-ex',
    '--vlan',
    '100',
  ]

  it('expose-ip applies a VLAN provider address, then changes nothing', async () => {
    const first = await run('expose-ip', ...VM, '--mac', 'fa:16:3e:00:01:e2')
    expect(first.error).to.equal(undefined)
    expect(first.doc!.failed).to.deep.equal([])
    expect(first.doc).to.include({changed: true, dryRun: false})
    const addrs = await env.ns.ipJson<Array<{addr_info: Array<{local: string}>}>>('addr', 'show', 'dev', 'bgp-nic')
    expect(addrs[0]!.addr_info.map((a) => a.local)).to.include.members(['172.24.4.226', '2001:db8:100::226'])
    const link = await env.ns.ipJson<Array<{ifname: string}>>('link', 'show', 'dev', 'br-ex.100')
    expect(link[0]!.ifname).to.equal('br-ex.100')
    const routes = (await env.ns.ip('route', 'show', 'table', '200')).stdout
    expect(routes).to.match(/^172\.24\.4\.226 dev br-ex\.100 (proto (boot|3) )?scope link/m)
    const neigh = (await env.ns.ip('neigh', 'show', 'dev', 'br-ex.100')).stdout
    expect(neigh).to.include('172.24.4.226 lladdr fa:16:3e:00:01:e2 PERMANENT')
    const proxy = (await env.ns.ip('-6', 'neigh', 'show', 'proxy', 'dev', 'br-ex.100')).stdout
    expect(proxy).to.include('2001:db8:100::')
    const second = await run('expose-ip', ...VM, '--mac', 'fa:16:3e:00:01:e2')
    expect(second.doc).to.include({changed: false})
    expect(second.doc!.changes).to.deep.equal([])
  })

  it('withdraw-ip removes the per-IP objects, keeps the shared ones, then changes nothing', async () => {
    const w = await run('withdraw-ip', ...VM)
    expect(w.error).to.equal(undefined)
    expect(w.doc!.failed).to.deep.equal([])
    expect(objects(w)).to.have.length(8)
    const addrs = await env.ns.ipJson<Array<{addr_info: Array<{local: string}>}>>('addr', 'show', 'dev', 'bgp-nic')
    expect((addrs[0]?.addr_info ?? []).map((a) => a.local)).not.to.include('172.24.4.226')
    expect((await env.ns.ip('route', 'show', 'table', '200')).stdout).not.to.include('172.24.4.226')
    expect((await env.ns.ip('-6', 'neigh', 'show', 'proxy', 'dev', 'br-ex.100')).stdout).to.include('2001:db8:100::')
    const again = await run('withdraw-ip', ...VM)
    expect(again.doc).to.include({changed: false})
  })

  it('expose-subnet and withdraw-subnet: rule and route via the gateway, idempotent both ways', async () => {
    // the gateway address is reachable once its cr-lrp is exposed (as on a node that hosts it)
    const gw = await run(
      'expose-ip',
      '--ip',
      '172.24.4.10',
      '--mac',
      'fa:16:3e:00:00:0a',
      '--bridge',
      'br-ex',
      '--vlan',
      '100',
    )
    expect(gw.doc!.failed).to.deep.equal([])
    const S = ['--cidr', '10.0.0.1/24', '--bridge', 'br-ex', '--vlan', '100']
    const e = await run('expose-subnet', ...S, '--via', '172.24.4.10')
    expect(e.doc!.failed).to.deep.equal([])
    expect((await env.ns.ip('route', 'show', 'table', '200')).stdout).to.match(
      /^10\.0\.0\.0\/24 via 172\.24\.4\.10 dev br-ex\.100\b/m,
    )
    expect((await env.ns.ip('rule', 'show')).stdout).to.include('to 10.0.0.1/24 lookup 200')
    expect((await run('expose-subnet', ...S, '--via', '172.24.4.10')).doc).to.include({changed: false})
    const w = await run('withdraw-subnet', ...S)
    expect(objects(w).sort()).to.deep.equal(
      [
        'remove route 10.0.0.0/24 via 172.24.4.10 dev br-ex.100 table 200 proto 3',
        'remove rule priority 32000 to 10.0.0.1/24 lookup 200',
      ].sort(),
    )
    expect((await env.ns.ip('route', 'show', 'table', '200')).stdout).not.to.include('10.0.0.0/24')
    expect((await run('withdraw-subnet', ...S)).doc).to.include({changed: false})
  })

  describe('by NB object (real NB server in the guest)', () => {
    let nb: OvsdbServer | undefined

    before(async function () {
      requireTools(this, ['ovsdb-server', 'ovsdb-tool'])
      nb = await startNb()
    })

    after(async () => {
      await nb?.stop()
    })

    const runNb = (id: string, ...args: string[]) =>
      runAdhocCmd(id, [...args, '--json', ...nodeArgs(nb!.unix, env.stateDir)])

    it('expose-ip --port applies, a second run changes nothing, withdraw-ip --port undoes it twice', async () => {
      const first = await runNb('expose-ip', '--port', 'vm1')
      expect(first.error).to.equal(undefined)
      expect(first.doc!.failed).to.deep.equal([])
      expect(first.doc).to.include({changed: true})
      expect((await env.ns.ip('neigh', 'show', 'dev', 'br-ex.100')).stdout).to.include(
        '172.24.4.226 lladdr fa:16:3e:00:01:e2 PERMANENT',
      )
      expect((await runNb('expose-ip', '--port', 'vm1')).doc).to.include({changed: false})
      const w = await runNb('withdraw-ip', '--port', 'vm1')
      expect(w.doc!.failed).to.deep.equal([])
      expect(w.doc!.ips).to.deep.equal(['172.24.4.226', '2001:db8:100::226'])
      expect((await env.ns.ip('route', 'show', 'table', '200')).stdout).not.to.include('172.24.4.226')
      expect((await runNb('withdraw-ip', '--port', 'vm1')).doc).to.include({changed: false})
    })
  })
})
