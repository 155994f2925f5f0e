// The saved scope (state_dir/nb-scope.json): what a file must be to seed a start, and the file's
// round trip. A file that fails any check is ignored with one warning naming why.
import {expect} from 'chai'
import {existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import type {ConditionUpdate} from '../../../src/lib/ovsdb/types.js'

import {savedScopeProblem, SCOPE_CACHE_FILE, ScopeCacheFile} from '../../../src/lib/driver/scope-cache.js'
import {StreamLogger} from '../../../src/lib/log.js'

const SCOPE = {chassisName: 'compute-1', chassisId: 'chassis-1'}
const conditions: ConditionUpdate = {
  Logical_Switch_Port: [
    ['type', '==', 'localnet'],
    ['options', 'includes', ['map', [['requested-chassis', 'compute-1']]]],
  ],
  NAT: [
    ['_uuid', '==', ['uuid', '00000000-0000-4000-8000-000000000001']],
    ['logical_port', '==', 'vm1'],
  ],
  Logical_Switch: [],
  NB_Global: undefined,
}
const file = (c: unknown, over: Record<string, unknown> = {}): unknown => ({
  version: 1,
  chassis: {name: 'compute-1', id: 'chassis-1'},
  conditions: c,
  ...over,
})

describe('driver saved NB scope', () => {
  describe('savedScopeProblem', () => {
    const cases: {what: string; data: unknown; problem: RegExp | undefined}[] = [
      {what: 'a valid file', data: file({...conditions, NB_Global: null}), problem: undefined},
      {what: 'not an object', data: [1, 2], problem: /^version/},
      {what: 'null', data: null, problem: /not a JSON object/},
      {what: 'another version', data: file({}, {version: 2}), problem: /version 2, expected 1/},
      {what: 'another chassis', data: file({}, {chassis: {name: 'compute-2', id: 'chassis-1'}}), problem: /compute-2/},
      {
        what: 'another chassis id',
        data: file({}, {chassis: {name: 'compute-1', id: 'x'}}),
        problem: /saved for chassis/,
      },
      {what: 'no conditions', data: file(undefined), problem: /no conditions object/},
      {what: 'a table not monitored', data: file({ACL: []}), problem: /table "ACL"/},
      {what: 'clauses not a list', data: file({NAT: {}}), problem: /NAT: clauses are not a list/},
      {what: 'a clause of two items', data: file({NAT: [['name', '==']]}), problem: /not \[column, function, value\]/},
      {
        what: 'a column not monitored',
        data: file({NAT: [['external_port_range', '==', '1-2']]}),
        problem: /column "external_port_range"/,
      },
      {what: 'an unknown function', data: file({NAT: [['logical_port', 'like', 'a']]}), problem: /function "like"/},
      {
        what: 'a value that is no OVSDB value',
        data: file({NAT: [['logical_port', '==', {a: 1}]]}),
        problem: /not an OVSDB value/,
      },
      {
        what: 'a map of non-pairs',
        data: file({Logical_Switch_Port: [['options', 'includes', ['map', [['a']]]]]}),
        problem: /not an OVSDB value/,
      },
      {what: 'true and false clauses', data: file({NAT: [true, false]}), problem: undefined},
    ]
    for (const c of cases)
      it(`${c.what}: ${c.problem ? 'ignored' : 'accepted'}`, () => {
        const p = savedScopeProblem(c.data, SCOPE)
        if (c.problem) expect(p).to.match(c.problem)
        else expect(p).to.equal(undefined)
      })
  })

  describe('ScopeCacheFile', () => {
    let dir: string
    let lines: string[]
    const logger = () => new StreamLogger({json: true, write: (l) => lines.push(l)})

    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'scope-cache-'))
      lines = []
    })

    afterEach(() => rmSync(dir, {recursive: true, force: true}))

    it('saves (0600) and loads the same conditions, every-row tables included', async () => {
      await new ScopeCacheFile(dir, SCOPE, logger()).save(conditions)
      const path = join(dir, SCOPE_CACHE_FILE)
      expect(statSync(path).mode & 0o777).to.equal(0o600)
      expect(JSON.parse(readFileSync(path, 'utf8')).conditions.NB_Global).to.equal(null)
      expect(await new ScopeCacheFile(dir, SCOPE, logger()).load()).to.deep.equal(conditions)
      expect(lines).to.deep.equal([])
    })

    it('no file: nothing, and nothing logged', async () => {
      expect(await new ScopeCacheFile(dir, SCOPE, logger()).load()).to.equal(undefined)
      expect(lines).to.deep.equal([])
    })

    it('a file that does not parse or fails a check: nothing, one warning naming why', async () => {
      const path = join(dir, SCOPE_CACHE_FILE)
      writeFileSync(path, '{"version": 1,')
      expect(await new ScopeCacheFile(dir, SCOPE, logger()).load()).to.equal(undefined)
      writeFileSync(path, JSON.stringify(file({NAT: [['logical_port', 'like', 'a']]})))
      expect(await new ScopeCacheFile(dir, SCOPE, logger()).load()).to.equal(undefined)
      const warned = lines.map((l) => JSON.parse(l) as {level: string; msg: string; why: string})
      expect(warned.map((w) => `${w.level} ${w.msg}`)).to.deep.equal([
        'warn saved NB scope ignored',
        'warn saved NB scope ignored',
      ])
      expect(warned[0]!.why).to.match(/JSON/)
      expect(warned[1]!.why).to.match(/function "like"/)
    })

    it('save: false (a dry run) writes nothing; a state_dir that cannot be written is logged at debug only', async () => {
      await new ScopeCacheFile(dir, SCOPE, logger(), {save: false}).save(conditions)
      expect(existsSync(join(dir, SCOPE_CACHE_FILE))).to.equal(false)
      writeFileSync(join(dir, 'not-a-dir'), '')
      await new ScopeCacheFile(join(dir, 'not-a-dir'), SCOPE, logger()).save(conditions)
      expect(lines.map((l) => (JSON.parse(l) as {level: string; msg: string}).msg)).to.deep.equal([])
    })
  })
})
