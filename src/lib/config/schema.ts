// The option table: one entry per configuration option, keyed by its INI (snake_case) name. Everything
// else (file/env/flag lookup, oclif flags, docs/config.md, `sources`) derives from this table.
// Defaults and sections are upstream ovn-bgp-agent's (spec nb-driver.md 1.1-1.3) unless `upstream: false`.
import type {AgentConfig, ExposingMethod, TenantAdvertisement} from './types.js'
import * as v from './values.js'

export type Section = 'DEFAULT' | 'ovn' | 'agent'
/** How the value is typed on a command line: booleans become `--x/--no-x` flags. */
export type OptionKind = 'string' | 'boolean' | 'integer' | 'list'
export type ConfigKey = keyof AgentConfig

export interface OptionSpec<K extends ConfigKey = ConfigKey> {
  section: Section
  key: K
  kind: OptionKind
  default: AgentConfig[K]
  parse: (raw: string) => AgentConfig[K]
  /** One line, used as the flag summary and in docs/config.md. */
  summary: string
  /** Type as documented ("bool", "int >= 1", "str, one of ..."). */
  type: string
  choices?: readonly string[]
  /** Upstream registers the [ovn] options with deprecated_group=DEFAULT: also accepted in [DEFAULT]. */
  deprecatedInDefault?: boolean
  /** false = an ovn-bgp option that upstream does not have. */
  upstream: boolean
}

function opt<K extends ConfigKey>(spec: OptionSpec<K>): OptionSpec {
  return spec as unknown as OptionSpec
}

export const DRIVERS = ['ovn_bgp_driver', 'ovn_evpn_driver', 'ovn_stretched_l2_bgp_driver', 'nb_ovn_bgp_driver'] as const
export const EXPOSING_METHODS: readonly ExposingMethod[] = ['underlay', 'l2vni', 'vrf', 'dynamic', 'ovn']
export const TENANT_ADVERTISEMENTS: readonly TenantAdvertisement[] = ['host', 'subnet']

const POSITIVE = {min: 1}
/** Kernel table ids are u32; 0 is "unspecified", 253-255 are default/main/local. */
const TABLE_ID: v.IntRange = {
  min: 1,
  max: 4294967295,
  reserved: new Map([
    [253, 'the kernel "default" table'],
    [254, 'the kernel "main" table'],
    [255, 'the kernel "local" table'],
  ]),
}

function strOpt<K extends ConfigKey>(key: K, section: Section, def: string, summary: string, upstream = true): OptionSpec {
  return {section, key, kind: 'string', default: def, parse: v.parseNonEmpty, summary, type: 'str', upstream}
}

function boolOpt<K extends ConfigKey>(key: K, def: boolean, summary: string, upstream = true): OptionSpec {
  return opt({section: 'DEFAULT', key, kind: 'boolean', default: def as AgentConfig[K], parse: v.parseBool as (r: string) => AgentConfig[K], summary, type: 'bool', upstream})
}

function intOpt<K extends ConfigKey>(key: K, def: number, range: v.IntRange, summary: string): OptionSpec {
  const type = range.max === undefined ? `int >= ${range.min}` : `int ${range.min}..${range.max}`
  const parse = ((raw: string) => v.parseInteger(raw, range)) as (r: string) => AgentConfig[K]
  return opt({section: 'DEFAULT', key, kind: 'integer', default: def as AgentConfig[K], parse, summary, type, upstream: true})
}

function ovnOpt<K extends ConfigKey>(key: K, def: string, summary: string): OptionSpec {
  return {...strOpt(key, 'ovn', def, summary), parse: (raw: string) => raw, deprecatedInDefault: true}
}

