// The neutron-like NB topology of the end-to-end tests, as one OVSDB transaction: a VLAN provider
// network with a VM bound here (IPv4 + IPv6) and one bound elsewhere, a router whose gateway port
// (cr-lrp) is hosted here, a tenant subnet behind it with a VM that has a distributed FIP, and an
// OVN load balancer whose VIP is on the provider network.
import {transact} from '../../helpers/ovsdb-server.js'

const map = (o: Record<string, string>) => ['map', Object.entries(o)]
const set = (...names: string[]) => ['set', names.map((n) => ['named-uuid', n])]

export const LOCALNET = 'provnet-1'

/** What the peer must receive for the full topology (both families, sorted). */
export const FULL = [
  '10.0.0.5/32', // tenant VM behind the local cr-lrp (host advertisement)
  '172.24.4.10/32', // cr-lrp
  '172.24.4.200/32', // FIP of the tenant VM (distributed)
  '172.24.4.226/32', // provider VM
  '172.24.4.50/32', // OVN LB VIP on the provider network
  '2001:db8:100::226/128',
  '2001:db8:100::a/128',
].sort()

function topologyOps(): unknown[] {
  const lsp = (name: string, row: Record<string, unknown>) => ({
    op: 'insert',
    table: 'Logical_Switch_Port',
    'uuid-name': name.replaceAll('-', '_'),
    row: {name, ...row},
  })
  return [
    'OVN_Northbound',
    lsp(LOCALNET, {type: 'localnet', addresses: 'unknown', tag: 100, options: map({network_name: 'physnet1'})}),
    lsp('vm1', {
      addresses: 'fa:16:3e:00:01:e2 172.24.4.226 2001:db8:100::226',
      up: true,
      options: map({'requested-chassis': 'compute-1'}),
      external_ids: map({
        'neutron:network_name': 'neutron-pub',
        'neutron:cidrs': '172.24.4.226/24 2001:db8:100::226/64',
        'neutron:host_id': 'compute-1',
      }),
    }),
    lsp('vm-remote', {
      addresses: 'fa:16:3e:00:01:e3 172.24.4.227',
      up: true,
      options: map({'requested-chassis': 'compute-2'}),
      external_ids: map({'neutron:network_name': 'neutron-pub', 'neutron:cidrs': '172.24.4.227/24'}),
    }),
    lsp('lbvip-port', {
      addresses: 'fa:16:3e:00:00:50 172.24.4.50',
      external_ids: map({'neutron:network_name': 'neutron-pub'}),
    }),
    lsp('gw-port', {type: 'router', addresses: 'router', options: map({'router-port': 'lrp-gw'})}),
    lsp('rif', {
      type: 'router',
      addresses: 'router',
      up: true,
      external_ids: map({
        'neutron:device_owner': 'network:router_interface',
        'neutron:device_id': 'r1',
        'neutron:network_name': 'neutron-priv',
        'neutron:cidrs': '10.0.0.1/24',
      }),
    }),
    lsp('vm2', {
      addresses: 'fa:16:3e:00:02:05 10.0.0.5',
      up: true,
      options: map({'requested-chassis': 'compute-1'}),
      external_ids: map({
        'neutron:network_name': 'neutron-priv',
        'neutron:cidrs': '10.0.0.5/24',
        'neutron:port_fip': '172.24.4.200',
      }),
    }),
    {
      op: 'insert',
      table: 'Logical_Switch',
      row: {name: 'neutron-pub', ports: set('provnet_1', 'vm1', 'vm_remote', 'lbvip_port', 'gw_port')},
    },
    {op: 'insert', table: 'Logical_Switch', row: {name: 'neutron-priv', ports: set('rif', 'vm2')}},
    {
      op: 'insert',
      table: 'Logical_Router_Port',
      'uuid-name': 'lrp_gw',
      row: {
        name: 'lrp-gw',
        mac: 'fa:16:3e:00:00:0a',
        networks: ['set', ['172.24.4.10/24', '2001:db8:100::a/64']],
        status: map({'hosting-chassis': 'chassis-1'}),
        external_ids: map({'neutron:network_name': 'neutron-pub', 'neutron:router_name': 'r1'}),
      },
    },
    {
      op: 'insert',
      table: 'NAT',
      'uuid-name': 'fip',
      row: {
        type: 'dnat_and_snat',
        external_ip: '172.24.4.200',
        logical_ip: '10.0.0.5',
        logical_port: 'vm2',
        external_mac: 'fa:16:3e:00:02:c8',
        external_ids: map({'neutron:fip_network_id': 'pub'}),
      },
    },
    {op: 'insert', table: 'Logical_Router', row: {name: 'neutron-r1', ports: set('lrp_gw'), nat: set('fip')}},
    {
      op: 'insert',
      table: 'Load_Balancer',
      row: {
        name: 'lb1',
        vips: map({'172.24.4.50:80': '10.0.0.5:8080'}),
        external_ids: map({lr_ref: 'neutron-r1', 'neutron:vip': '172.24.4.50', 'neutron:vip_port_id': 'lbvip-port'}),
      },
    },
  ]
}

export async function createTopology(remote: string): Promise<void> {
  await transact(remote, topologyOps())
}

export async function update(remote: string, table: string, name: string, row: Record<string, unknown>): Promise<void> {
  await transact(remote, ['OVN_Northbound', {op: 'update', table, where: [['name', '==', name]], row}])
}

export async function remove(remote: string, table: string, name: string): Promise<void> {
  await transact(remote, ['OVN_Northbound', {op: 'delete', table, where: [['name', '==', name]]}])
}

export {map}
