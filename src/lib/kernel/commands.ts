import type {
  AddressObj,
  NdpProxyObj,
  NeighObj,
  RouteObj,
  RuleObj,
  StateObj,
  SysctlObj,
  VlanObj,
} from '../planner/types.js'

// Pure builders: one kernel StateObj operation -> the iproute2 words that perform it, validated.
// Create uses replace semantics (`route replace`, `neigh replace`; `addr add`, `rule add`,
// `neigh add proxy` where "exists" counts as success) and delete treats "already gone" as success.
// The words go into `ip -batch` lines, so every token is checked to be free of whitespace, quotes,
// '#' and a leading '-' (nothing from the NB DB can turn into an option or a second command).
import {ValidationError} from '../errors.js'
import {canonicalMac, checkIfName, type Family, ipFamily, isVlanTag, parseCidr} from '../net/ip.js'

/**
 * Which `ip -batch` run an operation belongs to. Rules and routes need the family flag of the
 * whole batch (a batch line cannot carry `-6`); neighbour commands make iproute2 exit on the first
 * kernel error, so they run in their own batches after pre-filtering (see apply.ts).
 */
export type BatchGroup = 'ip4' | 'ip6' | 'neigh' | 'proxy' | 'link'

export interface IpOp {
  group: BatchGroup
  /** Words after `ip` (the batch line). */
  args: string[]
  /** stderr text that still means the desired end state holds ("File exists" on add ...). */
  tolerate?: RegExp
}

