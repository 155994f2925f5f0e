// A kernel dump's text (observe.ts KernelDumpText) built from JSON parts, as `ip -json` prints
// them: for tests of the fingerprint and of the model's patch from a dump.
import type {KernelDumpText} from '../../src/lib/kernel/observe.js'

const FOREVER = 4_294_967_295

/** A bridge as `ip -json -details link show` prints it; `gcTimer` is one of its moving fields. */
export const link = (name: string, gcTimer = ''): string =>
  `{"ifindex":3,"ifname":"${name}","flags":["UP"],"operstate":"UP","linkinfo":{"info_kind":"bridge","info_data":{"hello_timer":0.00,"gc_timer":${gcTimer || '12.34'},"stp_state":0}}}`

/** An address on bgp-nic as `ip -json addr show` prints it, with its remaining lifetimes. */
export const address = (cidr: string, valid = FOREVER, preferred = FOREVER): string =>
  `{"ifindex":4,"ifname":"bgp-nic","addr_info":[{"family":"inet","local":"${cidr.split('/')[0]}","prefixlen":${cidr.split('/')[1]},"scope":"global","valid_life_time":${valid},"preferred_life_time":${preferred}}]}`

type TextParts = {
  [K in keyof KernelDumpText]: KernelDumpText[K] extends readonly Buffer[] ? string[] : KernelDumpText[K]
}

const bytes = (t: TextParts): KernelDumpText => ({
  ...t,
  general: t.general.map((p) => Buffer.from(p)),
  fam4: t.fam4.map((p) => Buffer.from(p)),
  fam6: t.fam6.map((p) => Buffer.from(p)),
})

/** A dump of br-ex (table 200) and the VRF table 10 (marked routes only): one bridge, one address, one rule by default. */
export function dumpText(
  o: {links?: string; addrs?: string; rules4?: string; route4?: string; tables?: number[]; markedOnly?: number[]} = {},
): KernelDumpText {
  return bytes({
    tables: o.tables ?? [200, 10],
    markedOnly: o.markedOnly ?? [10],
    general: [
      o.links ?? `[${link('br-ex')}]`,
      o.addrs ?? `[${address('10.0.0.1/32', FOREVER, FOREVER)}]`,
      '[]',
      '[]',
      '[]',
    ],
    fam4: [o.rules4 ?? '[{"priority":32000,"dst":"10.0.0.1","table":"200"}]', o.route4 ?? '[]', '[]'],
    fam6: ['[]', '[]', '[]'],
  })
}
