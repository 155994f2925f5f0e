// IncrementalPlanner.startBuild/buildSlice: a rebuild in slices, NB changes marked in between, ends
// equal to computeDesired over the NB as it is then, whatever the slice size and wherever the
// changes fall; desired() mid-build finishes the build first. Table-driven, pure.
import {expect} from 'chai'

import type {NbState} from '../../../src/lib/nb/state.js'
import type {RowChange} from '../../../src/lib/ovsdb/types.js'

import {defaultConfig} from '../../../src/lib/config/index.js'
import {computeDesired} from '../../../src/lib/planner/desired.js'
import {IncrementalPlanner} from '../../../src/lib/planner/incremental.js'
import {diffDesired} from '../../../src/lib/planner/self-check.js'
import {objKey, objValue} from '../../../src/lib/planner/types.js'
import {brExNode, insert, LS, LSP, pubNetworkWith, pubVm, remove, update} from '../../helpers/nb-changes.js'

const ctx = brExNode()
const cfg = {...defaultConfig(), driver: 'nb_ovn_bgp_driver'}
const PORTS = 7
const ip = (i: number): string => `172.24.4.${10 + i}`
const ports = (extra: string[] = []) => ['ln', ...Array.from({length: PORTS}, (_, i) => `uuid-vm${i}`), ...extra]
const node = (): NbState => pubNetworkWith(...Array.from({length: PORTS}, (_, i) => pubVm(`vm${i}`, ip(i), true)))

/** Named NB changes, applied (and marked) between two slices. */
const CHANGES: Record<string, RowChange[]> = {
  'bind a new port': [
    insert(LSP, pubVm('vm9', '172.24.4.99', true)),
    update(LS, {uuid: 'ls-pub', name: 'neutron-pub', ports: ports(['uuid-vm9'])}, {ports: ports()}),
  ],
  'a built or unbuilt port goes down': [update(LSP, pubVm('vm1', ip(1), false), {up: true})],
  'a port changes its address': [
    update(LSP, pubVm('vm5', '172.24.4.55', true), {addresses: [`fa:16:3e:00:01:02 ${ip(5)}`]}),
  ],
  'a port is deleted': [
    remove(LSP, pubVm('vm6', ip(6), true)),
    update(LS, {uuid: 'ls-pub', name: 'neutron-pub', ports: ports().filter((p) => p !== 'uuid-vm6')}, {ports: ports()}),
  ],
  'the localnet port goes (the network is no longer a provider network)': [
    remove(LSP, {uuid: 'ln', name: 'provnet-1', type: 'localnet', options: {network_name: 'physnet1'}}),
    update(LS, {uuid: 'ls-pub', name: 'neutron-pub', ports: ports().slice(1)}, {ports: ports()}),
  ],
}

function expectScratch(planner: IncrementalPlanner, nb: NbState, what: string): void {
  const inc = planner.desired(nb, ctx, cfg)
  const scratch = computeDesired(nb, ctx, cfg)
  expect(diffDesired(inc, scratch), what).to.deep.equal([])
  expect(inc.state.objects.map(objValue), `${what}: object order`).to.deep.equal(scratch.state.objects.map(objValue))
}

describe('IncrementalPlanner: a rebuild in slices', () => {
  for (const n of [1, 2, 3, 100])
    it(`slices of ${n} port(s): equal to computeDesired, stats of one rebuild`, () => {
      const nb = node()
      const planner = new IncrementalPlanner()
      expect(planner.startBuild(nb, ctx, cfg)).to.equal(true)
      expect(planner.building).to.equal(true)
      let slices = 0
      while (!planner.buildSlice(n)) slices++
      expect(slices + 1).to.equal(Math.ceil(PORTS / n))
      expect(planner.building).to.equal(false)
      const scratch = computeDesired(nb, ctx, cfg)
      expect(planner.stats).to.include({full: true, reason: 'first computation', dropped: 0})
      expect([...planner.stats.delta.changed].sort()).to.deep.equal(scratch.state.objects.map((o) => objKey(o)).sort())
      expect(planner.stats.delta.removed).to.deep.equal([])
      expectScratch(planner, nb, `slices of ${n}`)
      expect(planner.startBuild(nb, ctx, cfg), 'built: no rebuild due').to.equal(false)
    })

  for (const [name, changes] of Object.entries(CHANGES))
    for (const at of [1, 4])
      it(`${name}, after ${at} of ${PORTS} ports built: marked, and in the result`, () => {
        const nb = node()
        const planner = new IncrementalPlanner()
        planner.startBuild(nb, ctx, cfg)
        for (let i = 0; i < at; i++) planner.buildSlice(1)
        for (const c of changes) expect(planner.markChanged(nb.applyChange(c)!), 'mid-build: may matter').to.equal(true)
        while (!planner.buildSlice(2));
        expectScratch(planner, nb, `${name} at ${at}`)
        expect(planner.stats.full, 'the marks replayed incrementally').to.equal(false)
      })

  it('desired() mid-build finishes the build first and reports it as the rebuild', () => {
    const nb = node()
    const planner = new IncrementalPlanner()
    planner.startBuild(nb, ctx, cfg)
    planner.buildSlice(2)
    for (const c of CHANGES['bind a new port']!) planner.markChanged(nb.applyChange(c)!)
    expectScratch(planner, nb, 'desired mid-build')
    expect(planner.stats).to.include({full: true, reason: 'first computation'})
    expect(planner.building).to.equal(false)
  })

  it('markAll() mid-build ends it; the next desired() rebuilds from scratch', () => {
    const nb = node()
    const planner = new IncrementalPlanner()
    planner.startBuild(nb, ctx, cfg)
    planner.buildSlice(1)
    planner.markAll('NB resync')
    expect(planner.buildSlice(1), 'nothing left to slice').to.equal(true)
    expect(planner.building).to.equal(false)
    expectScratch(planner, nb, 'after markAll')
    expect(planner.stats).to.include({full: true, reason: 'NB resync'})
  })
})
