import {Args, Flags} from '@oclif/core'
import {readFileSync} from 'node:fs'

import {BaseCommand} from '../lib/base-command.js'
import {ExitCode} from '../lib/errors.js'
import {
  down,
  isRunning,
  labStatus,
  paths,
  readState,
  request,
  resolveDir,
  SandboxError,
  SandboxRefused,
  type SandboxState,
  sleep,
  up,
} from '../lib/sandbox/host.js'
import {EXPECTED_PREFIXES, type PeerRoute, peerRoutes, renderPeerTable} from '../lib/sandbox/peer.js'
import {silentProgress, SpinnerProgress} from '../lib/sandbox/progress.js'
import type {LabStatus, SandboxRequest} from '../lib/sandbox/protocol.js'

const ACTIONS = ['up', 'down', 'status', 'peer', 'nbctl', 'logs', 'vtysh', 'ip', 'ovs-vsctl', 'ovs-ofctl', 'show-exposed'] as const
type Action = (typeof ACTIONS)[number]
/** Actions whose further arguments go to a command in the lab. */
const PASSTHROUGH = ['nbctl', 'vtysh', 'ip', 'ovs-vsctl', 'ovs-ofctl'] as const

export interface SandboxResult {
  action: Action
  dir: string
  state?: SandboxState | undefined
  startSeconds?: number
  routes?: PeerRoute[]
  missing?: string[]
  lab?: LabStatus | undefined
  output?: {code: number; stdout: string; stderr: string}
  did?: string[]
}

const NEXT_STEPS = (bin: string, dirFlag: string) => `Try next:
  ${bin} sandbox peer${dirFlag}                                   # prefixes the BGP peer receives
  ${bin} sandbox nbctl${dirFlag} -- lsp-set-options vm2 requested-chassis=compute-1   # bind vm2 here: 172.24.4.12 appears
  ${bin} sandbox nbctl${dirFlag} -- lsp-set-options vm1 requested-chassis=compute-2   # move vm1 away: 172.24.4.11 goes
  ${bin} sandbox logs${dirFlag}                                   # ovn-bgp watch's log
  ${bin} sandbox status${dirFlag}  |  ${bin} sandbox show-exposed${dirFlag}
  ${bin} sandbox down${dirFlag}                                   # stop and remove everything`

export default class Sandbox extends BaseCommand<typeof Sandbox> {
  static override summary = 'A complete lab on this machine: OVN NB, OVS, FRR, a BGP peer and ovn-bgp watch.'

  static override description = `"ovn-bgp sandbox" (or "sandbox up") starts, on this machine only, an OVN Northbound database with a
demo neutron-like topology (provider network with a VLAN localnet port, VMs, a router whose gateway
port is hosted here, a floating IP, a tenant network, a load balancer; IPv4 and IPv6), a private Open
vSwitch with br-ex and the chassis identity, FRR (zebra, bgpd), a BGP peer (gobgpd, AS 65001) in its
own network namespace, and "ovn-bgp watch" with the sandbox's configuration. It then prints the
prefixes the peer receives.

When this kernel lacks the vrf, dummy, veth or vlan link types, the lab runs inside a qemu guest
booting the distribution kernel (/boot/vmlinuz-*, no network card; the host root is shared
read-only). Otherwise it runs in network namespaces on the host (--mode chooses). The host talks to
the lab through a request queue in the sandbox directory; only the operations below are accepted.

ACTION is one of:
  up            start the lab (default)
  down          stop everything the sandbox started and remove its directory (also --down)
  status        processes, BGP session, addresses on bgp-nic
  peer          the prefixes the BGP peer has received (table, or --json)
  nbctl ARGS    run ovn-nbctl ARGS against the lab's NB database (put "--" before ARGS that start
                with "-")
  logs          the log of ovn-bgp watch (--lines, --follow; --node-agent for the request log)
  vtysh "show ..."               one show command in the node's FRR
  ip ARGS                        a read-only ip command in the node (e.g. ip -j addr show dev bgp-nic)
  ovs-vsctl ARGS, ovs-ofctl ARGS read-only OVS commands (show, list, dump-flows br-ex, ...)
  show-exposed                   ovn-bgp show-exposed on the node

See docs/sandbox.md for the topology and what to try.`

