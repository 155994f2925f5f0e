// Acceptance suite for the NB event classes: every watcher scenario of docs/upstream-behaviour.md#watcher-scenarios,
// with the agent
// state given there, plus the cases where we deliberately differ from upstream (named so).
import {NbState} from '../../../src/lib/nb/state.js'
import {type Fields, insert, LB, LRP, LSP, NAT, NB_GLOBAL, nbWith, remove, update} from '../../helpers/nb-changes.js'
import {E, eventSuite} from './event-cases.js'
import {CHASSIS, CHASSIS_ID} from './fake-view.js'

const MAC = 'fa:16:3e:00:00:01'
const RC = 'requested-chassis'
const NET = 'neutron:network_name'
const HOST = 'neutron:host_id'
const FIP = 'neutron:port_fip'

/** A VM port on `test-ls` bound here by requested-chassis, up, with one IP; `f` overrides. */
const vm = (f: Fields = {}): Fields => ({
  name: 'vm-port',
  type: '',
  addresses: [`${MAC} 192.168.0.1`],
  options: {[RC]: CHASSIS},
  externalIds: {[NET]: 'test-ls'},
  up: true,
  ...f,
})

// ---------------------------------------------------------------------------------------------
eventSuite(
  'LogicalSwitchPortProviderCreateEvent (agent: ovn_local_lrps {net1}, is_ls_provider true, not exposed)',
  {localTenantNetworks: ['net1'], providerLs: true, exposed: false},
  [
    {
      name: '"" port, ip, requested-chassis=chassis, up -> match',
      change: update(LSP, vm(), {options: {}, up: true}),
      expect: [E.PC],
    },
    {name: 'same with old up false -> match', change: update(LSP, vm(), {up: false}), expect: [E.PC]},
    {
      name: 'bound via neutron:host_id -> match',
      change: update(LSP, vm({options: {}, externalIds: {[NET]: 'test-ls', [HOST]: CHASSIS}}), {
        externalIds: {[NET]: 'test-ls'},
      }),
      expect: [E.PC],
    },
    {name: 'missing addresses -> false', change: update(LSP, vm({addresses: []}), {up: false}), expect: []},
    {name: 'down -> false', change: update(LSP, vm({up: false}), {up: true}), expect: []},
    {name: '`mac ` (no IP) -> false', change: update(LSP, vm({addresses: ['mac ']}), {up: false}), expect: []},
    {
      name: 'requested-chassis other -> false',
      change: update(LSP, vm({options: {[RC]: 'fake_chassis'}}), {options: {}}),
      expect: [],
    },
    {
      name: 'network in ovn_local_lrps (tenant) -> false',
      change: update(LSP, vm({externalIds: {[NET]: 'net1'}}), {options: {}}),
      expect: [],
    },
    {
      name: 'requested-chassis `chassis,other` -> match',
      change: update(LSP, vm({options: {[RC]: `${CHASSIS},other-chassis`}}), {options: {[RC]: CHASSIS}}),
      expect: [E.PC],
    },
    {
      name: 'type chassisredirect -> no match',
      change: update(LSP, vm({type: 'chassisredirect'}), {up: false}),
      expect: [],
    },
  ],
  [
    {
      name: 'run -> expose_ip([192.168.0.1], {mac, cidrs [], type "", logical_switch test-ls})',
      event: 'LogicalSwitchPortProviderCreateEvent',
      change: update(LSP, vm({externalIds: {[HOST]: CHASSIS, [NET]: 'test-ls'}}), {up: false}),
      calls: [
        {fn: 'expose_ip', ips: ['192.168.0.1'], info: {mac: MAC, cidrs: [], type: '', logical_switch: 'test-ls'}},
      ],
    },
  ],
)

// ---------------------------------------------------------------------------------------------
eventSuite(
  'LogicalSwitchPortProviderDeleteEvent (agent: ovn_local_lrps {net1}, is_ls_provider true, exposed)',
  {localTenantNetworks: ['net1'], providerLs: true, exposed: true},
  [
    {name: 'delete event -> match', change: remove(LSP, vm()), expect: [E.PD]},
    {name: 'update up true->false -> match', change: update(LSP, vm({up: false}), {up: true}), expect: [E.PD]},
    {
      name: 'host_id changed to other -> match',
      change: update(LSP, vm({options: {}, externalIds: {[NET]: 'test-ls', [HOST]: 'chassis2'}}), {
        externalIds: {[NET]: 'test-ls', [HOST]: CHASSIS},
      }),
      expect: [E.PD],
    },
    {
      name: 'not exposed -> false',
      change: update(LSP, vm({options: {[RC]: 'other-chassis'}, up: false}), {up: true}),
      view: {exposed: false},
      expect: [],
    },
    {name: 'missing addresses -> false', change: update(LSP, vm({addresses: [], up: false}), {up: true}), expect: []},
    {name: 'down both old/new -> false', change: update(LSP, vm({up: false}), {options: {[RC]: CHASSIS}}), expect: []},
    {
      name: 'went down while requested-chassis `chassis,other` -> false',
      change: update(LSP, vm({options: {[RC]: `${CHASSIS},other-chassis`}, up: false}), {
        options: {[RC]: CHASSIS},
        up: true,
      }),
      expect: [],
    },
    {name: 'no IP -> false', change: update(LSP, vm({addresses: ['mac '], up: false}), {up: true}), expect: []},
    {
      name: 'still on our chassis (old options changed) -> false',
      change: update(LSP, vm(), {options: {[RC]: 'other_chassis'}}),
      expect: [],
    },
    {
      // The port is on a tenant network exposed here: the tenant event owns it, not this one.
      name: 'tenant network delete -> false (TenantDelete matches instead)',
      change: remove(LSP, vm({externalIds: {[NET]: 'net1'}})),
      expect: [E.TD],
    },
    {name: 'wrong type -> no match', change: remove(LSP, vm({type: 'chassisredirect'})), expect: []},
    {
      name: 'up emptied -> match (differs from upstream: row.up[0] raised, no match)',
      change: update(LSP, vm({up: null}), {up: true}),
      expect: [E.PD],
    },
  ],
  [
    {
      name: 'run -> withdraw_ip([192.168.0.1], info)',
      event: 'LogicalSwitchPortProviderDeleteEvent',
      change: remove(LSP, vm({externalIds: {[HOST]: CHASSIS, [NET]: 'test-ls'}})),
      calls: [
        {fn: 'withdraw_ip', ips: ['192.168.0.1'], info: {mac: MAC, cidrs: [], type: '', logical_switch: 'test-ls'}},
      ],
    },
  ],
)

// ---------------------------------------------------------------------------------------------
const FIP_IP = '172.24.4.10'
const withFip = (ext: Fields = {}) => ({[NET]: 'test-ls', [FIP]: FIP_IP, ...ext})

