// SwitchMerge (pure): Logical_Switch rows of a scoped replica from the by-name monitor (name only)
// and the per-localnet membership monitors; a change is emitted only when the name or the
// localnet membership changes.
import {expect} from 'chai'

import type {RowChange} from '../../../src/lib/ovsdb/types.js'

import {SwitchMerge} from '../../../src/lib/nb/switch-merge.js'

const LS = 'Logical_Switch'
const ch = (kind: RowChange['kind'], uuid: string, name: string): RowChange => ({
  table: LS,
  kind,
  uuid,
  row: {_uuid: uuid, name},
})
const brief = (cs: RowChange[]): string[] =>
  cs.map(
    (c) =>
      `${c.kind} ${c.uuid} ${String(c.row.name)} [${(c.row.ports as string[]).join(',')}]${c.old ? ` old:${Object.keys(c.old).join(',')}` : ''}`,
  )

describe('nb SwitchMerge', () => {
  it('assembles {name, localnet members} and emits only real changes', () => {
    const m = new SwitchMerge()
    expect(brief(m.fromNameMonitor(ch('insert', 's1', 'neutron-a')))).to.deep.equal(['insert s1 neutron-a []'])
    expect(brief(m.fromMemberMonitor('ln2', ch('insert', 's1', 'neutron-a')))).to.deep.equal([
      'update s1 neutron-a [ln2] old:ports',
    ])
    expect(brief(m.fromMemberMonitor('ln1', ch('insert', 's1', 'neutron-a')))).to.deep.equal([
      'update s1 neutron-a [ln1,ln2] old:ports',
    ])
    // a name-only update that changes nothing the planner reads: nothing emitted
    expect(m.fromNameMonitor(ch('update', 's1', 'neutron-a'))).to.deep.equal([])
    expect(brief(m.fromMemberMonitor('ln2', ch('delete', 's1', 'neutron-a')))).to.deep.equal([
      'update s1 neutron-a [ln1] old:ports',
    ])
    // still held through ln1 after the by-name monitor lets it go
    expect(m.fromNameMonitor(ch('delete', 's1', 'neutron-a'))).to.deep.equal([])
    expect(brief(m.dropLocalnet('ln1'))).to.deep.equal(['delete s1 neutron-a [ln1]'])
  })

  it('a switch known only through a localnet appears and goes with it; a rename is an update of name', () => {
    const m = new SwitchMerge()
    expect(brief(m.fromMemberMonitor('ln', ch('insert', 's2', 'neutron-b')))).to.deep.equal([
      'insert s2 neutron-b [ln]',
    ])
    expect(brief(m.fromMemberMonitor('ln', ch('update', 's2', 'neutron-c')))).to.deep.equal([
      'update s2 neutron-c [ln] old:name',
    ])
    expect(brief(m.fromMemberMonitor('ln', ch('delete', 's2', 'neutron-c')))).to.deep.equal([
      'delete s2 neutron-c [ln]',
    ])
    expect(m.dropLocalnet('ln')).to.deep.equal([])
  })
})
