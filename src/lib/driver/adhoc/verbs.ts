// The twelve ad-hoc verbs as data: which upstream NB driver method each mirrors
// (docs/upstream-behaviour.md#driver-methods), what it
// selects, which flags it takes, and which explicit values it cannot do without.
import type {AdhocFlagSpec, ExplicitFlag} from './flags.js'

/** The driver method families: expose_<method> / withdraw_<method>. */
export type Method = 'ip' | 'remote-ip' | 'subnet' | 'fip' | 'lb-vip' | 'lb-fip'
export type Action = 'expose' | 'withdraw'

export interface VerbSpec {
  id: `${Action}-${Method}`
  action: Action
  method: Method
  /** The upstream driver method this verb mirrors. */
  upstream: string
  flags: AdhocFlagSpec
  /** Explicit mode: values without which nothing can be derived. */
  required: readonly ExplicitFlag[]
}

interface MethodSpec {
  upstream: string
  flags: AdhocFlagSpec
  /** Required in both directions. */
  required: readonly ExplicitFlag[]
  /** Required only to expose (a withdraw identifies objects without them). */
  exposeRequired: readonly ExplicitFlag[]
}

const METHODS: Record<Method, MethodSpec> = {
  ip: {
    upstream: 'ip',
    flags: {objects: ['port', 'router'], explicit: ['ip', 'bridge', 'vlan', 'mac', 'cidr']},
    required: ['ip', 'bridge'],
    exposeRequired: ['mac'],
  },
  'remote-ip': {
    upstream: 'remote_ip',
    flags: {objects: ['port'], explicit: ['ip', 'bridge', 'vlan']},
    required: ['ip'],
    exposeRequired: [],
  },
  subnet: {
    upstream: 'subnet',
    flags: {objects: ['port', 'router', 'network'], explicit: ['cidr', 'via', 'bridge', 'vlan', 'ip']},
    required: ['cidr', 'bridge'],
    exposeRequired: ['via'],
  },
  fip: {
    upstream: 'fip',
    flags: {objects: ['port'], explicit: ['ip', 'bridge', 'vlan', 'mac']},
    required: ['ip', 'bridge'],
    exposeRequired: ['mac'],
  },
  'lb-vip': {
    upstream: 'ovn_lb_vip',
    flags: {objects: ['lb'], explicit: ['ip', 'bridge', 'vlan']},
    required: ['ip', 'bridge'],
    exposeRequired: [],
  },
  'lb-fip': {
    upstream: 'ovn_lb_fip',
    flags: {objects: ['lb'], explicit: ['ip', 'bridge', 'vlan', 'mac']},
    required: ['ip', 'bridge'],
    exposeRequired: ['mac'],
  },
}

export function verb(action: Action, method: Method): VerbSpec {
  const m = METHODS[method]
  return {
    id: `${action}-${method}`,
    action,
    method,
    upstream: `${action}_${m.upstream}`,
    flags: m.flags,
    required: action === 'expose' ? [...m.required, ...m.exposeRequired] : m.required,
  }
}