eventSuite(
  // The VM sits on a tenant network (not a provider LS), as FIP ports do.
  'LogicalSwitchPortFIPCreateEvent (agent: distributed, FIP not exposed)',
  {distributed: true, exposed: false, providerLs: false},
  [
    {
      name: 'port_fip set, old options {} -> match',
      change: update(LSP, vm({externalIds: withFip()}), {options: {}, up: true}),
      expect: [E.FC],
    },
    {
      name: 'host_id added with same fip -> match',
      change: update(LSP, vm({options: {}, externalIds: withFip({[HOST]: CHASSIS})}), {
        externalIds: withFip(),
        up: true,
      }),
      expect: [E.FC],
    },
    {
      name: 'only revision_number changed (same fip, same host) -> false',
      change: update(
        LSP,
        vm({options: {}, externalIds: withFip({[HOST]: CHASSIS, 'neutron:revision_number': '416'})}),
        {
          externalIds: withFip({[HOST]: CHASSIS, 'neutron:revision_number': '417'}),
          up: true,
        },
      ),
      expect: [],
    },
    {
      name: 'old up false -> match',
      change: update(LSP, vm({externalIds: withFip()}), {options: {[RC]: CHASSIS}, externalIds: withFip(), up: false}),
      expect: [E.FC],
    },
    {
      name: 'fip added (old external_ids {}) -> match',
      change: update(LSP, vm({externalIds: withFip()}), {options: {[RC]: CHASSIS}, externalIds: {}, up: true}),
      expect: [E.FC],
    },
    {name: 'no fip -> false', change: update(LSP, vm({externalIds: {}}), {up: false}), expect: []},
    {
      name: 'other chassis -> false',
      change: update(LSP, vm({options: {[RC]: 'wrong_chassis'}, externalIds: withFip()}), {up: false}),
      expect: [],
    },
    {name: 'down -> false', change: update(LSP, vm({up: false, externalIds: withFip()}), {up: true}), expect: []},
    {
      name: 'no IP -> false',
      change: update(LSP, vm({addresses: ['mac '], externalIds: withFip()}), {up: false}),
      expect: [],
    },
    {name: 'missing columns -> false', change: update(LSP, vm({externalIds: {}, up: false}), {}), expect: []},
    {
      name: 'wrong type -> no match',
      change: update(LSP, vm({type: 'chassisredirect', externalIds: withFip()}), {up: false}),
      expect: [],
    },
    {
      name: 'came up from an empty up, FIP already exposed -> match (differs from upstream: old.up[0] raised, no match)',
      change: update(LSP, vm({externalIds: withFip()}), {up: null}),
      view: {exposed: [`test-ls|${FIP_IP}`]},
      expect: [E.FC],
    },
  ],
  [
    {
      name: 'run -> NAT lookup -> expose_fip(10.0.0.10, mac, neutron-net-id, row)',
      event: 'LogicalSwitchPortFIPCreateEvent',
      change: update(LSP, vm({name: 'net-id'}), {up: false}),
      view: {
        nb: nbWith([
          NAT,
          {
            type: 'dnat_and_snat',
            externalIp: '10.0.0.10',
            externalMac: 'mac',
            logicalPort: 'net-id',
            externalIds: {'neutron:fip_network_id': 'net-id'},
          },
        ]),
      },
      calls: [{fn: 'expose_fip', ips: ['10.0.0.10'], info: {mac: 'mac', provider_ls: 'neutron-net-id', lsp: 'net-id'}}],
    },
    {
      name: 'run, NATNotFound -> no call',
      event: 'LogicalSwitchPortFIPCreateEvent',
      change: update(LSP, vm({name: 'net-id'}), {up: false}),
      calls: [],
    },
  ],
)

// ---------------------------------------------------------------------------------------------
eventSuite(
  'LogicalSwitchPortFIPDeleteEvent (agent: distributed, FIP exposed under the VM network)',
  {distributed: true, exposed: [`test-ls|${FIP_IP}`], providerLs: false},
  [
    {name: 'delete -> match', change: remove(LSP, vm({externalIds: withFip()})), expect: [E.FD]},
    {
      name: 'up->down -> match',
      change: update(LSP, vm({up: false, externalIds: withFip()}), {up: true}),
      expect: [E.FD],
    },
    {
      name: 'other chassis and not exposed -> false',
      change: update(LSP, vm({options: {[RC]: 'other-chassis'}, up: false, externalIds: withFip()}), {up: true}),
      view: {exposed: false},
      expect: [],
    },
    {
      name: 'host_id moved away -> match',
      change: update(LSP, vm({options: {}, externalIds: withFip({[HOST]: 'other-chassis'})}), {
        externalIds: withFip({[HOST]: CHASSIS}),
      }),
      expect: [E.FD],
    },
    {
      name: 'port_fip removed -> match',
      change: update(LSP, vm({options: {}, externalIds: {[NET]: 'test-ls', [HOST]: CHASSIS}}), {
        externalIds: withFip({[HOST]: CHASSIS}),
      }),
      expect: [E.FD],
    },
    {
      name: 'neither old nor new fip -> false',
      change: update(LSP, vm({options: {}, externalIds: {[NET]: 'test-ls', [HOST]: CHASSIS}}), {
        externalIds: {[HOST]: CHASSIS},
      }),
      expect: [],
    },
    {name: 'missing addresses -> false', change: update(LSP, vm({addresses: [], up: false}), {}), expect: []},
    {
      name: 'no IP -> false',
      change: update(LSP, vm({addresses: ['mac '], externalIds: withFip()}), {up: false}),
      expect: [],
    },
    {
      name: 'still down -> false',
      change: update(LSP, vm({up: false, externalIds: withFip()}), {options: {[RC]: CHASSIS}, up: false}),
      expect: [],
    },
    {
      name: 'old chassis other, new ours -> false',
      change: update(LSP, vm({externalIds: withFip()}), {options: {[RC]: 'other_chassis'}}),
      expect: [],
    },
    {
      name: 'requested-chassis moved away -> match',
      change: update(LSP, vm({options: {[RC]: 'other_chassis'}, externalIds: withFip()}), {options: {[RC]: CHASSIS}}),
      expect: [E.FD],
    },
    {
      // The new FIP is not exposed yet, so FIPCreate exposes it in the same update.
      name: 'fip replaced -> match (and FIPCreate for the new FIP)',
      change: update(LSP, vm({externalIds: withFip({[FIP]: '172.24.4.11'})}), {externalIds: withFip()}),
      expect: [E.FC, E.FD],
    },
    {
      name: 'wrong type -> no match',
      change: remove(LSP, vm({type: 'chassisredirect', externalIds: withFip()})),
      expect: [],
    },
  ],
  [
    {
      name: "run -> withdraw_fip('fip-ip', row)",
      event: 'LogicalSwitchPortFIPDeleteEvent',
      change: update(LSP, vm({externalIds: withFip()}), {}),
      calls: [{fn: 'withdraw_fip', ips: [FIP_IP], info: {lsp: 'vm-port', logical_switch: 'test-ls'}}],
    },
    {
      name: 'run, no fip anywhere -> no call',
      event: 'LogicalSwitchPortFIPDeleteEvent',
      change: update(LSP, vm({externalIds: {}}), {externalIds: {}}),
      calls: [],
    },
  ],
)

