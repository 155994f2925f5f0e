// The option table: one entry per configuration option, keyed by its INI (snake_case) name. Everything
// else (file/env/flag lookup, oclif flags, docs/config.md, `sources`) derives from this table.
// Defaults and sections are upstream ovn-bgp-agent's (docs/upstream-behaviour.md#configuration-options) unless
// `upstream: false`.
import type {AgentConfig, ExposingMethod, NbMonitorScope, TenantAdvertisement} from './types.js'

import * as v from './values.js'

export type Section = 'DEFAULT' | 'ovn' | 'agent'
/** How the value is typed on a command line: booleans become `--x/--no-x` flags. */
type OptionKind = 'string' | 'boolean' | 'integer' | 'list'
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

const DRIVERS = ['ovn_bgp_driver', 'ovn_evpn_driver', 'ovn_stretched_l2_bgp_driver', 'nb_ovn_bgp_driver'] as const
const EXPOSING_METHODS: readonly ExposingMethod[] = ['underlay', 'l2vni', 'vrf', 'dynamic', 'ovn']
const TENANT_ADVERTISEMENTS: readonly TenantAdvertisement[] = ['host', 'subnet']
const NB_MONITOR_SCOPES: readonly NbMonitorScope[] = ['chassis', 'all']

const POSITIVE: v.IntRange = {min: 1}
/** Kernel table ids are u32; 0 is "unspecified", 253-255 are default/main/local. */
const TABLE_ID: v.IntRange = {
  min: 1,
  max: 4_294_967_295,
  reserved: new Map([
    [253, 'the kernel "default" table'],
    [254, 'the kernel "main" table'],
    [255, 'the kernel "local" table'],
  ]),
}

interface Extra {
  section?: Section
  choices?: readonly string[]
  deprecatedInDefault?: true
  upstream?: false
}

/** Builds a spec; `def` and `parse` are checked against the AgentConfig field `key`. */
function option<K extends ConfigKey>(
  key: K,
  kind: OptionKind,
  type: string,
  def: AgentConfig[K],
  parse: (raw: string) => AgentConfig[K],
  summary: string,
  extra: Extra = {},
): OptionSpec {
  const {section = 'DEFAULT', upstream = true, ...rest} = extra
  const spec: OptionSpec<K> = {section, key, kind, type, default: def, parse, summary, upstream, ...rest}
  return spec as unknown as OptionSpec
}

const str = <K extends ConfigKey>(key: K, def: AgentConfig[K] & string, summary: string, extra: Extra = {}) =>
  option(key, 'string', 'str', def, v.parseNonEmpty as (raw: string) => AgentConfig[K], summary, extra)
const bool = <K extends ConfigKey>(key: K, summary: string, extra: Extra = {}) =>
  option(
    key,
    'boolean',
    'bool',
    false as AgentConfig[K],
    v.parseBool as (raw: string) => AgentConfig[K],
    summary,
    extra,
  )
const int = <K extends ConfigKey>(key: K, def: AgentConfig[K] & number, range: v.IntRange, summary: string) =>
  option(
    key,
    'integer',
    range.max === undefined ? `int >= ${range.min}` : `int ${range.min}..${range.max}`,
    def,
    ((raw: string) => v.parseInteger(raw, range)) as (raw: string) => AgentConfig[K],
    summary,
  )
const choice = <K extends ConfigKey>(
  key: K,
  choices: readonly (AgentConfig[K] & string)[],
  def: AgentConfig[K],
  summary: string,
) => option(key, 'string', 'str (choice)', def, (raw) => v.parseChoice(raw, choices), summary, {choices})
/** [ovn] path options: any value, empty = "not set" (upstream applies each only when non-empty). */
const ovnPath = <K extends ConfigKey>(key: K, def: AgentConfig[K] & string, summary: string) =>
  option(key, 'string', 'str', def, (raw) => raw as AgentConfig[K], summary, {
    section: 'ovn',
    deprecatedInDefault: true,
  })
const OURS = {upstream: false} as const