export const OPTIONS = {
  // ---- [DEFAULT], upstream
  driver: opt({section: 'DEFAULT', key: 'driver', kind: 'string', default: 'ovn_bgp_driver', parse: (r) => v.parseChoice(r, DRIVERS), choices: DRIVERS, type: 'str (choice)', upstream: true,
    summary: 'BGP driver; ovn-bgp implements nb_ovn_bgp_driver.'}),
  exposing_method: opt({section: 'DEFAULT', key: 'exposingMethod', kind: 'string', default: 'underlay', parse: (r) => v.parseChoice(r, EXPOSING_METHODS), choices: EXPOSING_METHODS, type: 'str (choice)', upstream: true,
    summary: 'How exposed IPs are wired; ovn-bgp implements underlay.'}),
  reconcile_interval: intOpt('reconcileInterval', 300, POSITIVE, 'Seconds between full resyncs (the first runs at start).'),
  frr_reconcile_interval: intOpt('frrReconcileInterval', 15, POSITIVE, 'Seconds between checks of the FRR VRF/leak configuration.'),
  expose_tenant_networks: boolOpt('exposeTenantNetworks', false, 'Expose tenant VM IPs through the chassis hosting the router gateway port.'),
  expose_ipv6_gua_tenant_networks: boolOpt('exposeIpv6GuaTenantNetworks', false, 'Expose only IPv6 global-unicast tenant addresses (when expose_tenant_networks is off).'),
  advertisement_method_tenant_networks: opt({section: 'DEFAULT', key: 'advertisementMethodTenantNetworks', kind: 'string', default: 'host', parse: (r) => v.parseChoice(r, TENANT_ADVERTISEMENTS), choices: TENANT_ADVERTISEMENTS, type: 'str (choice)', upstream: true,
    summary: 'Advertise tenant networks per VM IP (host) or per subnet prefix (subnet).'}),
  require_snat_disabled_for_tenant_networks: boolOpt('requireSnatDisabledForTenantNetworks', false, 'Skip tenant subnets whose router SNATs them.'),
  address_scopes: opt({section: 'DEFAULT', key: 'addressScopes', kind: 'list', default: [], parse: v.parseList, type: 'list of str', upstream: true,
    summary: 'Only expose tenant networks in these address scopes (empty = no filtering).'}),
  bgp_AS: opt({section: 'DEFAULT', key: 'bgpAS', kind: 'string', default: '64999', parse: v.parseAsn, type: 'str (AS number)', upstream: true,
    summary: 'Local AS number used in the FRR VRF leak configuration.'}),
  bgp_router_id: opt({section: 'DEFAULT', key: 'bgpRouterId', kind: 'string', default: undefined, parse: v.parseRouterId, type: 'str (IPv4), optional', upstream: true,
    summary: 'Router-id of the VRF BGP instance (unset = read from FRR).'}),
  bgp_nic: opt({section: 'DEFAULT', key: 'bgpNic', kind: 'string', default: 'bgp-nic', parse: v.parseIfName, type: 'str (interface name)', upstream: true,
    summary: 'Dummy device in the VRF that carries the exposed addresses.'}),
  bgp_vrf: opt({section: 'DEFAULT', key: 'bgpVrf', kind: 'string', default: 'bgp-vrf', parse: v.parseIfName, type: 'str (interface name)', upstream: true,
    summary: 'VRF device leaked into the default BGP instance.'}),
  bgp_vrf_table_id: intOpt('bgpVrfTableId', 10, TABLE_ID, 'Kernel routing table of the VRF.'),
  clear_vrf_routes_on_startup: boolOpt('clearVrfRoutesOnStartup', false, 'At start, delete routes in the VRF table (except scope host and proto bgp).'),
  ovsdb_connection: opt({section: 'DEFAULT', key: 'ovsdbConnection', kind: 'string', default: 'unix:/usr/local/var/run/openvswitch/db.sock', parse: v.parseConnection, type: 'str (OVSDB remote)', upstream: true,
    summary: 'Local Open_vSwitch database remote.'}),
  ovsdb_connection_timeout: intOpt('ovsdbConnectionTimeout', 180, POSITIVE, 'Seconds before an OVSDB transaction times out.'),
  debug: boolOpt('debug', false, 'Log at debug level.'),
  log_file: opt({section: 'DEFAULT', key: 'logFile', kind: 'string', default: undefined, parse: v.parseOptional, type: 'str (path), optional', upstream: true,
    summary: 'Write logs to this file instead of stderr.'}),

  // ---- [ovn], upstream (also accepted, deprecated, in [DEFAULT])
  ovn_nb_connection: {...ovnOpt('ovnNbConnection', '', 'OVN Northbound database remote (unset = OVS external_ids:ovn-nb-remote).'),
    default: undefined, parse: v.parseOptionalConnection, type: 'str (OVSDB remote), optional'},
  ovn_nb_private_key: ovnOpt('ovnNbPrivateKey', '/etc/pki/tls/private/ovn_bgp_agent.key', 'Private key for ssl: NB remotes (empty = not set).'),
  ovn_nb_certificate: ovnOpt('ovnNbCertificate', '/etc/pki/tls/certs/ovn_bgp_agent.crt', 'Certificate for ssl: NB remotes (empty = not set).'),
  ovn_nb_ca_cert: ovnOpt('ovnNbCaCert', '/etc/ipa/ca.crt', 'CA certificate for ssl: NB remotes (empty = not set).'),

  // ---- [agent], upstream
  root_helper: strOpt('rootHelper', 'agent', 'sudo', 'Prefix for privileged commands (upstream privsep helper).'),

  // ---- [DEFAULT], ovn-bgp's own
  chassis_name: opt({section: 'DEFAULT', key: 'chassisName', kind: 'string', default: undefined, parse: v.parseOptional, type: 'str, optional', upstream: false,
    summary: 'Chassis name (overrides OVS external_ids:hostname).'}),
  chassis_id: opt({section: 'DEFAULT', key: 'chassisId', kind: 'string', default: undefined, parse: v.parseOptional, type: 'str, optional', upstream: false,
    summary: 'Chassis id (overrides OVS external_ids:system-id).'}),
  bridge_mappings: opt({section: 'DEFAULT', key: 'bridgeMappings', kind: 'list', default: undefined, parse: v.parseBridgeMappings, type: 'physnet:bridge list, optional', upstream: false,
    summary: 'Provider bridge mappings (overrides OVS external_ids:ovn-bridge-mappings).'}),
  vtysh_path: strOpt('vtyshPath', 'DEFAULT', '/usr/bin/vtysh', 'vtysh binary.', false),
  frr_vty_socket: strOpt('frrVtySocket', 'DEFAULT', '/run/frr/', 'FRR vty socket directory.', false),
  rt_tables_path: strOpt('rtTablesPath', 'DEFAULT', '/etc/iproute2/rt_tables', 'iproute2 rt_tables file that names the bridge tables.', false),
  state_dir: strOpt('stateDir', 'DEFAULT', '/var/lib/ovn-bgp', 'Directory for the ledger of owned neighbours and NDP proxies.', false),
  ip_path: strOpt('ipPath', 'DEFAULT', '/usr/sbin/ip', 'ip (iproute2) binary.', false),
  ovs_ofctl_path: strOpt('ovsOfctlPath', 'DEFAULT', '/usr/bin/ovs-ofctl', 'ovs-ofctl binary.', false),
  ovs_env: opt({section: 'DEFAULT', key: 'ovsEnv', kind: 'list', default: {}, parse: v.parseEnvList, type: 'KEY=VALUE list', upstream: false,
    summary: 'Extra environment for OVS tools, e.g. OVS_RUNDIR=/run/openvswitch.'}),
  metrics_address: opt({section: 'DEFAULT', key: 'metricsAddress', kind: 'string', default: undefined, parse: v.parseListenAddress, type: 'host:port, optional', upstream: false,
    summary: 'Serve Prometheus metrics on this address (unset = off).'}),
  log_json: boolOpt('logJson', false, 'Log one JSON object per line.', false),
} satisfies Record<string, OptionSpec>

