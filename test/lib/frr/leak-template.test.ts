import {expect} from 'chai'
import {existsSync, mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {
  checkLeakParams,
  type LeakParams,
  redistributeFor,
  renderLeakConfig,
} from '../../../src/lib/frr/leak-template.js'

const GOLDEN = join(dirname(fileURLToPath(import.meta.url)), '../../fixtures/frr')

/** Compares with test/fixtures/frr/<name>.golden; UPDATE_GOLDEN=1 rewrites the file instead. */
function golden(name: string, actual: string): void {
  const file = join(GOLDEN, `${name}.golden`)
  if (process.env.UPDATE_GOLDEN === '1' || !existsSync(file)) {
    if (process.env.UPDATE_GOLDEN !== '1') throw new Error(`missing golden file ${file} (run with UPDATE_GOLDEN=1)`)
    mkdirSync(GOLDEN, {recursive: true})
    writeFileSync(file, actual)
    return
  }

  expect(actual).to.equal(readFileSync(file, 'utf8'))
}

describe('frr/leak-template', () => {
  const cases: Array<{name: string; p: LeakParams}> = [
    {
      name: 'leak-host-mode',
      p: {asn: '64999', vrf: 'bgp-vrf', routerId: '172.30.0.1', redistribute: redistributeFor('host')},
    },
    {
      name: 'leak-subnet-mode',
      p: {asn: '64999', vrf: 'bgp-vrf', routerId: '172.30.0.1', redistribute: redistributeFor('subnet')},
    },
    {
      name: 'leak-4byte-as-custom-vrf',
      p: {asn: '4200000001', vrf: 'ovn-vrf', routerId: '10.0.0.9', redistribute: ['connected']},
    },
  ]
  for (const c of cases) it(`renders ${c.name}`, () => golden(c.name, renderLeakConfig(c.p)))

  it('orders redistribute connected before kernel whatever the input order', () => {
    const a = renderLeakConfig({asn: '1', vrf: 'v', routerId: '1.1.1.1', redistribute: ['kernel', 'connected']})
    const b = renderLeakConfig({asn: '1', vrf: 'v', routerId: '1.1.1.1', redistribute: ['connected', 'kernel']})
    expect(a).to.equal(b)
    expect(a.indexOf('redistribute connected')).to.be.lessThan(a.indexOf('redistribute kernel'))
  })

  it('normalises the AS', () => {
    expect(
      checkLeakParams({asn: '064999', vrf: 'bgp-vrf', routerId: '10.0.0.1', redistribute: ['connected']}),
    ).to.deep.equal({
      asn: '64999',
      vrf: 'bgp-vrf',
      routerId: '10.0.0.1',
      redistribute: ['connected'],
    })
  })

  const bad: Array<{name: string; p: Partial<LeakParams>; re: RegExp}> = [
    {name: 'AS 0', p: {asn: '0'}, re: /bgp_AS/},
    {name: 'AS too large', p: {asn: '4294967296'}, re: /bgp_AS/},
    {name: 'AS with a newline (config injection)', p: {asn: '64999\nrouter bgp 1'}, re: /bgp_AS/},
    {name: 'asdot AS', p: {asn: '1.10'}, re: /bgp_AS/},
    {name: 'VRF with a space', p: {vrf: 'bgp vrf'}, re: /bgp_vrf/},
    {name: 'VRF with a newline', p: {vrf: 'v\nexit'}, re: /bgp_vrf/},
    {name: 'VRF too long', p: {vrf: 'a-very-long-vrf-name'}, re: /bgp_vrf/},
    {name: 'IPv6 router id', p: {routerId: '2001:db8::1'}, re: /router_id/},
    {name: 'garbage router id', p: {routerId: '1.2.3.4 5'}, re: /router_id/},
    {name: 'router id with leading zeros (ambiguous octal)', p: {routerId: '010.0.0.1'}, re: /router_id/},
    {name: 'no redistribute', p: {redistribute: []}, re: /redistribute/},
  ]
  for (const c of bad) {
    it(`rejects ${c.name}`, () => {
      const p: LeakParams = {asn: '64999', vrf: 'bgp-vrf', routerId: '1.1.1.1', redistribute: ['connected'], ...c.p}
      expect(() => renderLeakConfig(p)).to.throw(c.re)
    })
  }
})
