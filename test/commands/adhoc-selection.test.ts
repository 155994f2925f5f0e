// The pure parts of the ad-hoc verbs on synthetic NB snapshots (no server): the forced-local view,
// the keys an expose adds and a withdraw removes, and the synthetic NB of explicit values.
import {expect} from 'chai'

import type {LocalContext} from '../../src/lib/planner/context.js'

import {defaultConfig} from '../../src/lib/config/index.js'
import {forcedLocalView} from '../../src/lib/driver/adhoc/forced-local.js'
import {exposeKeys, withdrawKeys} from '../../src/lib/driver/adhoc/selection.js'
import {syntheticNb} from '../../src/lib/driver/adhoc/synthetic.js'
import {NbState} from '../../src/lib/nb/state.js'
import {computeDesired} from '../../src/lib/planner/desired.js'
import {localnet, lrp, ls, vm} from '../helpers/nb-builders.js'

const ctx: LocalContext = {
  chassisName: 'compute-1',
  chassisId: 'chassis-1',
  bridgeMappings: [{physnet: 'physnet1', bridge: 'br-ex', index: 1}],
  bridgeTables: {'br-ex': 1},
  bridgeMacs: {},
  patchPorts: {},
}
const cfg = {...defaultConfig(), driver: 'nb_ovn_bgp_driver'}

function node(): NbState {
  const ln = localnet('provnet-1', 'physnet1')
  const a = vm({
    name: 'a',
    ips: ['172.24.4.5', '2001:db8::5'],
    net: 'neutron-pub',
    chassis: 'compute-1',
    cidrs: ['2001:db8::5/64'],
    mac: 'fa:16:3e:00:00:05',
  })
  const b = vm({
    name: 'b',
    ips: ['2001:db8::6'],
    net: 'neutron-pub',
    chassis: 'compute-1',
    cidrs: ['2001:db8::6/64'],
    mac: 'fa:16:3e:00:00:06',
  })
  const away = vm({
    name: 'away',
    ips: ['172.24.4.7'],
    net: 'neutron-pub',
    chassis: 'compute-2',
    mac: 'fa:16:3e:00:00:07',
  })
  const gw = lrp({name: 'lrp-gw', networks: ['172.24.4.10/24'], net: 'neutron-pub', router: 'r1', hosting: 'chassis-2'})
  return NbState.fromRows({lss: [ls('neutron-pub', [ln, a, b, away])], lsps: [ln, a, b, away], lrps: [gw]})
}

const vmEntries = (r: ReturnType<typeof computeDesired>, name: string) =>
  r.state.exposed.filter((e) => e.source.name === name)

describe('ad-hoc selection (pure)', () => {
  it('the forced-local view binds the chosen port and hosts the chosen gateway here, nothing else', () => {
    const nb = node()
    const view = forcedLocalView(
      nb,
      {lsps: new Set(['lsp-away']), lrps: new Set(['lrp-lrp-gw'])},
      'compute-1',
      'chassis-1',
    )
    expect([...view.lspsByChassis('compute-1')].map((p) => p.name).sort()).to.deep.equal(['a', 'away', 'b'])
    expect(view.lspByName('away')?.options['requested-chassis']).to.equal('compute-1')
    expect(view.lspByName('a')).to.equal(nb.lspByName('a'))
    expect([...view.lrpsByHostingChassis('chassis-1')].map((l) => l.name)).to.deep.equal(['lrp-gw'])
    expect([...view.lrpsByHostingChassis('chassis-2')]).to.deep.equal([])
    const what = computeDesired(view, ctx, cfg)
    expect(what.state.exposed.map((e) => `${e.kind} ${e.ip}`)).to.include.members([
      'vm 172.24.4.7',
      'cr-lrp 172.24.4.10',
    ])
  })

  it("expose keys: the IPs' objects plus the base wiring under them, never another IP's", () => {
    const r = computeDesired(node(), ctx, cfg)
    const keys = [...exposeKeys(r, vmEntries(r, 'a'))]
    expect(keys).to.include.members([
      'address|bgp-nic|172.24.4.5/32',
      'neigh|br-ex|2001:db8::5',
      'ndp-proxy|br-ex|2001:db8::',
      'route|4|1|default',
      'sysctl|net.ipv4.conf.br-ex.proxy_arp',
      'address|br-ex|169.254.1.1/32',
    ])
    expect(keys.some((k) => k.includes('2001:db8::6'))).to.equal(false)
  })

  it('withdraw keys: what the IPs needed minus what another IP or the base wiring needs', () => {
    const r = computeDesired(node(), ctx, cfg)
    const keys = [...withdrawKeys({what: r, entries: vmEntries(r, 'a'), real: r})].sort()
    expect(keys).to.deep.equal([
      'address|bgp-nic|172.24.4.5/32',
      'address|bgp-nic|2001:db8::5/128',
      'neigh|br-ex|172.24.4.5',
      'neigh|br-ex|2001:db8::5',
      'route|4|1|172.24.4.5/32',
      'route|6|1|2001:db8::5/128',
      'rule|4|32000|172.24.4.5/32|1',
      'rule|6|32000|2001:db8::5/128|1',
    ])
  })

  it('withdraw keys without the rest of the node (explicit mode) never include shared kinds', () => {
    const syn = syntheticNb(
      'ip',
      {ip: ['2001:db8::5'], bridge: 'br-ex', mac: 'fa:16:3e:00:00:05', cidr: ['2001:db8::5/64'], via: []},
      ctx,
      cfg,
    )
    const r = computeDesired(syn.nb, ctx, cfg)
    const entries = syn.target.select(r, syn.nb)
    expect(entries.map((e) => `${e.kind} ${e.ip}`)).to.deep.equal(['vm 2001:db8::5'])
    expect(exposeKeys(r, entries).has('ndp-proxy|br-ex|2001:db8::')).to.equal(true)
    const keys = withdrawKeys({what: r, entries, real: undefined})
    expect([...keys].some((k) => k.startsWith('ndp-proxy|'))).to.equal(false)
    expect(keys.has('address|bgp-nic|2001:db8::5/128')).to.equal(true)
  })

  it('synthetic NB: a bridge outside the mappings is a usage error naming --bridge', () => {
    expect(() => syntheticNb('lb-vip', {ip: ['172.24.4.9'], bridge: 'br-x', cidr: [], via: []}, ctx, cfg)).to.throw(
      /--bridge br-x: not in the bridge mappings/,
    )
  })
})
