import {Flags} from '@oclif/core'

import {BaseCommand} from '../lib/base-command.js'
import {configFlags} from '../lib/config/index.js'
import {ExitCode} from '../lib/errors.js'
import {ExecRunner} from '../lib/exec/runner.js'
import {FrrLeak, type LeakResult, leakSettingsFromConfig} from '../lib/frr/leak.js'
import {Vtysh} from '../lib/frr/vtysh.js'

export type FrrLeakResult = LeakResult & {vrf: string; asn: string}

export default class FrrLeakCommand extends BaseCommand<typeof FrrLeakCommand> {
  static override summary = 'Ensure FRR leaks the agent VRF into the default BGP instance.'

  static override description = `Reads FRR's running configuration and applies the leak configuration (import vrf <bgp_vrf> in
the default BGP instance, a <bgp_vrf> BGP instance with the router id that redistributes
connected routes, and kernel routes in subnet mode) with one vtysh -f, only when part of it is
missing. Without bgp_router_id the router id is read from FRR; when FRR has none the command
fails instead of skipping the configuration. With --dry-run nothing is applied and the
configuration is printed; FRR is then not needed when bgp_router_id is set.`

  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --dry-run --bgp-router-id 172.30.0.1',
    '<%= config.bin %> <%= command.id %> --json --frr-vty-socket /run/frr/',
  ]

  static override flags = {
    'dry-run': Flags.boolean({summary: 'Show what would be applied; change nothing.'}),
    ...configFlags(['bgp_AS', 'bgp_router_id', 'bgp_vrf', 'advertisement_method_tenant_networks', 'vtysh_path', 'frr_vty_socket']),
  }

  public async run(): Promise<FrrLeakResult> {
    const cfg = await this.agentConfig()
    const logger = this.logger()
    const vtysh = new Vtysh(new ExecRunner(), {vtyshPath: cfg.vtyshPath, socketDir: cfg.frrVtySocket, logger})
    const settings = leakSettingsFromConfig(cfg)
    const leak = await new FrrLeak(vtysh, logger).ensure(settings, {dryRun: this.flags['dry-run']})
    const result: FrrLeakResult = {...leak, vrf: settings.vrf, asn: settings.asn}
    if (!leak.ok) this.setExitCode(ExitCode.Partial)
    if (!this.jsonEnabled()) this.log(this.render(result))
    return result
  }

  private render(r: FrrLeakResult): string {
    const lines: string[] = []
    const rid = `router id ${r.routerId} (${r.routerIdSource})`
    if (r.dryRun) {
      lines.push(r.missing === null ? `FRR not reachable; configuration that would be applied, ${rid}:` : `dry run, ${rid}:`)
      if (r.missing !== null) lines.push(r.missing.length ? `missing in FRR:\n${r.missing.map((m) => `  ${m}`).join('\n')}` : 'nothing missing in FRR')
      if (r.missing === null || r.missing.length > 0) lines.push(r.config.trimEnd())
      return lines.join('\n')
    }
    if (!r.changed) return `FRR leak configuration for VRF ${r.vrf} (AS ${r.asn}) already in place, ${rid}`
    lines.push(`applied FRR leak configuration for VRF ${r.vrf} (AS ${r.asn}), ${rid}; ${r.missing?.length ?? 0} item(s) were missing`)
    for (const f of r.failedLines) lines.push(`  rejected line ${f.line}: ${f.text} (${f.error})`)
    for (const m of r.remaining) lines.push(`  still missing: ${m}`)
    return lines.join('\n')
  }
}
