import type {DoctorCheck} from './types.js'

// Node identity and provider wiring as OVS (or the configuration overrides) describe it:
// ovn-bridge-mappings, the chassis identity, and the provider bridges as links in the kernel.
import {CHECK_COMMAND_TIMEOUT_MS, effectiveMappings, errorText, linksOrVerdict} from './context.js'

const OVS_HINT = 'Is ovsdb-server running, and does ovsdb_connection point at it?'

export const bridgeMappingsCheck: DoctorCheck = {
  id: 'bridge-mappings',
  title: 'ovn-bridge-mappings set',
  category: 'config',
  async run(ctx) {
    const eff = effectiveMappings(ctx)
    if (eff.source === 'none' && ctx.facts.ovs === undefined) {
      return {
        status: 'warn',
        detail: 'not checked (the local OVS database was not queried)',
        fix: 'Run without --offline, or set bridge_mappings in bgp-agent.conf.',
      }
    }

    if (eff.source === 'none') {
      return {
        status: 'fail',
        category: 'environment',
        detail: `bridge mappings unknown: ${eff.error ?? 'not read'}`,
        fix: `${OVS_HINT} Or set bridge_mappings in bgp-agent.conf.`,
      }
    }

    const where = eff.source === 'config' ? 'bridge_mappings option' : 'OVS external_ids:ovn-bridge-mappings'
    const list = eff.mappings.map((m) => `${m.physnet}:${m.bridge}`).join(',')
    if (eff.mappings.length === 0) {
      return {
        status: 'fail',
        detail: `${where} is empty${eff.warnings.length > 0 ? ` (${eff.warnings.join('; ')})` : ''}: no provider network can be exposed`,
        fix: 'ovs-vsctl set Open_vSwitch . external_ids:ovn-bridge-mappings=physnet1:br-ex',
      }
    }

    if (eff.warnings.length > 0) {
      return {
        status: 'warn',
        detail: `${where}: ${list}; ${eff.warnings.join('; ')}`,
        fix: 'Fix or remove the ignored elements (format physnet:bridge, comma separated).',
      }
    }

    return {status: 'pass', detail: `${where}: ${list}`}
  },
}

export const chassisIdentityCheck: DoctorCheck = {
  id: 'chassis-identity',
  title: 'Chassis identity known (system-id, hostname)',
  category: 'config',
  async run(ctx) {
    const {ovs} = ctx.facts
    const id = ctx.config.chassisId ?? (ovs?.ok ? ovs.value.systemId : undefined)
    const name = ctx.config.chassisName ?? (ovs?.ok ? ovs.value.hostname : undefined)
    if (id === undefined && ovs === undefined) {
      return {
        status: 'warn',
        detail: 'not checked (the local OVS database was not queried)',
        fix: 'Run without --offline, or set chassis_id in bgp-agent.conf.',
      }
    }

    const why = ovs === undefined || ovs.ok ? '' : ovs.error
    if (id === undefined) {
      return {
        status: 'fail',
        ...(ovs?.ok ? {} : {category: 'environment' as const}),
        detail: `chassis id unknown${why ? ` (${why})` : ' (external_ids:system-id unset)'}: no gateway port or FIP can be found local`,
        fix: ovs?.ok
          ? 'ovs-vsctl set Open_vSwitch . external_ids:system-id=<chassis>, or set chassis_id in bgp-agent.conf.'
          : OVS_HINT,
      }
    }

    // The hostname falls back to the OS hostname in the agent, so its absence is only a warning.
    if (name === undefined) {
      return {
        status: 'warn',
        detail: `chassis id ${id}; external_ids:hostname unset (the OS hostname is used)`,
        fix: 'Set chassis_name in bgp-agent.conf if the OS hostname differs from the requested-chassis names.',
      }
    }

    return {status: 'pass', detail: `chassis id ${id}, name ${name}`}
  },
}

export const providerBridgesCheck: DoctorCheck = {
  id: 'provider-bridges',
  title: 'Provider bridges present and up',
  category: 'environment',
  async run(ctx) {
    const eff = effectiveMappings(ctx)
    if (eff.mappings.length === 0)
      return {
        status: 'warn',
        detail: 'no provider bridges to check (see bridge-mappings)',
        fix: 'Set ovn-bridge-mappings first.',
      }
    const got = await linksOrVerdict(ctx)
    if ('verdict' in got) return got.verdict
    const {links} = got

    const byName = new Map(links.map((l) => [l.ifname, l]))
    const missing: string[] = []
    const down: string[] = []
    for (const m of eff.mappings) {
      const l = byName.get(m.bridge)
      if (!l) missing.push(m.bridge)
      else if (!(l.flags ?? []).includes('UP')) down.push(m.bridge)
    }

    const names = eff.mappings.map((m) => m.bridge).join(', ')
    if (missing.length > 0) {
      return {
        status: 'fail',
        detail: `missing: ${missing.join(', ')}${down.length > 0 ? `; down: ${down.join(', ')}` : ''}`,
        fix: `Create the OVS bridge (ovs-vsctl add-br ${missing[0] ?? ''}) or correct ovn-bridge-mappings.`,
      }
    }

    if (down.length > 0) {
      return {
        status: 'warn',
        detail: `administratively down: ${down.join(', ')}`,
        fix: `ovn-bgp sets them up on sync; or: ip link set ${down[0] ?? ''} up`,
      }
    }

    return {status: 'pass', detail: `present and up: ${names}`}
  },
}

/**
 * ovs-ofctl reaches every provider bridge (its <bridge>.mgmt socket), as the flow layer needs.
 * Like the agent, a failure is retried with `-O OpenFlow13` for bridges that allow only 1.3.
 */
export const ofctlCheck: DoctorCheck = {
  id: 'ovs-ofctl',
  title: 'ovs-ofctl reaches the provider bridges',
  category: 'environment',
  async run(ctx) {
    const bridges = effectiveMappings(ctx).mappings.map((m) => m.bridge)
    if (bridges.length === 0)
      return {
        status: 'warn',
        detail: 'no provider bridges to check (see bridge-mappings)',
        fix: 'Set ovn-bridge-mappings first.',
      }
    const {ovsOfctlPath, ovsEnv} = ctx.config
    const opts = {timeoutMs: CHECK_COMMAND_TIMEOUT_MS, ...(Object.keys(ovsEnv).length > 0 ? {env: {...ovsEnv}} : {})}
    const failed: string[] = []
    try {
      for (const b of bridges) {
        let r = await ctx.runner.run(ovsOfctlPath, ['show', b], opts)
        if (r.code !== 0) r = await ctx.runner.run(ovsOfctlPath, ['-O', 'OpenFlow13', 'show', b], opts)
        if (r.code !== 0) failed.push(`${b}: ${(r.stderr.trim().split('\n')[0] ?? '') || `exit ${r.code}`}`)
      }
    } catch (error) {
      return {
        status: 'fail',
        detail: `cannot run ${ovsOfctlPath}: ${errorText(error)}`,
        fix: 'Install openvswitch-common, or set ovs_ofctl_path in bgp-agent.conf.',
      }
    }

    if (failed.length > 0) {
      return {
        status: 'fail',
        detail: failed.join('; '),
        fix: 'Check that ovs-vswitchd runs and that ovs_env (OVS_RUNDIR=...) points at its run directory; as a non-root user, the bridge sockets are not accessible.',
      }
    }

    return {status: 'pass', detail: `reachable: ${bridges.join(', ')}`}
  },
}
