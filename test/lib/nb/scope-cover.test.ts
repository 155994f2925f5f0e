// coversConditions and unionConditions (pure): what lets a start seeded from a saved scope stop
// after one computation, and what it sends. Table-driven; `undefined` is "every row".
import {expect} from 'chai'

import type {ConditionClause, ConditionUpdate} from '../../../src/lib/ovsdb/types.js'

import {coversConditions, unionConditions} from '../../../src/lib/nb/scope.js'

const name = (n: string): ConditionClause => ['name', '==', n]
const port = (n: string): ConditionClause => ['logical_port', '==', n]
const onChassis = (c: string): ConditionClause => ['options', 'includes', ['map', [['requested-chassis', c]]]]

describe('nb coversConditions', () => {
  const cases: {what: string; sent: ConditionUpdate; wanted: ConditionUpdate; covers: boolean}[] = [
    {what: 'the same conditions', sent: {NAT: [port('a')]}, wanted: {NAT: [port('a')]}, covers: true},
    {
      what: 'more clauses sent than wanted, in another order',
      sent: {NAT: [port('b'), port('a')], Logical_Switch: [name('s1'), name('s2')]},
      wanted: {NAT: [port('a')], Logical_Switch: [name('s2')]},
      covers: true,
    },
    {
      what: 'one wanted clause not sent',
      sent: {NAT: [port('a')]},
      wanted: {NAT: [port('a'), port('b')]},
      covers: false,
    },
    {
      what: 'the same column and value under another function',
      sent: {NAT: [['logical_port', '!=', 'a']]},
      wanted: {NAT: [port('a')]},
      covers: false,
    },
    {
      what: 'map values compared whole',
      sent: {Logical_Switch_Port: [onChassis('c1')]},
      wanted: {Logical_Switch_Port: [onChassis('c2')]},
      covers: false,
    },
    {what: 'a wanted table never sent', sent: {NAT: [port('a')]}, wanted: {Logical_Router: [name('r')]}, covers: false},
    {what: 'every row sent, some wanted', sent: {NB_Global: undefined}, wanted: {NB_Global: [name('x')]}, covers: true},
    {what: 'every row on both sides', sent: {NB_Global: undefined}, wanted: {NB_Global: undefined}, covers: true},
    {what: 'some sent, every row wanted', sent: {NAT: [port('a')]}, wanted: {NAT: undefined}, covers: false},
    {what: 'an empty clause list wanted (no row)', sent: {NAT: [port('a')]}, wanted: {NAT: []}, covers: true},
    {what: 'nothing wanted', sent: {NAT: [port('a')]}, wanted: {}, covers: true},
  ]
  for (const c of cases)
    it(`${c.what}: ${c.covers ? 'covered' : 'not covered'}`, () => {
      expect(coversConditions(c.sent, c.wanted)).to.equal(c.covers)
    })
})

describe('nb unionConditions', () => {
  const cases: {what: string; a: ConditionUpdate; b: ConditionUpdate; union: ConditionUpdate}[] = [
    {
      what: 'clauses of both, sorted, each once',
      a: {NAT: [port('b'), port('a')]},
      b: {NAT: [port('c'), port('a')]},
      union: {NAT: [port('a'), port('b'), port('c')]},
    },
    {
      what: 'a table of one side only',
      a: {NAT: [port('a')]},
      b: {Logical_Switch: [name('s')]},
      union: {NAT: [port('a')], Logical_Switch: [name('s')]},
    },
    {
      what: 'every row on one side wins',
      a: {NB_Global: undefined, NAT: [port('a')]},
      b: {NB_Global: [name('x')]},
      union: {NB_Global: undefined, NAT: [port('a')]},
    },
  ]
  for (const c of cases)
    it(c.what, () => {
      const u = unionConditions(c.a, c.b)
      expect(u).to.deep.equal(c.union)
      expect(coversConditions(u, c.a) && coversConditions(u, c.b), 'the union covers both').to.equal(true)
    })
})