const TOKEN = /^[^\s"'#\\-][^\s"'#\\]*$/

/** Rejects anything that could split a batch line, start a comment or read as an option. */
export function checkToken(s: string, what: string): string {
  if (!TOKEN.test(s)) throw new ValidationError(`unsafe ${what} for an ip command: ${JSON.stringify(s)}`)
  return s
}

function dev(s: string): string {
  return checkToken(checkIfName(s, 'device name'), 'device name')
}

function uint(n: number, max: number, what: string, min = 0): string {
  if (!Number.isInteger(n) || n < min || n > max) throw new ValidationError(`invalid ${what}: ${String(n)}`)
  return String(n)
}

const table = (n: number): string => uint(n, 0xff_ff_ff_ff, 'routing table', 1)

function cidrOf(s: string, family?: Family): {text: string; family: Family} {
  const c = parseCidr(s)
  if (family !== undefined && c.family !== family) throw new ValidationError(`${s} is not an IPv${family} prefix`)
  return {text: `${c.addr}/${c.len}`, family: c.family}
}

function ipOf(s: string, family?: Family): {text: string; family: Family} {
  const f = ipFamily(s)
  if (!f || (family !== undefined && f !== family))
    throw new ValidationError(`invalid IPv${family ?? ''} address: ${JSON.stringify(s)}`)
  return {text: parseCidr(`${s}/${f === 4 ? 32 : 128}`).addr, family: f}
}

const groupOf = (f: Family): BatchGroup => (f === 4 ? 'ip4' : 'ip6')

const GONE_DEV = 'Cannot find device'

export function addressOp(op: 'add' | 'remove', o: AddressObj): IpOp {
  const c = cidrOf(o.cidr)
  if (op === 'add') {
    // nodad: an exposed /128 must not sit "tentative"; the kernel reports it as the same address.
    const args = ['address', 'add', c.text, 'dev', dev(o.dev), ...(c.family === 6 ? ['nodad'] : [])]
    return {group: groupOf(c.family), args, tolerate: /File exists|Address already assigned/}
  }

  return {
    group: groupOf(c.family),
    args: ['address', 'del', c.text, 'dev', dev(o.dev)],
    tolerate: new RegExp(`Cannot assign requested address|Address not found|${GONE_DEV}`),
  }
}

export function ruleOp(op: 'add' | 'remove', o: RuleObj): IpOp {
  const c = cidrOf(o.dst, o.family)
  const args = [
    'rule',
    op === 'add' ? 'add' : 'del',
    'to',
    c.text,
    'lookup',
    table(o.table),
    'priority',
    uint(o.priority, 0xff_ff_ff_ff, 'rule priority'),
  ]
  return {group: groupOf(o.family), args, tolerate: op === 'add' ? /File exists/ : /No such file or directory/}
}

function routeDst(o: RouteObj): string {
  return o.dst === 'default' ? 'default' : cidrOf(o.dst, o.family).text
}

export function routeOp(op: 'add' | 'remove', o: RouteObj): IpOp {
  const words = [routeDst(o)]
  if (o.via !== undefined) words.push('via', ipOf(o.via, o.family).text)
  words.push('dev', dev(o.dev), 'table', table(o.table), 'proto', uint(o.proto, 255, 'route protocol'))
  if (op === 'add') {
    // `scope link` is only meaningful for IPv4; the kernel reports IPv6 routes as scope global.
    if (o.scope === 'link' && o.family === 4) words.push('scope', 'link')
    return {group: groupOf(o.family), args: ['route', 'replace', ...words]}
  }

  return {
    group: groupOf(o.family),
    args: ['route', 'del', ...words],
    tolerate: new RegExp(`No such process|${GONE_DEV}`),
  }
}

export function neighOp(op: 'add' | 'remove', o: NeighObj): IpOp {
  const ip = ipOf(o.ip, o.family).text
  if (op === 'add') {
    return {
      group: 'neigh',
      args: ['neigh', 'replace', ip, 'lladdr', canonicalMac(o.mac), 'dev', dev(o.dev), 'nud', 'permanent'],
    }
  }

  // Deleted on the device it was created on (upstream deletes on the bridge:
  // docs/upstream-behaviour.md#bug-1-neighbour-deletes).
  return {
    group: 'neigh',
    args: ['neigh', 'del', ip, 'dev', dev(o.dev)],
    tolerate: new RegExp(`No such file or directory|${GONE_DEV}`),
  }
}

function ndpProxyOp(op: 'add' | 'remove', o: NdpProxyObj): IpOp {
  const ip = ipOf(o.ip, 6).text
  const verb = op === 'add' ? 'add' : 'del'
  const tolerate = op === 'add' ? /File exists/ : new RegExp(`No such file or directory|${GONE_DEV}`)
  return {group: 'proxy', args: ['neigh', verb, 'proxy', ip, 'dev', dev(o.dev)], tolerate}
}

/** `ip link add link BRIDGE name NAME type vlan id ID` (the caller then sets it up). */
export function vlanAddArgs(o: VlanObj): string[] {
  if (!isVlanTag(o.id)) throw new ValidationError(`invalid VLAN id: ${String(o.id)}`)
  return ['link', 'add', 'link', dev(o.link), 'name', dev(o.name), 'type', 'vlan', 'id', String(o.id)]
}

export function vlanDelArgs(o: VlanObj): string[] {
  return ['link', 'del', 'dev', dev(o.name)]
}

export function vlanAddOp(o: VlanObj): IpOp {
  return {group: 'link', args: vlanAddArgs(o)}
}

export function vlanDelOp(o: VlanObj): IpOp {
  return {group: 'link', args: vlanDelArgs(o), tolerate: new RegExp(GONE_DEV)}
}

/** `link set dev NAME up` (VLAN devices after creation; provider bridges found down). */
export function linkUpOp(name: string): IpOp {
  return {group: 'link', args: ['link', 'set', 'dev', dev(name), 'up']}
}

const SYSCTL_KEY = /^[a-z0-9_]+(\.[A-Za-z0-9_/@+-]+)+$/

/** Validated `key=value` word for `sysctl -w`. Values are small integers (proxy_arp, proxy_ndp). */
export function sysctlAssign(o: SysctlObj): string {
  if (!SYSCTL_KEY.test(o.key) || o.key.includes('..'))
    throw new ValidationError(`invalid sysctl key: ${JSON.stringify(o.key)}`)
  if (!/^\d{1,10}$/.test(o.value))
    throw new ValidationError(`invalid sysctl value for ${o.key}: ${JSON.stringify(o.value)}`)
  return `${o.key}=${o.value}`
}

/**
 * /proc/sys path of a sysctl key as sysctl(8) resolves it: '.' separates levels and a '/' inside
 * a level stands for a '.' in the name (net.ipv4.conf.br-ex/100.proxy_arp -> .../br-ex.100/...).
 */
export function sysctlPath(key: string): string {
  return (
    '/proc/sys/' +
    key
      .split('.')
      .map((p) => p.replaceAll('/', '.'))
      .join('/')
  )
}

/**
 * The sysctl key of a per-device setting, as docs/upstream-behaviour.md#sysctls writes it (dots in the device name as
 * '/').
 */
export function deviceSysctlKey(family: Family, device: string, name: 'proxy_arp' | 'proxy_ndp'): string {
  return `net.ipv${family}.conf.${checkIfName(device).replaceAll('.', '/')}.${name}`
}

/** The `ip` batch line of one op on an object, or undefined for kinds not applied by `ip -batch`. */
export function ipOpFor(op: 'add' | 'remove', obj: StateObj): IpOp | undefined {
  switch (obj.kind) {
    case 'address': {
      return addressOp(op, obj)
    }

    case 'rule': {
      return ruleOp(op, obj)
    }

    case 'route': {
      return routeOp(op, obj)
    }

    case 'neigh': {
      return neighOp(op, obj)
    }

    case 'ndp-proxy': {
      return ndpProxyOp(op, obj)
    }

    default: {
      return undefined
    }
  }
}
