import {BaseCommand} from '../lib/base-command.js'
import {dryRunFlag, FRR_OPTIONS} from '../lib/command-flags.js'
import {configFlags} from '../lib/config/index.js'
import {ExitCode} from '../lib/errors.js'
import {type LeakResult, leakSettingsFromConfig} from '../lib/frr/leak.js'
import {runtimeFactory} from '../lib/runtime.js'

export type FrrLeakResult = LeakResult & {
  vrf: string
  asn: string
  /** What the kernel layer created or changed for the VRF and bgp-nic; null in a dry run (not touched). */
  devices: string[] | null
}

export default class FrrLeakCommand extends BaseCommand<typeof FrrLeakCommand> {
  static override summary = 'Ensure FRR leaks the agent VRF into the default BGP instance.'
  static override description = `Makes sure the VRF <bgp_vrf> and its dummy device <bgp_nic> exist and are up, then reads FRR's
running configuration and applies the leak configuration (import vrf <bgp_vrf> in
the default BGP instance, a <bgp_vrf> BGP instance with the router id that redistributes
connected routes, and kernel routes in subnet mode) with one vtysh -f, only when part of it is
missing. Without bgp_router_id the router id is read from FRR; when FRR has none the command
fails instead of skipping the configuration. With --dry-run nothing is applied and the
configuration is printed; FRR is then not needed when bgp_router_id is set, and devices are not touched.`
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --dry-run --bgp-router-id 172.30.0.1',
    '<%= config.bin %> <%= command.id %> --json --frr-vty-socket /run/frr/',
  ]
  static override flags = {
    'dry-run': dryRunFlag(),
    ...configFlags([
      ...FRR_OPTIONS,
      'bgp_vrf',
      'bgp_vrf_table_id',
      'bgp_nic',
      'ip_path',
      'state_dir',
      'advertisement_method_tenant_networks',
    ]),
  }

  public async run(): Promise<FrrLeakResult> {
    const dryRun = this.flags['dry-run']
    const cfg = await this.agentConfig()
    const rt = runtimeFactory.create(cfg, this.logger(), {dryRun})
    try {
      // Upstream's order (docs/upstream-behaviour.md#base-bgp-configuration): the VRF (and bgp-nic) first, so the
      // VRF instance FRR gets has its device.
      const devices = dryRun ? null : (await rt.kernel().ensureBase({clearVrfRoutes: false})).changed
      const settings = leakSettingsFromConfig(cfg)
      const leak = await rt.frr().ensure(settings, {dryRun})
      const result: FrrLeakResult = {...leak, vrf: settings.vrf, asn: settings.asn, devices}
      if (!leak.ok) this.setExitCode(ExitCode.Partial)
      if (!this.jsonEnabled()) this.log(this.render(result))
      return result
    } finally {
      await rt.close()
    }
  }

  private render(r: FrrLeakResult): string {
    const lines: string[] = []
    const rid = `router id ${r.routerId} (${r.routerIdSource})`
    if (r.dryRun) {
      lines.push(
        r.missing === null ? `FRR not reachable; configuration that would be applied, ${rid}:` : `dry run, ${rid}:`,
      )
      if (r.missing !== null)
        lines.push(
          r.missing.length > 0
            ? `missing in FRR:\n${r.missing.map((m) => `  ${m}`).join('\n')}`
            : 'nothing missing in FRR',
        )
      if (r.missing === null || r.missing.length > 0) lines.push(r.config.trimEnd())
      return lines.join('\n')
    }

    for (const d of r.devices ?? []) lines.push(d)
    if (!r.changed)
      return [...lines, `FRR leak configuration for VRF ${r.vrf} (AS ${r.asn}) already in place, ${rid}`].join('\n')
    lines.push(
      `applied FRR leak configuration for VRF ${r.vrf} (AS ${r.asn}), ${rid}; ${r.missing?.length ?? 0} item(s) were missing`,
    )
    for (const f of r.failedLines) lines.push(`  rejected line ${f.line}: ${f.text} (${f.error})`)
    for (const m of r.remaining) lines.push(`  still missing: ${m}`)
    return lines.join('\n')
  }
}
