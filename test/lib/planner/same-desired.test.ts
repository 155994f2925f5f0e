// sameDesired, the self-check's fast comparison: true exactly for results equal item for item in
// the same order; any one difference in any part is false, and diffDesired (the comparison it
// stands in front of) finds it; the same items in another order are false too (the fast path gives
// up) while diffDesired finds nothing. sameDesiredInTurns (the daemon's, between passes) answers the
// same in every case, whatever its chunk. Table-driven, pure.
import {expect} from 'chai'

import type {DesiredResult} from '../../../src/lib/planner/desired.js'

import {defaultConfig} from '../../../src/lib/config/index.js'
import {computeDesired} from '../../../src/lib/planner/desired.js'
import {diffDesired, sameDesired, sameDesiredInTurns} from '../../../src/lib/planner/self-check.js'
import {brExNode, pubNetworkWith, pubVm} from '../../helpers/nb-changes.js'

const ctx = brExNode()
const cfg = {...defaultConfig(), driver: 'nb_ovn_bgp_driver'}
const nb = pubNetworkWith(pubVm('vm1', '172.24.4.11', true), pubVm('vm2', '172.24.4.12', true))

/** A fresh result and a deep copy of it (plain data: what two planners hand over). */
function pair(): [DesiredResult, DesiredResult] {
  const a = computeDesired(nb, ctx, cfg)
  const plain = structuredClone(a)
  return [a, plain]
}

const EDITS: Array<[string, (r: DesiredResult) => void]> = [
  [
    'an object attribute',
    (r) =>
      Object.assign(
        r.state.objects.find((o) => o.kind === 'route')!,
        {dev: 'br-other'},
      ),
  ],
  ['an object missing', (r) => r.state.objects.pop()],
  ['an extra exposed entry', (r) => r.state.exposed.push({...r.state.exposed[0]!, ip: '192.0.2.1'})],
  [
    'a problem more',
    (r) => r.problems.push({source: {table: 'NB_Global', uuid: 'x', name: ''}, message: 'odd'} as never),
  ],
  ['a contribution less', (r) => Object.values(r.contributions)[0]!.pop()],
  ['the distributed flag', (r) => Object.assign(r, {distributed: !r.distributed})],
]

describe('sameDesired: the self-check fast path', () => {
  it('equal results (separate copies): true, and diffDesired agrees', () => {
    const [a, b] = pair()
    expect(a.state.objects.length, 'a result with content').to.be.greaterThan(4)
    expect(sameDesired(a, b)).to.equal(true)
    expect(diffDesired(a, b)).to.deep.equal([])
  })

  for (const [what, edit] of EDITS)
    it(`${what}: false, and diffDesired names a difference`, () => {
      const [a, b] = pair()
      edit(b)
      expect(sameDesired(a, b)).to.equal(false)
      expect(diffDesired(a, b)).to.not.deep.equal([])
    })

  it('the same objects in another order: false (the full comparison decides), and no difference', () => {
    const [a, b] = pair()
    b.state.objects.reverse()
    expect(sameDesired(a, b)).to.equal(false)
    expect(diffDesired(a, b)).to.deep.equal([])
  })

  it('in turns: the same answer in every case above, whatever the chunk, and turns given', async () => {
    const cases: Array<[string, (r: DesiredResult) => void]> = [
      ['equal', () => {}],
      ['another order', (r) => r.state.objects.reverse()],
      ...EDITS,
    ]
    for (const [what, edit] of cases)
      for (const chunk of [1, 3, 1000]) {
        const [a, b] = pair()
        edit(b)
        let turns = 0
        const between = async (): Promise<void> => {
          turns++
        }

        expect(await sameDesiredInTurns(a, b, between, chunk), `${what}, chunk ${chunk}`).to.equal(sameDesired(a, b))
        if (what === 'equal') expect(turns > 0, `turns given, chunk ${chunk}`).to.equal(chunk < 10)
      }
  })
})
