// Text forms of the cookie-999 MAC-tweak flows (docs/upstream-behaviour.md#mac-tweak-flows) and the parser of
// `ovs-ofctl dump-flows`.
// Pure functions: no I/O. Ownership is the cookie: every cookie-999 flow on a bridge is ours, either
// of our one shape (a FlowObj) or "foreign" (any other cookie-999 flow, deleted by exact match).
import type {Family} from '../net/ip.js'

import {ValidationError} from '../errors.js'
import {canonicalMac, isIfName, isMac} from '../net/ip.js'
import {FLOW_COOKIE, FLOW_PRIORITY, type FlowObj} from '../planner/types.js'

/** `cookie=999/-1`: the exact-cookie filter used for every dump and delete. */
export const COOKIE_FILTER = `cookie=${FLOW_COOKIE}/-1`

/** OpenFlow's default priority: ovs-ofctl omits `priority=` from a dump when it has this value. */
const OFP_DEFAULT_PRIORITY = 32_768

/** A cookie-999 flow that is not of our shape. The match is enough to delete it with --strict. */
export interface ForeignFlow {
  bridge: string
  table: number
  priority: number
  /** Match fields in dump order, comma-joined, without cookie/table/priority (may be ''). */
  match: string
  actions: string
  /** The dump line, trimmed, for logs and reports. */
  text: string
}

export interface FlowDump {
  flows: FlowObj[]
  foreign: ForeignFlow[]
}

// Leading per-flow fields of a dump that are statistics, timeouts or flags rather than match fields.
const NON_MATCH_KEYS = new Set([
  'cookie',
  'duration',
  'n_packets',
  'n_bytes',
  'idle_age',
  'hard_age',
  'idle_timeout',
  'hard_timeout',
  'importance',
  'reset_counts',
  'send_flow_rem',
  'check_overlap',
  'no_packet_counts',
  'no_byte_counts',
  'no_readonly_table',
  'out_port',
  'out_group',
])

const FAMILY_OF_MATCH: Record<string, Family> = {
  ip: 4,
  'dl_type=0x0800': 4,
  'eth_type=0x0800': 4,
  ipv6: 6,
  'dl_type=0x86dd': 6,
  'eth_type=0x86dd': 6,
}

function checkFlow(f: FlowObj): void {
  if (!isIfName(f.bridge)) throw new ValidationError(`invalid bridge name: ${JSON.stringify(f.bridge)}`)
  if (!Number.isInteger(f.inPort) || f.inPort < 1 || f.inPort > 0xfe_ff) {
    throw new ValidationError(`invalid OpenFlow port number: ${f.inPort}`)
  }

  if (f.family !== 4 && f.family !== 6) throw new ValidationError(`invalid address family: ${String(f.family)}`)
  if (!isMac(f.mac)) throw new ValidationError(`invalid bridge MAC: ${JSON.stringify(f.mac)}`)
}

/** `priority=900,ip,in_port=P`: the exact match of one of our flows (without the cookie). */
function flowMatch(f: FlowObj): string {
  checkFlow(f)
  return `priority=${FLOW_PRIORITY},${f.family === 4 ? 'ip' : 'ipv6'},in_port=${f.inPort}`
}

/** One `add-flows` line: table 0, no timeouts. */
export function renderFlow(f: FlowObj): string {
  return `cookie=${FLOW_COOKIE},${flowMatch(f)},actions=mod_dl_dst:${canonicalMac(f.mac)},NORMAL`
}

/** The `del-flows --strict` argument that removes exactly this flow of ours. */
export function deleteSpec(f: FlowObj): string {
  return `${COOKIE_FILTER},${flowMatch(f)}`
}

/** The `del-flows --strict` argument for a foreign flow (table is part of the strict match). */
export function foreignDeleteSpec(f: ForeignFlow): string {
  const parts = [COOKIE_FILTER, `table=${f.table}`, `priority=${f.priority}`]
  if (f.match) parts.push(f.match)
  return parts.join(',')
}

