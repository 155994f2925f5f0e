// The request queue between `ovn-bgp sandbox ...` on the host and the node agent in the lab
// (src/lib/sandbox/node-agent.ts), shared by both. The lab has no network towards the host (the
// qemu guest has no NIC), so requests travel as files in the writable 9p share:
//   host:  queue/<id>.tmp -> rename -> queue/<id>.req
//   node:  rename queue/<id>.req -> queue/<id>.run (claim), execute, write queue/<id>.res.tmp ->
//          rename -> queue/<id>.res
//   host:  read queue/<id>.res, delete it
// A request is NOT a command line: it names one of a fixed set of operations, and each argument is
// validated here and passed to execFile as an argv element (never through a shell).
// This module only uses node built-ins: it runs in the guest, where every import costs time.

export const QUEUE_DIR = 'queue'
export const PROGRESS_FILE = 'progress'
export const AGENT_LOG = 'agent.log'
export const NODE_AGENT_LOG = 'node-agent.log'

export type SandboxRequest =
  | {op: 'nbctl'; args: string[]}
  | {op: 'peer-rib'; family: 'ipv4' | 'ipv6'}
  | {op: 'peer-neighbor'}
  | {op: 'vtysh'; command: string}
  | {op: 'ip'; args: string[]}
  | {op: 'ovs'; tool: 'ovs-vsctl' | 'ovs-ofctl'; args: string[]}
  | {op: 'show-exposed'; json: boolean}
  | {op: 'status'}
  | {op: 'shutdown'}

export interface SandboxResponse {
  id: string
  /** Exit code of the command (or of the operation); -1 when it could not be started. */
  code: number
  stdout: string
  stderr: string
  ms: number
}

/** Process state of the lab, returned by the `status` operation (stdout, JSON). */
export interface LabStatus {
  uptimeS: number
  kernel: string
  processes: {name: string; pid: number | null; alive: boolean}[]
  /** gobgp's view of the session with the node's FRR (e.g. "established"), or null. */
  bgpSession: string | null
  bgpNicAddresses: number | null
}

export const REQUEST_ID = /^[a-z0-9][a-z0-9-]{0,63}$/

const MAX_ARGS = 512
const MAX_ARG_LEN = 64 * 1024

function checkArgs(args: unknown, what: string): string[] {
  if (!Array.isArray(args) || args.length > MAX_ARGS) throw new Error(`${what}: expected at most ${MAX_ARGS} arguments`)
  for (const a of args) {
    if (typeof a !== 'string') throw new Error(`${what}: arguments must be strings`)
    if (a.length > MAX_ARG_LEN || a.includes('\0')) throw new Error(`${what}: argument too long or contains NUL`)
  }

  return args as string[]
}

/** ovn-nbctl options that would change the target database or write files: the lab sets those. */
const NBCTL_FORBIDDEN =
  /^(--db|-d|--log-file|--pidfile|--detach|--unixctl|--private-key|-p|--certificate|-c|--ca-cert|-C|--bootstrap-ca-cert|--monitor|--overwrite-pidfile|--no-chdir|--verbose|-v|--syslog-target|--syslog-method)(=|$)/

const IP_OBJECTS = new Set([
  'addr',
  'address',
  'a',
  'route',
  'r',
  'ro',
  'rule',
  'ru',
  'neigh',
  'neighbor',
  'neighbour',
  'n',
  'link',
  'l',
  'vrf',
])
const IP_OPTIONS = new Set([
  '-4',
  '-6',
  '-j',
  '-json',
  '-d',
  '-details',
  '-s',
  '-stats',
  '-br',
  '-brief',
  '-p',
  '-pretty',
])
const IP_VERBS = new Set(['show', 'list', 'ls', 'lst', 'sh', 'get'])

const VSCTL_READ = new Set([
  'show',
  'list',
  'get',
  'find',
  'list-br',
  'list-ports',
  'list-ifaces',
  'br-get-external-id',
])
const OFCTL_READ = new Set(['show', 'dump-flows', 'dump-ports', 'dump-ports-desc', 'dump-tables'])

/** Validates an untrusted request (parsed JSON); throws with a user-facing message. */
export function validateRequest(raw: unknown): SandboxRequest {
  if (typeof raw !== 'object' || raw === null) throw new Error('request: not an object')
  const r = raw as Record<string, unknown>
  switch (r.op) {
    case 'nbctl': {
      const args = checkArgs(r.args, 'nbctl')
      for (const a of args) {
        if (a === '--') break
        if (NBCTL_FORBIDDEN.test(a)) throw new Error(`nbctl: option ${a} is set by the sandbox`)
      }

      return {op: 'nbctl', args}
    }

    case 'peer-rib': {
      if (r.family !== 'ipv4' && r.family !== 'ipv6') throw new Error('peer-rib: family must be ipv4 or ipv6')
      return {op: 'peer-rib', family: r.family}
    }

    case 'peer-neighbor':
    case 'status':
    case 'shutdown': {
      return {op: r.op}
    }

    case 'vtysh': {
      const c = r.command
      if (typeof c !== 'string' || !/^show [ -~]{1,500}$/.test(c))
        throw new Error('vtysh: only one "show ..." command (printable ASCII) is allowed')
      return {op: 'vtysh', command: c}
    }

    case 'ip': {
      const args = checkArgs(r.args, 'ip')
      let i = 0
      while (i < args.length && args[i]!.startsWith('-')) {
        if (!IP_OPTIONS.has(args[i]!))
          throw new Error(`ip: option ${args[i]} is not allowed (allowed: ${[...IP_OPTIONS].join(' ')})`)
        i++
      }

      const obj = args[i]
      if (obj === undefined || !IP_OBJECTS.has(obj))
        throw new Error(`ip: object must be one of ${[...IP_OBJECTS].join(' ')}`)
      const verb = args[i + 1]
      if (verb !== undefined && !IP_VERBS.has(verb)) throw new Error('ip: only show/list/get (read-only) is allowed')
      return {op: 'ip', args}
    }

    case 'ovs': {
      const args = checkArgs(r.args, 'ovs')
      const allowed = r.tool === 'ovs-vsctl' ? VSCTL_READ : r.tool === 'ovs-ofctl' ? OFCTL_READ : undefined
      if (!allowed) throw new Error('ovs: tool must be ovs-vsctl or ovs-ofctl')
      const first = args.find((a) => !a.startsWith('-'))
      if (
        args.some(
          (a) =>
            a.startsWith('-') &&
            a !== '--no-stats' &&
            !a.startsWith('--columns=') &&
            a !== '--bare' &&
            a !== '-f' &&
            !a.startsWith('--format='),
        )
      )
        throw new Error('ovs: only --no-stats, --bare, --columns=, --format= options are allowed')
      if (first === undefined || !allowed.has(first))
        throw new Error(`ovs: ${r.tool} verb must be one of ${[...allowed].join(' ')}`)
      return {op: 'ovs', tool: r.tool as 'ovs-vsctl' | 'ovs-ofctl', args}
    }

    case 'show-exposed': {
      return {op: 'show-exposed', json: r.json === true}
    }

    default: {
      throw new Error(`unknown operation ${JSON.stringify(r.op)}`)
    }
  }
}
