// `ovn-bridge-mappings` (OVS external_ids, or the bridge_mappings config override),
// docs/upstream-behaviour.md#local-ovs-database.
// Pure. Upstream semantics kept: elements are comma separated and trimmed; an element must split
// on ':' into exactly two parts, otherwise it is skipped with a warning but still consumes an
// index (index = 1-based position in the list, used for helper addresses). Fixed: a part that is
// empty, or a bridge that is not a valid interface name (it reaches ip/ovs-ofctl argv), is skipped
// the same way instead of being used.
import type {BridgeMapping} from '../config/types.js'

import {isIfName} from '../net/ip.js'

export interface ParsedBridgeMappings {
  mappings: BridgeMapping[]
  /** One message per skipped element. */
  warnings: string[]
}

export function parseBridgeMappings(text: string | undefined): ParsedBridgeMappings {
  const out: ParsedBridgeMappings = {mappings: [], warnings: []}
  if (text === undefined || text.trim() === '') return out
  for (const [i, raw] of text.split(',').entries()) {
    const element = raw.trim()
    const parts = element.split(':')
    const [physnet, bridge] = parts
    if (parts.length !== 2 || !physnet || !bridge) {
      out.warnings.push(`ignoring bridge mapping ${JSON.stringify(element)}: expected physnet:bridge`)
      continue
    }

    if (!isIfName(bridge)) {
      out.warnings.push(`ignoring bridge mapping ${JSON.stringify(element)}: invalid bridge name`)
      continue
    }

    out.mappings.push({physnet, bridge, index: i + 1})
  }

  return out
}

/** Inverse of the parser for valid mappings (for logs and `--json` output). */
export function formatBridgeMappings(mappings: readonly BridgeMapping[]): string {
  return mappings.map((m) => `${m.physnet}:${m.bridge}`).join(',')
}

/** Distinct bridges in mapping order. */
export function mappedBridges(mappings: readonly BridgeMapping[]): string[] {
  return [...new Set(mappings.map((m) => m.bridge))]
}

export function sameMappings(a: readonly BridgeMapping[], b: readonly BridgeMapping[]): boolean {
  return (
    a.length === b.length &&
    a.every((m, i) => m.physnet === b[i]?.physnet && m.bridge === b[i]?.bridge && m.index === b[i]?.index)
  )
}
