import {expect} from 'chai'
import {spawn} from 'node:child_process'
import {once} from 'node:events'
import {mkdtempSync, readdirSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'
import {fileURLToPath} from 'node:url'

import {Ledger} from '../../../src/lib/kernel/ledger.js'
import {type LogFields, type Logger, NullLogger} from '../../../src/lib/log.js'
import {seeded, step} from './ledger-ops.js'

// SIGKILL at random moments of a process that keeps saving the ledger (journal appends and
// compactions): after each kill the ledger loads without being set aside, and holds exactly the
// set of the last save the child confirmed or of the one it was in (never a mix, never invented).
const ROUNDS = Number(process.env.LEDGER_KILLS ?? 8)

describe('kernel/ledger: SIGKILL while saving', function () {
  this.timeout(60_000 + ROUNDS * 15_000)
  let dir: string

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'ledger-crash-'))
  })

  after(() => {
    rmSync(dir, {recursive: true, force: true})
  })

  it(`${ROUNDS} kills at random moments: readable, and the last confirmed or the in-flight save`, async () => {
    const ledgerMod = fileURLToPath(new URL('../../../src/lib/kernel/ledger.ts', import.meta.url))
    const opsMod = fileURLToPath(new URL('ledger-ops.ts', import.meta.url))
    // The child: load, then save step after step, printing each step's number once saved.
    const script = `
      const {Ledger} = await import(${JSON.stringify(ledgerMod)})
      const {seeded, step} = await import(${JSON.stringify(opsMod)})
      const l = Ledger.inDir(process.argv[1])
      await l.load()
      const set = new Set(l.entries())
      const rand = seeded(Number(process.argv[2]))
      for (let i = 1; ; i++) {
        for (const [op, k] of step(rand, set)) op === '+' ? l.add(k) : l.delete(k)
        await l.save()
        process.stdout.write(i + '\\n')
      }`
    const rand = seeded(Number(process.env.LEDGER_SEED ?? 11))
    const kinds = {journal: 0, snapshotOnly: 0}
    for (let round = 0; round < ROUNDS; round++) {
      const start = Ledger.inDir(dir)
      await start.load()
      const seed = 1000 + round
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', '--input-type=module', '-e', script, dir, String(seed)],
        {
          stdio: ['ignore', 'pipe', 'inherit'],
        },
      )
      let out = ''
      child.stdout.setEncoding('utf8').on('data', (d: string) => {
        out += d
      })
      // Wait for the child to be saving, then kill it a random time later.
      while (!out.includes('\n') && child.exitCode === null) await sleep(20)
      await sleep(20 + rand() * 400)
      child.kill('SIGKILL')
      await once(child, 'close')
      const confirmed = Math.max(0, ...out.split('\n').filter(Boolean).map(Number))
      expect(confirmed, `round ${round}: the child saved`).to.be.greaterThan(0)
      // The sets after `confirmed` and after the next step.
      const set = new Set(start.entries())
      const r = seeded(seed)
      for (let i = 0; i < confirmed; i++) step(r, set)
      const done = [...set].sort()
      step(r, set)
      const inFlight = [...set].sort()
      const warnings: string[] = []
      const logger = {
        ...new NullLogger(),
        warn: (msg: string, fields?: LogFields) => warnings.push(`${msg} ${JSON.stringify(fields)}`),
        child: () => logger,
      } as unknown as Logger
      const after = new Ledger(join(dir, 'kernel-ledger.json'), logger)
      await after.load()
      expect(warnings, `round ${round}: nothing set aside`).to.deep.equal([])
      expect([done, inFlight], `round ${round} (${confirmed} saves confirmed)`).to.deep.include(after.entries())
      if (readdirSync(dir).some((f) => f.endsWith('.journal'))) kinds.journal++
      else kinds.snapshotOnly++
    }

    console.log(`      ${kinds.journal} kills left a journal, ${kinds.snapshotOnly} a snapshot alone`)
  })
})
