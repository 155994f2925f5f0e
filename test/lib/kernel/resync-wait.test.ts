import {expect} from 'chai'

import {resyncWaitBound} from '../../../src/lib/kernel/model-resync.js'

describe('resyncWaitBound: how long a resync waits for the overruns to stop', () => {
  const cases: Array<[string, number, number]> = [
    ['no resync yet: the base bound', 0, 5000],
    ['a quick resync: the base bound', 800, 5000],
    ['a resync of 4 s: twice that', 4000, 8000],
    ['a resync of 25 s on a large node: 50 s', 25_000, 50_000],
    ['a very slow resync: capped at 60 s', 90_000, 60_000],
  ]
  for (const [name, last, want] of cases) {
    it(name, () => {
      expect(resyncWaitBound(last)).to.equal(want)
    })
  }
})
