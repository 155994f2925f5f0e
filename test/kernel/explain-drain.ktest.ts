// explain and drain end to end, in a real kernel with OVS, FRR and a gobgpd peer: the e2e topology
// (a VM, a distributed FIP, a cr-lrp, an LB VIP, a tenant IP) converged by the agent; explain of
// each reports every layer ok; then one layer at a time is broken (the bgp-nic address, the ip rule,
// the FRR leak line, the BGP neighbour, the NB binding, the gateway's chassis) and explain names
// exactly that layer and the reason (NB-driven cases: "not exposed: <reason>", all layers agreeing).
// show-exposed --json carries the FRR columns and validates against its schema. drain: waits until
// FRR has sent the peer the marked routes (not a fixed time), so the peer sees GRACEFUL_SHUTDOWN
// (65535:0) on every prefix before the withdrawal, then none; a watch restart (with FRR's drain
// lines lost meanwhile) keeps the node drained; undrain brings every prefix back, unmarked.
import {expect} from 'chai'
import {join} from 'node:path'

import type {AgentConfig} from '../../src/lib/config/types.js'
import type {ExplainReport, IpReport} from '../../src/lib/explain/report.js'

import {drainNode, undrainNode} from '../../src/lib/drain/drain.js'
import {Agent} from '../../src/lib/driver/agent.js'
import {gatherExplain} from '../../src/lib/explain/gather.js'
import {StreamLogger} from '../../src/lib/log.js'
import {Runtime} from '../../src/lib/runtime.js'
import {runAdhocCmd} from '../commands/adhoc-harness.js'
import {SchemaSet} from '../contracts/schema-validator.js'
import {must, requireGuest} from './helpers/guest.js'
import {AGENT_AS, type Lab, startTopologyLab} from './helpers/lab.js'
import {FULL, map, update} from './helpers/topology.js'

const GSHUT = 0xff_ff_00_00 // 65535:0

