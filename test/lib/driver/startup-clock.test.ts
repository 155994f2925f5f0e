import {expect} from 'chai'

import {StartupClock} from '../../../src/lib/driver/startup-clock.js'

describe('StartupClock', () => {
  const cases: Array<{name: string; marks: Array<[string, number]>; want: Record<string, number>}> = [
    {name: 'nothing marked: only the creation', marks: [], want: {createdAtMs: 100}},
    {
      name: 'stages ending side by side are listed in the order they ended',
      marks: [
        ['ovs', 150.4],
        ['nb', 900],
        ['node', 400.6],
        ['first-pass', 2000],
      ],
      want: {createdAtMs: 100, ovsAtMs: 150, nodeAtMs: 401, nbAtMs: 900, firstPassAtMs: 2000},
    },
    {
      name: 'a stage marked twice keeps its first end',
      marks: [
        ['ovs', 120],
        ['ovs', 999],
      ],
      want: {createdAtMs: 100, ovsAtMs: 120},
    },
  ]
  for (const c of cases) {
    it(c.name, () => {
      let t = 100
      const clock = new StartupClock(() => t)
      for (const [stage, at] of c.marks) {
        t = at
        clock.mark(stage)
      }

      expect(clock.report()).to.deep.equal(c.want)
      expect(Object.keys(clock.report())).to.deep.equal(Object.keys(c.want))
    })
  }
})
