// Table tests of the small total parsers (parse.ts) and the locality rules (locality.ts,
// docs/upstream-behaviour.md#locality, docs/upstream-behaviour.md#nb-tables-and-columns).
import {expect} from 'chai'

import {isActiveHere, portChassis, splitList} from '../../../src/lib/nb/keys.js'
import {lbVipIps, lspAddresses, parseCidrs, scopeAllowed, vipKeyIp} from '../../../src/lib/planner/parse.js'
import {lb, lsp, vm} from '../../helpers/nb-builders.js'

describe('planner parse: vipKeyIp', () => {
  const cases: Array<[string, string | undefined]> = [
    ['10.0.0.100:80', '10.0.0.100'],
    ['10.0.0.100', '10.0.0.100'],
    ['[2001:db8::5]:443', '2001:db8::5'],
    ['[2001:DB8:0::5]:443', '2001:db8::5'],
    ['[2001:db8::5]', '2001:db8::5'],
    ['2001:db8::5', '2001:db8::5'],
    ['[10.0.0.1]:80', undefined],
    ['10.0.0.300:80', undefined],
    ['host:80', undefined],
    ['', undefined],
  ]
  for (const [key, want] of cases)
    it(`${JSON.stringify(key)} -> ${want ?? 'invalid'}`, () => expect(vipKeyIp(key)).to.equal(want))

  it('lbVipIps: distinct, sorted, bad keys listed', () => {
    const r = lbVipIps(lb({name: 'x', vips: {'10.0.0.2:80': '', '10.0.0.2:443': '', '[::1]:80': '', bad: ''}}))
    expect(r).to.deep.equal({values: ['10.0.0.2', '::1'], bad: ['bad']})
  })
})

describe('planner parse: LSP addresses, cidrs, scopes', () => {
  const addrCases: Array<[string, string[], ReturnType<typeof lspAddresses>]> = [
    [
      'MAC and two IPs',
      ['fa:16:3e:00:00:01 10.0.0.5 2001:db8::5'],
      {mac: 'fa:16:3e:00:00:01', ips: ['10.0.0.5', '2001:db8::5'], bad: []},
    ],
    [
      'extra spaces, upper-case MAC',
      ['  FA:16:3E:00:00:01   10.0.0.5 '],
      {mac: 'fa:16:3e:00:00:01', ips: ['10.0.0.5'], bad: []},
    ],
    [
      'only element 0 counts',
      ['fa:16:3e:00:00:01 10.0.0.5', 'fa:16:3e:00:00:02 10.0.0.6'],
      {mac: 'fa:16:3e:00:00:01', ips: ['10.0.0.5'], bad: []},
    ],
    [
      'bad IP kept aside',
      ['fa:16:3e:00:00:01 10.0.0.5 nope'],
      {mac: 'fa:16:3e:00:00:01', ips: ['10.0.0.5'], bad: ['nope']},
    ],
    ['router', ['router'], undefined],
    ['unknown', ['unknown'], undefined],
    ['lone MAC', ['fa:16:3e:00:00:01'], undefined],
    ['empty column', [], undefined],
    ['bad MAC', ['zz 10.0.0.5'], 'invalid MAC "zz" in addresses'],
  ]
  for (const [name, addresses, want] of addrCases) {
    it(`lspAddresses: ${name}`, () => expect(lspAddresses(lsp({name: 'p', addresses}))).to.deep.equal(want))
  }

  it('parseCidrs keeps host bits, computes the network, dedupes, lists bad entries', () => {
    const r = parseCidrs(['10.0.0.1/24', '10.0.0.1/24', '2001:DB8::1/64', '10.0.0.1', '1.2.3.4/33'])
    expect(r.values.map((c) => [c.addr, c.len, c.network])).to.deep.equal([
      ['10.0.0.1', 24, '10.0.0.0'],
      ['2001:db8::1', 64, '2001:db8::'],
    ])
    expect(r.bad).to.deep.equal(['10.0.0.1', '1.2.3.4/33'])
  })

  it('splitList drops empty elements', () => expect(splitList(' a  b ')).to.deep.equal(['a', 'b']))

  const scopeCases: Array<[string, 4 | 6, {4: string | undefined; 6: string | undefined}, string[], boolean]> = [
    ['no configured scopes: allowed', 4, {4: undefined, 6: undefined}, [], true],
    ['port without scopes: denied', 4, {4: undefined, 6: undefined}, ['s4'], false],
    ['v4 scope configured', 4, {4: 's4', 6: 's6'}, ['s4'], true],
    ['v6 scope not configured', 6, {4: 's4', 6: 's6'}, ['s4'], false],
    ['family without scope while the other has one', 6, {4: 's4', 6: undefined}, ['s4'], false],
  ]
  for (const [name, family, scopes, configured, want] of scopeCases) {
    it(`scopeAllowed (10.1.32): ${name}`, () => expect(scopeAllowed(family, scopes, configured)).to.equal(want))
  }
})

describe('planner locality: port_chassis (upstream locality rules)', () => {
  const C = 'fake-chassis'
  const cases: Array<[string, ReturnType<typeof vm>, string | undefined, boolean]> = [
    ['requested-chassis = us', vm({name: 'p', chassis: C}), C, true],
    ['comma list containing us (live migration)', vm({name: 'p', chassis: `other, ${C}`}), C, true],
    ['comma list without us: first element', vm({name: 'p', chassis: 'a,b'}), 'a', false],
    ['requested-chassis wins over host_id', vm({name: 'p', chassis: 'other', hostId: C}), 'other', false],
    ['host_id only', vm({name: 'p', hostId: C}), C, true],
    [
      'virtual port ignores requested-chassis',
      vm({name: 'p', type: 'virtual', chassis: C, hostId: 'other'}),
      'other',
      false,
    ],
    ['virtual port by host_id', vm({name: 'p', type: 'virtual', chassis: 'other', hostId: C}), C, true],
    ['unbound', vm({name: 'p'}), undefined, false],
    ['bound but down', vm({name: 'p', chassis: C, up: false}), C, false],
    ['bound, up unset', vm({name: 'p', chassis: C, up: undefined}), C, false],
  ]
  for (const [name, port, chassis, active] of cases) {
    it(name, () => {
      expect(portChassis(port, C)).to.equal(chassis)
      expect(isActiveHere(port, C)).to.equal(active)
    })
  }
})
