// Canonical forms of addresses and CIDRs (src/lib/net/ip.ts), table-driven; the memo must never
// change an answer: the same input twice, after the memo filled up, and an invalid input after valid ones.
import {expect} from 'chai'

import {ValidationError} from '../../../src/lib/errors.js'
import {canonicalIp, hostCidr, networkCidr, parseCidr} from '../../../src/lib/net/ip.js'

describe('net/ip: canonicalIp', () => {
  const cases: Array<[string, string]> = [
    ['172.24.4.10', '172.24.4.10'],
    ['0.0.0.0', '0.0.0.0'],
    ['255.255.255.255', '255.255.255.255'],
    ['FD00:0:0:0:0:0:0:1', 'fd00::1'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['2001:0db8::0001', '2001:db8::1'],
    ['::ffff:10.0.0.1', '::ffff:a00:1'],
    ['::', '::'],
  ]
  for (const [input, want] of cases) {
    it(`${input} -> ${want}, the same the second time`, () => {
      expect(canonicalIp(input)).to.equal(want)
      expect(canonicalIp(input)).to.equal(want)
    })
  }

  for (const bad of ['', '10.0.0', '10.0.0.256', '-10.0.0.1', 'fe80::1%eth0', '10.0.0.1/32', 'fd00::g', ' 10.0.0.1']) {
    it(`rejects ${JSON.stringify(bad)} (also after valid inputs)`, () => {
      canonicalIp('10.0.0.1')
      expect(() => canonicalIp(bad)).to.throw(ValidationError)
      expect(() => canonicalIp(bad)).to.throw(ValidationError)
    })
  }

  it('answers the same after more distinct inputs than the memo holds', () => {
    for (let i = 0; i < 70_000; i++)
      expect(canonicalIp(`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`)).to.be.a('string')
    expect(canonicalIp('FD00::0:1')).to.equal('fd00::1')
    expect(canonicalIp('10.1.17.112')).to.equal('10.1.17.112')
  })
})

describe('net/ip: parseCidr', () => {
  const cases: Array<[string, {family: 4 | 6; addr: string; len: number; network: string}]> = [
    ['10.1.2.3/0', {family: 4, addr: '10.1.2.3', len: 0, network: '0.0.0.0'}],
    ['10.1.2.3/1', {family: 4, addr: '10.1.2.3', len: 1, network: '0.0.0.0'}],
    ['200.1.2.3/1', {family: 4, addr: '200.1.2.3', len: 1, network: '128.0.0.0'}],
    ['10.1.2.3/8', {family: 4, addr: '10.1.2.3', len: 8, network: '10.0.0.0'}],
    ['172.24.4.200/24', {family: 4, addr: '172.24.4.200', len: 24, network: '172.24.4.0'}],
    ['255.255.255.255/31', {family: 4, addr: '255.255.255.255', len: 31, network: '255.255.255.254'}],
    ['192.168.7.9/32', {family: 4, addr: '192.168.7.9', len: 32, network: '192.168.7.9'}],
    ['FD00::1:2/64', {family: 6, addr: 'fd00::1:2', len: 64, network: 'fd00::'}],
    ['2001:db8::ff/120', {family: 6, addr: '2001:db8::ff', len: 120, network: '2001:db8::'}],
    ['2001:db8::1/128', {family: 6, addr: '2001:db8::1', len: 128, network: '2001:db8::1'}],
  ]
  for (const [input, want] of cases) {
    it(`${input} -> network ${want.network}`, () => {
      expect(parseCidr(input)).to.deep.equal(want)
      expect(parseCidr(input)).to.deep.equal(want)
    })
  }

  for (const bad of ['10.0.0.0', '10.0.0.0/33', 'fd00::/129', '10.0.0.0/-1', 'x/24', '10.0.0.0/24 ']) {
    it(`rejects ${JSON.stringify(bad)}`, () => {
      expect(() => parseCidr(bad)).to.throw(ValidationError)
    })
  }

  it('hands out a shared result that cannot be modified', () => {
    const c = parseCidr('10.9.8.7/16')
    expect(Object.isFrozen(c)).to.equal(true)
    try {
      ;(c as {len: number}).len = 8 // throws in strict code, ignored in sloppy code: frozen either way
    } catch {}

    expect(parseCidr('10.9.8.7/16').len).to.equal(16)
  })

  it('networkCidr and hostCidr use the same forms', () => {
    expect(networkCidr('172.24.4.200/24')).to.equal('172.24.4.0/24')
    expect(hostCidr('FD00::5')).to.equal('fd00::5/128')
    expect(hostCidr('10.0.0.5')).to.equal('10.0.0.5/32')
  })
})