  static override examples = [
    {description: 'Start the lab and show what the peer receives.', command: '<%= config.bin %> <%= command.id %>'},
    {description: 'Bind vm2 to this node: its /32 and /128 appear at the peer.', command: '<%= config.bin %> <%= command.id %> nbctl -- lsp-set-options vm2 requested-chassis=compute-1'},
    {description: "The peer's received prefixes.", command: '<%= config.bin %> <%= command.id %> peer'},
    {description: 'Wait until the peer has (or has dropped) a prefix.', command: '<%= config.bin %> <%= command.id %> peer --wait-for 172.24.4.12/32 --timeout 30'},
    {description: 'The agent log.', command: '<%= config.bin %> <%= command.id %> logs --follow'},
    {description: 'What FRR leaked into the default instance.', command: '<%= config.bin %> <%= command.id %> vtysh "show bgp ipv4 unicast"'},
    {description: 'Stop and remove everything.', command: '<%= config.bin %> <%= command.id %> down'},
    {description: 'A second, separate sandbox (e.g. for tests).', command: 'OVN_BGP_SANDBOX_DIR=/run/my-sandbox <%= config.bin %> <%= command.id %>'},
  ]

  static override strict = false

  static override args = {
    action: Args.string({description: 'up (default), down, status, peer, nbctl, logs, vtysh, ip, ovs-vsctl, ovs-ofctl, show-exposed', options: [...ACTIONS], required: false}),
  }

  static override flags = {
    dir: Flags.string({summary: 'Sandbox state directory (env OVN_BGP_SANDBOX_DIR, default /run/ovn-bgp-sandbox).'}),
    down: Flags.boolean({summary: 'Same as the action "down".'}),
    mode: Flags.option({summary: 'up: where the lab runs (auto: qemu guest when this kernel lacks vrf/dummy/veth/vlan).', options: ['auto', 'vm', 'host'] as const, default: 'auto' as const})(),
    provider: Flags.option({summary: 'up: the provider network\'s localnet port is VLAN 100 or flat.', options: ['vlan', 'flat'] as const, default: 'vlan' as const})(),
    timeout: Flags.integer({summary: 'up: seconds to wait for the lab and its routes; peer --wait-for: seconds to wait.', min: 1}),
    'wait-for': Flags.string({summary: 'peer: wait until this prefix is present (or, with "!" in front, absent).', multiple: true}),
    lines: Flags.integer({summary: 'logs: number of lines.', default: 50, min: 1}),
    follow: Flags.boolean({char: 'f', summary: 'logs: keep printing new lines (Ctrl-C stops).'}),
    'node-agent': Flags.boolean({summary: "logs: the lab's request log instead of ovn-bgp watch's."}),
    console: Flags.boolean({summary: "logs: the lab's console (lab.sh output) instead of ovn-bgp watch's."}),
  }

  /**
   * `sandbox ip -br addr`, `sandbox nbctl --columns=name list NAT`: everything after a pass-through
   * action belongs to the lab's command, except this command's --dir and --json. oclif would take
   * "-br" for one of our flags, so a "--" is put in front of the rest.
   */
  static normalizeArgv(argv: readonly string[]): string[] {
    const i = argv.findIndex((a) => (PASSTHROUGH as readonly string[]).includes(a))
    if (i < 0 || argv.slice(0, i).includes('--') || argv[i + 1] === '--') return [...argv]
    const own: string[] = []
    const rest: string[] = []
    const after = argv.slice(i + 1)
    for (let j = 0; j < after.length; j++) {
      const a = after[j]!
      if (a === '--') {
        rest.push(...after.slice(j + 1)) // an explicit separator: the rest is the lab command's, verbatim
        break
      }
      if (a === '--dir' && j + 1 < after.length) own.push(a, after[++j]!)
      else if (a.startsWith('--dir=') || a === '--json') own.push(a)
      else rest.push(a)
    }
    return [...argv.slice(0, i + 1), ...own, '--', ...rest]
  }