export const OPTIONS = {
  // ---- [DEFAULT], upstream
  driver: choice('driver', DRIVERS, 'ovn_bgp_driver', 'BGP driver; ovn-bgp implements nb_ovn_bgp_driver.'),
  exposing_method: choice(
    'exposingMethod',
    EXPOSING_METHODS,
    'underlay',
    'How exposed IPs are wired; ovn-bgp implements underlay.',
  ),
  reconcile_interval: int(
    'reconcileInterval',
    300,
    POSITIVE,
    'Seconds between full resyncs (the first runs at start).',
  ),
  frr_reconcile_interval: int(
    'frrReconcileInterval',
    15,
    POSITIVE,
    'Seconds between checks of the FRR VRF/leak configuration.',
  ),
  expose_tenant_networks: bool(
    'exposeTenantNetworks',
    'Expose tenant VM IPs through the chassis hosting the router gateway port.',
  ),
  expose_ipv6_gua_tenant_networks: bool(
    'exposeIpv6GuaTenantNetworks',
    'Expose only IPv6 global-unicast tenant addresses (when expose_tenant_networks is off).',
  ),
  advertisement_method_tenant_networks: choice(
    'advertisementMethodTenantNetworks',
    TENANT_ADVERTISEMENTS,
    'host',
    'Advertise tenant networks per VM IP (host) or per subnet prefix (subnet).',
  ),
  require_snat_disabled_for_tenant_networks: bool(
    'requireSnatDisabledForTenantNetworks',
    'Skip tenant subnets whose router SNATs them.',
  ),
  address_scopes: option(
    'addressScopes',
    'list',
    'list of str',
    [],
    v.parseList,
    'Only expose tenant networks in these address scopes (empty = no filtering).',
  ),
  bgp_AS: option(
    'bgpAS',
    'string',
    'str (AS number)',
    '64999',
    v.parseAsn,
    'Local AS number used in the FRR VRF leak configuration.',
  ),
  bgp_router_id: option(
    'bgpRouterId',
    'string',
    'str (IPv4), optional',
    undefined,
    v.parseRouterId,
    'Router-id of the VRF BGP instance (unset = read from FRR).',
  ),
  bgp_nic: option(
    'bgpNic',
    'string',
    'str (interface name)',
    'bgp-nic',
    v.parseIfName,
    'Dummy device in the VRF that carries the exposed addresses.',
  ),
  bgp_vrf: option(
    'bgpVrf',
    'string',
    'str (interface name)',
    'bgp-vrf',
    v.parseIfName,
    'VRF device leaked into the default BGP instance.',
  ),
  bgp_vrf_table_id: int('bgpVrfTableId', 10, TABLE_ID, 'Kernel routing table of the VRF.'),
  clear_vrf_routes_on_startup: bool(
    'clearVrfRoutesOnStartup',
    'At start, delete routes in the VRF table (except scope host and proto bgp).',
  ),
  ovsdb_connection: option(
    'ovsdbConnection',
    'string',
    'str (OVSDB remote)',
    'unix:/usr/local/var/run/openvswitch/db.sock',
    v.parseConnection,
    'Local Open_vSwitch database remote.',
  ),
  ovsdb_connection_timeout: int(
    'ovsdbConnectionTimeout',
    180,
    POSITIVE,
    'Seconds before an OVSDB transaction times out.',
  ),
  debug: bool('debug', 'Log at debug level.'),
  log_file: option(
    'logFile',
    'string',
    'str (path), optional',
    undefined,
    v.parseOptional,
    'Append logs to this file instead of stderr; watch reopens it on SIGHUP (logrotate).',
  ),

  // ---- [ovn], upstream (also accepted, deprecated, in [DEFAULT])
  ovn_nb_connection: option(
    'ovnNbConnection',
    'string',
    'str (OVSDB remote), optional',
    undefined,
    v.parseOptionalConnection,
    'OVN Northbound database remote (unset = OVS external_ids:ovn-nb-remote).',
    {section: 'ovn', deprecatedInDefault: true},
  ),
  ovn_nb_private_key: ovnPath(
    'ovnNbPrivateKey',
    '/etc/pki/tls/private/ovn_bgp_agent.key',
    'Private key for ssl: NB remotes (empty = not set).',
  ),
  ovn_nb_certificate: ovnPath(
    'ovnNbCertificate',
    '/etc/pki/tls/certs/ovn_bgp_agent.crt',
    'Certificate for ssl: NB remotes (empty = not set).',
  ),
  ovn_nb_ca_cert: ovnPath('ovnNbCaCert', '/etc/ipa/ca.crt', 'CA certificate for ssl: NB remotes (empty = not set).'),
  nb_monitor_scope: option(
    'nbMonitorScope',
    'string',
    'str (choice)',
    'chassis',
    (raw) => v.parseChoice(raw, NB_MONITOR_SCOPES),
    'NB rows to replicate: chassis = only those that can matter to this chassis (conditional monitoring), all = every row.',
    {section: 'ovn', choices: NB_MONITOR_SCOPES, upstream: false},
  ),

  // ---- [agent], upstream
  root_helper: str(
    'rootHelper',
    'sudo',
    'Upstream prefix for privileged commands; not used (ovn-bgp runs its tools itself, as root): warned about when set.',
    {section: 'agent'},
  ),

  // ---- [DEFAULT], ovn-bgp's own
  chassis_name: option(
    'chassisName',
    'string',
    'str, optional',
    undefined,
    v.parseOptional,
    'Chassis name (overrides OVS external_ids:hostname).',
    OURS,
  ),
  chassis_id: option(
    'chassisId',
    'string',
    'str, optional',
    undefined,
    v.parseOptional,
    'Chassis id (overrides OVS external_ids:system-id).',
    OURS,
  ),
  bridge_mappings: option(
    'bridgeMappings',
    'list',
    'physnet:bridge list, optional',
    undefined,
    v.parseBridgeMappings,
    'Provider bridge mappings (overrides OVS external_ids:ovn-bridge-mappings).',
    OURS,
  ),
  vtysh_path: str('vtyshPath', '/usr/bin/vtysh', 'vtysh binary.', OURS),
  frr_vty_socket: str('frrVtySocket', '/run/frr/', 'FRR vty socket directory.', OURS),
  rt_tables_path: str(
    'rtTablesPath',
    '/etc/iproute2/rt_tables',
    'iproute2 rt_tables file that names the bridge tables.',
    OURS,
  ),
  state_dir: str(
    'stateDir',
    '/var/lib/ovn-bgp',
    'Directory for the ledger of owned neighbours and NDP proxies and the saved NB monitor scope.',
    OURS,
  ),
  ip_path: str('ipPath', '/usr/sbin/ip', 'ip (iproute2) binary.', OURS),
  ovs_ofctl_path: str('ovsOfctlPath', '/usr/bin/ovs-ofctl', 'ovs-ofctl binary.', OURS),
  ovs_env: option(
    'ovsEnv',
    'list',
    'KEY=VALUE list',
    {},
    v.parseEnvList,
    'Extra environment for OVS tools, e.g. OVS_RUNDIR=/run/openvswitch.',
    OURS,
  ),
  metrics_address: option(
    'metricsAddress',
    'string',
    'host:port, optional',
    undefined,
    v.parseListenAddress,
    'Serve Prometheus metrics on this address (unset = off).',
    OURS,
  ),
  log_json: bool('logJson', 'Log one JSON object per line.', OURS),
} satisfies Record<string, OptionSpec>

