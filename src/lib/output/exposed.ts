import Table from 'cli-table3'

import type {ExposedEntry, StateObj} from '../planner/types.js'

import {ipFamily} from '../net/ip.js'
// show-exposed: what the node advertises, where each IP comes from in NB, and the drift between
// what NB says should be advertised and what the node actually has on bgp-nic.
import {color as chalk} from './color.js'

type ExposedState = 'ok' | 'missing' | 'unexpected' | 'planned'

interface ExposedRow extends ExposedEntry {
  /**
   * planned: computed from NB only (--source nb); ok: advertised and expected;
   * missing: NB wants it but bgp-nic lacks it; unexpected: on bgp-nic but NB does not want it.
   */
  state: ExposedState
  /** FRR columns (node source, FRR read; else null): in the VRF RIB, leaked, advertised to N of M established neighbours. */
  frr: {vrf: boolean; leaked: boolean; advertised: number; established: number} | null
}

export interface ShowExposedResult {
  source: 'nb' | 'node'
  entries: ExposedRow[]
  /** `frr`: entries the node has but FRR does not carry to every established neighbour (node source with FRR read). */
  drift: {missing: number; unexpected: number; frr: number}
  /** FRR summary (node source; null for --source nb); see exposed-frr.ts. */
  frr: {
    read: boolean
    error: string | null
    drained: boolean
    neighbours: Array<{peer: string; state: string}>
    vtyshCalls: number
  } | null
  /** Maintenance state of the node (drain/undrain); null for --source nb. */
  drain: {drained: boolean; since: string | null} | null
}

/** The IP an exposed entry puts on bgp-nic (subnets are routes, not addresses). */
function advertisedAddress(e: ExposedEntry): string | undefined {
  if (e.kind === 'subnet') return undefined
  const fam = ipFamily(e.ip)
  return fam ? `${e.ip}/${fam === 4 ? 32 : 128}` : undefined
}

/**
 * Joins NB's expectations with the addresses observed on bgp-nic. `nbEntries` undefined = NB not
 * consulted (only the node's addresses are listed, with no provenance).
 */
export function joinExposed(
  nbEntries: readonly ExposedEntry[] | undefined,
  observed: readonly StateObj[],
  bgpNic: string,
): ShowExposedResult {
  const onNic = new Set(
    observed.filter((o) => o.kind === 'address' && o.dev === bgpNic).map((o) => (o as {cidr: string}).cidr),
  )
  const rows: ExposedRow[] = []
  const wanted = new Set<string>()
  for (const e of nbEntries ?? []) {
    const addr = advertisedAddress(e)
    if (addr) wanted.add(addr)
    const state: ExposedState = addr === undefined ? 'ok' : onNic.has(addr) ? 'ok' : 'missing'
    rows.push({...e, state, frr: null})
  }

  for (const cidr of [...onNic].sort()) {
    if (wanted.has(cidr)) continue
    rows.push({
      ip: cidr.split('/')[0]!,
      kind: 'vm',
      bridge: null,
      vlan: null,
      source: {table: '', uuid: '', name: ''},
      state: 'unexpected',
      frr: null,
    })
  }

  if (nbEntries === undefined) for (const r of rows) r.state = 'ok'
  return {
    source: 'node',
    entries: rows,
    drift: {
      missing: rows.filter((r) => r.state === 'missing').length,
      unexpected: nbEntries ? rows.filter((r) => r.state === 'unexpected').length : 0,
      frr: 0,
    },
    frr: null,
    drain: null,
  }
}

export function plannedExposed(entries: readonly ExposedEntry[]): ShowExposedResult {
  return {
    source: 'nb',
    entries: entries.map((e) => ({...e, state: 'planned', frr: null})),
    drift: {missing: 0, unexpected: 0, frr: 0},
    frr: null,
    drain: null,
  }
}

const STATE_COLOUR: Record<ExposedState, (s: string) => string> = {
  ok: chalk.green,
  planned: chalk.cyan,
  missing: chalk.red,
  unexpected: chalk.yellow,
}

export function renderExposed(r: ShowExposedResult): string {
  const withFrr = r.frr?.read === true
  const head = ['IP', 'KIND', 'BRIDGE', 'VLAN', 'NB ROW', 'STATE', ...(withFrr ? ['VRF', 'LEAKED', 'ADVERTISED'] : [])]
  const table = new Table({head, style: {head: [], border: []}})
  const yn = (b: boolean) => (b ? 'yes' : chalk.red('no'))
  for (const e of r.entries) {
    const src = e.source.table ? `${e.source.table} ${e.source.name || e.source.uuid}` : '-'
    const f = e.frr
    const frrCols = withFrr ? (f ? [yn(f.vrf), yn(f.leaked), `${f.advertised}/${f.established}`] : ['-', '-', '-']) : []
    table.push([
      e.ip,
      e.kind,
      e.bridge ?? '-',
      e.vlan === null ? '-' : String(e.vlan),
      src,
      STATE_COLOUR[e.state](e.state),
      ...frrCols,
    ])
  }

  const header: string[] = []
  if (r.drain?.drained)
    header.push(
      chalk.yellow(
        `node DRAINED${r.drain.since ? ` since ${r.drain.since}` : ''} (ovn-bgp undrain restores the advertisements)`,
      ),
    )
  if (r.frr && !r.frr.read) header.push(chalk.yellow(`FRR not read: ${r.frr.error ?? 'unknown'}`))
  if (withFrr)
    header.push(`BGP neighbours: ${r.frr!.neighbours.map((n) => `${n.peer} ${n.state}`).join(', ') || 'none'}`)
  const summary =
    r.source === 'nb'
      ? `${r.entries.length} address(es) and prefix(es) NB says this node should expose`
      : `${r.entries.length} entries; drift: ${r.drift.missing} missing, ${r.drift.unexpected} unexpected${r.frr?.read ? `, ${r.drift.frr} not carried by FRR` : ''}`
  return `${header.map((h) => `${h}\n`).join('')}${table.toString()}\n${summary}`
}
