import {expect} from 'chai'
import {readFileSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

import type {LeakParams} from '../../../src/lib/frr/leak-template.js'

import {
  configuredRouterId,
  defaultInstanceAsn,
  missingLeakItems,
  parseBgpInstances,
} from '../../../src/lib/frr/running-config.js'

const FIX = join(dirname(fileURLToPath(import.meta.url)), '../../fixtures/frr')
// Captured from FRR 8.4.4 after `vtysh -f` of the subnet-mode template (router id 10.0.0.2) plus
// an unrelated `router bgp 65000 vrf other`.
const REAL = readFileSync(join(FIX, 'running-leak-subnet.txt'), 'utf8')

const params = (over: Partial<LeakParams> = {}): LeakParams => ({
  asn: '64999',
  vrf: 'bgp-vrf',
  routerId: '10.0.0.2',
  redistribute: ['connected', 'kernel'],
  ...over,
})

// FRR 7 style: blocks closed by `!` in column 0, no `exit`.
const FRR7 = `router bgp 64999
 address-family ipv4 unicast
  import vrf bgp-vrf
 exit-address-family
 address-family ipv6 unicast
  import vrf bgp-vrf
 exit-address-family
!
router bgp 64999 vrf bgp-vrf
 bgp router-id 10.0.0.2
 address-family ipv4 unicast
  redistribute connected
 exit-address-family
 address-family ipv6 unicast
  redistribute connected
 exit-address-family
!
line vty
!
`

describe('frr/running-config', () => {
  it('parses the router bgp blocks of a real running config', () => {
    const inst = parseBgpInstances(REAL)
    expect([...inst.keys()]).to.deep.equal(['64999', '64999 vrf bgp-vrf', '65000 vrf other'])
    expect([...inst.get('64999')!.families.get('ipv6 unicast')!]).to.deep.equal(['import vrf bgp-vrf'])
    expect([...inst.get('64999 vrf bgp-vrf')!.lines]).to.deep.equal(['bgp router-id 10.0.0.2'])
    expect([...inst.get('64999 vrf bgp-vrf')!.families.get('ipv4 unicast')!]).to.deep.equal([
      'redistribute kernel',
      'redistribute connected',
    ])
    expect(defaultInstanceAsn(REAL)).to.equal('64999')
    expect(configuredRouterId(REAL, '64999', 'bgp-vrf')).to.equal('10.0.0.2')
    expect(configuredRouterId(REAL, '64999')).to.equal(undefined)
  })

  const V = 'router bgp 64999 vrf bgp-vrf'
  const D = 'router bgp 64999'
  const cases: Array<{name: string; text: string; p: LeakParams; missing: string[]}> = [
    {name: 'complete (subnet mode, FRR prints kernel first)', text: REAL, p: params(), missing: []},
    {name: 'host mode is a subset of subnet mode', text: REAL, p: params({redistribute: ['connected']}), missing: []},
    {name: 'FRR 7 layout, host mode', text: FRR7, p: params({redistribute: ['connected']}), missing: []},
    {
      name: 'FRR 7 layout, subnet mode lacks kernel',
      text: FRR7,
      p: params(),
      missing: [
        `${V} > address-family ipv4 unicast > redistribute kernel`,
        `${V} > address-family ipv6 unicast > redistribute kernel`,
      ],
    },
    {
      name: 'empty config (after a bgpd restart)',
      text: 'frr version 8.4.4\n!\nend\n',
      p: params({redistribute: ['connected']}),
      missing: [
        `${D} > address-family ipv4 unicast > import vrf bgp-vrf`,
        `${D} > address-family ipv6 unicast > import vrf bgp-vrf`,
        `${V} > bgp router-id 10.0.0.2`,
        `${V} > address-family ipv4 unicast > redistribute connected`,
        `${V} > address-family ipv6 unicast > redistribute connected`,
      ],
    },
    {
      name: 'another router id',
      text: REAL,
      p: params({routerId: '10.0.0.3'}),
      missing: [`${V} > bgp router-id 10.0.0.3`],
    },
    {
      name: 'another VRF',
      text: REAL,
      p: params({vrf: 'other', redistribute: ['connected']}),
      missing: [
        `${D} > address-family ipv4 unicast > import vrf other`,
        `${D} > address-family ipv6 unicast > import vrf other`,
        'router bgp 64999 vrf other > bgp router-id 10.0.0.2',
        'router bgp 64999 vrf other > address-family ipv4 unicast > redistribute connected',
        'router bgp 64999 vrf other > address-family ipv6 unicast > redistribute connected',
      ],
    },
    {
      name: 'import only in ipv4',
      text: REAL.replace(/( address-family ipv6 unicast\n) {2}import vrf bgp-vrf\n/, '$1'),
      p: params(),
      missing: [`${D} > address-family ipv6 unicast > import vrf bgp-vrf`],
    },
    {
      name: 'a line at the wrong level does not count',
      text: 'router bgp 64999 vrf bgp-vrf\n bgp router-id 10.0.0.2\n redistribute connected\nexit\n',
      p: params({redistribute: ['connected']}),
      missing: [
        `${D} > address-family ipv4 unicast > import vrf bgp-vrf`,
        `${D} > address-family ipv6 unicast > import vrf bgp-vrf`,
        `${V} > address-family ipv4 unicast > redistribute connected`,
        `${V} > address-family ipv6 unicast > redistribute connected`,
      ],
    },
    {
      name: 'CRLF line ends',
      text: REAL.replaceAll('\n', '\r\n'),
      p: params(),
      missing: [],
    },
  ]
  for (const c of cases) it(c.name, () => expect(missingLeakItems(c.text, c.p)).to.deep.equal(c.missing))

  it('recognises what FRR shows after our template was applied with a real VRF (qemu guest, kernel 6.1)', () => {
    // Captured in the guest: vrf bgp-vrf table 10 + dummy bgp-nic, zebra/bgpd, `vtysh -f` of
    // renderLeakConfig(subnet mode, router id 169.254.77.1); the /32 on bgp-nic was then leaked
    // into the default instance (`*> 172.24.4.226/32 0.0.0.0@2<`).
    const guest = readFileSync(join(FIX, 'running-leak-guest-vrf.txt'), 'utf8')
    expect(missingLeakItems(guest, params({routerId: '169.254.77.1'}))).to.deep.equal([])
  })
})
