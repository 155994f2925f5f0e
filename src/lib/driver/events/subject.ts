// One-line description of a changed row for logs: table, uuid, a name, the addresses involved.
import type {LoadBalancer, LogicalRouterPort, LogicalSwitchPort, Nat, NbChange, NbRow} from '../../nb/model.js'
import type {ChangeSubject} from './types.js'

import {ipKey, portIps} from '../../nb/keys.js'
import {vipIps} from './lb-vips.js'

function nameAndIps(table: string, row: NbRow): [string, string[]] {
  switch (table) {
    case 'Logical_Switch_Port': {
      return [(row as LogicalSwitchPort).name, portIps(row as LogicalSwitchPort)]
    }

    case 'Logical_Router_Port': {
      const lrp = row as LogicalRouterPort
      return [lrp.name, lrp.networks.map((n) => ipKey(n.split('/')[0] ?? n))]
    }

    case 'NAT': {
      const nat = row as Nat
      return [nat.logicalPort ?? nat.externalIp, nat.externalIp ? [ipKey(nat.externalIp)] : []]
    }

    case 'Load_Balancer': {
      const lb = row as LoadBalancer
      return [lb.name, vipIps(lb.vips)]
    }

    case 'NB_Global': {
      return ['NB_Global', []]
    }

    default: {
      return ['name' in row ? String(row.name) : '', []]
    }
  }
}

export function subjectOf(change: NbChange): ChangeSubject {
  const [name, ips] = nameAndIps(change.table, change.row)
  return {table: change.table, uuid: change.uuid, name, ips}
}