  public override async init(): Promise<void> {
    this.argv = Sandbox.normalizeArgv(this.argv)
    await super.init()
  }

  async run(): Promise<SandboxResult> {
    const {argv} = await this.parse(Sandbox)
    const rest = (argv as string[]).slice(this.args.action === undefined ? 0 : 1)
    const action: Action = this.flags.down ? 'down' : ((this.args.action as Action | undefined) ?? 'up')
    const dir = resolveDir(this.flags.dir)
    if (process.getuid?.() !== 0) throw new SandboxError('ovn-bgp sandbox needs root (network namespaces, qemu, FRR, OVS)', 'run it as root', ExitCode.Usage)
    switch (action) {
      case 'up':
        return this.up(dir)
      case 'down': {
        if (!readState(dir) && !isRunning(dir)) this.logToStderr(`no sandbox state in ${dir}; cleaning leftovers only`)
        const did = await down(dir, (l) => this.logToStderr(l))
        if (!this.jsonEnabled()) this.log(`sandbox in ${dir} is down`)
        return {action, dir, did}
      }
      case 'status':
        return this.status(dir)
      case 'peer':
        return this.peer(dir)
      case 'logs':
        return this.logs(dir)
      case 'nbctl':
        return this.passthrough(dir, action, {op: 'nbctl', args: rest})
      case 'vtysh':
        return this.passthrough(dir, action, {op: 'vtysh', command: rest.join(' ')})
      case 'ip':
        return this.passthrough(dir, action, {op: 'ip', args: rest})
      case 'ovs-vsctl':
      case 'ovs-ofctl':
        return this.passthrough(dir, action, {op: 'ovs', tool: action, args: rest})
      case 'show-exposed': {
        if (!this.jsonEnabled()) return this.passthrough(dir, action, {op: 'show-exposed', json: false})
        const r = await request(dir, {op: 'show-exposed', json: true}, 90_000)
        if (r.code !== 0 && !r.stdout.trim().startsWith('{')) throw new SandboxError(`show-exposed in the lab: exit ${r.code}: ${r.stderr.trim()}`)
        if (r.code !== 0) process.exitCode = r.code
        return JSON.parse(r.stdout) as SandboxResult // show-exposed's own document
      }
    }
  }

  private dirFlag(dir: string): string {
    return this.flags.dir ? ` --dir ${dir}` : ''
  }

