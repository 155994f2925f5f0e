import {expect} from 'chai'

import {closest, editDistance} from '../../../src/lib/cli/suggest.js'

describe('did-you-mean suggestions', () => {
  const table: Array<[string, string, number]> = [
    ['sync', 'sync', 0],
    ['synk', 'sync', 1],
    ['snyc', 'sync', 1], // transposition
    ['dry-rnu', 'dry-run', 1],
    ['watch', 'doctor', 5],
  ]
  for (const [a, b, d] of table) it(`distance(${a}, ${b}) = ${d}`, () => expect(editDistance(a, b)).to.equal(d))

  const commands = ['sync', 'watch', 'doctor', 'expose-ip', 'expose-fip', 'withdraw-ip', 'show-exposed']
  const cases: Array<[string, string[]]> = [
    ['synk', ['sync']],
    ['wacth', ['watch']],
    ['expose-ipp', ['expose-ip']],
    ['expose', ['expose-fip', 'expose-ip']], // an abbreviation
    ['frobnicate', []],
    ['x', []],
  ]
  for (const [input, want] of cases)
    it(`${input} -> ${want.join(', ') || 'nothing'}`, () => expect(closest(input, commands)).to.deep.equal(want))
})
