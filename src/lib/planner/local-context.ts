// The planner's inputs besides the NB snapshot and the configuration: facts gathered by the caller
// from the local OVS database and the host, as plain data (docs/upstream-behaviour.md#local-ovs-database,
// docs/upstream-behaviour.md#bridge-routing-tables).
import type {BridgeMapping} from '../config/types.js'

export interface PatchPort {
  /** `patch-provnet-*` or `patch-<localnet LSP name>-to-br-int`. */
  name: string
  /** OpenFlow port number; ports without one (not yet assigned) should be left out by the caller. */
  ofport: number
}

export interface LocalContext {
  /** OVS external_ids:hostname (or the configured override): matched against requested-chassis / neutron:host_id. */
  chassisName: string
  /** OVS external_ids:system-id: matched against LRP status:hosting-chassis. */
  chassisId: string
  /** ovn-bridge-mappings, in configuration order (index = 1-based position). */
  bridgeMappings: BridgeMapping[]
  /** Routing table number of each provider bridge (rt_tables). A mapped bridge missing here is a problem. */
  bridgeTables: Record<string, number>
  /** MAC address of each provider bridge, written by the MAC-tweak flows. */
  bridgeMacs: Record<string, string>
  /** Patch ports on each provider bridge with their ofports. */
  patchPorts: Record<string, PatchPort[]>
  /** The mapped bridges present on the host (sorted); when given, a mapped bridge absent from it is a problem (never created). */
  existingBridges?: string[]
}