// ---------------------------------------------------------------------------------------------
eventSuite(
  'LocalnetCreateDeleteEvent (agent: underlay)',
  {},
  [
    {
      name: 'type localnet -> match',
      change: insert(LSP, {name: 'provnet', type: 'localnet', options: {network_name: 'physnet1'}}),
      expect: [E.LCD],
    },
    {name: 'type "" -> false', change: insert(LSP, {name: 'p', type: ''}), expect: []},
    {name: 'localnet deleted -> match', change: remove(LSP, {name: 'provnet', type: 'localnet'}), expect: [E.LCD]},
    {
      name: 'localnet VLAN tag changed -> match (differs from upstream: updates not watched, waited for the periodic sync)',
      change: update(LSP, {name: 'provnet', type: 'localnet', tag: 200}, {tag: 100}),
      expect: [E.LCD],
    },
    {
      name: 'localnet external_ids changed -> false',
      change: update(LSP, {name: 'provnet', type: 'localnet', externalIds: {a: 'b'}}, {externalIds: {}}),
      expect: [],
    },
    {
      name: 'exposing_method vrf -> not registered',
      change: insert(LSP, {name: 'provnet', type: 'localnet'}),
      view: {exposingMethod: 'vrf'},
      expect: [],
    },
  ],
  [
    {
      name: 'run -> sync',
      event: 'LocalnetCreateDeleteEvent',
      change: insert(LSP, {type: 'localnet'}),
      calls: [{fn: 'sync', ips: []}],
    },
  ],
)

// ---------------------------------------------------------------------------------------------
const OWNER = 'neutron:device_owner'
const DEVICE = 'neutron:device_id'
const RIF = 'network:router_interface'
/** A router interface of router1 on network1, up; `f` overrides. */
const rif = (f: Fields = {}): Fields => ({
  name: 'rif',
  type: 'router',
  addresses: ['router'],
  externalIds: {[OWNER]: RIF, [DEVICE]: 'router1', [NET]: 'network1', 'neutron:cidrs': '192.168.24.1/24'},
  up: true,
  ...f,
})
const SUBNET_INFO = {associated_router: 'router1', network: 'network1', address_scope4: null, address_scope6: null}

eventSuite(
  'LogicalSwitchPortSubnetAttachEvent (agent: local router1)',
  {localRouters: ['router1']},
  [
    {name: 'up false->true -> match', change: update(LSP, rif(), {up: false}), expect: [E.SA]},
    {
      name: 'device_id newly set -> match',
      change: update(LSP, rif(), {externalIds: {[OWNER]: RIF, [NET]: 'network1', 'neutron:cidrs': '192.168.24.1/24'}}),
      expect: [E.SA],
    },
    {name: 'no type / "" type -> false', change: update(LSP, rif({type: ''}), {up: false}), expect: []},
    {
      name: 'router_gateway owner -> false',
      change: update(LSP, rif({externalIds: {[OWNER]: 'network:router_gateway', [DEVICE]: 'router1'}}), {up: false}),
      expect: [],
    },
    {
      name: 'down -> false (SubnetDetach matches: it went down)',
      change: update(LSP, rif({up: false}), {up: true}),
      expect: [E.SD],
    },
    {
      name: 'non-local router -> false',
      change: update(LSP, rif({externalIds: {[OWNER]: RIF, [DEVICE]: 'router2'}}), {up: false}),
      expect: [],
    },
  ],
  [
    {
      name: 'run -> expose_subnet([192.168.24.1/24], {router1, network1, scopes none})',
      event: 'LogicalSwitchPortSubnetAttachEvent',
      change: update(LSP, rif(), {up: false}),
      calls: [{fn: 'expose_subnet', ips: ['192.168.24.1/24'], info: SUBNET_INFO}],
    },
  ],
)

const rifNoRouter = () => rif({externalIds: {[OWNER]: RIF, [NET]: 'network1', 'neutron:cidrs': '192.168.24.1/24'}})

eventSuite(
  'LogicalSwitchPortSubnetDetachEvent (agent: local router1)',
  {localRouters: ['router1']},
  [
    {name: 'up true->false -> match', change: update(LSP, rif({up: false}), {up: true}), expect: [E.SD]},
    {name: 'delete while up -> match', change: remove(LSP, rif()), expect: [E.SD]},
    {name: 'delete while down -> false', change: remove(LSP, rif({up: false})), expect: []},
    {
      name: 'device_id removed (old router1) -> match',
      change: update(LSP, rifNoRouter(), {externalIds: {[OWNER]: RIF, [DEVICE]: 'router1'}}),
      expect: [E.SD],
    },
    {name: 'bad type -> false', change: remove(LSP, rif({type: ''})), expect: []},
    {
      name: 'bad owner -> false',
      change: remove(LSP, rif({externalIds: {[OWNER]: 'network:router_gateway', [DEVICE]: 'router1'}})),
      expect: [],
    },
    {
      name: 'up false->true -> false (SubnetAttach matches instead)',
      change: update(LSP, rif(), {up: false}),
      expect: [E.SA],
    },
    {
      name: 'old device_id non-local -> false',
      change: update(LSP, rifNoRouter(), {externalIds: {[OWNER]: RIF, [DEVICE]: 'other_router'}}),
      expect: [],
    },
  ],
  [
    {
      name: 'run (update, old had router1) -> withdraw_subnet([192.168.24.1/24], router1...)',
      event: 'LogicalSwitchPortSubnetDetachEvent',
      change: update(LSP, rifNoRouter(), {externalIds: {[OWNER]: RIF, [DEVICE]: 'router1', [NET]: 'network1'}}),
      calls: [{fn: 'withdraw_subnet', ips: ['192.168.24.1/24'], info: SUBNET_INFO}],
    },
    {
      name: 'run with old lacking external_ids -> uses row router',
      event: 'LogicalSwitchPortSubnetDetachEvent',
      change: update(LSP, rif(), {}),
      calls: [{fn: 'withdraw_subnet', ips: ['192.168.24.1/24'], info: SUBNET_INFO}],
    },
    {
      name: 'run delete -> row router',
      event: 'LogicalSwitchPortSubnetDetachEvent',
      change: remove(LSP, rif()),
      calls: [{fn: 'withdraw_subnet', ips: ['192.168.24.1/24'], info: SUBNET_INFO}],
    },
  ],
)

