// Fact gathering against real ovsdb-server instances: a local Open_vSwitch database and an OVN NB
// database (OVN 23.03's schema patched to 7.1.0, as OVN 23.09 has it, and the unpatched one).
import {expect} from 'chai'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {defaultConfig} from '../../../src/lib/config/load.js'
import {gatherFacts, gatherNbFacts} from '../../../src/lib/doctor/facts.js'
import {
  NB_SCHEMA_SOURCE,
  type OvsdbServer,
  startOvsdbServer,
  transact,
  writeNbSchema,
} from '../../helpers/ovsdb-server.js'
import {requireTools} from '../../helpers/require.js'

const VSWITCH_SCHEMA = '/usr/share/openvswitch/vswitch.ovsschema'

describe('doctor facts: real OVSDB servers', () => {
  let ovs: OvsdbServer
  let nb: OvsdbServer
  let dir: string

  before(async function () {
    requireTools(this, ['ovsdb-server', 'ovsdb-tool'])
    dir = mkdtempSync(join(tmpdir(), 'doctor-facts-'))
    ovs = await startOvsdbServer({schema: VSWITCH_SCHEMA})
    nb = await startOvsdbServer({schema: writeNbSchema(dir)})
    await transact(ovs.unix, [
      'Open_vSwitch',
      {
        op: 'insert',
        table: 'Open_vSwitch',
        row: {
          external_ids: [
            'map',
            [
              ['system-id', 'chassis-1'],
              ['hostname', 'node-1'],
              ['ovn-bridge-mappings', 'physnet1:br-ex'],
              ['ovn-nb-remote', nb.tcp],
            ],
          ],
        },
      },
    ])
    await transact(nb.unix, [
      'OVN_Northbound',
      // ports must hang off a switch, or the server garbage-collects them (non-root table)
      {
        op: 'insert',
        table: 'Logical_Switch_Port',
        'uuid-name': 'p1',
        row: {name: 'provnet-1', type: 'localnet', tag: 100, options: ['map', [['network_name', 'physnet1']]]},
      },
      {
        op: 'insert',
        table: 'Logical_Switch_Port',
        'uuid-name': 'p2',
        row: {name: 'provnet-2', type: 'localnet', options: ['map', [['network_name', 'physnet2']]]},
      },
      {op: 'insert', table: 'Logical_Switch_Port', 'uuid-name': 'p3', row: {name: 'vm1', tag: 5}},
      {
        op: 'insert',
        table: 'Logical_Switch',
        row: {
          name: 'public',
          ports: [
            'set',
            [
              ['named-uuid', 'p1'],
              ['named-uuid', 'p2'],
              ['named-uuid', 'p3'],
            ],
          ],
        },
      },
    ])
  })

  after(async () => {
    await ovs?.stop()
    await nb?.stop()
    if (dir) rmSync(dir, {recursive: true, force: true})
  })

  it('reads OVS external_ids, then NB through the ovn-nb-remote OVS names', async () => {
    const facts = await gatherFacts({...defaultConfig(), ovsdbConnection: ovs.unix}, 5000)
    expect(facts.ovs).to.deep.equal({
      ok: true,
      value: {systemId: 'chassis-1', hostname: 'node-1', bridgeMappings: 'physnet1:br-ex', nbRemote: nb.tcp},
    })
    expect(facts.nb).to.deep.equal({
      ok: true,
      value: {
        remote: nb.tcp,
        schemaVersion: '7.1.0',
        lrpStatusColumn: true,
        localnetVlans: [{physnet: 'physnet1', tag: 100}],
      },
    })
  })

  it('reports an unpatched (OVN 23.03) schema as it is', async () => {
    const old = await startOvsdbServer({schema: NB_SCHEMA_SOURCE})
    try {
      const r = await gatherNbFacts({...defaultConfig(), ovnNbConnection: old.unix}, old.unix, 5000)
      expect(r.ok && r.value.lrpStatusColumn).to.equal(false)
      expect(r.ok && r.value.schemaVersion).to.match(/^\d+\.\d+\.\d+$/)
    } finally {
      await old.stop()
    }
  })

  it('turns unreachable databases into {ok: false} within the timeout', async () => {
    const t0 = Date.now()
    const facts = await gatherFacts({...defaultConfig(), ovsdbConnection: `unix:${join(dir, 'nothing.sock')}`}, 500)
    expect(Date.now() - t0).to.be.lessThan(5000)
    expect(facts.ovs?.ok).to.equal(false)
    expect(facts.nb).to.deep.equal({
      ok: false,
      error: 'no NB remote: ovn_nb_connection unset and OVS external_ids:ovn-nb-remote unknown',
    })
  })
})