  private async up(dir: string): Promise<SandboxResult> {
    const t0 = Date.now()
    const timeoutS = this.flags.timeout ?? 240
    const progress = this.jsonEnabled() || !process.stderr.isTTY ? silentProgress : new SpinnerProgress()
    let state: SandboxState
    // Ctrl-C while starting: take down what was started instead of leaving a half lab behind.
    const onSignal = () => {
      progress.done()
      this.logToStderr(`sandbox: interrupted; cleaning up ${dir}`)
      void down(dir).finally(() => process.exit(130))
    }
    process.once('SIGINT', onSignal)
    process.once('SIGTERM', onSignal)
    try {
      state = await up({
        dir,
        mode: this.flags.mode,
        provider: this.flags.provider,
        progress,
        timeoutMs: timeoutS * 1000,
        log: (l) => progress.note(l),
      })
      progress.step('ready')
    } catch (error) {
      progress.done()
      if (error instanceof SandboxRefused) throw error // nothing was started: nothing to clean
      this.logToStderr(`sandbox: start failed; cleaning up (${dir})`)
      await down(dir).catch(() => {})
      throw error
    }
    // Routes: wait until the peer has every prefix of the demo topology (or the time is up).
    let routes: PeerRoute[] = []
    let missing: string[] = [...EXPECTED_PREFIXES]
    const deadline = t0 + timeoutS * 1000
    let lastErr: string | undefined
    let rounds = 0
    while (Date.now() < deadline) {
      try {
        routes = await peerRoutes(dir)
        lastErr = undefined
      } catch (error) {
        lastErr = (error as Error).message
      }
      const have = new Set(routes.map((r) => r.prefix))
      missing = EXPECTED_PREFIXES.filter((p) => !have.has(p))
      if (missing.length === 0) break
      // Stop waiting when the agent itself is gone: nothing more will come.
      if (++rounds % 10 === 0) {
        const s = await labStatus(dir).catch(() => undefined)
        if (s && s.processes.some((p) => p.name === 'ovn-bgp watch' && !p.alive)) break
      }
      await sleep(500)
    }
    progress.done()
    process.removeListener('SIGINT', onSignal)
    process.removeListener('SIGTERM', onSignal)
    const startSeconds = Math.round((Date.now() - t0) / 100) / 10
    const lab = await labStatus(dir).catch(() => undefined)
    if (!this.jsonEnabled()) {
      this.log(`ovn-bgp sandbox is up in ${dir} (${state.mode === 'vm' ? 'qemu guest' : 'host namespaces'})`)
      this.log(NEXT_STEPS(this.config.bin, this.dirFlag(dir)))
      this.log('')
      this.log(`Prefixes the BGP peer (gobgpd, AS 65001) receives from this node (AS 64999):`)
      this.log(renderPeerTable(routes))
      if (lastErr) this.log(`peer query failed: ${lastErr}`)
      this.reportProblems(dir, lab, missing)
      this.log(`started in ${startSeconds} s`)
    }
    if (missing.length > 0) this.setExitCode(ExitCode.Partial)
    return {action: 'up', dir, state, startSeconds, routes, missing, lab}
  }

  /** Makes failures of the agent in the lab visible: dead processes, missing prefixes, log errors. */
  private reportProblems(dir: string, lab: LabStatus | undefined, missing: string[]): void {
    const dead = lab?.processes.filter((p) => !p.alive) ?? []
    for (const p of dead) this.log(`PROBLEM: ${p.name} is not running`)
    if (lab && lab.bgpSession !== 'established') this.log(`PROBLEM: BGP session is ${lab.bgpSession ?? 'unknown'}`)
    if (missing.length > 0) {
      this.log(`PROBLEM: the peer lacks ${missing.join(', ')}`)
      // One line per distinct problem (the same failure repeats for every object it touches).
      const seen = new Set<string>()
      const errs: string[] = []
      for (const l of this.agentLogLines(dir)) {
        if (!/\b(ERROR|WARN)\b/.test(l)) continue
        const key = /error="([^"]*)"/.exec(l)?.[1] ?? /reason="([^"]*)"/.exec(l)?.[1] ?? l.replace(/^\S+\s+/, '')
        if (seen.has(key)) continue
        seen.add(key)
        errs.push(l)
      }
      if (errs.length > 0) this.log(`warnings/errors of ovn-bgp watch (${errs.length} distinct, full log: ovn-bgp sandbox logs):\n${errs.slice(0, 12).join('\n')}`)
    }
    if (dead.some((p) => p.name === 'ovn-bgp watch')) {
      this.log(`ovn-bgp watch stopped; the end of its log (${paths(dir).agentLog}):`)
      for (const l of this.agentLogLines(dir).slice(-15)) this.log(`  ${l}`)
    }
  }

  private agentLogLines(dir: string): string[] {
    try {
      return readFileSync(paths(dir).agentLog, 'utf8').split('\n').filter(Boolean)
    } catch {
      return []
    }
  }

