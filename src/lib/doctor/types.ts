// Contracts of the doctor checks. A check is independent of the others: it reads what it needs
// through the DoctorContext (a CommandRunner, a read-only file seam, the configuration, and facts
// gathered by other layers) and returns one verdict. Checks never change the node.
import type {AgentConfig} from '../config/types.js'
import type {CommandRunner} from '../exec/runner.js'

export type CheckStatus = 'pass' | 'warn' | 'fail'

/**
 * What a failure means for the exit code: `config` = ovn-bgp or OVS/OVN settings are wrong (exit 2);
 * `environment` = the host lacks something (kernel support, FRR, NB, a bridge) (exit 4).
 */
type CheckCategory = 'config' | 'environment'

export interface CheckResult {
  status: CheckStatus
  /** What was found, one or a few lines. */
  detail: string
  /** What to do about it; empty when status is pass. */
  fix?: string
  /** Overrides the check's category for this verdict (e.g. a wrong AS number in FRR vs in ovn-bgp). */
  category?: CheckCategory
}

export interface DoctorCheck {
  /** Stable, kebab-case: used by `doctor --check` and in the JSON output. */
  id: string
  title: string
  category: CheckCategory
  run(ctx: DoctorContext): Promise<CheckResult>
}

/** Read-only file access. `readText` resolves undefined when the file does not exist. */
export interface DoctorFs {
  readText(path: string): Promise<string | undefined>
}

/** A fact another layer gathered: the value, or why it could not be gathered. */
export type Gathered<T> = {ok: true; value: T} | {ok: false; error: string}

/** From the local Open_vSwitch table's external_ids (raw strings, unset = undefined). */
export interface OvsFacts {
  systemId: string | undefined
  hostname: string | undefined
  /** Raw `ovn-bridge-mappings`. */
  bridgeMappings: string | undefined
  nbRemote: string | undefined
}

export interface LocalnetVlan {
  physnet: string
  tag: number
}

/** From the Northbound database. */
export interface NbFacts {
  /** The remote that answered. */
  remote: string
  /** OVN_Northbound schema version, e.g. `7.1.0`. */
  schemaVersion: string
  /** Whether Logical_Router_Port has the `status` column (OVN >= 23.09, or a patched schema). */
  lrpStatusColumn: boolean
  /** VLAN tags of localnet ports (tag set, options:network_name) = provider VLAN networks. */
  localnetVlans: LocalnetVlan[]
}

/** The running daemon's /readyz answer (only when metrics_address is set). */
export interface DaemonFacts {
  url: string
  status: number
  body: string
}

export interface DoctorFacts {
  /** undefined: not gathered (the check says so instead of guessing). */
  ovs?: Gathered<OvsFacts>
  nb?: Gathered<NbFacts>
  daemon?: Gathered<DaemonFacts>
}

/** A link as `ip -j -d link show` reports it (the fields the checks read). */
export interface IpLink {
  ifname: string
  flags?: string[]
  operstate?: string
  link?: string
  /** Name of the master device (e.g. the VRF of an enslaved device). */
  master?: string
  linkinfo?: {info_kind?: string; info_data?: {id?: number; table?: number}}
}

export interface DoctorContext {
  config: AgentConfig
  runner: CommandRunner
  fs: DoctorFs
  /** `uname -r`, for /lib/modules/<release>. */
  kernelRelease: string
  facts: DoctorFacts
  /** `ip -j -d link show`, run at most once per context; rejects when ip cannot be run or fails. */
  links(): Promise<IpLink[]>
}

export interface CheckReport {
  id: string
  title: string
  category: CheckCategory
  status: CheckStatus
  detail: string
  fix: string
}

export interface DoctorReport {
  checks: CheckReport[]
  /** Worst status over all checks ('pass' when there are none). */
  worst: CheckStatus
  counts: Record<CheckStatus, number>
  /** 0 when nothing failed; 2 when only config checks failed; 4 when an environment check failed. */
  exitCode: 0 | 2 | 4
}
