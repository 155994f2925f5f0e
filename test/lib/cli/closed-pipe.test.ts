// A closed stdout pipe: the first write fails with EPIPE, which oclif's filter swallows, leaving a
// destroyed stdout. oclif's execute() then flushes stdout by waiting for a 'drain' that never
// comes; while anything keeps the event loop alive (an OVSDB session closing, the daemon) its
// 10 s timeout fires and the command ends as an internal error, exit 1. quietOnClosedPipe ends the
// process with 0 at the first EPIPE. Real pipes, real processes.
import {expect} from 'chai'
import {spawn} from 'node:child_process'
import {dirname, join, resolve} from 'node:path'
import {fileURLToPath} from 'node:url'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..')
const mod = join(root, 'src', 'lib', 'cli', 'closed-pipe.ts')

/** A node process writing two chunks (like a report and its summary) to a stdout nobody reads. */
async function writeTwiceToClosedPipe(install: boolean): Promise<{code: number | null; stderr: string}> {
  const script = `
    import {quietOnClosedPipe} from ${JSON.stringify(mod)}
    // oclif's filter, as @oclif/core's command module installs it
    process.stdout.on('error', (err) => { if (err.code === 'EPIPE') return; throw err })
    ${install ? 'quietOnClosedPipe()' : ''}
    // oclif's flush(), with a live event loop and a 1 s instead of 10 s timeout
    const flush = () => {
      const t = setTimeout(() => { throw new Error('timed out') }, 1000)
      if (process.stdout.write('')) clearTimeout(t)
      else process.stdout.once('drain', () => clearTimeout(t))
    }
    setTimeout(() => { process.stdout.write('plan\\n'); setTimeout(() => { process.stdout.write('summary\\n'); flush() }, 50) }, 200)
  `
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  child.stdout.destroy()
  let stderr = ''
  child.stderr.on('data', (d) => {
    stderr += String(d)
  })
  const code = await new Promise<number | null>((r) => {
    child.on('close', (c) => r(c))
  })
  return {code, stderr}
}

describe('quietOnClosedPipe', function () {
  this.timeout(60_000)

  it('without it, the flush after writing to a closed pipe times out: an internal error', async () => {
    const r = await writeTwiceToClosedPipe(false)
    expect(r.code).to.equal(1)
    expect(r.stderr).to.include('timed out')
  })

  it('with it, the process ends quietly with exit 0', async () => {
    const r = await writeTwiceToClosedPipe(true)
    expect(r.stderr).to.equal('')
    expect(r.code).to.equal(0)
  })
})