/** Bridge MAC from the actions of a flow of our shape, in OpenFlow 1.0 or 1.3+ spelling. */
function macOfActions(actions: string): string | undefined {
  const m = /^(?:mod_dl_dst:([0-9a-fA-F:]{17})|set_field:([0-9a-fA-F:]{17})->(?:eth_dst|dl_dst)),NORMAL$/.exec(actions)
  const mac = m?.[1] ?? m?.[2]
  return mac && isMac(mac) ? mac.toLowerCase() : undefined
}

interface ParsedLine {
  cookie: string | undefined
  table: number
  priority: number
  timeouts: boolean
  match: string[]
  actions: string
}

/** Splits one dump line into header fields, match fields and actions; undefined if not a flow line. */
function parseLine(line: string): ParsedLine | undefined {
  const cut = line.indexOf(' actions=')
  if (cut === -1) return undefined
  const head = line.slice(0, cut)
  const actions = line.slice(cut + ' actions='.length).trim()
  const out: ParsedLine = {
    cookie: undefined,
    table: 0,
    priority: OFP_DEFAULT_PRIORITY,
    timeouts: false,
    match: [],
    actions,
  }
  for (const tok of head.split(/[\s,]+/)) {
    if (!tok) continue
    const eq = tok.indexOf('=')
    const key = eq === -1 ? tok : tok.slice(0, eq)
    const val = eq === -1 ? '' : tok.slice(eq + 1)
    switch (key) {
      case 'cookie': {
        out.cookie = val
        break
      }

      case 'table': {
        out.table = Number(val)
        break
      }

      case 'priority': {
        out.priority = Number(val)
        break
      }

      case 'idle_timeout':
      case 'hard_timeout': {
        out.timeouts = out.timeouts || Number(val) !== 0
        break
      }

      default: {
        if (!NON_MATCH_KEYS.has(key)) out.match.push(tok)
      }
    }
  }

  if (!Number.isInteger(out.table) || !Number.isInteger(out.priority)) return undefined
  return out
}

function isOurCookie(cookie: string | undefined): boolean {
  if (cookie === undefined) return false
  const n = cookie.startsWith('0x') ? Number.parseInt(cookie.slice(2), 16) : Number(cookie)
  return n === FLOW_COOKIE
}

/** The FlowObj a parsed line stands for, when it has exactly our shape. */
function asOurFlow(bridge: string, p: ParsedLine): FlowObj | undefined {
  if (p.table !== 0 || p.priority !== FLOW_PRIORITY || p.timeouts || p.match.length !== 2) return undefined
  let family: Family | undefined
  let inPort: number | undefined
  for (const m of p.match) {
    if (FAMILY_OF_MATCH[m] !== undefined) family = FAMILY_OF_MATCH[m]
    else if (/^in_port=\d+$/.test(m)) inPort = Number(m.slice('in_port='.length))
  }

  const mac = macOfActions(p.actions)
  if (family === undefined || inPort === undefined || mac === undefined) return undefined
  return {kind: 'flow', bridge, inPort, family, mac}
}

/**
 * Parses `ovs-ofctl [-O OpenFlow13] [--no-stats] --no-names dump-flows <br> cookie=999/-1` output.
 * Header lines (`NXST_FLOW reply`, `OFPST_FLOW reply (OF1.3)`) and flows with another cookie are
 * ignored, so the same parser also accepts an unfiltered dump.
 */
export function parseFlowDump(bridge: string, text: string): FlowDump {
  const dump: FlowDump = {flows: [], foreign: []}
  for (const raw of text.split('\n')) {
    const line = raw.trim()
    const p = line ? parseLine(line) : undefined
    if (!p || !isOurCookie(p.cookie)) continue
    const ours = asOurFlow(bridge, p)
    if (ours) dump.flows.push(ours)
    else
      dump.foreign.push({
        bridge,
        table: p.table,
        priority: p.priority,
        match: p.match.join(','),
        actions: p.actions,
        text: line,
      })
  }

  return dump
}
