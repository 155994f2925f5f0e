import {Flags} from '@oclif/core'

import {BaseCommand} from '../lib/base-command.js'
import {
  CONNECTION_OPTIONS,
  EXPOSURE_OPTIONS,
  FRR_OPTIONS,
  nbFileFlag,
  NODE_OPTIONS,
  timeoutFlag,
} from '../lib/command-flags.js'
import {configFlags} from '../lib/config/index.js'
import {DrainStore} from '../lib/drain/state.js'
import {AgentError, ConfigError, ExitCode} from '../lib/errors.js'
import {readFrr} from '../lib/explain/gather.js'
import {NbState} from '../lib/nb/state.js'
import {annotateFrr} from '../lib/output/exposed-frr.js'
import {joinExposed, plannedExposed, renderExposed, type ShowExposedResult} from '../lib/output/exposed.js'
import {scopeOf} from '../lib/reconciler/local-context.js'
import {runtimeFactory} from '../lib/runtime.js'

export type {ShowExposedResult} from '../lib/output/exposed.js'

export default class ShowExposed extends BaseCommand<typeof ShowExposed> {
  static override summary = 'Show what this node advertises over BGP, where each IP comes from, and the drift.'
  static override description = `By default reads what the node actually has on bgp-nic and joins it with what the NB database
says this node should expose: each entry is "ok" (advertised and wanted), "missing" (wanted, not
advertised) or "unexpected" (advertised, not wanted). With --source nb only the NB database is read
(no root, no kernel access): the entries are what a sync would expose.

With --source node FRR is read too (a fixed number of vtysh calls for all IPs): for each entry, whether
the prefix is in the VRF, leaked into the default BGP instance, and advertised to how many of the
established neighbours; an entry FRR does not carry all the way counts as drift. The header says when the
node is drained (ovn-bgp drain). --nb-file reads NB from a database file or an ovsdb-client backup instead
of the NB server (with --source nb).

Every entry names the NB row it comes from; "ovn-bgp explain <ip>" then shows every layer of one IP.
Exit status 3 when drift is found (--source node), so scripts can alert on it.`
  static override examples = [
    {description: 'What this node advertises, with drift.', command: '<%= config.bin %> <%= command.id %>'},
    {
      description: 'What NB says this node should advertise, as JSON.',
      command: '<%= config.bin %> <%= command.id %> --source nb --json',
    },
    {
      description: 'From a customer NB backup: what should compute-7 expose?',
      command:
        '<%= config.bin %> <%= command.id %> --source nb --nb-file nb-backup.db --chassis-name compute-7 --chassis-id 9d2b... --bridge-mappings physnet1:br-ex',
    },
    {
      description: 'Entries FRR does not advertise to every established neighbour.',
      command:
        "<%= config.bin %> <%= command.id %> --json | jq '.entries[] | select(.frr and .frr.advertised < .frr.established)'",
    },
    {
      description: 'Find one IP.',
      command: '<%= config.bin %> <%= command.id %> --json | jq \'.entries[] | select(.ip == "172.24.4.226")\'',
    },
  ]
  static override flags = {
    source: Flags.option({
      summary: 'node: what the node has, joined with NB; nb: computed from the NB database alone.',
      options: ['node', 'nb'] as const,
      default: 'node' as const,
    })(),
    'nb-file': nbFileFlag(),
    timeout: timeoutFlag(),
    ...configFlags([...CONNECTION_OPTIONS, ...EXPOSURE_OPTIONS, ...NODE_OPTIONS, ...FRR_OPTIONS]),
  }

  async run(): Promise<ShowExposedResult> {
    const cfg = await this.agentConfig()
    const nbFile = this.flags['nb-file']
    if (nbFile !== undefined && this.flags.source !== 'nb')
      throw new ConfigError('--nb-file needs --source nb (the file describes NB, not this node)', {
        suggestions: ['add --source nb'],
      })
    const rt = runtimeFactory.create(cfg, this.logger(), {dryRun: true, nbFile, timeoutMs: this.flags.timeout * 1000})
    try {
      const reconciler = await rt.reconciler()
      let result: ShowExposedResult
      if (this.flags.source === 'nb') {
        const {state} = await reconciler.desired((await rt.nb()).nb)
        result = plannedExposed(state.exposed)
      } else {
        let wanted
        try {
          wanted = (await reconciler.desired((await rt.nb()).nb)).state.exposed
        } catch (error) {
          if (!(error instanceof AgentError)) throw error
          this.logger().warn('NB not available: listing the node only, without provenance or drift', {
            error: error.message,
          })
        }

        const ctx = reconciler.lastContext ?? (await reconciler.desired(new NbState())).ctx
        const observed = await rt.kernel().layer.observe(scopeOf(cfg, ctx))
        result = joinExposed(wanted, observed, cfg.bgpNic)
        const frr = await readFrr(rt, cfg)
        annotateFrr(result, frr.view, {tenant: cfg.advertisementMethodTenantNetworks, error: frr.error})
        const drain = await new DrainStore(cfg.stateDir).read()
        result.drain = {drained: drain !== undefined, since: drain?.since ?? null}
        if (result.drift.missing + result.drift.unexpected + (result.drift.frr ?? 0) > 0)
          this.setExitCode(ExitCode.Partial)
      }

      if (!this.jsonEnabled()) this.log(renderExposed(result))
      return result
    } finally {
      await rt.close()
    }
  }
}
