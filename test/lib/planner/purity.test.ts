// The planner is pure and total: it imports nothing that does I/O, and no NB data makes it throw.
import {expect} from 'chai'
import {readdirSync, readFileSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

import type {LogicalSwitchPort} from '../../../src/lib/nb/model.js'

import {NbState} from '../../../src/lib/nb/state.js'
import {sortObjs} from '../../../src/lib/planner/collector.js'
import {computeDesired} from '../../../src/lib/planner/desired.js'
import {diff} from '../../../src/lib/planner/diff.js'
import {objKey} from '../../../src/lib/planner/types.js'
import {lb, localnet, lr, lrp, ls, nat, nbGlobal, routerIf, vm} from '../../helpers/nb-builders.js'
import {CHASSIS, CHASSIS_ID, config, context} from './fixtures.js'

const PLANNER_DIR = join(dirname(fileURLToPath(import.meta.url)), '../../../src/lib/planner')
// decode.js is pure decoding and ovsdb/types.js types only (both allowed by test/architecture.test.ts too):
// the incremental planner reads NB row changes. multi-index.js is a pure collection (its dependency index).
const ALLOWED = new Set([
  '../nb/model.js',
  '../nb/state.js',
  '../nb/keys.js',
  '../nb/decode.js',
  '../nb/multi-index.js',
  '../ovsdb/types.js',
  '../net/ip.js',
  '../config/types.js',
  '../errors.js',
  '../log.js',
])

describe('planner purity', () => {
  it('imports only planner files, NB model/keys/decode/multi-index, OVSDB types, net, config types, errors and log', () => {
    const bad: string[] = []
    for (const f of readdirSync(PLANNER_DIR).filter((n) => n.endsWith('.ts'))) {
      const src = readFileSync(join(PLANNER_DIR, f), 'utf8')
      for (const m of src.matchAll(/^(?:import|export)\s[^;]*?from\s+'([^']+)'/gms)) {
        const spec = m[1]!
        if (!(spec.startsWith('./') || ALLOWED.has(spec))) bad.push(`${f}: ${spec}`)
      }

      if (/\b(process\.|Date\.now|new Date|Math\.random|setTimeout|require\()/.test(src))
        bad.push(`${f}: uses the environment`)
    }

    expect(bad).to.deep.equal([])
  })
})

// A small deterministic PRNG: the same "random" snapshots on every run.
function prng(seed: number): () => number {
  let s = seed >>> 0
  return () => {
    s = (Math.imul(s, 1_664_525) + 1_013_904_223) >>> 0
    return s / 2 ** 32
  }
}

describe('planner totality', () => {
  const GARBAGE = [
    '',
    ' ',
    'x',
    '10.0.0.1',
    '10.0.0.1/24',
    '300.0.0.1',
    '::1',
    '[::1]:80',
    'fa:16:3e:00:00:01',
    'neutron-',
    'a,b,,',
    '2001:db8::/200',
  ]

  it('never throws on 200 snapshots of malformed rows; no internal errors; output sorted and free of duplicate keys', () => {
    const rnd = prng(42)
    const pick = () => GARBAGE[Math.floor(rnd() * GARBAGE.length)]!
    for (let i = 0; i < 200; i++) {
      const ports: LogicalSwitchPort[] = [
        localnet(
          'provnet-1',
          rnd() < 0.8 ? 'fake-network' : pick(),
          rnd() < 0.3 ? Math.floor(rnd() * 5000) : undefined,
        ),
        vm({
          name: 'vm',
          mac: pick(),
          ips: [pick(), pick()],
          net: rnd() < 0.5 ? 'neutron-ext' : pick(),
          chassis: rnd() < 0.7 ? CHASSIS : pick(),
          cidrs: [pick()],
          ...(rnd() < 0.3 ? {fip: pick()} : {}),
        }),
        routerIf({
          name: 'rif',
          router: rnd() < 0.7 ? 'router1' : pick(),
          net: 'neutron-net1',
          cidrs: [pick(), pick()],
          scope4: pick(),
        }),
        vm({name: 'tvm', mac: pick(), ips: [pick()], net: 'neutron-net1'}),
        vm({name: 'vip', ips: [pick()], net: rnd() < 0.5 ? 'neutron-net1' : 'neutron-ext', up: false}),
      ]
      const nb = NbState.fromRows({
        lss: [ls('neutron-ext', [ports[0]!]), ls('neutron-net1')],
        lsps: ports,
        lrps: [
          lrp({
            name: 'gw',
            mac: rnd() < 0.8 ? 'fa:16:3e:aa:00:01' : pick(),
            networks: [pick(), pick()],
            net: rnd() < 0.8 ? 'neutron-ext' : pick(),
            router: 'router1',
            hosting: CHASSIS_ID,
          }),
        ],
        lrs: [lr('neutron-router1', [nat({uuid: 'sn', type: 'snat', externalIp: pick(), logicalIp: pick()})])],
        nats: [
          nat({uuid: 'sn', type: 'snat', externalIp: pick(), logicalIp: pick()}),
          nat({
            uuid: 'fn',
            externalIp: pick(),
            externalMac: pick(),
            logicalPort: rnd() < 0.5 ? 'vm' : 'vip',
            fipNet: rnd() < 0.7 ? 'ext' : pick(),
            gatewayPort: 'lrp-gw',
          }),
        ],
        lbs: [
          lb({
            name: 'lb',
            vips: {[pick()]: 'm', [pick()]: 'm'},
            ext: {
              lr_ref: 'neutron-router1',
              'neutron:vip': pick(),
              'neutron:vip_fip': pick(),
              'neutron:vip_port_id': 'vip',
            },
          }),
          lb({name: 'pf-floatingip-x', vips: {[pick()]: 'm'}, ext: {'neutron:router_name': 'neutron-router1'}}),
        ],
        nbGlobal: nbGlobal(rnd() < 0.5 ? 'False' : undefined),
      })
      const cfg = config({
        requireSnatDisabledForTenantNetworks: rnd() < 0.5,
        advertisementMethodTenantNetworks: rnd() < 0.5 ? 'subnet' : 'host',
        addressScopes: rnd() < 0.3 ? [pick()] : [],
      })
      const r = computeDesired(nb, context(), cfg)
      const keys = r.state.objects.map(objKey)
      expect(new Set(keys).size, `snapshot ${i}`).to.equal(keys.length)
      expect(r.state.objects).to.deep.equal(sortObjs(r.state.objects))
      expect(diff(r.state.objects, r.state.objects).add).to.deep.equal([])
      expect(
        r.problems.filter((p) => p.reason.startsWith('internal error')),
        `snapshot ${i}`,
      ).to.deep.equal([])
    }
  })
})
