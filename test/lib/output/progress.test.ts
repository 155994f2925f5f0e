import {expect} from 'chai'

import {Progress} from '../../../src/lib/output/progress.js'

describe('Progress', () => {
  it('writes nothing when disabled (not a terminal, or --json)', () => {
    const out: string[] = []
    const p = new Progress({enabled: false, write: (s) => out.push(s)})
    p.step('reading')
    p.update(1, 2)
    p.done()
    expect(out).to.deep.equal([])
  })

  it('redraws one line with the step, a bar and the elapsed time, then clears it', () => {
    const out: string[] = []
    let t = 1000
    const p = new Progress({enabled: true, write: (s) => out.push(s), now: () => t, width: 4})
    p.step('applying')
    t = 3500
    p.update(2, 4)
    p.done()
    expect(out).to.deep.equal(['\r\u001B[2Kapplying (0.0 s)', '\r\u001B[2Kapplying [##..] 2/4 (2.5 s)', '\r\u001B[2K'])
  })
})
