// Flags of the ad-hoc driver verbs (expose-*/withdraw-*). Every value is validated and made
// canonical while oclif parses it (src/lib/net/ip.ts), so a bad value fails with exit 2 and a
// message naming the flag ("Parsing --ip ..."). The NB-object flags and the explicit-value flags
// exclude each other: a command either names an NB row or describes the exposure itself.
import {Flags} from '@oclif/core'

import {ValidationError} from '../../errors.js'
import {canonicalIp, canonicalMac, checkIfName, isVlanTag, parseCidr} from '../../net/ip.js'

/** The explicit-value flags (mode 2: a node without NB access). */
const EXPLICIT_FLAGS = ['ip', 'bridge', 'vlan', 'mac', 'cidr', 'via'] as const
export type ExplicitFlag = (typeof EXPLICIT_FLAGS)[number]

/** The NB-object flags (mode 1). */
const OBJECT_FLAGS = ['port', 'router', 'network', 'lb'] as const
type ObjectFlag = (typeof OBJECT_FLAGS)[number]

const ipValue = Flags.custom<string>({
  helpValue: '<ip>',
  parse: async (s) => canonicalIp(s.trim()),
})

/** CIDRs keep their host bits (upstream installs tenant CIDRs as given); only the text is canonical. */
const cidrValue = Flags.custom<string>({
  helpValue: '<addr/len>',
  async parse(s) {
    const c = parseCidr(s.trim())
    return `${c.addr}/${c.len}`
  },
})

const macValue = Flags.custom<string>({
  helpValue: '<xx:xx:xx:xx:xx:xx>',
  parse: async (s) => canonicalMac(s.trim()),
})

const bridgeValue = Flags.custom<string>({
  helpValue: '<bridge>',
  parse: async (s) => checkIfName(s, 'bridge name'),
})

const vlanValue = Flags.custom<number>({
  helpValue: '<1-4094>',
  async parse(s) {
    const n = /^\d{1,4}$/.test(s.trim()) ? Number(s.trim()) : Number.NaN
    if (!isVlanTag(n)) throw new ValidationError(`invalid VLAN id: ${JSON.stringify(s)} (expected 1-4094)`)
    return n
  },
})

/** A name or uuid of an NB row; only emptiness is checked here, the lookup reports unknown names. */
const rowRef = (what: string) =>
  Flags.custom<string>({
    helpValue: '<name|uuid>',
    async parse(s) {
      const v = s.trim()
      if (!v) throw new ValidationError(`empty ${what}`)
      return v
    },
  })

/** What each verb accepts: its NB-object flags and its explicit-value flags. */
export interface AdhocFlagSpec {
  objects: readonly ObjectFlag[]
  explicit: readonly ExplicitFlag[]
}

/**
 * The `--port`, `--router`, `--network`, `--lb`, `--ip` ... flags of one verb. Exclusions: any
 * object flag excludes every explicit flag (and back); --port, --router and --lb exclude each
 * other; --network needs --router.
 */
export function adhocFlags(spec: AdhocFlagSpec) {
  const expl = [...EXPLICIT_FLAGS]
  const objs = [...OBJECT_FLAGS]
  const all = {
    port: rowRef('port')({
      summary: 'Logical_Switch_Port (Neutron port) name or uuid whose exposure is derived from NB.',
      exclusive: [...expl, 'router', 'network', 'lb'],
    }),
    router: rowRef('router')({
      summary:
        'Router: its gateway Logical_Router_Port (cr-lrp) name or uuid, or the Logical_Router name/uuid or Neutron router id.',
      exclusive: [...expl, 'port', 'lb'],
    }),
    network: rowRef('network')({
      summary: 'Tenant network (Logical_Switch name neutron-<id>, uuid, or Neutron network id) behind --router.',
      dependsOn: ['router'],
      exclusive: [...expl, 'port', 'lb'],
    }),
    lb: rowRef('load balancer')({
      summary: 'Load_Balancer name or uuid.',
      exclusive: [...expl, 'port', 'router', 'network'],
    }),
    ip: ipValue({
      summary:
        'Explicit mode: IP address to expose or withdraw (repeatable; for subnets: the VM IPs of the network); no NB access needed.',
      multiple: true,
      exclusive: objs,
    }),
    bridge: bridgeValue({
      summary: 'Explicit mode: provider bridge (one of the bridge mappings) the address is wired on.',
      exclusive: objs,
    }),
    vlan: vlanValue({
      summary: 'Explicit mode: VLAN id of the provider network (objects then live on <bridge>.<vlan>).',
      dependsOn: ['bridge'],
      exclusive: objs,
    }),
    mac: macValue({
      summary: 'Explicit mode: MAC address of the static neighbour entry.',
      exclusive: objs,
    }),
    cidr: cidrValue({
      summary:
        'Explicit mode: CIDR (repeatable): IPv6 ones get NDP proxies (expose-ip), or the tenant subnets (expose-subnet).',
      multiple: true,
      exclusive: objs,
    }),
    via: ipValue({
      summary:
        'Explicit mode: cr-lrp (router gateway) address the subnet routes point to (repeatable, one per family).',
      multiple: true,
      exclusive: objs,
    }),
  }
  // Exclusions name only flags this verb has: oclif renders every name of an exclusive group in the
  // USAGE line, and a name the verb lacks comes out as an empty choice (`| |`).
  const picked = new Set<string>([...spec.objects, ...spec.explicit])
  const out: Record<string, unknown> = {}
  for (const k of picked) {
    const flag = all[k as keyof typeof all] as {exclusive?: string[]; dependsOn?: string[]}
    out[k] = {
      ...flag,
      ...(flag.exclusive ? {exclusive: flag.exclusive.filter((x) => picked.has(x))} : {}),
      ...(flag.dependsOn ? {dependsOn: flag.dependsOn.filter((x) => picked.has(x))} : {}),
    }
  }

  return out as Pick<typeof all, ObjectFlag | ExplicitFlag>
}
