import {expect} from 'chai'
// End to end on the host: FRR (agent side) redistributes a connected /32 that sits on a port-less
// bridge (the host kernel has no dummy/vrf; the bridge stands in for bgp-nic) and a gobgpd peer in
// a second namespace receives it, then sees it withdrawn; drain's wait ends once FRR has sent the
// peer the GRACEFUL_SHUTDOWN-marked routes (the peer has them at the withdraw step). The two namespaces are linked by two
// taps and a userspace frame relay (no veth on this kernel). The VRF leak itself is covered in the
// qemu guest.
import {type ChildProcess, execFileSync, spawn} from 'node:child_process'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {defaultConfig} from '../../../src/lib/config/index.js'
import {drainNode, undrainNode} from '../../../src/lib/drain/drain.js'
import {ExecRunner} from '../../../src/lib/exec/runner.js'
import {learnRouterId} from '../../../src/lib/frr/router-id.js'
import {Vtysh} from '../../../src/lib/frr/vtysh.js'
import {requireTools} from '../../helpers/require.js'
import {waitFor} from '../../helpers/wait.js'
import {FrrInstance} from './frr-instance.js'

const HERE = dirname(fileURLToPath(import.meta.url))
const GSHUT = 0xff_ff_00_00 // 65535:0
const until = <T>(fn: () => T | undefined, ms: number, what: string): Promise<T> => waitFor(what, fn, ms, 100)

function stopChild(c: ChildProcess | undefined): Promise<void> {
  if (!c || c.exitCode !== null || c.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => {
    c.once('exit', () => resolve())
    c.kill('SIGTERM')
  })
}

const AGENT_CONF = `router bgp 64999
 bgp router-id 169.254.77.1
 no bgp ebgp-requires-policy
 neighbor 169.254.77.2 remote-as 65001
 neighbor 169.254.77.2 timers connect 1
 address-family ipv4 unicast
  redistribute connected
 exit-address-family
exit
`

const GOBGP_CONF = `[global.config]
  as = 65001
  router-id = "169.254.77.2"
  local-address-list = ["169.254.77.2"]
[[neighbors]]
  [neighbors.config]
    neighbor-address = "169.254.77.1"
    peer-as = 64999
  [neighbors.timers.config]
    connect-retry = 1
  [[neighbors.afi-safis]]
    [neighbors.afi-safis.config]
      afi-safi-name = "ipv4-unicast"
`