// ---------------------------------------------------------------------------------------------
/** A VM on the tenant network net1 (bound elsewhere: tenant IPs are exposed by the cr-lrp host). */
const tenantVm = (f: Fields = {}): Fields => ({
  name: 'tenant-vm',
  type: '',
  addresses: ['mac 10.0.0.6'],
  options: {[RC]: 'compute-7'},
  externalIds: {[NET]: 'net1', 'neutron:cidrs': '10.0.0.6/24'},
  up: true,
  ...f,
})
const TENANT_INFO = {mac: 'mac', cidrs: ['10.0.0.6/24'], type: '', logical_switch: 'net1'}

eventSuite(
  'LogicalSwitchPortTenantCreateEvent (agent: ovn_local_lrps {net1}, host advertisement)',
  {localTenantNetworks: ['net1'], exposed: false},
  [
    {name: 'up false->true -> match', change: update(LSP, tenantVm(), {up: false}), expect: [E.TC]},
    {name: 'network set -> match', change: update(LSP, tenantVm(), {externalIds: {}}), expect: [E.TC]},
    {name: 'no IP -> false', change: update(LSP, tenantVm({addresses: ['mac']}), {up: false}), expect: []},
    {name: 'down -> false', change: update(LSP, tenantVm({up: false}), {options: {}}), expect: []},
    {
      name: 'other network -> false',
      change: update(LSP, tenantVm({externalIds: {[NET]: 'net2'}}), {up: false}),
      expect: [],
    },
    {name: 'missing up -> false', change: update(LSP, tenantVm({up: null}), {options: {}}), expect: []},
    {
      name: 'subnet advertisement -> not registered',
      change: update(LSP, tenantVm(), {up: false}),
      view: {advertisement: 'subnet'},
      expect: [],
    },
  ],
  [
    {
      name: 'run -> expose_remote_ip([10.0.0.6], {mac, cidrs [10.0.0.6/24], type "", ls net1})',
      event: 'LogicalSwitchPortTenantCreateEvent',
      change: update(LSP, tenantVm(), {up: false}),
      calls: [{fn: 'expose_remote_ip', ips: ['10.0.0.6'], info: TENANT_INFO}],
    },
    {
      name: 'run, patch type -> no call',
      event: 'LogicalSwitchPortTenantCreateEvent',
      change: update(LSP, tenantVm({type: 'patch'}), {up: false}),
      calls: [],
    },
  ],
)

eventSuite(
  'LogicalSwitchPortTenantDeleteEvent (agent: ovn_local_lrps {net1}, host advertisement)',
  {localTenantNetworks: ['net1'], exposed: false},
  [
    {name: 'up true->false -> match', change: update(LSP, tenantVm({up: false}), {up: true}), expect: [E.TD]},
    {name: 'delete while up -> match', change: remove(LSP, tenantVm()), expect: [E.TD]},
    {name: 'no IP -> false', change: remove(LSP, tenantVm({addresses: ['mac']})), expect: []},
    {
      name: 'up false->true -> false (TenantCreate matches instead)',
      change: update(LSP, tenantVm(), {up: false}),
      expect: [E.TC],
    },
    {name: 'other net -> false', change: remove(LSP, tenantVm({externalIds: {[NET]: 'net2'}})), expect: []},
    {name: 'missing addresses -> false', change: remove(LSP, tenantVm({addresses: []})), expect: []},
  ],
  [
    {
      name: 'run -> withdraw_remote_ip([10.0.0.6], info)',
      event: 'LogicalSwitchPortTenantDeleteEvent',
      change: remove(LSP, tenantVm()),
      calls: [{fn: 'withdraw_remote_ip', ips: ['10.0.0.6'], info: TENANT_INFO}],
    },
    {
      name: 'run, patch type -> no call',
      event: 'LogicalSwitchPortTenantDeleteEvent',
      change: remove(LSP, tenantVm({type: 'patch'})),
      calls: [],
    },
  ],
)

// ---------------------------------------------------------------------------------------------
eventSuite(
  'LogicalSwitchPortIPsChangedEvent (ours, upstream bug 9; agent: provider LS test-ls, tenant net1)',
  {localTenantNetworks: ['net1'], providerLs: ['test-ls'], exposed: ['test-ls|192.168.0.1', 'net1|10.0.0.6']},
  [
    {
      name: 'exposed provider port gains an IP -> match (differs from upstream: waited for the periodic sync)',
      change: update(LSP, vm({addresses: [`${MAC} 192.168.0.1 2001:db8::1`]}), {addresses: [`${MAC} 192.168.0.1`]}),
      expect: [E.IPC],
    },
    {
      name: 'exposed provider port IP replaced -> match, ProviderCreate exposes the new IP (differs from upstream: old IP never withdrawn until sync)',
      change: update(LSP, vm({addresses: [`${MAC} 192.168.0.2`]}), {addresses: [`${MAC} 192.168.0.1`]}),
      expect: [E.PC, E.IPC],
    },
    {
      name: 'exposed provider port loses its only IP -> match (differs from upstream: never withdrawn until sync)',
      change: update(LSP, vm({addresses: [MAC]}), {addresses: [`${MAC} 192.168.0.1`]}),
      expect: [E.IPC],
    },
    {
      name: 'tenant port gains an IP -> match (differs from upstream)',
      change: update(LSP, tenantVm({addresses: ['mac 10.0.0.6 10.0.0.7']}), {addresses: ['mac 10.0.0.6']}),
      expect: [E.IPC],
    },
    {
      name: 'unexposed provider port changes IPs -> ProviderCreate only',
      change: update(LSP, vm({addresses: [`${MAC} 192.168.0.9`]}), {addresses: [`${MAC} 192.168.0.8`]}),
      expect: [E.PC],
    },
    {
      name: 'port bound elsewhere changes IPs -> false',
      change: update(LSP, vm({options: {[RC]: 'other'}, addresses: [`${MAC} 192.168.0.9`]}), {
        addresses: [`${MAC} 192.168.0.8`],
      }),
      expect: [],
    },
  ],
  [
    {
      name: 'run: added IP -> expose_ip([added])',
      event: 'LogicalSwitchPortIPsChangedEvent',
      change: update(LSP, vm({addresses: [`${MAC} 192.168.0.1 2001:DB8::1`]}), {addresses: [`${MAC} 192.168.0.1`]}),
      calls: [{fn: 'expose_ip', ips: ['2001:db8::1'], info: {logical_switch: 'test-ls'}}],
    },
    {
      name: 'run: replaced IP -> withdraw_ip([old]) only (ProviderCreate exposes the new one)',
      event: 'LogicalSwitchPortIPsChangedEvent',
      change: update(LSP, vm({addresses: [`${MAC} 192.168.0.2`]}), {addresses: [`${MAC} 192.168.0.1`]}),
      calls: [{fn: 'withdraw_ip', ips: ['192.168.0.1']}],
    },
    {
      name: 'run: tenant IP removed and added -> withdraw_remote_ip + expose_remote_ip',
      event: 'LogicalSwitchPortIPsChangedEvent',
      change: update(LSP, tenantVm({addresses: ['mac 10.0.0.8']}), {addresses: ['mac 10.0.0.6']}),
      calls: [
        {fn: 'withdraw_remote_ip', ips: ['10.0.0.6']},
        {fn: 'expose_remote_ip', ips: ['10.0.0.8'], info: {logical_switch: 'net1'}},
      ],
    },
  ],
)

