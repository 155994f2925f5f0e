import {BaseCommand} from '../lib/base-command.js'
import {FRR_OPTIONS, reconcileFlags} from '../lib/command-flags.js'
import {configFlags} from '../lib/config/index.js'
import {tuneDaemonHeap} from '../lib/driver/heap-tuning.js'
import {SdNotify, startWatchdog} from '../lib/driver/sd-notify.js'
import {runtimeFactory} from '../lib/runtime.js'

export interface WatchResult {
  /** Why the daemon stopped. */
  stoppedBy: string
  passes: number
  exposed: number
}

export default class Watch extends BaseCommand<typeof Watch> {
  static override summary = 'Run the agent: follow the NB database and keep this node exposed and wired.'
  static override description = `The daemon (run it as a systemd service, see packaging/ovn-bgp.service). At start it ensures the
VRF and bgp-nic while it reads a complete NB snapshot, then reconciles the node fully; the FRR leak
configuration is checked alongside. Then every NB change is classified into the upstream agent's event classes (logged, counted
in metrics) and, when it can matter to this node, triggers a debounced reconcile through the same
path as "ovn-bgp sync". A full reconcile also runs every reconcile_interval seconds; the FRR leak is
re-checked when FRR restarts. Owned objects are only removed once a complete NB snapshot is in hand.

Logs go to stderr, one line per event and per reconcile pass (--log-json for JSON lines), or to
log_file when set (SIGHUP reopens it, for logrotate). On SIGTERM or SIGINT the daemon stops and
leaves the datapath as it is, so a restart does not withdraw routes.

It never gives up on its dependencies: until the local Open vSwitch and NB databases answer it
retries with backoff, logs each failed attempt and reports not ready on /readyz; a reconcile pass
that fails is retried after 1 s, 2 s, 4 s ... up to 60 s (jittered), not ready meanwhile.

Under systemd (Type=notify) it reports READY=1 once the first full reconcile pass is done, and
with WatchdogSec= sends keep-alives only while the reconcile loop makes progress, so a hung daemon
is restarted.`
  static override examples = [
    {
      description: 'Run with the agent configuration.',
      command: '<%= config.bin %> <%= command.id %> --config-file /etc/ovn-bgp-agent/bgp-agent.conf',
    },
    {
      description: 'With Prometheus metrics and JSON logs.',
      command: '<%= config.bin %> <%= command.id %> --metrics-address 127.0.0.1:9476 --log-json',
    },
  ]
  static override defaultLogLevel = 'info' as const
  static override flags = {
    ...reconcileFlags(),
    ...configFlags([
      ...FRR_OPTIONS,
      'reconcile_interval',
      'frr_reconcile_interval',
      'clear_vrf_routes_on_startup',
      'metrics_address',
    ]),
  }

  async run(): Promise<WatchResult> {
    // First: set only while no memory reducer cycle can be under way (heap-tuning.ts).
    const v8 = tuneDaemonHeap()
    const cfg = await this.agentConfig()
    const logger = this.logger()
    logger.debug('V8 flags for a long-running process', {...v8})
    const commit = /\bcommit (\S+)/.exec(this.config.userAgent)?.[1]
    // Imported here, not at the top: the daemon's modules (prom-client among them) stay out of the
    // start-up of --help and of every other command, in dist/ and in the release bundle alike.
    const [{Agent}, {AgentMetrics}] = await Promise.all([
      import('../lib/driver/agent.js'),
      import('../lib/metrics/agent-metrics.js'),
    ])
    const metrics = new AgentMetrics({build: {version: this.config.version, ...(commit ? {commit} : {})}})
    const agent = new Agent({rt: runtimeFactory.create(cfg, logger, {waitForever: true}), cfg, logger, metrics})
    const notify = new SdNotify({logger})
    // the watchdog covers start-up too: a first pass that hangs is restarted like any other
    const stopWatchdog = startWatchdog(notify, () => agent.passRunningMs(), logger)
    const stopped = new Promise<string>((resolve) => {
      for (const sig of ['SIGTERM', 'SIGINT'] as const) process.once(sig, () => resolve(sig))
    })
    // SIGHUP reopens log_file (logrotate's postrotate); without log_file it is only logged.
    const onHup = (): void => {
      const error = this.logFile?.reopen()
      if (error)
        logger.error('SIGHUP: cannot reopen log_file; still writing to the old file', {
          logFile: this.logFile?.path,
          error: error.message,
        })
      else
        logger.info(
          this.logFile ? 'SIGHUP: log_file reopened' : 'SIGHUP: no log_file to reopen',
          this.logFile ? {logFile: this.logFile.path} : {},
        )
    }

    process.on('SIGHUP', onHup)
    // A signal during start-up (e.g. while NB is still unreachable) stops the daemon too.
    const starting = agent.start().then(() => undefined)
    try {
      const early = await Promise.race([starting, stopped])
      if (early === undefined) {
        logger.info('watching', {nb: cfg.ovnNbConnection ?? 'from OVS', reconcileInterval: cfg.reconcileInterval})
        await notify.ready(`first reconcile done, ${agent.exposedCount()} addresses exposed`)
      }

      const by = early ?? (await stopped)
      logger.info('stopping', {signal: by})
      await notify.stopping()
      return {stoppedBy: by, passes: agent.passes, exposed: agent.exposedCount()}
    } finally {
      stopWatchdog()
      await agent.stop()
      await starting.catch(() => undefined)
      process.off('SIGHUP', onHup)
    }
  }
}
