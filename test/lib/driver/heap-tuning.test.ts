import {expect} from 'chai'
import {execFileSync} from 'node:child_process'

import {DAEMON_V8_FLAGS, tuneDaemonHeap} from '../../../src/lib/driver/heap-tuning.js'

// V8 ignores a flag it does not know, silently: after a Node upgrade the daemon would lose the
// setting without a word. This runtime's V8 must list every flag the daemon sets.
describe('daemon heap tuning', () => {
  const listed = execFileSync(process.execPath, ['--v8-options'], {encoding: 'utf8', maxBuffer: 64 * 1024 * 1024})

  for (const flag of DAEMON_V8_FLAGS) {
    it(`${flag} is a flag of this Node's V8`, () => {
      const name = flag.replace(/^--(no-)?/, '')
      expect(listed).to.match(new RegExp(`^\\s*--${name} \\(`, 'm'))
    })
  }

  // In a process of its own, at its start as the daemon does: turned on mid-run in this mocha
  // process, the flag aborted it when a memory reducer cycle was under way (heap-tuning.ts).
  it('applies the flags to a process at its start and says which; a second call is harmless', () => {
    const module = new URL('../../../src/lib/driver/heap-tuning.ts', import.meta.url).href
    const script = [
      `import {tuneDaemonHeap} from ${JSON.stringify(module)}`,
      'const first = tuneDaemonHeap()',
      'const again = tuneDaemonHeap()',
      'console.log(JSON.stringify({first: first.flags, again: again.flags}))',
    ].join('\n')
    const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      encoding: 'utf8',
    })
    expect(JSON.parse(out)).to.deep.equal({first: DAEMON_V8_FLAGS, again: DAEMON_V8_FLAGS})
  })

  it("sets nothing in a process older than the reducer's first cycle, and says why", () => {
    // this mocha process: setting the flag here is exactly the hazard (no flag is touched below)
    const r = tuneDaemonHeap(8)
    expect(r.flags).to.deep.equal([])
    expect(r.skipped).to.match(/running for 8\.0 s: a memory reducer cycle may be under way/)
  })
})
