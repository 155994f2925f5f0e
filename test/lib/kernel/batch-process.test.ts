// The long-lived batch protocol: table-driven attribution from stderr text, then a real
// `ip -force -batch -` child on this host fed commands that need no privilege and change nothing
// (`link show` of present and absent devices), and one that makes iproute2 exit early.
import {expect} from 'chai'
import {type ChildProcess} from 'node:child_process'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import type {IpOp} from '../../../src/lib/kernel/commands.js'

import {
  BatchExecutor,
  BatchProcess,
  defaultSpawn,
  MarkerParser,
  settleRequest,
  type SpawnFn,
} from '../../../src/lib/kernel/batch-process.js'
import {requireTools} from '../../helpers/require.js'
import {sleep} from '../../helpers/wait.js'

const op = (args: string, tolerate?: RegExp): IpOp => ({
  group: 'link',
  args: args.split(' '),
  ...(tolerate ? {tolerate} : {}),
})

describe('kernel/batch-process: attribution', () => {
  const cases: Array<{what: string; chunks: string[]; want: Array<{line: number; text: string}>}> = [
    {
      what: 'one error then the sentinel',
      chunks: ['RTNETLINK answers: File exists\nCommand failed -:2\nObject "zz" is unknown\nCommand failed -:4\n'],
      want: [
        {line: 2, text: 'RTNETLINK answers: File exists'},
        {line: 4, text: 'Object "zz" is unknown'},
      ],
    },
    {
      what: 'a marker split across chunks',
      chunks: ['Error: x\nCommand fai', 'led -:7\n'],
      want: [{line: 7, text: 'Error: x'}],
    },
    {
      what: 'multi-line error text',
      chunks: ['Error: a\nhint: b\nCommand failed -:1\n'],
      want: [{line: 1, text: 'Error: a\nhint: b'}],
    },
    {what: 'a marker with no text', chunks: ['Command failed -:3\n'], want: [{line: 3, text: ''}]},
  ]
  for (const c of cases) {
    it(c.what, () => {
      const p = new MarkerParser()
      expect(c.chunks.flatMap((ch) => p.feed(ch))).to.deep.equal(c.want)
    })
  }

  const ops = [op('a'), op('b', /File exists/), op('c'), op('d')]
  const settle: Array<{
    what: string
    first: number
    errors: Array<[number, string]>
    complete: boolean
    want: string[]
  }> = [
    {
      what: 'complete: unreported lines are ok (cumulative numbering)',
      first: 11,
      errors: [[13, 'boom']],
      complete: true,
      want: ['ok', 'ok', 'failed', 'ok'],
    },
    {
      what: 'tolerated error counts as ok',
      first: 1,
      errors: [[2, 'RTNETLINK answers: File exists']],
      complete: true,
      want: ['ok', 'ok', 'ok', 'ok'],
    },
    {
      what: 'early exit: lines after the last marker are unknown',
      first: 1,
      errors: [[2, 'x']],
      complete: false,
      want: ['ok', 'failed', 'unknown', 'unknown'],
    },
    {
      what: 'early exit before any marker: all unknown',
      first: 5,
      errors: [],
      complete: false,
      want: ['unknown', 'unknown', 'unknown', 'unknown'],
    },
  ]
  for (const c of settle) {
    it(c.what, () => {
      expect(settleRequest(ops, c.first, new Map(c.errors), c.complete).map((o) => o.state)).to.deep.equal(c.want)
    })
  }
})

