import {expect} from 'chai'

import type {Row, RowChange, Value} from '../../../src/lib/ovsdb/types.js'

import {isProviderPatchPort, type LocalOvsEvent, LocalOvsState} from '../../../src/lib/ovs/local-ovs-state.js'

const row = (uuid: string, cols: Record<string, Value>): Row => ({_uuid: uuid, ...cols})
const ins = (table: string, r: Row): RowChange => ({table, kind: 'insert', uuid: r._uuid, row: r})
const upd = (table: string, r: Row, old: Record<string, Value>): RowChange => ({
  table,
  kind: 'update',
  uuid: r._uuid,
  row: r,
  old,
})
const del = (table: string, r: Row): RowChange => ({table, kind: 'delete', uuid: r._uuid, row: r})

const ovsRow = (ids: Record<string, string>) => row('ovs-0', {external_ids: new Map(Object.entries(ids))})
const iface = (uuid: string, name: string, ofport: number[], mac: string[] = [], type = '') =>
  row(uuid, {name, ofport, mac_in_use: mac, type, options: new Map()})

/** A bridge br-ex with its internal port and two patch ports, plus an unrelated port. */
function snapshot(): RowChange[] {
  return [
    ins(
      'Open_vSwitch',
      ovsRow({
        'system-id': 'chassis-1',
        hostname: 'node-1',
        'ovn-bridge-mappings': 'physnet1:br-ex, bad ,physnet2:br-vlan',
        'ovn-nb-remote': 'tcp:10.0.0.1:6641',
      }),
    ),
    ins('Interface', iface('i-br', 'br-ex', [65_534], ['D6:AD:47:51:39:42'], 'internal')),
    ins('Interface', iface('i-p1', 'patch-provnet-1', [2], [], 'patch')),
    ins('Interface', iface('i-p2', 'patch-provnet-x-to-br-int', [], [], 'patch')),
    ins('Interface', iface('i-eth', 'eth1', [1])),
    ins('Port', row('p-br', {name: 'br-ex', interfaces: ['i-br']})),
    ins('Port', row('p-p1', {name: 'patch-provnet-1', interfaces: ['i-p1']})),
    ins('Port', row('p-p2', {name: 'patch-provnet-x-to-br-int', interfaces: ['i-p2']})),
    ins('Port', row('p-eth', {name: 'eth1', interfaces: ['i-eth']})),
    ins(
      'Bridge',
      row('b-ex', {
        name: 'br-ex',
        ports: ['p-br', 'p-p1', 'p-p2', 'p-eth'],
        datapath_type: 'netdev',
        external_ids: new Map(),
      }),
    ),
  ]
}

function loaded(): {s: LocalOvsState; events: LocalOvsEvent[]} {
  const s = new LocalOvsState()
  const events: LocalOvsEvent[] = []
  s.subscribe((e) => events.push(e))
  for (const c of snapshot()) s.onChange(c)
  s.onSnapshot({resync: false})
  return {s, events}
}

