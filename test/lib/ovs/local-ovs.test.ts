// LocalOvs against a real ovsdb-server + ovs-vswitchd (userspace datapath, vswitchd in a netns).
import {expect} from 'chai'

import type {LocalOvsEvent} from '../../../src/lib/ovs/local-ovs-state.js'

import {DependencyError} from '../../../src/lib/errors.js'
import {LocalOvs} from '../../../src/lib/ovs/local-ovs.js'
import {requireTools} from '../../helpers/require.js'
import {waitFor} from '../../helpers/wait.js'
import {OvsInstance} from './ovs-instance.js'

const until = (cond: () => boolean, ms = 5000): Promise<true> => waitFor('the condition', cond, ms, 10)

describe('ovs/local-ovs (real ovsdb-server + ovs-vswitchd)', () => {
  let ovs: OvsInstance | undefined
  let local: LocalOvs | undefined
  const events: LocalOvsEvent[] = []

  before(async function () {
    requireTools(this, ['ovsdb-server', 'ovs-vswitchd', 'ovs-vsctl', 'ip'], {root: true})
    ovs = await OvsInstance.start('ovslo')
    ovs.addBridge('br-ex')
    ovs.addBridge('br-int')
    ovs.vsctl([
      'set',
      'Open_vSwitch',
      '.',
      'external_ids:system-id=chassis-1',
      'external_ids:hostname=node-1',
      'external_ids:ovn-bridge-mappings="physnet1:br-ex,junk,physnet2:br-vlan"',
      'external_ids:ovn-nb-remote=tcp:127.0.0.1:6641',
    ])
    ovs.addPatch('br-ex', 'patch-provnet-1', 'br-int', 'patch-br-int-to-provnet-1')
    const t0 = Date.now()
    local = await LocalOvs.connect({remote: ovs.dbRemote})
    console.log(`      connect + snapshot: ${Date.now() - t0} ms`)
    local.subscribe((e) => events.push(e))
  })

  after(async () => {
    await local?.close()
    await ovs?.stop()
  })

  it('reads the identity written by ovs-vsctl', () => {
    expect(local!.identity()).to.deep.equal({
      systemId: 'chassis-1',
      hostname: 'node-1',
      nbRemote: 'tcp:127.0.0.1:6641',
      bridgeMappings: [
        {physnet: 'physnet1', bridge: 'br-ex', index: 1},
        {physnet: 'physnet2', bridge: 'br-vlan', index: 3},
      ],
    })
  })

  it('bridge MAC is the mac_in_use of the bridge internal interface', async () => {
    const want = JSON.parse(ovs!.vsctl(['get', 'Interface', 'br-ex', 'mac_in_use'])) as string
    await until(() => local!.bridgeMac('br-ex') !== undefined)
    expect(local!.bridgeMac('br-ex')).to.equal(want.toLowerCase())
  })

  it('lists provider patch ports with their ofports', async () => {
    const want = Number(ovs!.vsctl(['get', 'Interface', 'patch-provnet-1', 'ofport']))
    await until(() => local!.patchPorts('br-ex')[0]?.ofport !== undefined)
    expect(local!.patchPorts('br-ex')).to.deep.equal([{name: 'patch-provnet-1', ofport: want}])
    expect(local!.patchPorts('br-int')).to.deep.equal([])
  })

  it('waitForOfport resolves when ovs-vswitchd assigns the port', async () => {
    const p = local!.waitForOfport('patch-physnet2-to-br-int', 5000)
    const t0 = Date.now()
    ovs!.addPatch('br-ex', 'patch-physnet2-to-br-int', 'br-int', 'patch-br-int-to-physnet2')
    const ofport = await p
    const ms = Date.now() - t0
    console.log(`      ofport assigned and seen after ${ms} ms`)
    expect(ofport).to.equal(Number(ovs!.vsctl(['get', 'Interface', 'patch-physnet2-to-br-int', 'ofport'])))
    expect(events.some((e) => e.kind === 'bridge' && e.bridge === 'br-ex')).to.equal(true)
    expect(local!.patchPorts('br-ex').map((x) => x.name)).to.deep.equal(['patch-physnet2-to-br-int', 'patch-provnet-1'])
  })

  it('emits identity and mapping changes', async () => {
    events.length = 0
    ovs!.vsctl(['set', 'Open_vSwitch', '.', 'external_ids:ovn-bridge-mappings="physnet1:br-ex"'])
    await until(() => events.some((e) => e.kind === 'bridge-mappings'))
    expect(events.find((e) => e.kind === 'bridge-mappings')).to.deep.equal({
      kind: 'bridge-mappings',
      mappings: [{physnet: 'physnet1', bridge: 'br-ex', index: 1}],
    })
    expect(events.some((e) => e.kind === 'identity')).to.equal(false)
    ovs!.vsctl(['set', 'Open_vSwitch', '.', 'external_ids:system-id=chassis-2'])
    await until(() => events.some((e) => e.kind === 'identity'))
    expect(local!.identity().systemId).to.equal('chassis-2')
  })

  it('an unreachable database is a DependencyError', async () => {
    const err = await LocalOvs.connect({remote: `unix:${ovs!.dir}/nope.sock`, connectTimeoutMs: 300}).catch(
      (error: unknown) => error,
    )
    expect(err).to.be.instanceOf(DependencyError)
    // a missing socket is a permanent failure, classified as such (exit 4 with the fix)
    expect((err as DependencyError).code).to.equal('CONNECTION_REFUSED')
  })
})
