import type {CheckResult, DoctorCheck} from './types.js'

// Node state the agent builds on but does not fully own: an existing VRF or bgp_nic device (the
// agent creates them when absent but never corrects an existing one's type or table,
// docs/upstream-behaviour.md#base-bgp-configuration),
// the rt_tables file that names one routing table per provider bridge
// (docs/upstream-behaviour.md#bridge-routing-tables), and the
// interface names it will use. Linux interface names are at most 15 bytes (IFNAMSIZ 16 with the
// NUL): a longer bgp_nic or bgp_vrf is refused by the kernel, a longer bridge cannot exist.
import {parseRtTables} from '../kernel/rt-tables.js'
import {effectiveMappings, errorText, expectedVlanDevices} from './context.js'

export const vrfDeviceCheck: DoctorCheck = {
  id: 'vrf-device',
  title: 'VRF and bgp_nic devices (when they exist) match the configuration',
  category: 'config',
  async run(ctx): Promise<CheckResult> {
    const {bgpVrf, bgpNic, bgpVrfTableId} = ctx.config
    let links
    try {
      links = await ctx.links()
    } catch (error) {
      return {
        status: 'fail',
        category: 'environment',
        detail: `cannot list links: ${errorText(error)}`,
        fix: 'Install iproute2, or set ip_path in bgp-agent.conf.',
      }
    }

    const vrf = links.find((l) => l.ifname === bgpVrf)
    const nic = links.find((l) => l.ifname === bgpNic)
    const notes: string[] = []
    if (vrf) {
      const kind = vrf.linkinfo?.info_kind
      if (kind !== 'vrf') {
        return {
          status: 'fail',
          detail: `${bgpVrf} exists but is a ${kind ?? 'plain'} device, not a VRF`,
          fix: `Remove it (ip link del ${bgpVrf}) or choose another bgp_vrf.`,
        }
      }

      const table = vrf.linkinfo?.info_data?.table
      if (table !== undefined && table !== bgpVrfTableId) {
        return {
          status: 'fail',
          detail: `VRF ${bgpVrf} uses table ${table}, bgp_vrf_table_id is ${bgpVrfTableId}; ovn-bgp does not change an existing VRF`,
          fix: `Set bgp_vrf_table_id = ${table}, or recreate the VRF (ip link del ${bgpVrf}; the agent recreates it with table ${bgpVrfTableId}).`,
        }
      }

      notes.push(`${bgpVrf}: vrf table ${table ?? '?'}`)
    } else {
      notes.push(`${bgpVrf} absent (created as vrf table ${bgpVrfTableId} at start)`)
    }

    if (nic) {
      const kind = nic.linkinfo?.info_kind ?? 'plain'
      if (kind !== 'dummy' || (vrf && nic.master !== bgpVrf)) {
        const what = [
          kind === 'dummy' ? '' : `is a ${kind} device, not dummy`,
          vrf && nic.master !== bgpVrf ? `is not enslaved to ${bgpVrf} (master ${nic.master ?? 'none'})` : '',
        ]
        return {
          status: 'warn',
          detail: `${bgpNic} ${what.filter(Boolean).join(' and ')}`,
          fix: `ovn-bgp enslaves ${bgpNic} to ${bgpVrf} at start; a non-dummy ${bgpNic} works but is unusual: recreate it as dummy (ip link del ${bgpNic}) if that was not intended.`,
        }
      }

      notes.push(`${bgpNic}: dummy in ${nic.master ?? 'no VRF'}`)
    } else {
      notes.push(`${bgpNic} absent (created as dummy at start)`)
    }

    return {status: 'pass', detail: notes.join('; ')}
  },
}

const TABLE_MIN = 1
const TABLE_MAX = 252

export const rtTablesCheck: DoctorCheck = {
  id: 'rt-tables',
  title: 'Routing table numbers of the provider bridges (rt_tables)',
  category: 'config',
  async run(ctx): Promise<CheckResult> {
    const path = ctx.config.rtTablesPath
    const bridges = effectiveMappings(ctx).mappings.map((m) => m.bridge)
    const text = await ctx.fs.readText(path)
    if (text === undefined)
      return {
        status: 'pass',
        detail: `${path} absent: created at the first sync (its directory must exist and be writable)`,
      }
    const entries = parseRtTables(text)
    const problems: string[] = []
    const parts: string[] = []
    let needed = 0
    for (const b of bridges) {
      const own = entries.find((e) => e.name === b)
      if (!own) {
        needed++
        parts.push(`${b}: no entry yet`)
        continue
      }

      parts.push(`${b}: table ${own.table}`)
      if (own.table === ctx.config.bgpVrfTableId)
        problems.push(`${b} has table ${own.table}, which is bgp_vrf_table_id`)
      const shared = entries.filter((e) => e.table === own.table && e.name !== b).map((e) => e.name)
      if (shared.length > 0) problems.push(`${b} shares table ${own.table} with ${shared.join(', ')}`)
    }

    const used = new Set([...entries.map((e) => e.table), ctx.config.bgpVrfTableId])
    let free = 0
    for (let n = TABLE_MIN; n <= TABLE_MAX; n++) if (!used.has(n)) free++
    if (free < needed)
      problems.push(`${needed} bridge table(s) needed, ${free} number(s) free in ${TABLE_MIN}..${TABLE_MAX}`)
    if (problems.length > 0) {
      return {
        status: 'fail',
        detail: `${path}: ${problems.join('; ')}`,
        fix: `Edit ${path} so that every provider bridge has its own number in ${TABLE_MIN}..${TABLE_MAX}, different from bgp_vrf_table_id.`,
      }
    }

    return {status: 'pass', detail: `${path}: ${parts.length > 0 ? parts.join(', ') : 'no provider bridges'}`}
  },
}

const IFNAME_MAX = 15

export const interfaceNameCheck: DoctorCheck = {
  id: 'interface-names',
  title: 'Interface name lengths (<= 15)',
  category: 'config',
  async run(ctx) {
    const names: Array<[string, string]> = [
      ['bgp_nic', ctx.config.bgpNic],
      ['bgp_vrf', ctx.config.bgpVrf],
      ...effectiveMappings(ctx).mappings.map((m): [string, string] => [`bridge of ${m.physnet}`, m.bridge]),
      ...expectedVlanDevices(ctx).map((d): [string, string] => [`VLAN ${d.tag} on ${d.bridge}`, d.name]),
    ]
    const long = names.filter(([, n]) => Buffer.byteLength(n) > IFNAME_MAX)
    if (long.length === 0)
      return {status: 'pass', detail: `${names.length} names checked: ${names.map(([, n]) => n).join(', ')}`}
    return {
      status: 'fail',
      detail: long.map(([what, n]) => `${what} "${n}" is ${Buffer.byteLength(n)} bytes`).join('; '),
      fix: `Use names of at most ${IFNAME_MAX} characters (bgp_nic, bgp_vrf in bgp-agent.conf; bridges in ovn-bridge-mappings).`,
    }
  },
}
