import {Flags} from '@oclif/core'

import {BaseCommand} from '../lib/base-command.js'
import {dryRunFlag, nbFileFlag, reconcileFlags, timeoutFlag} from '../lib/command-flags.js'
import {ConfigError, ExitCode} from '../lib/errors.js'
import {Progress} from '../lib/output/progress.js'
import {changeReport, type ChangeReport, renderChangeReport} from '../lib/output/results.js'
import {resolveIdentity} from '../lib/reconciler/local-context.js'
import {runtimeFactory} from '../lib/runtime.js'

export type SyncResult = ChangeReport

export default class Sync extends BaseCommand<typeof Sync> {
  static override summary = 'Reconcile this node once against the OVN NB database, then exit.'
  static override description = `Reads the NB database (a complete snapshot), computes everything this node must expose and wire
(bgp-nic addresses, ip rules and routes in the provider-bridge tables, static neighbours, NDP proxies,
VLAN devices, cookie-999 flows), compares it with what the node has, and applies the difference.
Objects ovn-bgp owns but NB no longer wants are removed (unless --no-prune). Running it twice in a row
changes nothing the second time. The VRF and bgp-nic are created first when missing.

With --dry-run nothing is changed and no root privileges are needed: the plan is printed, per object.
With --json the document also gives "timings": where the time went (start-up, planning, reading the
node, changing it), in ms.`
  static override examples = [
    {
      description: 'Reconcile with the agent configuration file.',
      command: '<%= config.bin %> <%= command.id %> --config-file /etc/ovn-bgp-agent/bgp-agent.conf',
    },
    {description: 'Show what would change, as JSON.', command: '<%= config.bin %> <%= command.id %> --dry-run --json'},
    {
      description: 'Plan for a node without local OVS access.',
      command:
        '<%= config.bin %> <%= command.id %> --dry-run --ovn-nb-connection tcp:192.0.2.10:6641 --chassis-name compute-1 --chassis-id 5d0c8a2e --bridge-mappings physnet1:br-ex',
    },
    {
      description: 'Plan from an NB backup (ovsdb-client backup) instead of a live server.',
      command:
        '<%= config.bin %> <%= command.id %> --dry-run --nb-file nb-backup.db --chassis-name compute-7 --chassis-id 9d2b... --bridge-mappings physnet1:br-ex',
    },
  ]
  static override flags = {
    'dry-run': dryRunFlag(),
    timeout: timeoutFlag(),
    prune: Flags.boolean({
      summary: 'Remove owned objects that NB no longer wants (--no-prune only adds and repairs).',
      default: true,
      allowNo: true,
    }),
    'nb-file': nbFileFlag(),
    ...reconcileFlags(),
  }

  async run(): Promise<SyncResult> {
    const dryRun = this.flags['dry-run']
    const nbFile = this.flags['nb-file']
    if (nbFile !== undefined && !dryRun)
      throw new ConfigError('--nb-file needs --dry-run (a database file is for planning, not for changing a node)', {
        suggestions: ['add --dry-run'],
      })
    const rt = runtimeFactory.create(await this.agentConfig(), this.logger(), {
      dryRun,
      nbFile,
      timeoutMs: this.flags.timeout * 1000,
    })
    const progress = new Progress({enabled: Progress.enabledFor(this.jsonEnabled())})
    const t0 = performance.now()
    try {
      progress.step('reading the NB database')
      // The pass needs the VRF and bgp-nic: ensured as `watch` does at start (idempotent), while the
      // NB snapshot loads, but only once NB answered: a sync that cannot reach NB changes nothing.
      let reached = (): void => {}
      const nbReached = new Promise<void>((resolve) => {
        reached = resolve
      })
      const nb = rt.nb({onState: (state) => (state === 'syncing' || state === 'ready') && reached()})
      // The pass's reconciler then starts the node's dumps while the snapshot may still be loading
      // (its pass reads them).
      const prepared = Promise.race([nbReached, nb]).then(async () => {
        if (!dryRun) {
          await rt.checkStateDir()
          const bridges = [...new Set(resolveIdentity(rt.cfg, await rt.ovs()).bridgeMappings.map((m) => m.bridge))]
          await rt.kernel().ensureBase({clearVrfRoutes: false, bridges})
        }

        const r = await rt.reconciler()
        await r.prefetchObservation()
        return r
      })
      const [source, reconciler] = await Promise.all([nb, prepared])
      const startMs = Math.round(performance.now() - t0)
      const stages = {plan: 'computing the desired state', observe: 'reading the node', apply: 'applying'}
      const pass = await reconciler.pass(source.nb, {
        dryRun,
        prune: this.flags.prune,
        onStage: (stage, d) =>
          progress.step(d.operations === undefined ? stages[stage] : `${stages[stage]} ${d.operations} change(s)`),
      })
      progress.done()
      const report: ChangeReport = {...changeReport(pass), timings: {startMs, ...pass.timings}}
      if (!this.jsonEnabled()) this.log(renderChangeReport(report))
      if (report.failed.length > 0) this.setExitCode(ExitCode.Partial)
      return report
    } finally {
      progress.done()
      await rt.close()
    }
  }
}
