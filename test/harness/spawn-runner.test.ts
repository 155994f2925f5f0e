// The guest tests' command runner (test/kernel/helpers/guest.ts): a child that exits before it
// has read its input must give its exit code, as the production runner does, not an unhandled
// EPIPE that ends the whole mocha process (a 10,000-port bench died that way in the guest).
import {expect} from 'chai'

import {ExecRunner} from '../../src/lib/exec/runner.js'
import {SpawnRunner} from '../kernel/helpers/guest.js'

describe('SpawnRunner (guest tests) with input for a child that does not read it', () => {
  const input = 'x'.repeat(8_000_000) // far more than a pipe buffer
  for (const [name, runner] of [
    ['SpawnRunner', new SpawnRunner()],
    ['ExecRunner (production, for comparison)', new ExecRunner()],
  ] as const) {
    it(`${name}: resolves with the exit code`, async () => {
      for (const [file, code] of [
        ['true', 0],
        ['false', 1],
      ] as const)
        expect((await runner.run(file, [], {input})).code).to.equal(code)
    })
  }
})

// Callers tell "no answer in time" from "failed" by `timedOut` (ovs-ofctl's dump bound does), not
// by timing the run themselves; both runners must say it, and only then.
describe('runners report a run killed for its timeout', () => {
  for (const [name, runner] of [
    ['SpawnRunner', new SpawnRunner()],
    ['ExecRunner', new ExecRunner()],
  ] as const) {
    it(`${name}: timedOut on a run past timeoutMs, not on a quick failure or success`, async () => {
      const slow = await runner.run('sleep', ['30'], {timeoutMs: 200})
      expect(slow.timedOut).to.equal(true)
      expect(slow.code).to.not.equal(0)
      for (const [file, code] of [
        ['true', 0],
        ['false', 1],
      ] as const) {
        const r = await runner.run(file, [], {timeoutMs: 5000})
        expect(r.code).to.equal(code)
        expect(r.timedOut).to.equal(undefined)
      }
    })
  }
})
