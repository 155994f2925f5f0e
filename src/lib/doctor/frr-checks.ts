import type {CheckResult, DoctorCheck, DoctorContext} from './types.js'

// FRR through its vty sockets, the way the agent talks to it: `vtysh --vty_socket DIR -c CMD`.
// `frr-vty` proves the sockets answer and reports the version; `frr-router-bgp` proves the base
// BGP configuration the leak template builds on exists (ovn-bgp adds only the VRF instance and the
// `import vrf` lines; neighbours and policies are the operator's).
import {CHECK_COMMAND_TIMEOUT_MS, errorText} from './context.js'

type VtyshOutcome = {ok: true; stdout: string} | {ok: false; result: CheckResult}

async function vtysh(ctx: DoctorContext, command: string): Promise<VtyshOutcome> {
  const {vtyshPath, frrVtySocket} = ctx.config
  const where = `${vtyshPath} --vty_socket ${frrVtySocket}`
  try {
    const r = await ctx.runner.run(vtyshPath, ['--vty_socket', frrVtySocket, '-c', command], {
      timeoutMs: CHECK_COMMAND_TIMEOUT_MS,
    })
    if (r.code === 0) return {ok: true, stdout: r.stdout}
    const err = (r.stderr.trim() || r.stdout.trim()).split('\n')[0] ?? ''
    const denied = /permission denied/i.test(r.stderr)
    return {
      ok: false,
      result: {
        status: 'fail',
        detail: `${where} -c '${command}' exited ${r.code}: ${err}`,
        fix: denied
          ? `Run as root (the vty sockets in ${frrVtySocket} belong to frr:frrvty), or add the user to the frrvty group.`
          : `Start FRR (systemctl start frr) with zebra and bgpd enabled in /etc/frr/daemons, and check that frr_vty_socket (${frrVtySocket}) is where its sockets are.`,
      },
    }
  } catch (error) {
    return {
      ok: false,
      result: {
        status: 'fail',
        detail: `cannot run ${vtyshPath}: ${errorText(error)}`,
        fix: 'Install FRR (package frr), or set vtysh_path in bgp-agent.conf.',
      },
    }
  }
}

/** `FRRouting 8.4.4 (host) on Linux(...)` -> `8.4.4`. */
export function parseFrrVersion(showVersion: string): string | undefined {
  return /^FRRouting\s+(\S+)/m.exec(showVersion)?.[1]
}

/** AS numbers of the default-VRF `router bgp` stanzas and of the per-VRF ones, from a running config. */
export function parseRouterBgp(runningConfig: string): {defaultAs: string[]; vrfs: Array<{as: string; vrf: string}>} {
  const defaultAs: string[] = []
  const vrfs: Array<{as: string; vrf: string}> = []
  for (const m of runningConfig.matchAll(/^router bgp (\d+)(?: vrf (\S+))?\s*$/gm)) {
    if (m[2] === undefined) defaultAs.push(m[1] as string)
    else vrfs.push({as: m[1] as string, vrf: m[2]})
  }

  return {defaultAs, vrfs}
}

export const frrVtyCheck: DoctorCheck = {
  id: 'frr-vty',
  title: 'FRR reachable through its vty socket',
  category: 'environment',
  async run(ctx) {
    const out = await vtysh(ctx, 'show version')
    if (!out.ok) return out.result
    const version = parseFrrVersion(out.stdout)
    if (!version)
      return {
        status: 'warn',
        detail: `answered, but the version is not recognisable: ${out.stdout.trim().split('\n')[0] ?? ''}`,
        fix: 'Check that the socket directory belongs to FRRouting.',
      }
    // `show version` is answered by any daemon; the agent needs zebra and bgpd. `show daemons`
    // lists the running ones (a vtysh without the command is not held against FRR).
    const daemons = await vtysh(ctx, 'show daemons')
    if (daemons.ok) {
      const running = daemons.stdout.trim().split(/\s+/).filter(Boolean)
      const missing = ['zebra', 'bgpd'].filter((d) => !running.includes(d))
      if (missing.length > 0) {
        return {
          status: 'fail',
          detail: `FRRouting ${version}: ${missing.join(' and ')} not running (running: ${running.join(' ') || 'none'})`,
          fix: `Enable ${missing.map((d) => `${d}=yes`).join(', ')} in /etc/frr/daemons and restart FRR.`,
        }
      }
    }

    const major = Number.parseInt(version, 10)
    if (major < 8) {
      return {
        status: 'warn',
        detail: `FRRouting ${version} via ${ctx.config.frrVtySocket}`,
        fix: 'ovn-bgp is tested with FRR 8.x and later; upgrade FRR.',
      }
    }

    return {status: 'pass', detail: `FRRouting ${version} via ${ctx.config.frrVtySocket}`}
  },
}

export const frrRouterBgpCheck: DoctorCheck = {
  id: 'frr-router-bgp',
  title: 'FRR has a `router bgp` in its running configuration',
  category: 'environment',
  async run(ctx) {
    const out = await vtysh(ctx, 'show running-config')
    if (!out.ok) return out.result
    const {defaultAs, vrfs} = parseRouterBgp(out.stdout)
    const want = ctx.config.bgpAS
    const leak = vrfs.find((v) => v.vrf === ctx.config.bgpVrf)
    const leakText = leak
      ? `; VRF instance for ${ctx.config.bgpVrf} present`
      : `; no VRF instance for ${ctx.config.bgpVrf} yet (ovn-bgp adds it)`
    if (defaultAs.length === 0) {
      return {
        status: 'fail',
        detail: 'no `router bgp <AS>` for the default VRF: nothing would advertise the leaked routes',
        fix: `Configure FRR's base BGP (router bgp ${want}, neighbours, address families) in /etc/frr/frr.conf.`,
      }
    }

    if (!defaultAs.includes(want)) {
      return {
        status: 'fail',
        category: 'config',
        detail: `FRR runs router bgp ${defaultAs.join(', ')} but bgp_AS is ${want}: FRR would reject the leak configuration`,
        fix: `Set bgp_AS = ${defaultAs[0] ?? ''} in bgp-agent.conf (or change FRR's AS).`,
      }
    }

    return {status: 'pass', detail: `router bgp ${want}${leakText}`}
  },
}