describe('frr: connected /32 reaches a gobgpd peer (host, two namespaces)', () => {
  let frr: FrrInstance | undefined
  let relay: ChildProcess | undefined
  let gobgpd: ChildProcess | undefined
  let dir: string | undefined
  const peerNs = `frrpeer-${process.pid}-b`
  let peerNsCreated = false

  const inPeer = (argv: string[]) =>
    execFileSync('ip', ['netns', 'exec', peerNs, ...argv], {encoding: 'utf8', stdio: 'pipe'})
  const rib = (): Record<string, unknown> =>
    JSON.parse(inPeer(['gobgp', 'global', 'rib', '-j']) || '{}') as Record<string, unknown>

  before(async function () {
    requireTools(this, ['vtysh', 'zebra', 'bgpd', 'gobgpd', 'gobgp', 'python3', 'ip'], {root: true})
    dir = mkdtempSync(join(tmpdir(), 'frrpeer-'))
    frr = await FrrInstance.start('frrpeer')
    execFileSync('ip', ['netns', 'add', peerNs])
    peerNsCreated = true
    execFileSync('ip', ['-n', peerNs, 'link', 'set', 'lo', 'up'])
    // Tap names must be unique on the host while they are still in the root namespace.
    const [ta, tb] = [`fpa${process.pid % 100_000}`, `fpb${process.pid % 100_000}`]
    relay = spawn('python3', [join(HERE, 'tap-relay.py'), ta, tb], {stdio: ['ignore', 'pipe', 'inherit']})
    await new Promise<void>((resolve, reject) => {
      relay!.stdout!.once('data', (d: Buffer) =>
        String(d).includes('ready') ? resolve() : reject(new Error(String(d))),
      )
      relay!.once('exit', (code) => reject(new Error(`tap relay exited with ${code}`)))
    })
    for (const [tap, ns, ip] of [
      [ta, frr.netns, '169.254.77.1/30'],
      [tb, peerNs, '169.254.77.2/30'],
    ] as const) {
      execFileSync('ip', ['link', 'set', tap, 'netns', ns])
      execFileSync('ip', ['-n', ns, 'link', 'set', tap, 'name', 'uplink'])
      execFileSync('ip', ['-n', ns, 'addr', 'add', ip, 'dev', 'uplink'])
      execFileSync('ip', ['-n', ns, 'link', 'set', 'uplink', 'up'])
    }

    frr.exec(['ip', 'link', 'add', 'bgp-nic', 'type', 'bridge'])
    frr.exec(['ip', 'link', 'set', 'bgp-nic', 'up'])
    writeFileSync(join(dir, 'gobgpd.toml'), GOBGP_CONF)
    gobgpd = spawn(
      'ip',
      [
        'netns',
        'exec',
        peerNs,
        'gobgpd',
        '-f',
        join(dir, 'gobgpd.toml'),
        '-t',
        'toml',
        '--api-hosts',
        '127.0.0.1:50051',
        '--pprof-disable',
        '-p',
      ],
      {
        stdio: 'ignore',
      },
    )
    const applied = await new Vtysh(new ExecRunner(), {vtyshPath: 'vtysh', socketDir: frr.dir}).applyConfig(AGENT_CONF)
    expect(applied.failedLines).to.deep.equal([])
  })

  after(async () => {
    await stopChild(gobgpd)
    await stopChild(relay)
    if (peerNsCreated) execFileSync('ip', ['netns', 'del', peerNs])
    await frr?.stop()
    if (dir) rmSync(dir, {recursive: true, force: true})
  })

  it('announces the /32 when it is added and withdraws it when it is removed', async () => {
    const t0 = Date.now()
    frr!.exec(['ip', 'addr', 'add', '172.24.4.226/32', 'dev', 'bgp-nic'])
    const routes = await until(
      () => (rib()['172.24.4.226/32'] ? rib() : undefined),
      30_000,
      'the peer to receive 172.24.4.226/32',
    )
    console.log(`      peer has the /32 ${Date.now() - t0} ms after the address was added (session setup included)`)
    const paths = routes['172.24.4.226/32'] as Array<{
      attrs: Array<{type: number; nexthop?: string; as_paths?: Array<{asns: number[]}>}>
    }>
    expect(paths[0]!.attrs.find((a) => a.type === 3)?.nexthop).to.equal('169.254.77.1')
    expect(paths[0]!.attrs.find((a) => a.type === 2)?.as_paths?.[0]?.asns).to.deep.equal([64_999])
    const t1 = Date.now()
    frr!.exec(['ip', 'addr', 'del', '172.24.4.226/32', 'dev', 'bgp-nic'])
    await until(() => (rib()['172.24.4.226/32'] ? undefined : true), 15_000, 'the withdrawal')
    console.log(`      withdrawn at the peer after ${Date.now() - t1} ms`)
  })

  it("drain's wait ends when FRR has sent the peer the GRACEFUL_SHUTDOWN-marked routes, before the withdrawal", async () => {
    frr!.exec(['ip', 'addr', 'add', '172.24.4.228/32', 'dev', 'bgp-nic'])
    frr!.exec(['ip', 'addr', 'add', '172.24.4.229/32', 'dev', 'bgp-nic'])
    await until(() => (rib()['172.24.4.228/32'] && rib()['172.24.4.229/32'] ? true : undefined), 30_000, 'both /32')
    const vtysh = new Vtysh(new ExecRunner(), {vtyshPath: 'vtysh', socketDir: frr!.dir})
    const cfg = {...defaultConfig(), frrVtySocket: frr!.dir, stateDir: join(dir!, 'state'), bgpAS: '64999'}
    const marked = (): Record<string, boolean> =>
      Object.fromEntries(
        Object.entries(rib() as Record<string, Array<{attrs: Array<{type: number; communities?: number[]}>}>>).map(
          ([p, paths]) => [p, paths.some((x) => x.attrs.some((a) => a.type === 8 && a.communities?.includes(GSHUT)))],
        ),
      )
    expect(Object.values(marked()).some(Boolean), 'not marked before the drain').to.equal(false)
    let atWithdraw: Record<string, boolean> = {}
    const r = await drainNode(
      {
        cfg,
        vtysh,
        onStep(step) {
          if (step === 'withdraw') atWithdraw = marked()
        },
      },
      {waitSeconds: 60, settleSeconds: 0, withdraw: true, pollMs: 100},
    )
    expect(r.wait).to.deep.include({outcome: 'sent', lastError: null})
    expect(r.wait!.neighbours).to.deep.equal([
      {
        peer: '169.254.77.2',
        state: 'Established',
        outq: 0,
        families: [{family: 'ipv4', advertised: 2, marked: 2, queued: 0}],
        sent: true,
      },
    ])
    expect(r.wait!.elapsedMs, 'early, not at the 60 s bound').to.be.below(30_000)
    expect(atWithdraw).to.deep.equal({'172.24.4.228/32': true, '172.24.4.229/32': true})
    console.log(`      drain waited ${r.wait!.elapsedMs} ms (${r.wait!.polls} reads of FRR)`)
    await undrainNode({cfg, vtysh})
    await until(() => (Object.values(marked()).every((m) => !m) ? true : undefined), 30_000, 'the marking gone')
  })

  it('with a neighbour, the router id comes from `show ip bgp summary json` (upstream source)', async () => {
    const vtysh = new Vtysh(new ExecRunner(), {vtyshPath: 'vtysh', socketDir: frr!.dir})
    expect(await learnRouterId(vtysh, '64999')).to.deep.equal({routerId: '169.254.77.1', source: 'bgp-summary'})
  })
})