// ---------------------------------------------------------------------------------------------
const crlrp = (f: Fields = {}): Fields => ({
  name: 'lrp-gw',
  mac: 'fake-mac',
  networks: ['192.168.0.2/24'],
  status: {'hosting-chassis': CHASSIS_ID},
  externalIds: {[NET]: 'test-ls'},
  ...f,
})
const CRLRP_INFO = {mac: 'fake-mac', cidrs: ['192.168.0.2/24'], type: 'crlrp', logical_switch: 'test-ls', router: null}

eventSuite(
  'ChassisRedirectCreateEvent (agent: chassis_id fake-chassis-id)',
  {},
  [
    {
      name: 'hosting-chassis set to chassis_id with old status {} -> match',
      change: update(LRP, crlrp(), {status: {}}),
      expect: [E.CRC],
    },
    {
      name: 'no status (OVN without LRP status column) -> false',
      change: update(LRP, crlrp({status: {}}), {networks: []}),
      view: {nb: new NbState({lrpStatus: false, natGatewayPort: false})},
      expect: [],
    },
    {name: 'no old status -> false', change: update(LRP, crlrp(), {mac: 'old-mac'}), expect: []},
    {
      name: 'other chassis -> false',
      change: update(LRP, crlrp({status: {'hosting-chassis': 'other_chassis'}}), {status: {}}),
      expect: [],
    },
    {name: 'no networks -> false', change: update(LRP, crlrp({networks: []}), {status: {}}), expect: []},
  ],
  [
    {
      name: 'run -> expose_ip([192.168.0.2], {mac, cidrs [192.168.0.2/24], type crlrp, logical_switch test-ls, router None})',
      event: 'ChassisRedirectCreateEvent',
      change: update(LRP, crlrp(), {status: {}}),
      calls: [{fn: 'expose_ip', ips: ['192.168.0.2'], info: CRLRP_INFO}],
    },
  ],
)

eventSuite(
  'ChassisRedirectDeleteEvent (agent: chassis_id fake-chassis-id)',
  {},
  [
    {
      name: 'old hosting = chassis_id, new {} -> match',
      change: update(LRP, crlrp({status: {}}), {status: {'hosting-chassis': CHASSIS_ID}}),
      expect: [E.CRD],
    },
    {name: 'delete with hosting = chassis_id -> match', change: remove(LRP, crlrp()), expect: [E.CRD]},
    {name: 'no status -> false', change: remove(LRP, crlrp({status: {}})), expect: []},
    {name: 'unchanged -> false', change: update(LRP, crlrp(), {status: {'hosting-chassis': CHASSIS_ID}}), expect: []},
    {
      name: 'moved from other chassis -> false (ChassisRedirectCreate matches: it moved here)',
      change: update(LRP, crlrp(), {status: {'hosting-chassis': 'different_chassis'}}),
      expect: [E.CRC],
    },
    {name: 'no networks -> false', change: remove(LRP, crlrp({networks: []})), expect: []},
  ],
  [
    {
      name: 'run -> withdraw_ip(same args)',
      event: 'ChassisRedirectDeleteEvent',
      change: remove(LRP, crlrp()),
      calls: [{fn: 'withdraw_ip', ips: ['192.168.0.2'], info: CRLRP_INFO}],
    },
  ],
)

// ---------------------------------------------------------------------------------------------
const LR_REF = 'lr_ref'
const VIP = 'neutron:vip'
const VIP_FIP = 'neutron:vip_fip'
const TWO_VIPS = {'192.168.1.50:80': '192.168.1.100:80', '172.24.4.5:80': '192.168.1.100:80'}
const lb = (f: Fields = {}): Fields => ({
  name: 'lb1',
  vips: TWO_VIPS,
  externalIds: {[LR_REF]: 'neutron-router1', [VIP_FIP]: '172.24.4.5', [NET]: 'net1'},
  ...f,
})
const lbExt = (ext: Record<string, string>) => ({externalIds: {[NET]: 'net1', ...ext}})