describe('ovs/local-ovs-state', () => {
  it('reads identity and bridge mappings (bad element consumes an index)', () => {
    const {s} = loaded()
    expect(s.identity()).to.deep.equal({
      systemId: 'chassis-1',
      hostname: 'node-1',
      nbRemote: 'tcp:10.0.0.1:6641',
      bridgeMappings: [
        {physnet: 'physnet1', bridge: 'br-ex', index: 1},
        {physnet: 'physnet2', bridge: 'br-vlan', index: 3},
      ],
    })
    expect(s.chassisName()).to.equal('node-1')
  })

  it('falls back to the OS hostname and reports a missing system-id as undefined', () => {
    const s = new LocalOvsState()
    s.onChange(ins('Open_vSwitch', ovsRow({})))
    s.onSnapshot({resync: false})
    expect(s.identity().systemId).to.equal(undefined)
    expect(s.chassisName()).to.be.a('string').and.not.equal('')
    expect(s.identity().bridgeMappings).to.deep.equal([])
  })

  it('bridge MAC, patch ports and ofports', () => {
    const {s} = loaded()
    expect(s.bridgeMac('br-ex')).to.equal('d6:ad:47:51:39:42')
    expect(s.bridgeMac('br-nope')).to.equal(undefined)
    expect(s.patchPorts('br-ex')).to.deep.equal([
      {name: 'patch-provnet-1', ofport: 2},
      {name: 'patch-provnet-x-to-br-int', ofport: undefined},
    ])
    expect(s.ofport('eth1')).to.equal(1)
    expect(s.bridgeNames()).to.deep.equal(['br-ex'])
  })

  const patchNames: Array<[string, boolean]> = [
    ['patch-provnet-1', true],
    ['patch-public-to-br-int', true],
    ['patch-br-int-to-public', false],
    ['eth1', false],
    ['patch-to-br-int', false],
  ]
  for (const [name, want] of patchNames)
    it(`isProviderPatchPort(${name}) = ${want}`, () => expect(isProviderPatchPort(name)).to.equal(want))

  it('waitForOfport resolves from a monitor update, not by polling', async () => {
    const {s, events} = loaded()
    const p = s.waitForOfport('patch-provnet-x-to-br-int', 5000)
    const t0 = Date.now()
    setTimeout(
      () => s.onChange(upd('Interface', iface('i-p2', 'patch-provnet-x-to-br-int', [5], [], 'patch'), {ofport: []})),
      20,
    )
    expect(await p).to.equal(5)
    expect(Date.now() - t0).to.be.lessThan(1000)
    expect(events).to.deep.equal([{kind: 'bridge', bridge: 'br-ex'}])
  })

  it('waitForOfport resolves immediately when known, undefined on timeout, and on close', async () => {
    const {s} = loaded()
    expect(await s.waitForOfport('patch-provnet-1', 10)).to.equal(2)
    expect(await s.waitForOfport('nope', 20)).to.equal(undefined)
    const p = s.waitForOfport('nope', 60_000)
    s.close()
    expect(await p).to.equal(undefined)
  })

  it('ofport -1 (vswitchd could not add the port) is not a port number', () => {
    const {s} = loaded()
    s.onChange(upd('Interface', iface('i-p1', 'patch-provnet-1', [-1], [], 'patch'), {ofport: [2]}))
    expect(s.ofport('patch-provnet-1')).to.equal(undefined)
  })

  it('emits identity and mapping events only when they change, after the snapshot', () => {
    const s = new LocalOvsState()
    const events: LocalOvsEvent[] = []
    s.subscribe((e) => events.push(e))
    for (const c of snapshot()) s.onChange(c)
    expect(events).to.deep.equal([])
    s.onSnapshot({resync: false})
    expect(events).to.deep.equal([])
    const ids = {
      'system-id': 'chassis-1',
      hostname: 'node-1',
      'ovn-bridge-mappings': 'physnet1:br-ex, bad ,physnet2:br-vlan',
      'ovn-nb-remote': 'tcp:10.0.0.1:6641',
    }
    s.onChange(upd('Open_vSwitch', ovsRow({...ids, 'ovn-encap-ip': '1.2.3.4'}), {external_ids: new Map()}))
    expect(events).to.deep.equal([])
    s.onChange(upd('Open_vSwitch', ovsRow({...ids, hostname: 'node-2'}), {external_ids: new Map()}))
    expect(events).to.deep.equal([{kind: 'identity'}])
    s.onChange(
      upd('Open_vSwitch', ovsRow({...ids, hostname: 'node-2', 'ovn-bridge-mappings': 'physnet1:br-ex'}), {
        external_ids: new Map(),
      }),
    )
    expect(events[1]).to.deep.equal({
      kind: 'bridge-mappings',
      mappings: [{physnet: 'physnet1', bridge: 'br-ex', index: 1}],
    })
    expect(events).to.have.length(2)
  })

  it('bridge events for port changes and bridge deletion', () => {
    const {s, events} = loaded()
    s.onChange(ins('Interface', iface('i-p3', 'patch-provnet-3', [7], [], 'patch')))
    s.onChange(ins('Port', row('p-p3', {name: 'patch-provnet-3', interfaces: ['i-p3']})))
    s.onChange(
      upd(
        'Bridge',
        row('b-ex', {
          name: 'br-ex',
          ports: ['p-br', 'p-p1', 'p-p2', 'p-eth', 'p-p3'],
          datapath_type: 'netdev',
          external_ids: new Map(),
        }),
        {ports: []},
      ),
    )
    expect(s.patchPorts('br-ex').map((p) => p.name)).to.include('patch-provnet-3')
    s.onChange(del('Bridge', row('b-ex', {name: 'br-ex', ports: [], datapath_type: 'netdev', external_ids: new Map()})))
    expect(s.patchPorts('br-ex')).to.deep.equal([])
    expect(events.every((e) => e.kind === 'bridge' && e.bridge === 'br-ex')).to.equal(true)
    expect(events.length).to.be.greaterThanOrEqual(2)
  })

  it('whenReady resolves on the first snapshot', async () => {
    const s = new LocalOvsState()
    let ready = false
    const p = s.whenReady().then(() => {
      ready = true
    })
    await Promise.resolve()
    expect(ready).to.equal(false)
    s.onSnapshot({resync: false})
    await p
    expect(s.ready).to.equal(true)
  })
})
