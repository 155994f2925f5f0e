// Which configuration options each family of commands exposes as flags. Every option can still be
// set in the configuration file or the environment; these are the ones an operator plausibly
// overrides on the command line for that command.
import {Flags} from '@oclif/core'

import {configFlags, type OptionName} from './config/index.js'

/** Where NB and the local OVS are, and who this node is (overrides of OVS external_ids). */
export const CONNECTION_OPTIONS: OptionName[] = [
  'ovn_nb_connection',
  'ovn_nb_private_key',
  'ovn_nb_certificate',
  'ovn_nb_ca_cert',
  'ovsdb_connection',
  'chassis_name',
  'chassis_id',
  'bridge_mappings',
]

/** What gets exposed and how. */
export const EXPOSURE_OPTIONS: OptionName[] = [
  'expose_tenant_networks',
  'expose_ipv6_gua_tenant_networks',
  'advertisement_method_tenant_networks',
  'require_snat_disabled_for_tenant_networks',
  'address_scopes',
]

/** The node objects ovn-bgp manages and the tools it runs. */
export const NODE_OPTIONS: OptionName[] = [
  'bgp_nic',
  'bgp_vrf',
  'bgp_vrf_table_id',
  'rt_tables_path',
  'state_dir',
  'ip_path',
  'ovs_ofctl_path',
  'ovs_env',
]

export const FRR_OPTIONS: OptionName[] = ['bgp_AS', 'bgp_router_id', 'vtysh_path', 'frr_vty_socket']

/** Flags of every command that reconciles the node from NB (sync, watch, expose-* by NB object). */
export const reconcileFlags = () => configFlags([...CONNECTION_OPTIONS, ...EXPOSURE_OPTIONS, ...NODE_OPTIONS])

export const dryRunFlag = () =>
  Flags.boolean({
    summary: 'Compute and print the plan without changing anything (no root needed).',
    default: false,
  })

/** One-shot commands: how long to wait for NB and the local OVS (the daemon waits as long as it takes). */
export const timeoutFlag = () =>
  Flags.integer({
    summary: 'Seconds to wait for the NB and local Open vSwitch databases before failing with exit 4.',
    description:
      'Errors that no wait can fix fail at once, with their cause and fix: TLS verification, unreadable SSL files (exit 2), an unresolvable host name, a peer that is not OVSDB, connection refused.',
    default: 10,
    min: 1,
  })

/** `--nb-file`: an NB database file (or `ovsdb-client backup` output) instead of the live NB server. */
export const nbFileFlag = () =>
  Flags.string({
    summary:
      'Read NB from this database file (or `ovsdb-client backup` output) instead of the NB server; no node access needed.',
    helpValue: '<file>',
  })
