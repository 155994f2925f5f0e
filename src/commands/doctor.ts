import {Flags} from '@oclif/core'
import chalk from 'chalk'
import Table from 'cli-table3'

import {BaseCommand} from '../lib/base-command.js'
import {configFlags} from '../lib/config/index.js'
import {
  ALL_CHECKS,
  type CheckStatus,
  createDoctorContext,
  type DoctorFacts,
  type DoctorReport,
  gatherFacts,
  nodeDoctorFs,
  runDoctor,
} from '../lib/doctor/index.js'
import {type CommandRunner, ExecRunner} from '../lib/exec/runner.js'

export type DoctorResult = DoctorReport

const CHECK_IDS = ALL_CHECKS.map((c) => c.id)

export default class DoctorCommand extends BaseCommand<typeof DoctorCommand> {
  static override summary = 'Check that this node can run ovn-bgp: kernel, sysctls, OVS, FRR and the NB database.'
  static override description = `Runs independent read-only checks and prints one verdict per check (pass, warn or fail)
with what was found and how to fix it. Nothing on the node is changed.

Checks: ${CHECK_IDS.join(', ')}.

Kernel support for vrf, dummy and (with VLAN provider networks) 8021q is read from existing
links, /proc/modules, /lib/modules/<release>/modules.builtin and modules.dep, and
/boot/config-<release>, so the check needs no privileges and loads nothing. The chassis identity,
bridge mappings and NB schema come from one short connection to the local OVS database and to the
Northbound database, and with metrics_address set the running daemon is asked for its /readyz
(all three skipped with --offline). FRR is asked through vtysh --vty_socket, as the agent does;
run as root (or a member of frrvty) for that check to see FRR.

Exit status: 0 when no check failed (warnings allowed); 2 when only configuration checks failed
(ovn-bgp options, ovn-bridge-mappings, chassis identity, a bgp_AS that differs from FRR's);
4 when a check of the environment failed (kernel support, forwarding, provider bridges, ovs-ofctl,
FRR, the OVS or NB database), also when configuration checks failed too. The daemon check only
ever warns.`
  static override examples = [
    {
      description: 'Check everything, as the agent would run with the default configuration file.',
      command: '<%= config.bin %> <%= command.id %> --config-file /etc/ovn-bgp-agent/bgp-agent.conf',
    },
    {
      description: 'Only the FRR checks, as JSON.',
      command: '<%= config.bin %> <%= command.id %> --check frr-vty --check frr-router-bgp --json',
    },
    {
      description: 'Without connecting to the OVS or NB databases.',
      command: '<%= config.bin %> <%= command.id %> --offline --bridge-mappings physnet1:br-ex',
    },
  ]
  static override flags = {
    check: Flags.string({
      summary: 'Run only this check (repeatable).',
      multiple: true,
      options: CHECK_IDS,
      helpValue: '<id>',
    }),
    offline: Flags.boolean({summary: 'Do not connect to the OVS and Northbound databases; their checks then warn.'}),
    timeout: Flags.integer({summary: 'Seconds to wait for each database connection.', default: 5, min: 1, max: 300}),
    ...configFlags([
      'ovsdb_connection',
      'ovn_nb_connection',
      'bgp_AS',
      'bgp_nic',
      'bgp_vrf',
      'bridge_mappings',
      'chassis_id',
      'chassis_name',
      'vtysh_path',
      'frr_vty_socket',
      'ip_path',
    ]),
  }
  /** Seams for tests (ESM bindings cannot be stubbed; object properties can). */
  static deps = {
    gatherFacts: (config: Parameters<typeof gatherFacts>[0], timeoutMs: number): Promise<DoctorFacts> =>
      gatherFacts(config, timeoutMs),
    runner: (): CommandRunner => new ExecRunner(),
    fs: nodeDoctorFs,
  }

  public async run(): Promise<DoctorResult> {
    const config = await this.agentConfig()
    const {deps} = DoctorCommand
    const facts = this.flags.offline ? {} : await deps.gatherFacts(config, this.flags.timeout * 1000)
    const ctx = createDoctorContext({config, runner: deps.runner(), fs: deps.fs, facts})
    const wanted = new Set(this.flags.check ?? CHECK_IDS)
    const report = await runDoctor(
      ctx,
      ALL_CHECKS.filter((c) => wanted.has(c.id)),
    )
    if (!this.jsonEnabled()) this.log(this.render(report))
    this.setExitCode(report.exitCode)
    return report
  }

  private render(report: DoctorReport): string {
    const mark: Record<CheckStatus, string> = {
      pass: chalk.green('pass'),
      warn: chalk.yellow('warn'),
      fail: chalk.red.bold('fail'),
    }
    const width = Math.max(80, process.stdout.columns ?? 100)
    const table = new Table({
      head: ['Status', 'Check', 'Detail'],
      colWidths: [8, 24, width - 36],
      wordWrap: true,
      style: {head: [], border: []},
    })
    for (const c of report.checks) {
      const detail = c.fix ? `${c.detail}\n${chalk.cyan('fix:')} ${c.fix}` : c.detail
      table.push([mark[c.status], c.id, detail])
    }

    const {pass, warn, fail} = report.counts
    return `${table.toString()}\n${report.checks.length} checks: ${pass} pass, ${warn} warn, ${fail} fail (exit status ${report.exitCode})`
  }
}
