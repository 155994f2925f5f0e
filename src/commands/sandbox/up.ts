import {Flags} from '@oclif/core'
import {readFileSync} from 'node:fs'
import {setTimeout as sleep} from 'node:timers/promises'

import type {LabStatus} from '../../lib/sandbox/protocol.js'

import {ExitCode} from '../../lib/errors.js'
import {SandboxCommand, sandboxDirFlag, type SandboxResult} from '../../lib/sandbox-command.js'
import {SandboxRefused} from '../../lib/sandbox/errors.js'
import {down} from '../../lib/sandbox/lab-down.js'
import {labStatus} from '../../lib/sandbox/lab-request.js'
import {up} from '../../lib/sandbox/lab-up.js'
import {EXPECTED_PREFIXES, type PeerRoute, peerRoutes, renderPeerTable} from '../../lib/sandbox/peer.js'
import {silentProgress, SpinnerProgress} from '../../lib/sandbox/progress.js'
import {paths, type SandboxState} from '../../lib/sandbox/state-dir.js'

const nextSteps = (bin: string, dirFlag: string) => `Try next:
  ${bin} sandbox peer${dirFlag}                                   # prefixes the BGP peer receives
  ${bin} sandbox nbctl${dirFlag} -- lsp-set-options vm2 requested-chassis=compute-1   # bind vm2 here: 172.24.4.12 appears
  ${bin} sandbox nbctl${dirFlag} -- lsp-set-options vm1 requested-chassis=compute-2   # move vm1 away: 172.24.4.11 goes
  ${bin} sandbox logs${dirFlag}                                   # ovn-bgp watch's log
  ${bin} sandbox status${dirFlag}  |  ${bin} sandbox show-exposed${dirFlag}
  ${bin} sandbox down${dirFlag}                                   # stop and remove everything`

const UP_DESCRIPTION = `Starts, on this machine only, an OVN Northbound database with a demo neutron-like topology
(provider network with a VLAN localnet port, VMs, a router whose gateway port is hosted here, a
floating IP, a tenant network, a load balancer; IPv4 and IPv6), a private Open vSwitch with br-ex and
the chassis identity, FRR (zebra, bgpd), a BGP peer (gobgpd, AS 65001) in its own network namespace,
and "ovn-bgp watch" with the sandbox's configuration. It then prints the prefixes the peer receives.

When this kernel lacks the vrf, dummy, veth or vlan link types, the lab runs inside a qemu guest
booting the distribution kernel (/boot/vmlinuz-*, no network card; the host root is shared
read-only). Otherwise it runs in network namespaces on the host (--mode chooses). The host talks to
the lab through a request queue in the sandbox directory; only the operations of the other sandbox
commands are accepted.

See docs/sandbox.md for the topology and what to try.`

export const upFlags = {
  dir: sandboxDirFlag,
  mode: Flags.option({
    summary: 'Where the lab runs (auto: qemu guest when this kernel lacks vrf/dummy/veth/vlan).',
    options: ['auto', 'vm', 'host'] as const,
    default: 'auto' as const,
  })(),
  provider: Flags.option({
    summary: "The provider network's localnet port is VLAN 100 or flat.",
    options: ['vlan', 'flat'] as const,
    default: 'vlan' as const,
  })(),
  timeout: Flags.integer({summary: 'Seconds to wait for the lab and its routes.', min: 1}),
}

export default class SandboxUp extends SandboxCommand<typeof SandboxUp> {
  static override summary = 'Start the lab: OVN NB, OVS, FRR, a BGP peer and ovn-bgp watch, on this machine.'
  static override description = UP_DESCRIPTION
  static override examples = [
    {description: 'Start the lab and show what the peer receives.', command: '<%= config.bin %> <%= command.id %>'},
    {
      description: 'A second, separate sandbox (e.g. for tests).',
      command: '<%= config.bin %> <%= command.id %> --dir /run/my-sandbox',
    },
    {
      description: 'Force the qemu guest, with a flat provider network.',
      command: '<%= config.bin %> <%= command.id %> --mode vm --provider flat',
    },
  ]
  static override flags = upFlags

  async run(): Promise<SandboxResult> {
    return this.startLab(this.sandboxDir())
  }

  /** Starts the lab in `dir`, waits for the demo prefixes at the peer, reports what is missing. */
  protected async startLab(dir: string): Promise<SandboxResult> {
    const f = this.flags as {mode: 'auto' | 'vm' | 'host'; provider: 'vlan' | 'flat'; timeout?: number}
    const t0 = Date.now()
    const timeoutS = f.timeout ?? 240
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
        mode: f.mode,
        provider: f.provider,
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
      this.log(nextSteps(this.config.bin, this.dirFlag(dir)))
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
      for (const l of agentLogLines(dir)) {
        if (!/\b(ERROR|WARN)\b/.test(l)) continue
        const key = /error="([^"]*)"/.exec(l)?.[1] ?? /reason="([^"]*)"/.exec(l)?.[1] ?? l.replace(/^\S+\s+/, '')
        if (seen.has(key)) continue
        seen.add(key)
        errs.push(l)
      }

      if (errs.length > 0)
        this.log(
          `warnings/errors of ovn-bgp watch (${errs.length} distinct, full log: ovn-bgp sandbox logs):\n${errs.slice(0, 12).join('\n')}`,
        )
    }

    if (dead.some((p) => p.name === 'ovn-bgp watch')) {
      this.log(`ovn-bgp watch stopped; the end of its log (${paths(dir).agentLog}):`)
      for (const l of agentLogLines(dir).slice(-15)) this.log(`  ${l}`)
    }
  }
}

function agentLogLines(dir: string): string[] {
  try {
    return readFileSync(paths(dir).agentLog, 'utf8').split('\n').filter(Boolean)
  } catch {
    return []
  }
}
