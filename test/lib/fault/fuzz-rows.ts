// Generator of hostile NB rows for the fuzz test (fault suite item 8), deterministic for a seed.
// Every row is a Logical_Switch_Port bound to compute-1, up, on the provider network neutron-pub,
// so the planner reads all of it. Kinds:
//  - good: valid MAC and a unique IPv4 (what it must expose in `wantExposed`), with a hostile name
//    or hostile external_ids values the planner must not use in a command;
//  - bad (`bad: true`, must be reported with its UUID): invalid IPs, CIDRs or MACs, including
//    values with newlines, spaces, a leading `-`, shell metacharacters and 1 MB strings.
// "Wrong external_ids types": OVSDB types external_ids as string->string, so the wrong type is a
// number, a list, JSON or an empty string where an IP, a CIDR list or a network name is expected.

export interface FuzzRow {
  kind: string
  table: 'Logical_Switch_Port'
  row: Record<string, unknown>
  bad: boolean
  /** The IP a good row must be exposed as. */
  wantExposed?: string
  uuid: string
}

const HOSTILE = [
  'a\nb',
  'with space',
  '-rf',
  '--help',
  '$(reboot)',
  '`id`',
  'a;b',
  'a|b',
  'a&b',
  '>x',
  '<x',
  "a'b",
  'a"b',
  '\\',
  '\t',
  '*',
  '?',
  '~',
  '#c',
  '!x',
  '\u202ERTL',
  'é',
  '',
  ' ',
  '..',
  '/',
  'dev',
  'table',
  'proto',
]
const BAD_IPS = [
  '300.1.1.1',
  '1.2.3',
  '1.2.3.4.5',
  '::g',
  '1.2.3.4/33',
  '01.2.3.4',
  '1.2.3.4 dev lo',
  '-1.2.3.4',
  '$(id)',
  '1.2.3.4\n',
  '0x7f.0.0.1',
  'fe80::1%eth0',
  'localhost',
]
const BAD_CIDRS = [
  '1.2.3.0/33',
  '1.2.3.4/-1',
  '1.2.3/24',
  'a::/129',
  '-10.0.0.0/8',
  '10.0.0.0/8;id',
  '10.0.0.0 /8',
  '10.0.0.0/08x',
  '::/x',
]
const BAD_MACS = [
  'fa:16:3e:00:00',
  'zz:16:3e:00:00:01',
  'fa-16-3e-00-00-01x',
  '-fa:16:3e:00:00:01',
  'fa:16:3e:00:00:01:02',
  '$(id)',
]

/** mulberry32: small, fast, good enough to pick cases. */
function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d_2b_79_f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
}

const map = (o: Record<string, string>) => ['map', Object.entries(o)]

export function generateRows(n: number, seed: number): FuzzRow[] {
  const rand = prng(seed)
  const pick = <T>(a: readonly T[]): T => a[Math.floor(rand() * a.length)]!
  const big = (c: string) => c.repeat(1024 * 1024)
  const out: FuzzRow[] = []
  for (let i = 0; i < n; i++) {
    const ip = `100.${64 + ((i >> 16) & 63)}.${(i >> 8) & 255}.${i & 255}`
    const mac = `fa:16:3e:${((i >> 16) & 255).toString(16).padStart(2, '0')}:${((i >> 8) & 255).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}`
    const name = `fz-${i}-${pick(HOSTILE)}`
    const ext: Record<string, string> = {'neutron:network_name': 'neutron-pub', 'neutron:host_id': 'compute-1'}
    const base = (addresses: string, bad: boolean, kind: string, extra: Record<string, string> = {}): FuzzRow => ({
      kind,
      table: 'Logical_Switch_Port',
      row: {
        name,
        addresses,
        up: true,
        options: map({'requested-chassis': 'compute-1'}),
        external_ids: map({...ext, ...extra}),
      },
      bad,
      uuid: '',
    })
    // A handful of 1 MB values (10,000 of them would be 10 GB).
    const huge = i % 2000 === 1
    const r = rand()
    if (huge) {
      const which = i % 3
      if (which === 0) out.push(base(`${mac} ${big('1')}`, true, 'ip-1MB'))
      else if (which === 1) out.push(base(`${mac} ${ip}`, true, 'cidrs-1MB', {'neutron:cidrs': big('9')}))
      else
        out.push({
          ...base(`${mac} ${ip}`, false, 'name-1MB'),
          row: {...base(`${mac} ${ip}`, false, '').row, name: big('-')},
          wantExposed: ip,
        })
    } else if (r < 0.3) {
      out.push({
        ...base(`${mac} ${ip}`, false, 'good', {'neutron:cidrs': `${ip}/24`, 'neutron:device_owner': pick(HOSTILE)}),
        wantExposed: ip,
      })
    } else if (r < 0.5) {
      out.push(base(`${mac} ${pick(BAD_IPS)}`, true, 'bad-ip'))
    } else if (r < 0.6) {
      out.push(base(`${pick(BAD_MACS)} ${ip}`, true, 'bad-mac'))
    } else if (r < 0.75) {
      out.push(base(`${mac} ${ip}`, true, 'bad-cidr', {'neutron:cidrs': pick(BAD_CIDRS)}))
    } else if (r < 0.85) {
      // Wrong types where a network name is expected: the row's network is unknown, nothing is exposed, nothing reported.
      out.push(
        base(`${mac} ${ip}`, false, 'network-wrong-type', {
          'neutron:network_name': pick(['42', '["a"]', '{"x":1}', '', '-rf', '$(id)', 'a\nb']),
        }),
      )
    } else if (r < 0.95) {
      // Hostile text inside the addresses field around a valid pair.
      out.push(
        base(
          `${mac} ${ip} ${pick(HOSTILE.filter((h) => h.trim() !== '' && !/^[0-9a-f:.]+$/i.test(h)))}`,
          true,
          'addresses-junk',
        ),
      )
    } else {
      out.push(
        base(`${mac} ${ip}`, true, 'cidrs-wrong-type', {
          'neutron:cidrs': pick(['42', '["10.0.0.0/8"]', 'true', '{"a":1}']),
        }),
      )
    }
  }

  return out
}
