// The row readings the matchers share: partial `old` decoding, port binding, VIP keys.
import {expect} from 'chai'

import {vipAddress, vipIps} from '../../../src/lib/driver/events/lb-vips.js'
import {decodeChange} from '../../../src/lib/nb/decode.js'
import {addressList, hasIp, portChassis, portIps} from '../../../src/lib/nb/keys.js'
import {NbState} from '../../../src/lib/nb/state.js'
import {LSP, NAT, update} from '../../helpers/nb-changes.js'

const caps = new NbState().capabilities

describe('decodeChange', () => {
  it('keeps only the changed columns in old, decoded', () => {
    const ctx = decodeChange(
      update(LSP, {name: 'p', up: true, options: {a: 'b'}}, {up: false, externalIds: {x: 'y'}}),
      caps,
    )
    expect(ctx?.old).to.deep.equal({up: false, externalIds: {x: 'y'}})
  })

  it('an optional column emptied in old is present with an undefined value', () => {
    const ctx = decodeChange(update(NAT, {type: 'dnat_and_snat', externalMac: 'm'}, {externalMac: ''}), caps)
    expect(ctx?.old).to.have.property('externalMac', undefined)
  })

  it('insert and delete have no old', () => {
    const ctx = decodeChange({table: LSP, kind: 'delete', uuid: 'u', row: {_uuid: 'u', name: 'p'}}, caps)
    expect(ctx?.old).to.equal(undefined)
    expect(ctx?.row).to.include({uuid: 'u', name: 'p', type: ''})
  })
})

describe('portChassis (upstream _get_chassis)', () => {
  const cases: Array<[string, Parameters<typeof portChassis>[0], string | undefined]> = [
    ['requested-chassis ours', {options: {'requested-chassis': 'me'}}, 'me'],
    ['requested-chassis list containing ours', {options: {'requested-chassis': 'a,me'}}, 'me'],
    ['requested-chassis list without ours -> first', {options: {'requested-chassis': 'a,b'}}, 'a'],
    [
      'requested-chassis wins over host_id',
      {options: {'requested-chassis': 'a'}, externalIds: {'neutron:host_id': 'me'}},
      'a',
    ],
    [
      'virtual port ignores requested-chassis',
      {type: 'virtual', options: {'requested-chassis': 'a'}, externalIds: {'neutron:host_id': 'me'}},
      'me',
    ],
    ['host_id only', {externalIds: {'neutron:host_id': 'me'}}, 'me'],
    ['old row without options or external_ids -> none', {}, undefined],
  ]
  for (const [name, row, expected] of cases) it(name, () => expect(portChassis(row, 'me')).to.equal(expected))
})

describe('addresses[0]', () => {
  it('parses MAC and IPs, canonical IPv6', () => {
    const p = {addresses: [' fa:16:3e:00:00:01  10.0.0.5 2001:DB8:0:0::5 ']}
    expect(addressList(p)).to.deep.equal(['fa:16:3e:00:00:01', '10.0.0.5', '2001:DB8:0:0::5'])
    expect(portIps(p)).to.deep.equal(['10.0.0.5', '2001:db8::5'])
    expect(hasIp(p)).to.equal(true)
  })

  it('special values carry no IP', () => {
    for (const a of ['router', 'unknown', 'dynamic', 'mac ', '']) expect(hasIp({addresses: [a]}), a).to.equal(false)
    expect(hasIp({addresses: []})).to.equal(false)
  })
})

describe('vipAddress (fix of upstream bug 5)', () => {
  const cases: Array<[string, string]> = [
    ['10.0.0.5:80', '10.0.0.5'],
    ['10.0.0.5', '10.0.0.5'],
    ['[2001:DB8::5]:443', '2001:db8::5'],
    ['[2001:db8::5]', '2001:db8::5'],
    ['2001:db8::10', '2001:db8::10'],
    ['not-an-ip:80', 'not-an-ip:80'],
  ]
  for (const [key, ip] of cases) it(`${key} -> ${ip}`, () => expect(vipAddress(key)).to.equal(ip))

  it('vipIps dedupes addresses listening on several ports', () => {
    expect(vipIps({'10.0.0.5:80': 'a', '10.0.0.5:443': 'b', '[fd00::1]:80': 'c'})).to.deep.equal([
      '10.0.0.5',
      'fd00::1',
    ])
  })
})
