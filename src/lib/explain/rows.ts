// The NB layer of an explain report: the rows that carry the IP (from the planner's why-trace) and
// the rows they depend on (a port's switch and its localnet), each with the columns the decision
// reads, so an operator can check them against `ovn-nbctl list <table> <uuid>`.
import type {NbView} from '../nb/model.js'
import type {Why} from '../planner/why.js'

import {hostingChassis, networkOf, requestedChassis} from '../nb/keys.js'

export interface NbRowInfo {
  table: string
  uuid: string
  name: string
  /** The columns that matter for the decision, `key=value` joined by ', '. */
  detail: string
}

const kv = (o: Record<string, string | number | boolean | undefined>): string =>
  Object.entries(o)
    .filter(([, v]) => v !== undefined && v !== '')
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(', ')

export function nbRows(nb: NbView, why: Why): NbRowInfo[] {
  const out: NbRowInfo[] = []
  const seen = new Set<string>()
  const push = (r: NbRowInfo) => {
    if (seen.has(r.uuid)) return
    seen.add(r.uuid)
    out.push(r)
  }

  const withSwitch = (ls: string | undefined) => {
    if (!ls) return
    const sw = nb.lsByName(ls)
    const localnet = nb.localnetPortsOfLs(ls)[0]
    if (sw)
      push({
        table: 'Logical_Switch',
        uuid: sw.uuid,
        name: sw.name,
        detail: localnet ? `localnet=${localnet.name}` : 'no localnet port (tenant network)',
      })
    if (localnet)
      push({
        table: 'Logical_Switch_Port',
        uuid: localnet.uuid,
        name: localnet.name,
        detail: kv({type: 'localnet', physnet: localnet.options.network_name, tag: localnet.tag}),
      })
  }

  for (const s of why.steps) {
    const {table, uuid} = s.subject
    switch (table) {
      case 'Logical_Switch_Port': {
        const lsp = nb.lsp(uuid)
        if (!lsp) continue
        push({
          table,
          uuid,
          name: lsp.name,
          detail: kv({
            addresses: lsp.addresses[0],
            up: lsp.up,
            'requested-chassis': requestedChassis(lsp).join(','),
            'neutron:host_id': lsp.externalIds['neutron:host_id'],
            network: networkOf(lsp),
            'neutron:port_fip': lsp.externalIds['neutron:port_fip'],
          }),
        })
        withSwitch(networkOf(lsp))

        break
      }

      case 'Logical_Router_Port': {
        const lrp = nb.lrp(uuid)
        if (!lrp) continue
        push({
          table,
          uuid,
          name: lrp.name,
          detail: kv({
            networks: lrp.networks.join(' '),
            mac: lrp.mac,
            'hosting-chassis': hostingChassis(lrp) ?? '(none)',
            router: lrp.externalIds['neutron:router_name'],
            network: networkOf(lrp),
          }),
        })
        withSwitch(networkOf(lrp))

        break
      }

      case 'NAT': {
        const nat = nb.nat(uuid)
        if (!nat) continue
        push({
          table,
          uuid,
          name: s.subject.name,
          detail: kv({
            type: nat.type,
            external_ip: nat.externalIp,
            logical_ip: nat.logicalIp,
            logical_port: nat.logicalPort,
            external_mac: nat.externalMac,
            gateway_port: nat.gatewayPort,
            'neutron:fip_network_id': nat.externalIds['neutron:fip_network_id'],
          }),
        })
        if (nat.logicalPort) {
          const lsp = nb.lspByName(nat.logicalPort)
          if (lsp)
            push({
              table: 'Logical_Switch_Port',
              uuid: lsp.uuid,
              name: lsp.name,
              detail: kv({up: lsp.up, 'requested-chassis': requestedChassis(lsp).join(','), network: networkOf(lsp)}),
            })
        }

        break
      }

      case 'Load_Balancer': {
        const lb = nb.lb(uuid)
        if (!lb) continue
        push({
          table,
          uuid,
          name: lb.name,
          detail: kv({
            vips: Object.keys(lb.vips).sort().join(' '),
            lr_ref: lb.externalIds.lr_ref,
            'neutron:vip': lb.externalIds['neutron:vip'],
            'neutron:vip_fip': lb.externalIds['neutron:vip_fip'],
          }),
        })

        break
      }
      // No default
    }
  }

  return out
}