eventSuite(
  'OVNLBCreateEvent (agent: local router1)',
  {localRouters: ['router1']},
  [
    {name: 'vips from {} to 2 -> match', change: update(LB, lb(), {vips: {}}), expect: [E.LBC]},
    {name: 'lr_ref added -> match', change: update(LB, lb(), {externalIds: {}}), expect: [E.LBC]},
    {
      name: 'fip VIP added to vips -> match',
      change: update(LB, lb(), {
        externalIds: {[LR_REF]: 'neutron-router1'},
        vips: {'192.168.1.50:80': '192.168.1.100:80'},
      }),
      expect: [E.LBC],
    },
    {
      name: 'external_ids changed but router same & vips unchanged -> false',
      change: update(LB, lb(), {externalIds: {[LR_REF]: 'neutron-router1'}}),
      expect: [],
    },
    {
      name: 'empty vips -> false',
      change: update(LB, lb({vips: {}}), {externalIds: {[LR_REF]: 'neutron-router1'}}),
      expect: [],
    },
    {
      name: 'non-local router -> false',
      change: update(LB, lb(lbExt({[LR_REF]: 'neutron-router2'})), {vips: {}}),
      expect: [],
    },
    {
      name: 'LB created already complete -> match (differs from upstream: create not watched, waited for the periodic sync)',
      change: insert(LB, lb()),
      expect: [E.LBC],
    },
    {
      name: 'VIP replaced by another in one update -> match, with OVNLBDelete (differs from upstream: neither matched)',
      change: update(LB, lb({vips: {'192.168.1.51:80': 'm'}}), {vips: {'192.168.1.50:80': 'm'}}),
      expect: [E.LBC, E.LBD],
    },
  ],
  [
    {
      name: 'run: vips {}->{vip} -> expose_ovn_lb_vip only',
      event: 'OVNLBCreateEvent',
      change: update(
        LB,
        lb({
          ...lbExt({[LR_REF]: 'neutron-router1', [VIP]: '192.168.1.50'}),
          vips: {'192.168.1.50:80': '192.168.1.100:80'},
        }),
        {vips: {}},
      ),
      calls: [{fn: 'expose_ovn_lb_vip', ips: ['192.168.1.50'], info: {lb: 'lb1', router: 'router1', from: 'row'}}],
    },
    {
      name: 'run: {}->{vip,fip} -> vip+fip',
      event: 'OVNLBCreateEvent',
      change: update(LB, lb(lbExt({[LR_REF]: 'neutron-router1', [VIP]: '192.168.1.50', [VIP_FIP]: '172.24.4.5'})), {
        vips: {},
      }),
      calls: [
        {fn: 'expose_ovn_lb_vip', ips: ['192.168.1.50']},
        {fn: 'expose_ovn_lb_fip', ips: ['172.24.4.5']},
      ],
    },
    {
      name: 'run: router added with vips unchanged -> expose_ovn_lb_vip only',
      event: 'OVNLBCreateEvent',
      change: update(LB, lb(lbExt({[LR_REF]: 'neutron-router1', [VIP_FIP]: '172.24.4.5', other: 'info'})), {
        ...lbExt({[VIP_FIP]: '172.24.4.5'}),
        vips: TWO_VIPS,
      }),
      calls: [{fn: 'expose_ovn_lb_vip', ips: []}],
    },
    {
      name: 'run: old only external_ids (same router), vips incl. fip -> expose_ovn_lb_fip only',
      event: 'OVNLBCreateEvent',
      change: update(LB, lb(), {externalIds: {[LR_REF]: 'neutron-router1'}}),
      calls: [{fn: 'expose_ovn_lb_fip', ips: ['172.24.4.5']}],
    },
    {
      name: 'run: IPv6 VIP `[addr]:port` -> expose_ovn_lb_vip (differs from upstream: brackets kept, never matched neutron:vip)',
      event: 'OVNLBCreateEvent',
      change: update(
        LB,
        lb({
          ...lbExt({[LR_REF]: 'neutron-router1', [VIP]: '2001:db8::50'}),
          vips: {'[2001:DB8::50]:80': '[2001:db8::100]:80'},
        }),
        {
          vips: {},
        },
      ),
      calls: [{fn: 'expose_ovn_lb_vip', ips: ['2001:db8::50']}],
    },
  ],
)

eventSuite(
  'OVNLBDeleteEvent (agent: local router1)',
  {localRouters: ['router1']},
  [
    {name: 'vips emptied -> match', change: update(LB, lb({vips: {}}), {vips: TWO_VIPS}), expect: [E.LBD]},
    {name: 'delete with vips and local router -> match', change: remove(LB, lb()), expect: [E.LBD]},
    {name: 'delete without vips -> false', change: remove(LB, lb({vips: {}})), expect: []},
    {name: 'delete non-local -> false', change: remove(LB, lb(lbExt({[LR_REF]: 'neutron-router2'}))), expect: []},
    {
      name: 'lr_ref removed (old router1) -> match',
      change: update(LB, lb(lbExt({[VIP_FIP]: '172.24.4.5'})), {externalIds: {[LR_REF]: 'neutron-router1'}}),
      expect: [E.LBD],
    },
    {
      name: 'old external_ids w/o router -> false (OVNLBCreate matches: router added)',
      change: update(LB, lb(), {externalIds: {}}),
      expect: [E.LBC],
    },
    {
      name: 'old router non-local -> false',
      change: update(LB, lb(lbExt({[VIP_FIP]: '172.24.4.5'})), {externalIds: {[LR_REF]: 'neutron-router2'}}),
      expect: [],
    },
    {
      name: 'fip VIP removed -> match',
      change: update(
        LB,
        lb({
          ...lbExt({[LR_REF]: 'neutron-router1', [VIP_FIP]: '172.24.4.5', [VIP]: '192.168.1.50'}),
          vips: {'192.168.1.50:80': 'm'},
        }),
        {
          vips: {'192.168.1.50:80': 'm', '172.24.4.5:80': 'm'},
        },
      ),
      expect: [E.LBD],
    },
    {
      name: 'vips emptied with ext-id change -> match',
      change: update(LB, lb({vips: {}}), {
        ...lbExt({[LR_REF]: 'neutron-router1', [VIP_FIP]: '172.24.4.5', [VIP]: '192.168.1.50'}),
        vips: TWO_VIPS,
      }),
      expect: [E.LBD],
    },
    {
      name: 'vips emptied on a non-local router, external_ids unchanged -> false (differs from upstream: matched any LB)',
      change: update(LB, lb({...lbExt({[LR_REF]: 'neutron-router2'}), vips: {}}), {vips: TWO_VIPS}),
      expect: [],
    },
  ],
  [
    {
      name: 'run: vips emptied but old lacks external_ids -> withdraw_ovn_lb_vip (differs from upstream: nothing, upstream bug 6)',
      event: 'OVNLBDeleteEvent',
      change: update(LB, lb({...lbExt({[LR_REF]: 'neutron-router1', [VIP]: '192.168.1.50'}), vips: {}}), {
        vips: {'192.168.1.50:80': 'm'},
      }),
      calls: [{fn: 'withdraw_ovn_lb_vip', ips: ['192.168.1.50'], info: {router: 'router1'}}],
    },
    {
      name: 'run: delete -> withdraw_ovn_lb_vip(row)',
      event: 'OVNLBDeleteEvent',
      change: remove(
        LB,
        lb({...lbExt({[LR_REF]: 'neutron-router1', [VIP]: '192.168.1.50'}), vips: {'192.168.1.50:80': 'm'}}),
      ),
      calls: [{fn: 'withdraw_ovn_lb_vip', ips: ['192.168.1.50'], info: {from: 'row'}}],
    },
    {
      name: 'run: vips emptied + old ext ids (vip & fip) -> withdraw vip(old) + fip(old)',
      event: 'OVNLBDeleteEvent',
      change: update(
        LB,
        lb({...lbExt({[LR_REF]: 'neutron-router1', [VIP_FIP]: '172.24.4.5', other: 'info'}), vips: {}}),
        {
          ...lbExt({[LR_REF]: 'neutron-router1', [VIP_FIP]: '172.24.4.5', [VIP]: '192.168.1.50'}),
          vips: TWO_VIPS,
        },
      ),
      calls: [
        {fn: 'withdraw_ovn_lb_vip', ips: ['192.168.1.50'], info: {from: 'old'}},
        {fn: 'withdraw_ovn_lb_fip', ips: ['172.24.4.5'], info: {from: 'old'}},
      ],
    },
    {
      name: 'run: fip VIP removed -> withdraw_ovn_lb_fip(old) only',
      event: 'OVNLBDeleteEvent',
      change: update(LB, lb({...lbExt({[LR_REF]: 'neutron-router1'}), vips: {'192.168.1.50:80': 'm'}}), {
        externalIds: {[LR_REF]: 'neutron-router1', [VIP_FIP]: '172.24.4.5'},
        vips: TWO_VIPS,
      }),
      calls: [{fn: 'withdraw_ovn_lb_fip', ips: ['172.24.4.5'], info: {from: 'old'}}],
    },
  ],
)