export type OptionName = keyof typeof OPTIONS
export const OPTION_NAMES = Object.keys(OPTIONS) as OptionName[]

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

/**
 * Options upstream (ovn-bgp-agent and oslo.log) accepts that the NB underlay path does not use: read
 * silently so an upstream bgp-agent.conf loads without warnings. Sections other than DEFAULT, ovn and
 * agent are ignored as a whole.
 */
export const IGNORED_UPSTREAM_OPTIONS: Readonly<Record<Section, readonly string[]>> = {
  DEFAULT: [
    // ovn-bgp-agent, other drivers / exposing methods
    'evpn_local_ip',
    'evpn_nic',
    'evpn_udp_dstport',
    'delete_vrf_on_disconnect',
    // deprecated DEFAULT aliases of [ovn] SB options
    'ovn_sb_connection',
    'ovn_sb_private_key',
    'ovn_sb_certificate',
    'ovn_sb_ca_cert',
    // oslo.log
    'log_config_append',
    'log_config',
    'log-config',
    'log_date_format',
    'logfile',
    'log_dir',
    'logdir',
    'watch_log_file',
    'use_syslog',
    'use_journal',
    'syslog_log_facility',
    'use_json',
    'use_stderr',
    'use_eventlog',
    'log_color',
    'log_rotate_interval',
    'log_rotate_interval_type',
    'max_logfile_count',
    'max_logfile_size_mb',
    'log_rotation_type',
    'logging_context_format_string',
    'logging_default_format_string',
    'logging_debug_format_suffix',
    'logging_exception_prefix',
    'logging_user_identity_format',
    'default_log_levels',
    'publish_errors',
    'instance_format',
    'instance_uuid_format',
    'rate_limit_interval',
    'rate_limit_burst',
    'rate_limit_except_level',
    'fatal_deprecations',
    'verbose',
  ],
  ovn: ['ovn_sb_connection', 'ovn_sb_private_key', 'ovn_sb_certificate', 'ovn_sb_ca_cert'],
  agent: ['use_helper_for_ns_read', 'root_helper_daemon'],
}
