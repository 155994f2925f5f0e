// The log_file sink: appends, survives logrotate's rename through reopen(), keeps logging when the
// reopen fails, and refuses a path it cannot open with exit 2 naming the option. The line format is
// log.ts's, unchanged.
import {expect} from 'chai'
import {mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {ConfigError} from '../../src/lib/errors.js'
import {LogFile} from '../../src/lib/log-file.js'
import {StreamLogger} from '../../src/lib/log.js'

describe('log_file sink', () => {
  let dir: string
  const now = () => new Date('2026-01-02T03:04:05.000Z')

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'log-file-'))
  })

  afterEach(() => rmSync(dir, {recursive: true, force: true}))

  it('appends to an existing file, in the StreamLogger format', () => {
    const path = join(dir, 'agent.log')
    writeFileSync(path, 'old line\n')
    const f = LogFile.open(path)
    const lines: string[] = []
    new StreamLogger({write: f.write, now}).info('reconcile', {added: 2})
    new StreamLogger({write: (l) => lines.push(l), now}).info('reconcile', {added: 2})
    f.close()
    expect(readFileSync(path, 'utf8')).to.equal(`old line\n${lines[0]}\n`)
    expect(lines[0]).to.equal('2026-01-02T03:04:05.000Z INFO  reconcile added=2')
  })

  it('reopen() after logrotate moved the file: later lines go to a new file at the path', () => {
    const path = join(dir, 'agent.log')
    const f = LogFile.open(path)
    f.write('before rotation')
    renameSync(path, `${path}.1`)
    f.write('between rename and SIGHUP')
    expect(f.reopen()).to.equal(undefined)
    f.write('after SIGHUP')
    f.close()
    expect(readFileSync(`${path}.1`, 'utf8')).to.equal('before rotation\nbetween rename and SIGHUP\n')
    expect(readFileSync(path, 'utf8')).to.equal('after SIGHUP\n')
  })

  it('keeps writing to the old file when the path cannot be reopened', () => {
    const sub = join(dir, 'logs')
    mkdirSync(sub)
    const path = join(sub, 'agent.log')
    const f = LogFile.open(path)
    renameSync(sub, join(dir, 'moved'))
    const err = f.reopen()
    expect(err).to.be.instanceOf(Error)
    expect((err as NodeJS.ErrnoException).code).to.equal('ENOENT')
    f.write('still logged')
    f.close()
    expect(readFileSync(join(dir, 'moved', 'agent.log'), 'utf8')).to.equal('still logged\n')
  })

  it('refuses a path it cannot open: exit 2 naming log_file', () => {
    const path = join(dir, 'no-such-dir', 'agent.log')
    let err: unknown
    try {
      LogFile.open(path)
    } catch (error) {
      err = error
    }

    expect(err).to.be.instanceOf(ConfigError)
    expect((err as ConfigError).exit).to.equal(2)
    expect((err as ConfigError).message).to.equal(`log_file ${path} cannot be opened for appending (ENOENT)`)
  })
})