// Port-forwarding LBs: not in docs/upstream-behaviour.md#watcher-scenarios; semantics of
// docs/upstream-behaviour.md#load-balancer-events.
const pfLb = (f: Fields = {}): Fields => ({
  name: 'pf-floatingip-fip1-tcp',
  vips: {'172.24.4.8:2222': '10.0.0.6:22'},
  externalIds: {'neutron:router_name': 'neutron-router1'},
  ...f,
})

eventSuite(
  'OVNPFCreateEvent / OVNPFDeleteEvent (agent: local router1)',
  {localRouters: ['router1']},
  [
    {name: 'PF LB created on a local router -> OVNPFCreate', change: insert(LB, pfLb()), expect: [E.PFC]},
    {name: 'PF LB deleted -> OVNPFDelete', change: remove(LB, pfLb()), expect: [E.PFD]},
    {
      name: 'PF LB on a non-local router -> false',
      change: insert(LB, pfLb({externalIds: {'neutron:router_name': 'neutron-router2'}})),
      expect: [],
    },
    {name: 'PF LB without vips -> false', change: insert(LB, pfLb({vips: {}})), expect: []},
    {name: 'other LB name -> false', change: insert(LB, pfLb({name: 'lb-x'})), expect: []},
  ],
  [
    {
      name: 'run -> expose_ovn_pf_lb_fip(first VIP address)',
      event: 'OVNPFCreateEvent',
      change: insert(LB, pfLb()),
      calls: [{fn: 'expose_ovn_pf_lb_fip', ips: ['172.24.4.8']}],
    },
    {
      name: 'run: IPv6 PF FIP -> parsed (differs from upstream: split(":") raised)',
      event: 'OVNPFDeleteEvent',
      change: remove(LB, pfLb({vips: {'[2001:db8::8]:2222': '[fd00::6]:22'}})),
      calls: [{fn: 'withdraw_ovn_pf_lb_fip', ips: ['2001:db8::8'], info: {router: 'router1'}}],
    },
  ],
)

// ---------------------------------------------------------------------------------------------
const FIP_NET = 'neutron:fip_network_id'
const natRow = (f: Fields = {}): Fields => ({
  uuid: 'nat-uuid',
  type: 'dnat_and_snat',
  logicalPort: 'port-id',
  externalIds: {[FIP_NET]: 'net-id'},
  externalIp: '172.24.4.20',
  externalMac: 'fa:16:3e:00:00:20',
  logicalIp: '10.0.0.6',
  ...f,
})
/** NB holding the NAT's port `port-id` with the given fields. */
const portNb = (f: Fields) =>
  nbWith([LSP, {name: 'port-id', type: '', addresses: ['mac 10.0.0.6'], externalIds: {[NET]: 'net1'}, ...f}])
const vmHere = portNb({options: {[RC]: CHASSIS}})
const macAdded = (f: Fields = {}) => update(NAT, natRow(f), {externalMac: ''})

eventSuite(
  'NATMACAddedEvent (agent: distributed)',
  {distributed: true, nb: vmHere},
  [
    {name: 'no logical_port -> false', change: macAdded({logicalPort: ''}), expect: []},
    {name: 'LSP missing -> false', change: macAdded(), view: {nb: nbWith()}, expect: []},
    {
      name: 'LSP type other -> false',
      change: macAdded(),
      view: {nb: portNb({type: 'b', options: {[RC]: CHASSIS}})},
      expect: [],
    },
    {name: 'no requested-chassis -> false', change: macAdded(), view: {nb: portNb({options: {}})}, expect: []},
    {name: 'other chassis -> false', change: macAdded(), view: {nb: portNb({options: {[RC]: 'foo'}})}, expect: []},
    {
      name: 'virtual port on other host -> false',
      change: macAdded(),
      view: {nb: portNb({type: 'virtual', externalIds: {[HOST]: 'foo'}})},
      expect: [],
    },
    {name: 'old lacks external_mac -> false', change: update(NAT, natRow(), {}), expect: []},
    {
      name: 'external_mac unset -> false',
      change: update(NAT, natRow({externalMac: ''}), {externalMac: 'old-mac'}),
      expect: [],
    },
    {
      name: 'external_mac unchanged -> false',
      change: update(NAT, natRow(), {externalMac: 'fa:16:3e:00:00:20'}),
      expect: [],
    },
    {name: 'no fip_network_id -> false', change: macAdded({externalIds: {}}), expect: []},
    {name: 'no external_ip -> false', change: macAdded({externalIp: ''}), expect: []},
    {
      name: 'virtual with host_id=chassis and mac newly set -> match',
      change: macAdded(),
      view: {nb: portNb({type: 'virtual', externalIds: {[HOST]: CHASSIS}})},
      expect: [E.NMA],
    },
    {name: '"" with requested-chassis=chassis and mac newly set -> match', change: macAdded(), expect: [E.NMA]},
    {
      name: '"" with requested-chassis `other,chassis` (live migration) -> match (differs from upstream: exact comparison, upstream bug 10)',
      change: macAdded(),
      view: {nb: portNb({options: {[RC]: `other-chassis,${CHASSIS}`}})},
      expect: [E.NMA],
    },
    {name: 'centralized mode -> not registered', change: macAdded(), view: {distributed: false}, expect: []},
  ],
  [
    {
      name: 'run -> expose_fip(external_ip, external_mac, neutron-<fip net>, lsp)',
      event: 'NATMACAddedEvent',
      change: macAdded(),
      calls: [
        {
          fn: 'expose_fip',
          ips: ['172.24.4.20'],
          info: {mac: 'fa:16:3e:00:00:20', provider_ls: 'neutron-net-id', lsp: 'port-id', logical_switch: 'net1'},
        },
      ],
    },
  ],
)

