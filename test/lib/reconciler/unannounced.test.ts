// unannouncedIps: which IPs a pass left off bgp-nic, and the kind of the failed op that kept each off.
import {expect} from 'chai'

import type {StateObj} from '../../../src/lib/planner/types.js'
import type {OpResult} from '../../../src/lib/reconciler/types.js'

import {unannouncedIps} from '../../../src/lib/reconciler/unannounced.js'

const addr = (cidr: string, dev = 'bgp-nic'): StateObj => ({kind: 'address', dev, cidr})
const rule = (dst: string, family: 4 | 6 = 4): StateObj => ({kind: 'rule', family, dst, table: 200, priority: 32_000})
const route = (dst: string, family: 4 | 6 = 4): StateObj => ({
  kind: 'route',
  family,
  table: 200,
  dst,
  dev: 'br-ex.200',
  proto: 3,
})
const neigh = (ip: string): StateObj => ({kind: 'neigh', family: 4, ip, dev: 'br-ex.200', mac: 'fa:16:3e:00:00:01'})
const fail = (obj: StateObj, action: 'add' | 'remove' = 'add'): OpResult => ({action, obj, ok: false, error: 'x'})

describe('unannouncedIps', () => {
  const cases: Array<{name: string; failed: OpResult[]; want: Array<[string, string]>}> = [
    {name: 'nothing failed', failed: [], want: []},
    {
      name: 'a failed route keeps its IP off, cause route (the neighbour failing after it does not win)',
      failed: [fail(route('172.24.5.10/32')), fail(neigh('172.24.5.10')), fail(addr('172.24.5.10/32'))],
      want: [['172.24.5.10', 'route']],
    },
    {
      name: 'IPv6: a failed rule',
      failed: [fail(rule('2001:db8:5::10/128', 6)), fail(addr('2001:db8:5::10/128'))],
      want: [['2001:db8:5::10', 'rule']],
    },
    {
      name: 'the address add itself failed: cause address',
      failed: [fail(addr('172.24.5.11/32'))],
      want: [['172.24.5.11', 'address']],
    },
    {
      name: 'a failed wiring op whose address was never planned (no address result) is not an unannounced IP',
      failed: [fail(route('172.24.5.12/32'))],
      want: [],
    },
    {
      name: 'subnet routes and helper addresses on other devices are not host wiring',
      failed: [fail(route('10.0.0.0/24')), fail(addr('169.254.0.1/32', 'br-ex')), fail(addr('172.24.5.13/32'))],
      want: [['172.24.5.13', 'address']],
    },
    {
      name: 'removes are not unannounced IPs (a failed withdraw leaves the IP on)',
      failed: [
        fail(addr('172.24.5.14/32'), 'remove'),
        fail(route('172.24.5.15/32'), 'remove'),
        fail(addr('172.24.5.15/32')),
      ],
      want: [['172.24.5.15', 'address']],
    },
  ]
  for (const c of cases)
    it(c.name, () => {
      expect([...unannouncedIps(c.failed, 'bgp-nic')]).to.deep.equal(c.want)
    })
})
