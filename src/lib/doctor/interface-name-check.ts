// Linux interface names are at most 15 bytes (IFNAMSIZ 16 with the NUL). A longer bgp_nic or
// bgp_vrf is refused by the kernel; a longer bridge name cannot exist, so its mapping is wrong.
import {effectiveMappings, expectedVlanDevices} from './context.js'
import type {DoctorCheck} from './types.js'

export const IFNAME_MAX = 15

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
    if (long.length === 0) return {status: 'pass', detail: `${names.length} names checked: ${names.map(([, n]) => n).join(', ')}`}
    return {
      status: 'fail',
      detail: long.map(([what, n]) => `${what} "${n}" is ${Buffer.byteLength(n)} bytes`).join('; '),
      fix: `Use names of at most ${IFNAME_MAX} characters (bgp_nic, bgp_vrf in bgp-agent.conf; bridges in ovn-bridge-mappings).`,
    }
  },
}
