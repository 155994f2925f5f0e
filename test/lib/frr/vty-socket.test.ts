// The vty socket protocol (src/lib/frr/vty-socket.ts): against a real bgpd (what the FRR upkeep reads
// every frr_reconcile_interval instead of starting vtysh), and against a local unix server that
// cuts its answers at every byte (the trailer may arrive split across reads).
import {expect} from 'chai'
import {mkdtempSync, rmSync} from 'node:fs'
import {createServer, type Server, type Socket} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {DependencyError} from '../../../src/lib/errors.js'
import {ExecRunner} from '../../../src/lib/exec/runner.js'
import {parseBgpInstances} from '../../../src/lib/frr/running-config.js'
import {vtyCommands} from '../../../src/lib/frr/vty-socket.js'
import {Vtysh} from '../../../src/lib/frr/vtysh.js'
import {requireTools} from '../../helpers/require.js'
import {FrrInstance} from './frr-instance.js'

const errorOf = async (p: Promise<unknown>): Promise<Error & {code?: string}> => {
  try {
    await p
  } catch (error) {
    return error as Error & {code?: string}
  }

  throw new Error('expected a rejection')
}

describe('frr/vty-socket: framing (local unix server)', () => {
  let dir: string
  let server: Server | undefined
  const conns: Socket[] = []

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'vtysock-'))
  })

  afterEach(async () => {
    for (const c of conns.splice(0)) c.destroy()
    const s = server
    server = undefined
    if (s)
      await new Promise<void>((resolve) => {
        s.close(() => resolve())
      })
    rmSync(dir, {recursive: true, force: true})
  })

  /** A daemon that answers each NUL-terminated command with `answer(cmd)`, one byte per write. */
  const serve = async (answer: (cmd: string) => {out: string; status: number} | undefined): Promise<string> => {
    const path = join(dir, 'fake.vty')
    server = createServer((c) => {
      conns.push(c)
      let buf = ''
      c.on('data', (d) => {
        buf += d.toString()
        let at: number
        while ((at = buf.indexOf('\0')) !== -1) {
          const cmd = buf.slice(0, at)
          buf = buf.slice(at + 1)
          const a = answer(cmd)
          if (!a) {
            c.destroy()
            return
          }

          const bytes = Buffer.concat([Buffer.from(a.out), Buffer.from([0, 0, 0, a.status])])
          for (const b of bytes) c.write(Buffer.from([b]))
        }
      })
    })
    await new Promise<void>((resolve) => {
      server!.listen(path, resolve)
    })
    return path
  }

  const cases: Array<{name: string; commands: string[]; want: Array<{status: number; output: string}>}> = [
    {name: 'one command', commands: ['show version'], want: [{status: 0, output: 'reply to show version\n'}]},
    {
      name: 'commands in order, each with its status',
      commands: ['enable', 'show nothing', 'show version'],
      want: [
        {status: 0, output: 'reply to enable\n'},
        {status: 2, output: '% Unknown command: show nothing\n'},
        {status: 0, output: 'reply to show version\n'},
      ],
    },
    {name: 'an empty answer', commands: ['quiet'], want: [{status: 0, output: ''}]},
  ]
  for (const c of cases) {
    it(`${c.name}, answered one byte at a time`, async () => {
      const path = await serve((cmd) =>
        cmd === 'quiet'
          ? {out: '', status: 0}
          : cmd.startsWith('show nothing')
            ? {out: `% Unknown command: ${cmd}\n`, status: 2}
            : {out: `reply to ${cmd}\n`, status: 0},
      )
      expect(await vtyCommands(path, c.commands)).to.deep.equal(c.want)
    })
  }

  it('a daemon that hangs up mid-conversation: FRR_UNAVAILABLE, not a partial answer', async () => {
    const path = await serve((cmd) => (cmd === 'enable' ? {out: '', status: 0} : undefined))
    const e = await errorOf(vtyCommands(path, ['enable', 'show running-config']))
    expect(e).to.be.instanceOf(DependencyError)
    expect(e.code).to.equal('FRR_UNAVAILABLE')
  })

  it('a daemon that never answers: FRR_VTY_TIMEOUT after the deadline', async () => {
    const path = await serve(() => ({out: 'partial output, no trailer', status: 0}))
    server!.removeAllListeners('connection')
    server!.on('connection', (c: Socket) => conns.push(c)) // accepts, reads nothing, says nothing
    const t0 = Date.now()
    const e = await errorOf(vtyCommands(path, ['show version'], {timeoutMs: 300}))
    expect(e.code).to.equal('FRR_VTY_TIMEOUT')
    expect(Date.now() - t0).to.be.within(250, 3000)
  })

  it('no socket: FRR_UNAVAILABLE naming the path', async () => {
    const e = await errorOf(vtyCommands(join(dir, 'bgpd.vty'), ['show version']))
    expect(e.code).to.equal('FRR_UNAVAILABLE')
    expect(e.message).to.include(join(dir, 'bgpd.vty'))
  })

  for (const bad of ['', 'show version\nconfigure terminal', 'show\0version']) {
    it(`refuses ${JSON.stringify(bad)} before connecting`, async () => {
      const e = await errorOf(vtyCommands(join(dir, 'none.vty'), [bad]))
      expect(e.message).to.match(/^not a vty command/)
    })
  }
})

describe('frr/vty-socket: real bgpd', function () {
  this.timeout(60_000)
  let frr: FrrInstance | undefined

  before(async function () {
    requireTools(this, ['vtysh', 'zebra', 'bgpd', 'ip'], {root: true})
    frr = await FrrInstance.start('vtysock')
    frr.vtysh(
      [
        'configure terminal',
        'router bgp 64999',
        'router bgp 64999 vrf bgp-vrf',
        'bgp router-id 172.30.0.9',
        'address-family ipv4 unicast',
        'redistribute connected',
      ].join('\n'),
    )
  })

  after(async () => {
    await frr?.stop()
  })

  it("bgpd's running configuration on its socket holds the same router bgp blocks as vtysh's", async () => {
    const v = new Vtysh(new ExecRunner(), {vtyshPath: 'vtysh', socketDir: frr!.dir})
    const direct = await v.daemonShow('bgpd', 'show running-config')
    const merged = await v.show('show running-config')
    expect(parseBgpInstances(direct)).to.deep.equal(parseBgpInstances(merged))
    expect([...parseBgpInstances(direct).keys()]).to.deep.equal(['64999', '64999 vrf bgp-vrf'])
  })

  it('a command bgpd does not know: FRR_COMMAND_FAILED with its message', async () => {
    const v = new Vtysh(new ExecRunner(), {vtyshPath: 'vtysh', socketDir: frr!.dir})
    const e = await errorOf(v.daemonShow('bgpd', 'show no-such-thing'))
    expect(e.code).to.equal('FRR_COMMAND_FAILED')
    expect(e.message).to.match(/Unknown command/)
  })

  it('bgpd stopped: its socket is unreachable (FRR_UNAVAILABLE)', async () => {
    await frr!.stopDaemon('bgpd')
    const v = new Vtysh(new ExecRunner(), {vtyshPath: 'vtysh', socketDir: frr!.dir})
    const e = await errorOf(v.daemonShow('bgpd', 'show running-config'))
    expect(e.code).to.equal('FRR_UNAVAILABLE')
  })
})