async function eventually<T>(
  what: string,
  fn: () => Promise<T>,
  ok: (v: T) => boolean,
  timeoutMs = 30_000,
): Promise<T> {
  const t0 = Date.now()
  let last: T = await fn()
  while (!ok(last)) {
    if (Date.now() - t0 > timeoutMs)
      throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(last, null, 1).slice(0, 3000)}`)
    await new Promise((r) => {
      setTimeout(r, 300)
    })
    last = await fn()
  }

  return last
}

const same = (a: string[], b: string[]) => JSON.stringify(a) === JSON.stringify(b)
const T0 = Date.now()
/** Progress on the console: under a loaded TCG guest a step can take minutes. */
const progress = (what: string) => console.log(`    [${Math.round((Date.now() - T0) / 1000)} s] ${what}`)

describe('explain and drain in a real kernel with OVS, FRR and a BGP peer', function () {
  this.timeout(600_000)
  let lab: Lab
  let agent: Agent | undefined
  let cfg: AgentConfig
  const logs: string[] = []
  const logger = new StreamLogger({level: 'info', write: (l) => logs.push(l)})

  async function explain(target: string): Promise<ExplainReport> {
    const rt = new Runtime(cfg, new StreamLogger({write() {}}), {dryRun: true})
    try {
      return await gatherExplain(rt, target, {})
    } finally {
      await rt.close()
    }
  }

  async function one(ip: string): Promise<IpReport> {
    const r = await explain(ip)
    expect(r.ips.map((i) => i.ip)).to.deep.equal([ip])
    return r.ips[0]!
  }

  const layer = (r: IpReport, name: string) => r.layers.find((l) => l.layer === name)!

  /** gobgp paths: prefix -> whether it carries GRACEFUL_SHUTDOWN. */
  async function peerGshut(): Promise<Record<string, boolean>> {
    const out: Record<string, boolean> = {}
    for (const fam of [[], ['-a', 'ipv6']]) {
      // gobgp exits 1 now and then under a loaded guest: an empty answer, retried by eventually()
      const rib =
        (await lab.peer
          .gobgp<Record<string, Array<{attrs?: Array<{type: number; communities?: number[]}>}>> | null>(
            'global',
            'rib',
            ...fam,
          )
          .catch(() => null)) ?? {}
      for (const [p, paths] of Object.entries(rib))
        out[p] = paths.some((x) => (x.attrs ?? []).some((a) => a.type === 8 && (a.communities ?? []).includes(GSHUT)))
    }

    return out
  }

  async function peerIp(): Promise<string> {
    const n = JSON.parse(await lab.frr.vtysh('show bgp neighbors json')) as Record<string, unknown>
    return Object.keys(n)[0]!
  }

  async function startAgent(): Promise<void> {
    agent = new Agent({rt: new Runtime(cfg, logger), cfg, logger, debounceMs: 20})
    await agent.start()
  }

  before(async function () {
    requireGuest(this, ['ovsdb-server', 'ovs-vswitchd', 'vtysh', 'gobgpd'])
    progress('starting the lab')
    const started = await startTopologyLab({bgpAS: String(AGENT_AS)})
    lab = started.lab
    cfg = started.cfg
    progress('lab up')
    await startAgent()
    progress('agent started')
    await eventually(
      'the full set at the peer',
      () => lab.peerPrefixes(),
      (p) => same(p, FULL),
      300_000,
    )
    progress('the peer has the full set')
  })

  let failedAny = false

  afterEach(function () {
    if (this.currentTest?.state === 'failed') failedAny = true
  })

  after(async () => {
    // on any failure: the agent's passes and events of the whole run (the failing step may be early)
    if (failedAny || process.env.KTEST_VERBOSE)
      console.log(
        logs
          .filter((l) => / (WARN|ERROR) |reconcile|event|drift/.test(l))
          .slice(-200)
          .join('\n'),
      )
    await agent?.stop()
    await lab?.close()
  })

  it('explain of the VM, the FIP, the cr-lrp, the LB VIP and the tenant IP: every layer ok', async () => {
    const cases: Array<[string, string]> = [
      ['172.24.4.226', 'vm'],
      ['172.24.4.200', 'fip'],
      ['172.24.4.10', 'cr-lrp'],
      ['172.24.4.50', 'lb-vip'],
      ['10.0.0.5', 'tenant-ip'],
    ]
    for (const [ip, kind] of cases) {
      progress(`explain ${ip}`)
      const r = await eventually(
        `${ip} fully advertised`,
        () => one(ip),
        (x) => x.broken === null,
      )
      expect(r.exposed, ip).to.equal(true)
      expect(r.kinds, ip).to.include(kind)
      expect(
        r.layers.map((l) => [l.layer, l.status]),
        ip,
      ).to.deep.equal([
        ['nb', 'ok'],
        ['decision', 'ok'],
        ['kernel', 'ok'],
        ['ovs', 'ok'],
        ['frr', 'ok'],
      ])
      const frr = layer(r, 'frr')
      expect(
        frr.items.filter((i) => i.what.startsWith('advertised to')).map((i) => i.status),
        ip,
      ).to.deep.equal(['ok'])
    }

    const vm = await one('172.24.4.226')
    expect(layer(vm, 'decision').reason).to.match(/bound here \(compute-1\) and up/)
    expect(layer(vm, 'kernel').items.map((i) => i.what)).to.include.members(['address bgp-nic 172.24.4.226/32'])
    expect(layer(vm, 'ovs').items.length, 'the localnet MAC-tweak flows').to.equal(2)
    const byPort = await explain('vm1')
    expect(byPort.ips.map((i) => i.ip)).to.deep.equal(['172.24.4.226', '2001:db8:100::226'])
    expect(byPort.ok).to.equal(true)
  })

  it('a deleted bgp-nic address: the kernel layer, exit 3', async () => {
    // watch repairs kernel drift at once (netlink): stop it while layers are broken by hand
    await agent!.stop()
    agent = undefined
    await must('ip', ['addr', 'del', '172.24.4.226/32', 'dev', 'bgp-nic'])
    const r = await one('172.24.4.226')
    expect(r.broken).to.equal('kernel')
    expect(layer(r, 'kernel').reason).to.include('address bgp-nic 172.24.4.226/32: missing')
    const run = await runAdhocCmd('explain', ['172.24.4.226', '--json', '--log-level', 'error', ...cliArgs()])
    expect(run.exitCode, run.stdout.slice(0, 500)).to.equal(3)
    await must('ip', ['addr', 'add', '172.24.4.226/32', 'dev', 'bgp-nic'])
    await eventually(
      'vm repaired',
      () => one('172.24.4.226'),
      (x) => x.broken === null,
    )
  })

  it('a deleted ip rule: the kernel layer', async () => {
    const rule = layer(await one('172.24.4.226'), 'kernel').items.find((i) => i.what.startsWith('rule'))!
    const table = /lookup (\d+)/.exec(rule.what)![1]!
    await must('ip', ['rule', 'del', 'to', '172.24.4.226/32', 'priority', '32000', 'table', table])
    const r = await one('172.24.4.226')
    expect(r.broken).to.equal('kernel')
    expect(layer(r, 'kernel').reason).to.match(/rule to 172\.24\.4\.226\/32 lookup \d+ priority 32000: missing/)
    await must('ip', ['rule', 'add', 'to', '172.24.4.226/32', 'priority', '32000', 'table', table])
    expect((await one('172.24.4.226')).broken).to.equal(null)
  })

  it('proxy_arp off on the device the IP is wired through: the kernel layer names the sysctl', async () => {
    const what = layer(await one('172.24.4.226'), 'kernel').items.map((i) => i.what)
    const key = what.map((w) => /^sysctl (net\.ipv4\.conf\.\S+\.proxy_arp)=1$/.exec(w)?.[1]).find(Boolean)
    expect(key, what.join('\n')).to.be.a('string')
    const v6 = layer(await one('2001:db8:100::226'), 'kernel').items.map((i) => i.what)
    expect(
      v6.some((w) => /^sysctl net\.ipv6\.conf\.\S+\.proxy_ndp=1$/.test(w)),
      v6.join('\n'),
    ).to.equal(true)
    await must('sysctl', ['-w', `${key}=0`])
    const r = await one('172.24.4.226')
    expect(r.broken).to.equal('kernel')
    expect(layer(r, 'kernel').reason).to.equal(`sysctl ${key}=1: missing`)
    await must('sysctl', ['-w', `${key}=1`])
    expect((await one('172.24.4.226')).broken).to.equal(null)
  })

  it('the leak line removed from FRR: the FRR layer names the missing line', async () => {
    await lab.frr.applyConfig(
      `router bgp ${AGENT_AS}\n address-family ipv4 unicast\n  no import vrf bgp-vrf\n exit-address-family\nexit\n`,
    )
    const r = await eventually(
      'not leaked',
      () => one('172.24.4.226'),
      (x) => x.broken === 'frr',
    )
    expect(layer(r, 'frr').reason).to.include(
      `missing router bgp ${AGENT_AS} > address-family ipv4 unicast > import vrf bgp-vrf`,
    )
    expect(layer(r, 'kernel').status).to.equal('ok')
    await lab.frr.applyConfig(
      `router bgp ${AGENT_AS}\n address-family ipv4 unicast\n  import vrf bgp-vrf\n exit-address-family\nexit\n`,
    )
    await eventually(
      'leaked again',
      () => one('172.24.4.226'),
      (x) => x.broken === null,
    )
  })

  it('the neighbour shut down: the FRR layer names the session', async () => {
    const peer = await peerIp()
    await lab.frr.applyConfig(`router bgp ${AGENT_AS}\n neighbor ${peer} shutdown\nexit\n`)
    const r = await eventually(
      'session down',
      () => one('172.24.4.226'),
      (x) => x.broken === 'frr',
    )
    expect(layer(r, 'frr').reason).to.match(
      new RegExp(`advertised to ${peer.replaceAll('.', String.raw`\.`)}: missing \\(session \\w+`),
    )
    await lab.frr.applyConfig(`router bgp ${AGENT_AS}\n no neighbor ${peer} shutdown\nexit\n`)
    await eventually(
      'session back',
      () => one('172.24.4.226'),
      (x) => x.broken === null,
      60_000,
    )
    await eventually(
      'the full set at the peer',
      () => lab.peerPrefixes(),
      (p) => same(p, FULL),
      60_000,
    )
  })

  it('the port unbound in NB: not exposed, with the reason, every layer agreeing', async () => {
    if (!agent) await startAgent()
    await update(lab.nb.unix, 'Logical_Switch_Port', 'vm1', {options: map({'requested-chassis': 'compute-2'})})
    const r = await eventually(
      'vm1 withdrawn everywhere',
      () => one('172.24.4.226'),
      (x) => !x.exposed && x.broken === null,
    )
    expect(layer(r, 'decision').reason)
      .to.include('not exposed')
      .and.include('bound to compute-2, not here (compute-1)')
    const run = await runAdhocCmd('explain', ['172.24.4.226', '--json', '--log-level', 'error', ...cliArgs()])
    expect(run.exitCode).to.equal(0)
    await update(lab.nb.unix, 'Logical_Switch_Port', 'vm1', {options: map({'requested-chassis': 'compute-1'})})
    await eventually(
      'vm1 back',
      () => one('172.24.4.226'),
      (x) => x.exposed && x.broken === null,
    )
  })

  it('the gateway moved away: the cr-lrp and the tenant IP say where it went', async () => {
    await update(lab.nb.unix, 'Logical_Router_Port', 'lrp-gw', {status: map({'hosting-chassis': 'chassis-2'})})
    const gw = await eventually(
      'cr-lrp withdrawn',
      () => one('172.24.4.10'),
      (x) => !x.exposed && x.broken === null,
    )
    expect(layer(gw, 'decision').reason).to.include('router gateway hosted on chassis-2, not here (chassis-1)')
    const tenant = await eventually(
      'tenant IP withdrawn',
      () => one('10.0.0.5'),
      (x) => !x.exposed && x.broken === null,
    )
    expect(layer(tenant, 'decision').reason).to.include('router gateway of r1 hosted on chassis-2')
    await update(lab.nb.unix, 'Logical_Router_Port', 'lrp-gw', {status: map({'hosting-chassis': 'chassis-1'})})
    await eventually(
      'the full set at the peer',
      () => lab.peerPrefixes(),
      (p) => same(p, FULL),
      60_000,
    )
  })

  // The tenant subnet (10.0.0.1/24, host mode) is a rule and route via the cr-lrp only: FRR does
  // not carry it by design, so its FRR columns are null and it is not drift.
  it('show-exposed --json: FRR columns for every entry, valid against its schema', async () => {
    if (!agent) await startAgent()
    await agent!.idle()
    const run = await runAdhocCmd('show-exposed', ['--json', '--log-level', 'error', ...cliArgs()])
    const doc = run.doc as unknown as {
      entries: Array<{
        ip: string
        kind: string
        frr: {vrf: boolean; leaked: boolean; advertised: number; established: number} | null
      }>
      drift: {missing: number; unexpected: number; frr: number}
      frr: {read: boolean; vtyshCalls: number}
    }
    expect(run.exitCode, JSON.stringify(doc?.entries ?? run.stdout.slice(0, 2000), null, 1)).to.equal(0)
    expect(doc.drift).to.deep.equal({missing: 0, unexpected: 0, frr: 0})
    expect(doc.frr.read).to.equal(true)
    expect(doc.frr.vtyshCalls, 'a fixed number of vtysh processes').to.equal(3)
    const carried = doc.entries.filter((x) => x.kind !== 'subnet')
    expect(carried.map((e) => (e.ip.includes(':') ? `${e.ip}/128` : `${e.ip}/32`)).sort()).to.deep.equal(FULL)
    for (const e of carried) expect(e.frr, e.ip).to.deep.equal({vrf: true, leaked: true, advertised: 1, established: 1})
    expect(
      doc.entries.filter((x) => x.kind === 'subnet').map((e) => [e.ip, e.frr]),
      'host mode: the subnet is not in FRR',
    ).to.deep.equal([['10.0.0.1/24', null]])
    const errors = new SchemaSet(join(process.cwd(), 'schemas')).validate('show-exposed.json', doc)
    expect(errors).to.deep.equal([])
  })

  it('drain: GRACEFUL_SHUTDOWN on every prefix, then none; a watch restart keeps it drained; undrain brings all back without a session reset', async () => {
    if (!agent) await startAgent()
    const vtysh = new Runtime(cfg, logger).vtysh()
    // drain waits for FRR's word that the peer was sent the marked routes, not for a fixed time:
    // at the moment it withdraws, the peer already has the community on every prefix
    let atWithdraw: Record<string, boolean> | undefined
    const t0 = Date.now()
    const drained0 = await drainNode(
      {
        cfg,
        vtysh,
        async onStep(step) {
          if (step !== 'withdraw') return
          progress(`drain about to withdraw after ${Date.now() - t0} ms`)
          // only the gobgp CLI's hiccups are retried: the routes are all there until the withdrawal
          atWithdraw = await eventually(
            'the peer table read',
            peerGshut,
            (g) => same(Object.keys(g).sort(), FULL),
            10_000,
          )
        },
      },
      {waitSeconds: 120, settleSeconds: 0, withdraw: true, pollMs: 300},
    )
    expect(drained0.wait, JSON.stringify(drained0.wait)).to.deep.include({
      for: 'graceful-shutdown-sent',
      outcome: 'sent',
      lastError: null,
    })
    expect(drained0.wait!.neighbours.map((n) => [n.peer, n.sent])).to.deep.equal([[await peerIp(), true]])
    expect(drained0.waitedSeconds, 'finished early, not at the bound').to.be.below(120)
    expect(atWithdraw, 'every prefix marked 65535:0 at the peer before the withdrawal').to.deep.equal(
      Object.fromEntries(FULL.map((p) => [p, true])),
    )
    await eventually(
      'all withdrawn',
      () => lab.peerPrefixes(),
      (p) => p.length === 0,
    )
    const drained = await one('172.24.4.226')
    expect(drained.broken, 'drained on purpose is not drift').to.equal(null)
    // watch restarts while FRR lost its drain lines (as after an FRR restart)
    await agent?.stop()
    agent = undefined
    await lab.frr.applyConfig(
      `router bgp ${AGENT_AS}\n no bgp graceful-shutdown\n address-family ipv4 unicast\n  no import vrf route-map ovn-bgp-drain\n exit-address-family\n address-family ipv6 unicast\n  no import vrf route-map ovn-bgp-drain\n exit-address-family\nexit\n`,
    )
    await startAgent()
    expect(await Promise.resolve(agent!.metrics.registry.metrics())).to.match(/ovn_bgp_drained 1/)
    const running = await lab.frr.vtysh('show running-config')
    expect(running).to.include('bgp graceful-shutdown').and.include('import vrf route-map ovn-bgp-drain')
    await new Promise((r) => {
      setTimeout(r, 3000)
    })
    expect(await lab.peerPrefixes(), 'still drained after the restart').to.deep.equal([])
    const shown = await runAdhocCmd('show-exposed', ['--json', '--log-level', 'error', ...cliArgs()])
    expect((shown.doc as unknown as {drain: {drained: boolean}}).drain.drained).to.equal(true)
    // undrain must not flap anything: no BGP session is reset (FRR's per-neighbour count of
    // established connections and of drops stay as they were)
    const sessionsBefore = await sessionCounts()
    await undrainNode({cfg, vtysh})
    const back = await eventually(
      'every prefix back, unmarked',
      peerGshut,
      (g) => same(Object.keys(g).sort(), FULL) && Object.values(g).every((x) => !x),
      60_000,
    )
    expect(Object.keys(back).length).to.equal(FULL.length)
    expect(await sessionCounts(), 'no session reset by undrain').to.deep.equal(sessionsBefore)
  })

  /** Each neighbour's state and FRR's counts of established and dropped connections. */
  async function sessionCounts(): Promise<Record<string, {dropped: unknown; established: unknown; state: unknown}>> {
    const doc = JSON.parse(await lab.frr.vtysh('show bgp neighbors json')) as Record<string, Record<string, unknown>>
    const out: Record<string, {dropped: unknown; established: unknown; state: unknown}> = {}
    for (const [peer, n] of Object.entries(doc)) {
      expect(n.connectionsEstablished, `connectionsEstablished of ${peer}`).to.be.a('number')
      out[peer] = {dropped: n.connectionsDropped, established: n.connectionsEstablished, state: n.bgpState}
    }

    expect(Object.keys(out).length, 'at least one neighbour').to.be.above(0)
    return out
  }

  function cliArgs(): string[] {
    return [
      '--ovsdb-connection',
      cfg.ovsdbConnection,
      '--frr-vty-socket',
      cfg.frrVtySocket,
      '--bgp-router-id',
      cfg.bgpRouterId!,
      '--rt-tables-path',
      cfg.rtTablesPath,
      '--state-dir',
      cfg.stateDir,
      '--ovs-env',
      Object.entries(cfg.ovsEnv)
        .map(([k, v]) => `${k}=${v}`)
        .join(','),
      '--expose-tenant-networks',
    ]
  }
})
