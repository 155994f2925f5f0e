// Human rendering of an explain report: one block per IP, the layers top to bottom, the first
// layer that disagrees marked, and each layer's items under it.
import chalk from 'chalk'

import type {ExplainReport, ItemStatus, LayerStatus} from './report.js'

const COLOUR: Record<LayerStatus | ItemStatus, (s: string) => string> = {
  ok: chalk.green,
  missing: chalk.red,
  different: chalk.red,
  unexpected: chalk.yellow,
  skipped: chalk.gray,
}

export function renderExplain(r: ExplainReport): string {
  const out: string[] = []
  const row = r.target.row ? ` (${r.target.row.table} ${r.target.row.name || r.target.row.uuid})` : ''
  out.push(
    `explain ${r.target.query}${row} on ${r.chassis.name} (${r.chassis.id})${r.drained ? ' [node DRAINED]' : ''}`,
  )
  if (r.ips.length === 0) out.push('  no IP address: nothing to explain')
  for (const ip of r.ips) {
    out.push(
      '',
      `${chalk.bold(ip.ip)}  ${ip.exposed ? `exposed (${ip.kinds.join(', ')})` : 'not exposed'}${ip.broken ? chalk.red(`  BROKEN at ${ip.broken}`) : ''}`,
    )
    for (const l of ip.layers) {
      const mark = l.layer === ip.broken ? '>' : ' '
      out.push(`${mark} ${l.layer.padEnd(9)} ${COLOUR[l.status](l.status.padEnd(10))} ${l.reason}`)
      for (const i of l.items)
        out.push(`      ${COLOUR[i.status](i.status.padEnd(10))} ${i.what}${i.detail ? `  (${i.detail})` : ''}`)
    }
  }

  const broken = r.ips.filter((i) => i.broken)
  out.push(
    '',
    broken.length > 0
      ? `${broken.length} of ${r.ips.length} IP(s) disagree with the decision`
      : `all layers agree for ${r.ips.length} IP(s)`,
  )
  return out.join('\n')
}
