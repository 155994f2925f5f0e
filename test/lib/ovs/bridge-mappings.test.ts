import {expect} from 'chai'

import {formatBridgeMappings, mappedBridges, parseBridgeMappings} from '../../../src/lib/ovs/bridge-mappings.js'

describe('ovs/bridge-mappings', () => {
  const cases: Array<{
    name: string
    text: string | undefined
    mappings: Array<[string, string, number]>
    warnings: number
  }> = [
    {name: 'missing key', text: undefined, mappings: [], warnings: 0},
    {name: 'empty value', text: '', mappings: [], warnings: 0},
    {name: 'blank value', text: '  ', mappings: [], warnings: 0},
    {name: 'one mapping', text: 'physnet1:br-ex', mappings: [['physnet1', 'br-ex', 1]], warnings: 0},
    {
      name: 'several, trimmed',
      text: ' physnet1:br-ex , physnet2:br-vlan',
      mappings: [
        ['physnet1', 'br-ex', 1],
        ['physnet2', 'br-vlan', 2],
      ],
      warnings: 0,
    },
    {
      name: 'same bridge for two physnets',
      text: 'a:br-ex,b:br-ex',
      mappings: [
        ['a', 'br-ex', 1],
        ['b', 'br-ex', 2],
      ],
      warnings: 0,
    },
    {
      name: 'invalid element still consumes an index',
      text: 'bogus,physnet2:br-vlan',
      mappings: [['physnet2', 'br-vlan', 2]],
      warnings: 1,
    },
    {
      name: 'three parts are skipped',
      text: 'a:b:c,physnet1:br-ex',
      mappings: [['physnet1', 'br-ex', 2]],
      warnings: 1,
    },
    {name: 'empty bridge', text: 'physnet1:', mappings: [], warnings: 1},
    {name: 'empty physnet', text: ':br-ex', mappings: [], warnings: 1},
    {name: 'bridge name that could be an option', text: 'physnet1:-rf', mappings: [], warnings: 1},
    {name: 'bridge name too long', text: 'physnet1:a-very-long-bridge-name', mappings: [], warnings: 1},
    {
      name: 'trailing comma',
      text: 'physnet1:br-ex,',
      mappings: [['physnet1', 'br-ex', 1]],
      warnings: 1,
    },
  ]
  for (const c of cases) {
    it(c.name, () => {
      const r = parseBridgeMappings(c.text)
      expect(r.mappings.map((m) => [m.physnet, m.bridge, m.index])).to.deep.equal(c.mappings)
      expect(r.warnings).to.have.length(c.warnings)
    })
  }

  it('formats and lists distinct bridges in order', () => {
    const {mappings} = parseBridgeMappings('a:br-ex,x,b:br-vlan,c:br-ex')
    expect(formatBridgeMappings(mappings)).to.equal('a:br-ex,b:br-vlan,c:br-ex')
    expect(mappedBridges(mappings)).to.deep.equal(['br-ex', 'br-vlan'])
  })
})
