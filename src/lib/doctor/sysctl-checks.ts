import type {CheckResult, DoctorCheck, DoctorContext} from './types.js'

// Network sysctls, read from /proc/sys (no process needed). In /proc/sys a device directory keeps
// its dots (net/ipv4/conf/br-ex.100/...); the `/` form is only for sysctl(8) keys.
//   forwarding: the agent never sets it (upstream neither); the node routes between fabric and
//     bridges, so IPv4 forwarding off is a failure and IPv6 forwarding off a warning.
//   proxy_arp/proxy_ndp: the agent sets them on every sync; 0 means no sync has run yet for that
//     device, or it failed.
//   rp_filter: the effective value is max(conf.all, conf.<dev>); strict (1) drops the asymmetric
//     traffic this design produces (in via the fabric, out via a bridge table), loose (2) is fine.
import {effectiveMappings, expectedVlanDevices} from './context.js'

const PROC = '/proc/sys/net'

async function readSysctl(ctx: DoctorContext, path: string): Promise<number | undefined> {
  const text = await ctx.fs.readText(`${PROC}/${path}`)
  if (text === undefined) return undefined
  const n = Number.parseInt(text.trim(), 10)
  return Number.isNaN(n) ? undefined : n
}

/** Bridges and VLAN devices the agent configures. */
function providerDevices(ctx: DoctorContext): string[] {
  return [...effectiveMappings(ctx).mappings.map((m) => m.bridge), ...expectedVlanDevices(ctx).map((d) => d.name)]
}

export const forwardingCheck: DoctorCheck = {
  id: 'sysctl-forwarding',
  title: 'IP forwarding (net.ipv4.ip_forward, net.ipv6.conf.all.forwarding)',
  category: 'environment',
  async run(ctx) {
    const v4 = await readSysctl(ctx, 'ipv4/ip_forward')
    const v6 = await readSysctl(ctx, 'ipv6/conf/all/forwarding')
    const detail = `net.ipv4.ip_forward=${v4 ?? 'unreadable'}, net.ipv6.conf.all.forwarding=${v6 ?? 'unreadable (IPv6 disabled?)'}`
    if (v4 !== 1) {
      return {
        status: 'fail',
        detail,
        fix: 'sysctl -w net.ipv4.ip_forward=1 (and persist it in /etc/sysctl.d/); ovn-bgp does not set it.',
      }
    }

    if (v6 !== 1) {
      return {
        status: 'warn',
        detail,
        fix: 'For IPv6 workloads: sysctl -w net.ipv6.conf.all.forwarding=1 (and persist it in /etc/sysctl.d/).',
      }
    }

    return {status: 'pass', detail}
  },
}

export const proxyArpNdpCheck: DoctorCheck = {
  id: 'sysctl-proxy-arp-ndp',
  title: 'proxy_arp / proxy_ndp on provider bridges',
  category: 'environment',
  async run(ctx): Promise<CheckResult> {
    const devices = providerDevices(ctx)
    if (devices.length === 0)
      return {
        status: 'warn',
        detail: 'no provider bridges known (see bridge-mappings)',
        fix: 'Set ovn-bridge-mappings first.',
      }
    const off: string[] = []
    const missing: string[] = []
    for (const dev of devices) {
      const arp = await readSysctl(ctx, `ipv4/conf/${dev}/proxy_arp`)
      const ndp = await readSysctl(ctx, `ipv6/conf/${dev}/proxy_ndp`)
      if (arp === undefined && ndp === undefined) missing.push(dev)
      else {
        if (arp !== 1) off.push(`${dev} proxy_arp=${arp ?? '?'}`)
        if (ndp !== 1) off.push(`${dev} proxy_ndp=${ndp ?? '?'}`)
      }
    }

    if (off.length === 0 && missing.length === 0) return {status: 'pass', detail: `enabled on ${devices.join(', ')}`}
    const parts = [...off, ...missing.map((d) => `${d}: no such device`)]
    return {
      status: 'warn',
      detail: parts.join('; '),
      fix: 'ovn-bgp enables these on every sync: check that `ovn-bgp watch` is running and its log for sync errors (or run `ovn-bgp sync`).',
    }
  },
}

export const rpFilterCheck: DoctorCheck = {
  id: 'sysctl-rp-filter',
  title: 'Reverse-path filter on provider bridges',
  category: 'environment',
  async run(ctx) {
    const all = (await readSysctl(ctx, 'ipv4/conf/all/rp_filter')) ?? 0
    const devices = providerDevices(ctx)
    const strict: string[] = []
    for (const dev of devices) {
      const own = await readSysctl(ctx, `ipv4/conf/${dev}/rp_filter`)
      if (own === undefined) continue
      if (Math.max(all, own) === 1) strict.push(`${dev} (effective 1: all=${all}, ${dev}=${own})`)
    }

    if (strict.length === 0)
      return {
        status: 'pass',
        detail: `not strict (all=${all}${devices.length > 0 ? `; checked ${devices.join(', ')}` : ''})`,
      }
    return {
      status: 'warn',
      detail: `strict reverse-path filtering on ${strict.join(', ')}`,
      fix: 'Use loose mode: sysctl -w net.ipv4.conf.all.rp_filter=2 and net.ipv4.conf.<bridge>.rp_filter=2 (the effective value is the maximum of the two).',
    }
  },
}
