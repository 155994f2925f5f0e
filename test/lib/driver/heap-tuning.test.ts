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

  it('applies the flags to the running process and says which', () => {
    expect(tuneDaemonHeap()).to.deep.equal(DAEMON_V8_FLAGS)
    // a second call (a restarted agent in the same process) is harmless
    expect(tuneDaemonHeap()).to.deep.equal(DAEMON_V8_FLAGS)
  })
})
