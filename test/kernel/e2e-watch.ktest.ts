// End to end, in a real kernel: a neutron-like NB topology, a local OVS, FRR and a BGP peer; the
// agent (the same code `ovn-bgp watch` runs) converges, the peer receives exactly the expected
// prefixes, and the peer and the kernel follow NB changes: ports unbound and rebound, the cr-lrp
// moved away and back, a subnet detached, the LB deleted. A sync afterwards has nothing to do.
import {expect} from 'chai'

import type {AgentConfig} from '../../src/lib/config/types.js'

import {Agent} from '../../src/lib/driver/agent.js'
import {StreamLogger} from '../../src/lib/log.js'
import {Runtime} from '../../src/lib/runtime.js'
import {sleep} from '../helpers/wait.js'
import {must, requireGuest} from './helpers/guest.js'
import {expectNothingToSync, type Lab, startTopologyLab} from './helpers/lab.js'
import {FULL, LOCALNET, map, remove, update} from './helpers/topology.js'

async function eventually<T>(
  what: string,
  fn: () => Promise<T>,
  ok: (v: T) => boolean,
  timeoutMs = 30_000,
): Promise<T> {
  const t0 = Date.now()
  let last: T = await fn()
  while (!ok(last)) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(last)}`)
    await sleep(250)
    last = await fn()
  }

  return last
}

const without = (...p: string[]) => FULL.filter((x) => !p.includes(x))

describe('e2e: watch in a real kernel with OVS, FRR and a BGP peer', function () {
  this.timeout(240_000)
  let lab: Lab | undefined
  let agent: Agent | undefined
  let cfg: AgentConfig
  const logs: string[] = []

  before(async function () {
    requireGuest(this, ['ovsdb-server', 'ovs-vswitchd', 'vtysh', 'gobgpd'])
    const started = await startTopologyLab()
    lab = started.lab
    cfg = started.cfg
    const logger = new StreamLogger({level: 'info', write: (l) => logs.push(l)})
    agent = new Agent({rt: new Runtime(cfg, logger), cfg, logger, debounceMs: 20})
  })

  after(async function () {
    if (this.currentTest?.state === 'failed' || process.env.KTEST_VERBOSE) console.log(logs.slice(-60).join('\n'))
    await agent?.stop()
    await lab?.close()
  })

  it('converges: the peer has exactly the expected /32 and /128 prefixes', async () => {
    await agent!.start()
    await eventually(
      'the full set at the peer',
      () => lab!.peerPrefixes(),
      (p) => JSON.stringify(p) === JSON.stringify(FULL),
      60_000,
    )
  })

  it('wired the kernel and OVS as the spec says', async () => {
    const rules = JSON.parse((await must('ip', ['-j', 'rule', 'show'])).stdout) as Array<{
      priority: number
      dst?: string
      table: string
    }>
    const vmRule = rules.find((r) => r.dst === '172.24.4.226')
    expect(vmRule?.priority).to.equal(32_000)
    const {table} = vmRule!
    const routes = (await must('ip', ['route', 'show', 'table', table])).stdout
    expect(routes).to.match(/172\.24\.4\.226 dev br-ex\.100 (proto boot )?scope link/)
    expect(routes).to.match(/10\.0\.0\.0\/24 via 172\.24\.4\.10 dev br-ex\.100/)
    const neigh = (await must('ip', ['neigh', 'show', 'dev', 'br-ex.100', 'nud', 'permanent'])).stdout
    expect(neigh).to.match(/172\.24\.4\.226 lladdr fa:16:3e:00:01:e2/)
    expect(neigh, 'no neighbour for the mac-less LB VIP').not.to.match(/172\.24\.4\.50 /)
    expect((await must('ip', ['-6', 'neigh', 'show', 'proxy'])).stdout).to.match(/2001:db8:100:: dev br-ex\.100/)
    const ofport = (await lab!.ovs.vsctl('get', 'Interface', `patch-${LOCALNET}-to-br-int`, 'ofport')).trim()
    const flows = await lab!.ovs.ofctl('--no-stats', 'dump-flows', 'br-ex', 'cookie=0x3e7/-1')
    expect(flows).to.include(`priority=900,ip,in_port=${ofport}`)
    expect(flows).to.include(`priority=900,ipv6,in_port=${ofport}`)
    expect(flows).to.include('mod_dl_dst:')
    expect(await lab!.frr.vtysh('show running-config')).to.include('import vrf bgp-vrf')
  })

  it('follows a VM port going down and coming back', async () => {
    await update(lab!.nb.unix, 'Logical_Switch_Port', 'vm1', {up: false})
    await eventually(
      'vm1 withdrawn',
      () => lab!.peerPrefixes(),
      (p) => JSON.stringify(p) === JSON.stringify(without('172.24.4.226/32', '2001:db8:100::226/128')),
    )
    await update(lab!.nb.unix, 'Logical_Switch_Port', 'vm1', {up: true})
    await eventually(
      'vm1 back',
      () => lab!.peerPrefixes(),
      (p) => JSON.stringify(p) === JSON.stringify(FULL),
    )
  })

  it('follows the cr-lrp moving away and back', async () => {
    await update(lab!.nb.unix, 'Logical_Router_Port', 'lrp-gw', {status: map({'hosting-chassis': 'chassis-2'})})
    const away = without('172.24.4.10/32', '2001:db8:100::a/128', '10.0.0.5/32', '172.24.4.50/32')
    await eventually(
      'cr-lrp withdrawn',
      () => lab!.peerPrefixes(),
      (p) => JSON.stringify(p) === JSON.stringify(away),
    )
    const rules = (await must('ip', ['rule', 'show'])).stdout
    expect(rules, 'subnet rule removed with the cr-lrp').not.to.include('10.0.0.1/24')
    await update(lab!.nb.unix, 'Logical_Router_Port', 'lrp-gw', {status: map({'hosting-chassis': 'chassis-1'})})
    await eventually(
      'cr-lrp back',
      () => lab!.peerPrefixes(),
      (p) => JSON.stringify(p) === JSON.stringify(FULL),
    )
  })

  it('follows a subnet detached from the router', async () => {
    await update(lab!.nb.unix, 'Logical_Switch_Port', 'rif', {up: false})
    await eventually(
      'tenant IP withdrawn',
      () => lab!.peerPrefixes(),
      (p) => JSON.stringify(p) === JSON.stringify(without('10.0.0.5/32')),
    )
    await eventually(
      'subnet rule removed',
      async () => (await must('ip', ['rule', 'show'])).stdout,
      (s) => !s.includes('10.0.0.1/24'),
    )
  })

  it('follows the load balancer being deleted', async () => {
    await remove(lab!.nb.unix, 'Load_Balancer', 'lb1')
    await eventually(
      'LB VIP withdrawn',
      () => lab!.peerPrefixes(),
      (p) => JSON.stringify(p) === JSON.stringify(without('10.0.0.5/32', '172.24.4.50/32')),
    )
  })

  it('a sync afterwards finds nothing to do', async () => {
    await agent!.idle()
    await expectNothingToSync(cfg)
  })
})
