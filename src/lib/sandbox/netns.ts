// Network namespaces for the host-mode lab, and the probe that decides between host mode and the
// qemu guest (does this kernel have the link types the agent needs?).
import {spawnSync} from 'node:child_process'
import {existsSync} from 'node:fs'
import {join} from 'node:path'

export function netnsExists(name: string): boolean {
  return existsSync(join('/run/netns', name))
}

export function ipCmd(args: string[]): {code: number; stderr: string} {
  const r = spawnSync('ip', args, {encoding: 'utf8', timeout: 10_000})
  return {code: r.status ?? -1, stderr: r.stderr ?? ''}
}

/**
 * Does this kernel have the link types the agent needs? Tried in a throwaway network namespace
 * (module auto-loading included): vrf, dummy, veth, vlan.
 */
export function kernelHasLinkTypes(): {ok: boolean; missing: string[]} {
  const ns = `ovnbgp-probe-${process.pid}`
  if (ipCmd(['netns', 'add', ns]).code !== 0) return {ok: false, missing: ['netns']}
  const missing: string[] = []
  try {
    const tries: [string, string[]][] = [
      ['dummy', ['link', 'add', 'p0', 'type', 'dummy']],
      ['vrf', ['link', 'add', 'p1', 'type', 'vrf', 'table', '10']],
      ['veth', ['link', 'add', 'p2', 'type', 'veth', 'peer', 'name', 'p3']],
      ['vlan', ['link', 'add', 'link', 'p0', 'name', 'p0.5', 'type', 'vlan', 'id', '5']],
    ]
    for (const [name, args] of tries) if (ipCmd(['-n', ns, ...args]).code !== 0) missing.push(name)
  } finally {
    ipCmd(['netns', 'del', ns])
  }

  return {ok: missing.length === 0, missing}
}

export function nameSuffix(dir: string): string {
  // Netns names derived from the state dir, so two sandboxes (different dirs) never collide.
  let h = 0
  for (const c of dir) h = (h * 31 + c.codePointAt(0)!) >>> 0
  return h.toString(16).padStart(8, '0')
}
