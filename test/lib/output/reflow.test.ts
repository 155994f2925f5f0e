import {expect} from 'chai'

import {reflow} from '../../../src/lib/output/reflow.js'

describe('reflow (help descriptions)', () => {
  it('joins the hard-wrapped lines of a paragraph, keeps paragraphs apart', () => {
    expect(reflow('one two\nthree\n\nfour\nfive\n')).to.equal('one two three\n\nfour five')
  })

  it('keeps indented runs (commands, tables) as they are', () => {
    expect(reflow('Run:\n  ovn-bgp sync\n  ovn-bgp watch\nthen wait.')).to.equal(
      'Run:\n  ovn-bgp sync\n  ovn-bgp watch\nthen wait.',
    )
  })

  it('joins list items with their continuation lines', () => {
    expect(reflow('- first item\n  goes on\n- second')).to.equal('- first item goes on\n- second')
  })
})
