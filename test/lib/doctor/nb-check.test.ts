import {expect} from 'chai'

import {compareVersions, nbSchemaCheck} from '../../../src/lib/doctor/nb-check.js'
import {ctxWith, NB} from './helpers.js'

describe('doctor: Northbound schema', () => {
  it('compares dotted versions numerically', () => {
    expect(compareVersions('7.1.0', '7.1.0')).to.equal(0)
    expect(compareVersions('7.0.4', '7.1.0')).to.equal(-1)
    expect(compareVersions('7.10.0', '7.9')).to.equal(1)
  })

  it('passes on 7.1.0 with the status column', async () => {
    const {ctx} = ctxWith()
    expect(await nbSchemaCheck.run(ctx)).to.deep.equal({status: 'pass', detail: 'tcp:192.0.2.10:6641: OVN_Northbound schema 7.1.0, Logical_Router_Port.status present'})
  })

  it('fails on OVN 23.03 (schema 7.0.0, no LRP status)', async () => {
    const {ctx} = ctxWith({facts: {nb: {ok: true, value: {...NB, schemaVersion: '7.0.0', lrpStatusColumn: false}}}})
    const r = await nbSchemaCheck.run(ctx)
    expect(r.status).to.equal('fail')
    expect(r.fix).to.equal('Upgrade OVN to 23.09 or later.')
  })

  it('accepts an older version string when the column is there (patched schema)', async () => {
    const {ctx} = ctxWith({facts: {nb: {ok: true, value: {...NB, schemaVersion: '7.0.0', lrpStatusColumn: true}}}})
    expect((await nbSchemaCheck.run(ctx)).status).to.equal('pass')
  })

  it('fails when unreachable, warns when not queried', async () => {
    const down = ctxWith({facts: {nb: {ok: false, error: 'tcp:192.0.2.10:6641: connection refused'}}})
    expect(await nbSchemaCheck.run(down.ctx)).to.deep.include({status: 'fail', detail: 'Northbound DB unreachable: tcp:192.0.2.10:6641: connection refused'})
    const skipped = ctxWith({facts: {}})
    expect((await nbSchemaCheck.run(skipped.ctx)).status).to.equal('warn')
  })
})
