// A strict grammar for the commands ovn-bgp builds (fault suite item 8): what a hostile NB value
// must never turn into. Each argv element and each `ip -batch` token is one of a closed set of
// shapes: a keyword, a number, an IP/CIDR, a MAC, an interface name, a table id, a flow match.
// Leading `-` only on the tools' own options, which are listed here.

const IFNAME = /^[A-Za-z0-9_.@][A-Za-z0-9_.@:-]{0,14}$/
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/
const IPV6 = /^[0-9a-f:]+(:\d+\.\d+\.\d+\.\d+)?$/i
const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/
const NUM = /^\d{1,10}$/
const KEYWORD = /^[a-z][a-z0-9_]*$/
const SYSCTL = /^net\.(ipv4|ipv6)\.(conf|neigh)\.[A-Za-z0-9_.-]+\.[a-z_]+(=\d+)?$/

const OPTIONS: Record<string, ReadonlySet<string>> = {
  ip: new Set(['-4', '-6', '-force', '-batch', '-json', '-j', '-details', '-d', '-N', '-n', '-', '-s']),
  sysctl: new Set(['-w', '-n', '-e']),
  'ovs-ofctl': new Set(['--no-stats', '--strict', '-', '-O', '--names', '--no-names', '--read-only']),
  vtysh: new Set(['--vty_socket', '-c', '-f']),
}

function isIp(t: string): boolean {
  return IPV4.test(t) || (t.includes(':') && IPV6.test(t))
}

function isCidr(t: string): boolean {
  const m = /^(.+)\/(\d{1,3})$/.exec(t)
  if (!m) return false
  const len = Number(m[2])
  return IPV4.test(m[1]!) ? len <= 32 : isIp(m[1]!) && len <= 128
}

/** One value token: what may stand between keywords. */
function isSafeToken(t: string): boolean {
  return t === 'default' || NUM.test(t) || isIp(t) || isCidr(t) || MAC.test(t) || IFNAME.test(t) || KEYWORD.test(t)
}

const base = (file: string) => file.split('/').at(-1) ?? file

/** Errors for one argv (empty = fine). */
export function checkArgv(file: string, args: readonly string[]): string[] {
  const tool = base(file)
  const errors: string[] = []
  const opts = OPTIONS[tool]
  if (!opts) return [`unexpected program ${JSON.stringify(file)}`]
  for (const [i, a] of args.entries()) {
    if (a.startsWith('-')) {
      if (!opts.has(a) && !/^-[46]$/.test(a))
        errors.push(`${tool}: option ${JSON.stringify(a)} at ${i} is not one ovn-bgp uses`)
      continue
    }

    const prev = args[i - 1]
    if (tool === 'vtysh' && (prev === '--vty_socket' || prev === '-f')) {
      if (!/^\/[A-Za-z0-9_./-]+$/.test(a)) errors.push(`vtysh: path ${JSON.stringify(a)}`)
      continue
    }

    if (tool === 'vtysh' && prev === '-c') {
      if (!/^[a-z0-9 -]+$/.test(a)) errors.push(`vtysh: command ${JSON.stringify(a)}`)
      continue
    }

    if (tool === 'sysctl' && SYSCTL.test(a)) continue
    if (tool === 'ovs-ofctl' && /^[A-Za-z0-9_=/.:,-]+$/.test(a)) continue
    if (!isSafeToken(a)) errors.push(`${tool}: value ${JSON.stringify(a)} at ${i}`)
  }

  return errors
}

/** Error for one `ip -batch` line (undefined = fine): a known object and verb, then safe tokens. */
export function checkBatchLine(file: string, args: readonly string[], line: string): string | undefined {
  if (base(file) !== 'ip' || !args.includes('-batch')) return `batch input to ${file} ${args.join(' ')}`
  const tokens = line.split(' ')
  if (tokens.includes('')) return `batch line with empty token: ${JSON.stringify(line)}`
  const [obj, verb, ...rest] = tokens
  if (
    !/^(-[46] )?$/.test('') ||
    !['address', 'addr', 'rule', 'route', 'neigh', 'neighbour', 'link'].includes(obj ?? '')
  )
    return `batch object: ${JSON.stringify(line)}`
  if (!['add', 'del', 'delete', 'replace', 'set', 'change', 'show'].includes(verb ?? ''))
    return `batch verb: ${JSON.stringify(line)}`
  for (const t of rest) {
    if (t.startsWith('-')) return `batch token with leading '-': ${JSON.stringify(line)}`
    if (!isSafeToken(t)) return `batch token ${JSON.stringify(t)} in ${JSON.stringify(line)}`
  }

  return undefined
}