describe('kernel/batch-process: a real ip child', function () {
  this.timeout(20_000)

  before(function () {
    requireTools(this, ['ip'])
  })

  it('attributes failures per request over one process, with cumulative line numbers', async () => {
    const p = new BatchProcess({ipPath: 'ip', args: []})
    try {
      const a = await p.run([op('link show dev lo'), op('link show dev nonexist0'), op('link show dev lo')])
      expect(a.map((o) => o.state)).to.deep.equal(['ok', 'failed', 'ok'])
      expect(a[1]).to.deep.equal({state: 'failed', reason: 'Device "nonexist0" does not exist.'})
      // Second and third requests (lines 5.. of the same child), concurrently queued.
      const [b, c] = await Promise.all([
        p.run([op('link show dev nonexist1')]),
        p.run([op('link show dev lo'), op('link show dev nonexist2', /does not exist/)]),
      ])
      expect(b).to.deep.equal([{state: 'failed', reason: 'Device "nonexist1" does not exist.'}])
      expect(c.map((o) => o.state)).to.deep.equal(['ok', 'ok'])
      expect(p.starts).to.equal(1)
    } finally {
      p.close()
    }
  })

  it('recycle(): the next request runs in a fresh child, requests queued before it in the old one', async () => {
    const p = new BatchProcess({ipPath: 'ip', args: []})
    try {
      expect((await p.run([op('link show dev lo')])).map((o) => o.state)).to.deep.equal(['ok'])
      p.recycle()
      const [a, b] = await Promise.all([p.run([op('link show dev nonexist3')]), p.run([op('link show dev lo')])])
      expect(a).to.deep.equal([{state: 'failed', reason: 'Device "nonexist3" does not exist.'}])
      expect(b).to.deep.equal([{state: 'ok'}])
      expect(p.starts).to.equal(2)
    } finally {
      p.close()
    }
  })

  it('recycle(name): only a child that resolved the name is replaced, an idle one at once', async () => {
    const p = new BatchProcess({ipPath: 'ip', args: []})
    try {
      expect((await p.run([op('link show dev lo')])).map((o) => o.state)).to.deep.equal(['ok'])
      p.recycle('br-never-used')
      expect(p.starts, 'a name this child never resolved').to.equal(1)
      p.recycle('lo')
      expect(p.starts, 'replaced before the next request').to.equal(2)
      expect((await p.run([op('link show dev lo')])).map((o) => o.state)).to.deep.equal(['ok'])
      expect(p.starts).to.equal(2)
    } finally {
      p.close()
    }
  })

  it('with a spare: a replaced child is the idle spare (no start on the way), and a new spare follows', async () => {
    const p = new BatchProcess({ipPath: 'ip', args: [], spareDelayMs: 50})
    try {
      expect((await p.run([op('link show dev lo')])).map((o) => o.state)).to.deep.equal(['ok'])
      await sleep(300)
      expect(p.starts, 'the child and its spare').to.equal(2)
      p.recycle('lo')
      expect(p.starts, 'the spare was taken').to.equal(2)
      expect((await p.run([op('link show dev lo'), op('link show dev nonexist4')])).map((o) => o.state)).to.deep.equal([
        'ok',
        'failed',
      ])
      await sleep(300)
      expect(p.starts, 'a new spare').to.equal(3)
    } finally {
      p.close()
    }
  })

  it('executor spares: none started while requests keep coming, one per group once the executor is quiet', async () => {
    const ex = new BatchExecutor({ipPath: 'ip', spareDelayMs: 50})
    try {
      const v4: IpOp = {group: 'ip4', args: ['route', 'show', 'dev', 'lo']}
      expect((await Promise.all([ex.run([op('link show dev lo')]), ex.run([v4])])).flat()).to.deep.equal([
        {state: 'ok'},
        {state: 'ok'},
      ])
      expect(ex.starts, 'one child per group used').to.equal(2)
      // Requests back to back for 600 ms, long past the spares' 50 ms delay: no spare starts.
      const until = performance.now() + 600
      while (performance.now() < until) await ex.run([op('link show dev lo')])
      expect(ex.starts, 'spares started while requests kept coming').to.equal(2)
      expect(ex.sparesPending).to.equal(true)
      // Quiet: both spares start (one at a time), and none is pending any more.
      for (let i = 0; i < 100 && (ex.sparesPending || ex.starts < 4); i++) await sleep(50)
      expect(ex.starts, 'the two children and their spares').to.equal(4)
      expect(ex.sparesPending).to.equal(false)
    } finally {
      ex.close()
    }
  })

  it('a child that stops answering: the request fails naming the deadline, the child is killed and replaced', async () => {
    // The seam records the real children; SIGSTOP makes one stop answering (like a wedged ip).
    const children: ChildProcess[] = []
    const spawn: SpawnFn = (file, args, opts) => {
      const c = defaultSpawn(file, args, opts)
      children.push(c)
      return c
    }

    const p = new BatchProcess({ipPath: 'ip', args: [], spawn, requestTimeoutMs: 1000})
    try {
      const before = await p.run([op('link show dev lo'), op('link show dev nonexist5')])
      expect(before.map((o) => o.state)).to.deep.equal(['ok', 'failed'])
      const stuck = children[0]!
      stuck.kill('SIGSTOP')
      const t0 = performance.now()
      const out = await p.run([op('link show dev lo'), op('link show dev lo')])
      expect(performance.now() - t0, 'settled by the deadline, not by an exit').to.be.at.least(900)
      expect(out).to.deep.equal([
        {state: 'failed', reason: 'ip batch request not answered within 1000 ms (child killed)'},
        {state: 'failed', reason: 'ip batch request not answered within 1000 ms (child killed)'},
      ])
      await new Promise((r) => {
        if (stuck.exitCode !== null || stuck.signalCode !== null) r(undefined)
        else stuck.once('close', r)
      })
      expect(stuck.signalCode).to.equal('SIGKILL')
      // The answered request kept its outcome; later requests run in a fresh child.
      expect(before.map((o) => o.state)).to.deep.equal(['ok', 'failed'])
      const after = await p.run([op('link show dev lo'), op('link show dev nonexist6')])
      expect(after.map((o) => o.state)).to.deep.equal(['ok', 'failed'])
      expect(p.starts).to.equal(2)
      expect(children[1]!.exitCode).to.equal(null)
    } finally {
      p.close()
    }
  })

  it('the deadline is per chunk of lines: a large request slower than the deadline as a whole still completes', async () => {
    // A stand-in for ip that speaks the batch protocol and takes 30 ms per 200 lines: a 500-line
    // chunk answers in ~0.1 s, the whole 10,000-line request in ~1.5 s, against an 800 ms deadline.
    const slowIp = String.raw`
      let n = 0, pending = [], busy = false
      const rl = require('node:readline').createInterface({input: process.stdin})
      rl.on('line', (l) => { pending.push(l); if (!busy) drain() })
      function drain() {
        busy = true
        const batch = pending.splice(0, 200)
        if (batch.length === 0) { busy = false; return }
        setTimeout(() => {
          for (const l of batch) {
            n++
            if (l.startsWith('zz')) process.stderr.write('Object "' + l + '" is unknown, try "ip help".\nCommand failed -:' + n + '\n')
            else if (l.includes('bad')) process.stderr.write('Error: bad line.\nCommand failed -:' + n + '\n')
          }
          drain()
        }, 30)
      }`
    const dir = mkdtempSync(join(tmpdir(), 'slow-ip-'))
    writeFileSync(join(dir, 'slow-ip.cjs'), slowIp)
    const spawn: SpawnFn = (_file, _args, opts) => defaultSpawn(process.execPath, [join(dir, 'slow-ip.cjs')], opts)
    const p = new BatchProcess({ipPath: 'ip', args: [], spawn, requestTimeoutMs: 800})
    try {
      const ops = Array.from({length: 10_000}, (_, i) => op(i === 7777 ? 'link show bad' : 'link show dev lo'))
      const t0 = performance.now()
      const out = await p.run(ops)
      const ms = performance.now() - t0
      console.log(`      10,000 lines in ${ms.toFixed(0)} ms against an 800 ms per-chunk deadline`)
      expect(ms, 'slower than one deadline as a whole').to.be.greaterThan(800)
      expect(out.filter((o) => o.state === 'ok')).to.have.length(9999)
      expect(out[7777]).to.deep.equal({state: 'failed', reason: 'Error: bad line.'})
      expect(p.starts).to.equal(1)
    } finally {
      p.close()
      rmSync(dir, {recursive: true, force: true})
    }
  })

  it('the executor passes the deadline down and does not re-run timed-out lines in the stuck child', async () => {
    const children: ChildProcess[] = []
    const spawn: SpawnFn = (file, args, opts) => {
      const c = defaultSpawn(file, args, opts)
      children.push(c)
      return c
    }

    const ex = new BatchExecutor({ipPath: 'ip', spawn, requestTimeoutMs: 1000})
    try {
      expect((await ex.run([op('link show dev lo')])).map((o) => o.state)).to.deep.equal(['ok'])
      children[0]!.kill('SIGSTOP')
      const out = await ex.run([op('link show dev lo')])
      expect(out[0]).to.deep.equal({
        state: 'failed',
        reason: 'ip batch request not answered within 1000 ms (child killed)',
      })
      expect((await ex.run([op('link show dev lo')])).map((o) => o.state)).to.deep.equal(['ok'])
      expect(ex.starts).to.equal(2)
    } finally {
      ex.close()
    }
  })

  it('re-runs the lines of a request cut short by an exit, and pins the error on its line', async () => {
    // In an `ip -6` child an IPv4 neighbour makes iproute2 exit at once (no marker).
    const ex = new BatchExecutor({ipPath: 'ip'})
    try {
      const ops: IpOp[] = [op('link show dev lo'), {group: 'neigh', args: 'neigh show dev lo'.split(' ')}]
      expect((await ex.run(ops)).map((o) => o.state)).to.deep.equal(['ok', 'ok'])
      const bad: IpOp = {
        group: 'ip6',
        args: ['neigh', 'replace', '10.0.0.9', 'lladdr', '00:11:22:33:44:55', 'dev', 'lo'],
      }
      const out = await ex.run([
        {group: 'ip6', args: ['link', 'show', 'dev', 'lo']},
        bad,
        {group: 'ip6', args: ['link', 'show', 'dev', 'lo']},
      ])
      expect(out.map((o) => o.state)).to.deep.equal(['ok', 'failed', 'ok'])
      expect(out[1]).to.deep.include({reason: 'Error: inet6 address is expected rather than "10.0.0.9".'})
    } finally {
      ex.close()
    }
  })
})