export type OptionName = keyof typeof OPTIONS
export const OPTION_NAMES = Object.keys(OPTIONS) as OptionName[]

export function optionSpec(name: OptionName): OptionSpec {
  return OPTIONS[name]
}

export function isOptionName(name: string): name is OptionName {
  return Object.hasOwn(OPTIONS, name)
}

/** `--bgp-as` style flag name (without dashes): lower-cased, '_' -> '-'. */
export function flagName(name: OptionName): string {
  return name.toLowerCase().replaceAll('_', '-')
}

/** `OVN_BGP_BGP_AS` style environment variable. */
export function envName(name: OptionName): string {
  return `OVN_BGP_${name.toUpperCase()}`
}

/** The INI name of the option that fills `key`. */
export function optionForKey(key: ConfigKey): OptionName {
  const found = OPTION_NAMES.find((n) => OPTIONS[n].key === key)
  if (!found) throw new Error(`no option for config key ${key}`)
  return found
}

/**
 * Options upstream (ovn-bgp-agent and oslo.log) accepts that the NB underlay path does not use: read
 * silently so an upstream bgp-agent.conf loads without warnings. Sections other than DEFAULT, ovn and
 * agent are ignored as a whole.
 */
export const IGNORED_UPSTREAM_OPTIONS: Readonly<Record<Section, readonly string[]>> = {
  DEFAULT: [
    // ovn-bgp-agent, other drivers / exposing methods
    'evpn_local_ip', 'evpn_nic', 'evpn_udp_dstport', 'delete_vrf_on_disconnect',
    // deprecated DEFAULT aliases of [ovn] SB options
    'ovn_sb_connection', 'ovn_sb_private_key', 'ovn_sb_certificate', 'ovn_sb_ca_cert',
    // oslo.log
    'log_config_append', 'log_config', 'log-config', 'log_date_format', 'logfile', 'log_dir', 'logdir',
    'watch_log_file', 'use_syslog', 'use_journal', 'syslog_log_facility', 'use_json', 'use_stderr',
    'use_eventlog', 'log_color', 'log_rotate_interval', 'log_rotate_interval_type', 'max_logfile_count',
    'max_logfile_size_mb', 'log_rotation_type', 'logging_context_format_string',
    'logging_default_format_string', 'logging_debug_format_suffix', 'logging_exception_prefix',
    'logging_user_identity_format', 'default_log_levels', 'publish_errors', 'instance_format',
    'instance_uuid_format', 'rate_limit_interval', 'rate_limit_burst', 'rate_limit_except_level',
    'fatal_deprecations', 'verbose',
  ],
  ovn: ['ovn_sb_connection', 'ovn_sb_private_key', 'ovn_sb_certificate', 'ovn_sb_ca_cert'],
  agent: ['use_helper_for_ns_read', 'root_helper_daemon'],
}
