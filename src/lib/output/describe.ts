// One-line, iproute2/ovs-ofctl-like descriptions of state objects, for plans, logs and tables:
// an operator reads `route 172.24.4.226/32 dev br-ex table 200 proto 3 scope link` and knows the
// command that would show it.
import type {StateObj} from '../planner/types.js'

export function describeObj(o: StateObj): string {
  switch (o.kind) {
    case 'address': {
      return `address ${o.cidr} dev ${o.dev}`
    }

    case 'rule': {
      return `rule${o.family === 6 ? ' -6' : ''} priority ${o.priority} to ${o.dst} lookup ${o.table}`
    }

    case 'route': {
      const via = o.via ? ` via ${o.via}` : ''
      const scope = o.scope ? ` scope ${o.scope}` : ''
      return `route${o.family === 6 ? ' -6' : ''} ${o.dst}${via} dev ${o.dev} table ${o.table} proto ${o.proto}${scope}`
    }

    case 'neigh': {
      return `neigh ${o.ip} lladdr ${o.mac} dev ${o.dev} nud permanent`
    }

    case 'ndp-proxy': {
      return `neigh proxy ${o.ip} dev ${o.dev}`
    }

    case 'vlan': {
      return `link ${o.name} link ${o.link} type vlan id ${o.id}`
    }

    case 'sysctl': {
      return `sysctl ${o.key}=${o.value}`
    }

    case 'flow': {
      return `flow ${o.bridge} cookie=999,priority=900,${o.family === 6 ? 'ipv6' : 'ip'},in_port=${o.inPort} actions=mod_dl_dst:${o.mac},NORMAL`
    }
  }
}