  private async status(dir: string): Promise<SandboxResult> {
    const state = readState(dir)
    if (!state || !isRunning(dir)) {
      if (!this.jsonEnabled()) this.log(`no sandbox is running in ${dir}`)
      this.setExitCode(ExitCode.Unavailable)
      return {action: 'status', dir, state}
    }
    const lab = await labStatus(dir)
    if (!this.jsonEnabled()) {
      this.log(`sandbox in ${dir}: ${state.mode === 'vm' ? 'qemu guest' : 'host namespaces'}, kernel ${lab.kernel}, started ${state.startedAt}, lab uptime ${Math.round(lab.uptimeS)} s`)
      for (const p of lab.processes) this.log(`  ${p.alive ? 'running' : 'STOPPED'}  ${p.name}${p.pid ? ` (pid ${p.pid} in the lab)` : ''}`)
      this.log(`  BGP session with the peer: ${lab.bgpSession ?? 'unknown'}`)
      this.log(`  addresses on bgp-nic: ${lab.bgpNicAddresses ?? 'no bgp-nic'}`)
      this.log(`  logs: ${paths(dir).agentLog} (ovn-bgp watch), ${paths(dir).console} (lab)`)
    }
    if (lab.processes.some((p) => !p.alive)) this.setExitCode(ExitCode.Partial)
    return {action: 'status', dir, state, lab}
  }

  private async peer(dir: string): Promise<SandboxResult> {
    const waits = this.flags['wait-for'] ?? []
    const deadline = Date.now() + (this.flags.timeout ?? 30) * 1000
    let routes = await peerRoutes(dir)
    const unmet = () => {
      const have = new Set(routes.map((r) => r.prefix))
      return waits.filter((w) => (w.startsWith('!') ? have.has(w.slice(1)) : !have.has(w)))
    }
    while (waits.length > 0 && unmet().length > 0 && Date.now() < deadline) {
      await sleep(300)
      routes = await peerRoutes(dir)
    }
    const missing = unmet()
    if (!this.jsonEnabled()) {
      this.log(renderPeerTable(routes))
      if (missing.length > 0) this.log(`not met after ${this.flags.timeout ?? 30} s: ${missing.join(', ')}`)
    }
    if (missing.length > 0) this.setExitCode(ExitCode.Partial)
    return {action: 'peer', dir, routes, missing}
  }

  private async logs(dir: string): Promise<SandboxResult> {
    const p = paths(dir)
    const file = this.flags['node-agent'] ? `${p.share}/node-agent.log` : this.flags.console ? p.console : p.agentLog
    let text: string
    try {
      text = readFileSync(file, 'utf8')
    } catch {
      throw new SandboxError(`no log at ${file}`, 'is a sandbox running? ovn-bgp sandbox status')
    }
    const lines = text.split('\n')
    if (lines.at(-1) === '') lines.pop()
    const shown = lines.slice(-this.flags.lines)
    if (this.jsonEnabled()) return {action: 'logs', dir, output: {code: 0, stdout: shown.join('\n'), stderr: ''}}
    for (const l of shown) this.log(l)
    if (this.flags.follow) {
      let offset = Buffer.byteLength(text)
      const stop = new Promise<void>((r) => process.once('SIGINT', () => r()))
      let stopped = false
      void stop.then(() => (stopped = true))
      while (!stopped && isRunning(dir)) {
        await sleep(300)
        let buf: Buffer
        try {
          buf = readFileSync(file)
        } catch {
          break
        }
        if (buf.length > offset) {
          process.stdout.write(buf.subarray(offset))
          offset = buf.length
        }
      }
    }
    return {action: 'logs', dir}
  }

  private async passthrough(dir: string, action: Action, req: SandboxRequest): Promise<SandboxResult> {
    const r = await request(dir, req, 90_000)
    if (!this.jsonEnabled()) {
      if (r.stdout) process.stdout.write(r.stdout.endsWith('\n') ? r.stdout : `${r.stdout}\n`)
      if (r.stderr) process.stderr.write(r.stderr.endsWith('\n') ? r.stderr : `${r.stderr}\n`)
    }
    if (r.code !== 0) process.exitCode = r.code > 0 && r.code < 256 ? r.code : 1
    return {action, dir, output: {code: r.code, stdout: r.stdout, stderr: r.stderr}}
  }
}