// Centralized FIPs: not in docs/upstream-behaviour.md#watcher-scenarios; semantics of
// docs/upstream-behaviour.md#centralized-fip-events.
const GW = 'gw-lrp-uuid'
const gwNb = (hosting: string) =>
  nbWith(
    [
      LSP,
      {
        name: 'port-id',
        type: '',
        addresses: ['mac 10.0.0.6'],
        options: {[RC]: 'compute-7'},
        externalIds: {[NET]: 'net1'},
      },
    ],
    [
      LRP,
      {
        uuid: GW,
        name: 'lrp-gw',
        mac: 'fa:16:3e:00:00:99',
        networks: ['172.24.4.2/24'],
        status: {'hosting-chassis': hosting},
      },
    ],
    [NAT, natRow({gatewayPort: GW, externalMac: ''})],
  )
const centralNat = natRow({gatewayPort: GW, externalMac: ''})

eventSuite(
  'ExposeFIPOnCRLRP / WithdrawFIPOnCRLRP / CrLrpChassisChange* (agent: centralized)',
  {distributed: false, nb: gwNb(CHASSIS_ID)},
  [
    {
      name: 'NAT created on a gateway hosted here -> ExposeFIPOnCRLRP',
      change: insert(NAT, centralNat),
      expect: [E.EFC],
    },
    {
      name: 'NAT created on a gateway hosted elsewhere -> false',
      change: insert(NAT, centralNat),
      view: {nb: gwNb('other-id')},
      expect: [],
    },
    {
      name: 'NAT without fip_network_id -> false',
      change: insert(NAT, natRow({gatewayPort: GW, externalIds: {}})),
      expect: [],
    },
    {
      name: 'NAT deleted from a gateway hosted here -> WithdrawFIPOnCRLRP',
      change: remove(NAT, centralNat),
      expect: [E.WFC],
    },
    {
      name: 'NAT deleted together with its port, FIP exposed -> match (differs from upstream: LSP lookup failed, no match)',
      change: remove(NAT, centralNat),
      view: {
        nb: nbWith([LRP, {uuid: GW, name: 'lrp-gw', status: {'hosting-chassis': CHASSIS_ID}}]),
        exposed: ['net1|172.24.4.20'],
      },
      expect: [E.WFC],
    },
    {
      name: 'distributed mode -> not registered',
      change: insert(NAT, centralNat),
      view: {distributed: true},
      expect: [],
    },
    {
      name: 'gateway moved here -> ChassisRedirectCreate + CrLrpChassisChangeExpose',
      change: update(
        LRP,
        {
          uuid: GW,
          name: 'lrp-gw',
          mac: 'fa:16:3e:00:00:99',
          networks: ['172.24.4.2/24'],
          status: {'hosting-chassis': CHASSIS_ID},
        },
        {status: {'hosting-chassis': 'other-id'}},
      ),
      expect: [E.CRC, E.CCE],
    },
    {
      name: 'gateway moved away -> ChassisRedirectDelete + CrLrpChassisChangeWithdraw',
      change: update(
        LRP,
        {uuid: GW, name: 'lrp-gw', networks: ['172.24.4.2/24'], status: {'hosting-chassis': 'other-id'}},
        {status: {'hosting-chassis': CHASSIS_ID}},
      ),
      expect: [E.CRD, E.CCW],
    },
  ],
  [
    {
      name: 'ExposeFIPOnCRLRP run -> expose_fip(external_ip, gateway LRP mac, neutron-<fip net>, lsp)',
      event: 'ExposeFIPOnCRLRP',
      change: insert(NAT, centralNat),
      calls: [
        {
          fn: 'expose_fip',
          ips: ['172.24.4.20'],
          info: {mac: 'fa:16:3e:00:00:99', provider_ls: 'neutron-net-id', lsp: 'port-id'},
        },
      ],
    },
    {
      name: 'CrLrpChassisChangeExpose run -> expose_fip per dnat_and_snat NAT of the gateway',
      event: 'CrLrpChassisChangeExposeEvent',
      change: update(
        LRP,
        {uuid: GW, name: 'lrp-gw', mac: 'fa:16:3e:00:00:99', status: {'hosting-chassis': CHASSIS_ID}},
        {status: {}},
      ),
      calls: [{fn: 'expose_fip', ips: ['172.24.4.20'], info: {mac: 'fa:16:3e:00:00:99', lsp: 'port-id'}}],
    },
    {
      name: 'CrLrpChassisChangeWithdraw run -> withdraw_fip per NAT',
      event: 'CrLrpChassisChangeWithdrawEvent',
      change: update(LRP, {uuid: GW, name: 'lrp-gw', status: {}}, {status: {'hosting-chassis': CHASSIS_ID}}),
      calls: [{fn: 'withdraw_fip', ips: ['172.24.4.20'], info: {lsp: 'port-id'}}],
    },
  ],
)

// ---------------------------------------------------------------------------------------------
const FD_KEY = 'neutron:fip-distributed'
const flag = (row: Record<string, string>, old: Record<string, string> | undefined) =>
  update(NB_GLOBAL, {uuid: 'nb-global', externalIds: row}, old === undefined ? {} : {externalIds: old})

eventSuite(
  'DistributedFlagChangedEvent (agent distributed=True unless stated)',
  {distributed: true},
  [
    {
      name: 'unrelated key change -> false',
      change: flag({[FD_KEY]: 'True', foo: 'bar'}, {[FD_KEY]: 'True', foo: 'baz'}),
      expect: [],
    },
    {name: 'old without external_ids -> false', change: flag({[FD_KEY]: 'False'}, undefined), expect: []},
    {name: 'True->True -> false', change: flag({[FD_KEY]: 'True'}, {[FD_KEY]: 'True', x: 'y'}), expect: []},
    {name: 'True->False -> match', change: flag({[FD_KEY]: 'False'}, {[FD_KEY]: 'True'}), expect: [E.DFC]},
    {
      name: 'then (agent now False) same -> false',
      change: flag({[FD_KEY]: 'False'}, {[FD_KEY]: 'False', x: 'y'}),
      view: {distributed: false},
      expect: [],
    },
    {
      name: 'reverse (agent False) -> match',
      change: flag({[FD_KEY]: 'True'}, {[FD_KEY]: 'False'}),
      view: {distributed: false},
      expect: [E.DFC],
    },
    {
      name: 'key removed while agent False -> match',
      change: flag({}, {[FD_KEY]: 'False'}),
      view: {distributed: false},
      expect: [E.DFC],
    },
    {name: 'key added False while agent True -> match', change: flag({[FD_KEY]: 'False'}, {}), expect: [E.DFC]},
  ],
  [
    {
      name: 'run -> sync (full resync, new mode in info)',
      event: 'DistributedFlagChangedEvent',
      change: flag({[FD_KEY]: 'False'}, {[FD_KEY]: 'True'}),
      calls: [{fn: 'sync', ips: [], info: {distributed: 'False'}}],
    },
  ],
)
