// Reading `show running-config` to decide whether the leak configuration is in place (fixes the
// upstream [PERF] item "vtysh -f every 15 s"): apply only when something is missing, e.g. after
// bgpd restarted with an empty configuration. Pure.
import {ADDRESS_FAMILIES, checkLeakParams, type LeakParams} from './leak-template.js'

/** One `router bgp AS [vrf NAME]` block: its own lines and its address-family sub-blocks (trimmed). */
export interface BgpInstance {
  asn: string
  vrf: string | undefined
  lines: Set<string>
  families: Map<string, Set<string>>
}

export function instanceKey(asn: string, vrf: string | undefined): string {
  return vrf === undefined ? asn : `${asn} vrf ${vrf}`
}

/**
 * Parses the `router bgp` blocks of a running configuration. A block ends at the next line that
 * starts in column 0 (FRR 8 writes `exit`, FRR 7 wrote `!`); address families end at
 * `exit-address-family`. Other blocks are ignored.
 */
export function parseBgpInstances(text: string): Map<string, BgpInstance> {
  const out = new Map<string, BgpInstance>()
  let cur: BgpInstance | undefined
  let af: Set<string> | undefined
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\r$/, '')
    const trimmed = line.trim()
    if (!line.startsWith(' ')) {
      af = undefined
      cur = undefined
      const m = /^router bgp (\d+)(?: vrf (\S+))?(?:\s+view\s+\S+)?\s*$/.exec(trimmed)
      if (m) {
        const asn = m[1]!
        cur = {asn, vrf: m[2], lines: new Set(), families: new Map()}
        out.set(instanceKey(asn, m[2]), cur)
      }

      continue
    }

    if (!cur || trimmed === '' || trimmed === '!') continue
    if (trimmed.startsWith('address-family ')) {
      const name = trimmed.slice('address-family '.length)
      af = cur.families.get(name) ?? new Set()
      cur.families.set(name, af)
    } else if (trimmed === 'exit-address-family') {
      af = undefined
    } else {
      ;(af ?? cur.lines).add(trimmed)
    }
  }

  return out
}

/**
 * The leak-config items absent from a running configuration, as `block > sub-block > line` paths
 * (empty = nothing to apply). Lines are compared exactly as FRR prints them.
 */
export function missingLeakItems(runningConfig: string, params: LeakParams): string[] {
  const p = checkLeakParams(params)
  const instances = parseBgpInstances(runningConfig)
  const missing: string[] = []
  const check = (asn: string, vrf: string | undefined, family: string | undefined, line: string) => {
    const key = instanceKey(asn, vrf)
    const inst = instances.get(key)
    const have = family === undefined ? inst?.lines : inst?.families.get(family)
    if (!have?.has(line)) {
      missing.push([`router bgp ${key}`, ...(family ? [`address-family ${family}`] : []), line].join(' > '))
    }
  }

  for (const af of ADDRESS_FAMILIES) check(p.asn, undefined, af, `import vrf ${p.vrf}`)
  check(p.asn, p.vrf, undefined, `bgp router-id ${p.routerId}`)
  for (const af of ADDRESS_FAMILIES) for (const r of p.redistribute) check(p.asn, p.vrf, af, `redistribute ${r}`)
  return missing
}

/** The AS of the default BGP instance, if one is configured (FRR allows only one). */
export function defaultInstanceAsn(runningConfig: string): string | undefined {
  for (const inst of parseBgpInstances(runningConfig).values()) if (inst.vrf === undefined) return inst.asn
  return undefined
}

/** `bgp router-id X` configured in a BGP instance, if any. */
export function configuredRouterId(runningConfig: string, asn: string, vrf?: string): string | undefined {
  const inst = parseBgpInstances(runningConfig).get(instanceKey(asn, vrf))
  for (const l of inst?.lines ?? []) {
    const m = /^bgp router-id (\S+)$/.exec(l)
    if (m) return m[1]
  }

  return undefined
}
