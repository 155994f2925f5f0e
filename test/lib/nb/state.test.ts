import {expect} from 'chai'

import type {LoadBalancer, LogicalRouterPort, LogicalSwitch, LogicalSwitchPort, Nat} from '../../../src/lib/nb/model.js'

import {chassisKeys, isRouterInterface, lbRouterKeys} from '../../../src/lib/nb/keys.js'
import {NbState} from '../../../src/lib/nb/state.js'

// A deterministic PRNG so a failure is reproducible from the seed.
function prng(seed: number): () => number {
  let s = seed >>> 0
  return () => {
    s = (s * 1_664_525 + 1_013_904_223) >>> 0
    return s / 2 ** 32
  }
}

const sorted = (it: Iterable<{uuid: string}>) => [...it].map((r) => r.uuid).sort()

describe('NbState indexes', () => {
  it('answer the documented lookups for a small topology', () => {
    const nb = NbState.fromRows({
      lss: [{uuid: 'ls1', name: 'neutron-pub', ports: ['p1', 'ln1', 'v1']}],
      lsps: [
        {
          uuid: 'p1',
          name: 'vm1',
          type: '',
          addresses: ['fa:16:3e:00:00:01 172.24.4.5'],
          up: true,
          tag: undefined,
          options: {'requested-chassis': 'c1,c2'},
          externalIds: {'neutron:network_name': 'neutron-pub'},
        },
        {
          uuid: 'ln1',
          name: 'provnet',
          type: 'localnet',
          addresses: ['unknown'],
          up: undefined,
          tag: 100,
          options: {network_name: 'physnet1'},
          externalIds: {},
        },
        {
          uuid: 'v1',
          name: 'vip',
          type: 'virtual',
          addresses: [],
          up: undefined,
          tag: undefined,
          options: {},
          externalIds: {'neutron:host_id': 'c3', 'neutron:network_name': 'neutron-pub'},
        },
        {
          uuid: 'ri',
          name: 'rif',
          type: 'router',
          addresses: ['router'],
          up: true,
          tag: undefined,
          options: {},
          externalIds: {'neutron:device_owner': 'network:router_interface', 'neutron:device_id': 'r1'},
        },
      ],
      lrps: [
        {
          uuid: 'g1',
          name: 'lrp-gw',
          mac: 'fa:16:3e:00:00:0a',
          networks: ['172.24.4.10/24'],
          status: {'hosting-chassis': 'chassis-id-1'},
          externalIds: {},
        },
      ],
      nats: [
        {
          uuid: 'n1',
          type: 'dnat_and_snat',
          externalIp: '172.24.4.200',
          externalMac: undefined,
          logicalIp: '10.0.0.5',
          logicalPort: 'vm1',
          gatewayPort: 'g1',
          externalIds: {},
        },
      ],
      lbs: [{uuid: 'lb1', name: 'lb', vips: {'172.24.4.50:80': '10.0.0.5:8080'}, externalIds: {lr_ref: 'neutron-r1'}}],
    })
    expect(sorted(nb.lspsByChassis('c2'))).to.deep.equal(['p1'])
    expect(sorted(nb.lspsByChassis('c3'))).to.deep.equal(['v1'])
    expect(sorted(nb.lspsByNetwork('neutron-pub'))).to.deep.equal(['p1', 'v1'])
    expect(nb.localnetPortsOfLs('neutron-pub').map((p) => p.uuid)).to.deep.equal(['ln1'])
    expect(nb.hasVirtualPort('neutron-pub')).to.equal(true)
    expect(sorted(nb.routerInterfaces('r1'))).to.deep.equal(['ri'])
    expect(sorted(nb.localnetsByPhysnet('physnet1'))).to.deep.equal(['ln1'])
    expect(sorted(nb.lrpsByHostingChassis('chassis-id-1'))).to.deep.equal(['g1'])
    expect(sorted(nb.natsByLogicalPort('vm1'))).to.deep.equal(['n1'])
    expect(sorted(nb.natsByGatewayPort('g1'))).to.deep.equal(['n1'])
    expect(sorted(nb.lbsByRouter('r1'))).to.deep.equal(['lb1'])
    nb.remove('Logical_Switch_Port', 'v1')
    expect(nb.hasVirtualPort('neutron-pub')).to.equal(false)
  })

  it('stay equal to a naive scan after thousands of random upserts and removes', () => {
    const rnd = prng(42)
    const pickOf = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!
    const nb = new NbState()
    const lsps = new Map<string, LogicalSwitchPort>()
    const lss = new Map<string, LogicalSwitch>()
    const lrps = new Map<string, LogicalRouterPort>()
    const nats = new Map<string, Nat>()
    const lbs = new Map<string, LoadBalancer>()
    const chassis = ['c1', 'c2', 'c3', '']
    const nets = ['neutron-a', 'neutron-b', '']
    const lspIds = Array.from({length: 40}, (_, i) => `lsp${i}`)
    for (let step = 0; step < 4000; step++) {
      const r = rnd()
      if (r < 0.5) {
        const uuid = pickOf(lspIds)
        const row: LogicalSwitchPort = {
          uuid,
          name: `port-${Math.floor(rnd() * 30)}`,
          type: pickOf(['', 'virtual', 'localnet', 'router']),
          addresses: [],
          up: pickOf([true, false, undefined]),
          tag: undefined,
          options: {
            'requested-chassis': [pickOf(chassis), pickOf(chassis)].join(','),
            network_name: pickOf(['physnet1', 'physnet2']),
          },
          externalIds: {
            'neutron:network_name': pickOf(nets),
            'neutron:host_id': pickOf(chassis),
            'neutron:device_owner': pickOf(['network:router_interface', 'compute:nova']),
            'neutron:device_id': pickOf(['r1', 'r2']),
          },
        }
        lsps.set(uuid, row)
        nb.upsert('Logical_Switch_Port', row)
      } else if (r < 0.6) {
        const uuid = pickOf(lspIds)
        lsps.delete(uuid)
        nb.remove('Logical_Switch_Port', uuid)
      } else if (r < 0.7) {
        const uuid = pickOf(['ls1', 'ls2'])
        const row: LogicalSwitch = {
          uuid,
          name: pickOf(['neutron-a', 'neutron-b']),
          ports: lspIds.filter(() => rnd() < 0.3),
        }
        lss.set(uuid, row)
        nb.upsert('Logical_Switch', row)
      } else if (r < 0.8) {
        const uuid = pickOf(['g1', 'g2', 'g3'])
        const hc = pickOf(chassis)
        const row: LogicalRouterPort = {
          uuid,
          name: uuid,
          mac: '',
          networks: [],
          status: hc ? {'hosting-chassis': hc} : {},
          externalIds: {},
        }
        lrps.set(uuid, row)
        nb.upsert('Logical_Router_Port', row)
      } else if (r < 0.9) {
        const uuid = pickOf(['n1', 'n2', 'n3'])
        if (rnd() < 0.2) {
          nats.delete(uuid)
          nb.remove('NAT', uuid)
        } else {
          const row: Nat = {
            uuid,
            type: 'dnat_and_snat',
            externalIp: '',
            externalMac: undefined,
            logicalIp: '',
            logicalPort: pickOf(['port-1', 'port-2', undefined]),
            gatewayPort: pickOf(['g1', 'g2', undefined]),
            externalIds: {},
          }
          nats.set(uuid, row)
          nb.upsert('NAT', row)
        }
      } else {
        const uuid = pickOf(['lb1', 'lb2'])
        const row: LoadBalancer = {
          uuid,
          name: uuid,
          vips: {},
          externalIds: {
            lr_ref: pickOf(['neutron-r1', 'neutron-r2', 'r1']),
            'neutron:router_name': pickOf(['neutron-r2', '']),
          },
        }
        lbs.set(uuid, row)
        nb.upsert('Load_Balancer', row)
      }

      if (step % 250 !== 0) continue
      const all = [...lsps.values()]
      for (const c of chassis.filter(Boolean)) {
        expect(sorted(nb.lspsByChassis(c)), `chassis ${c} @${step}`).to.deep.equal(
          sorted(all.filter((p) => chassisKeys(p).includes(c))),
        )
        expect(sorted(nb.lrpsByHostingChassis(c))).to.deep.equal(
          sorted([...lrps.values()].filter((l) => l.status?.['hosting-chassis'] === c)),
        )
      }

      for (const n of nets.filter(Boolean)) {
        expect(sorted(nb.lspsByNetwork(n))).to.deep.equal(
          sorted(all.filter((p) => p.externalIds['neutron:network_name'] === n)),
        )
        const ls = [...lss.values()].filter((l) => l.name === n).sort((a, b) => (a.uuid < b.uuid ? -1 : 1))[0]
        const members = ls ? all.filter((p) => ls.ports.includes(p.uuid)) : []
        expect(
          nb.localnetPortsOfLs(n).map((p) => p.uuid),
          `localnets ${n} @${step}`,
        ).to.deep.equal(
          members
            .filter((p) => p.type === 'localnet')
            .map((p) => p.uuid)
            .sort(),
        )
        expect(nb.hasVirtualPort(n)).to.equal(members.some((p) => p.type === 'virtual'))
      }

      for (const rid of ['r1', 'r2']) {
        expect(sorted(nb.routerInterfaces(rid))).to.deep.equal(
          sorted(all.filter((p) => isRouterInterface(p) && p.externalIds['neutron:device_id'] === rid)),
        )
        expect(sorted(nb.lbsByRouter(rid))).to.deep.equal(
          sorted([...lbs.values()].filter((l) => lbRouterKeys(l).includes(rid))),
        )
      }

      for (const g of ['g1', 'g2'])
        expect(sorted(nb.natsByGatewayPort(g))).to.deep.equal(
          sorted([...nats.values()].filter((x) => x.gatewayPort === g)),
        )
      for (const p of ['port-1', 'port-2'])
        expect(sorted(nb.natsByLogicalPort(p))).to.deep.equal(
          sorted([...nats.values()].filter((x) => x.logicalPort === p)),
        )
    }
  })
})
