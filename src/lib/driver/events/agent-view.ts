// What the NB event matchers may read about the agent: identity, mode flags and what the node
// currently exposes. The reconciler fills it from the last computed desired state, so the matchers
// see the same facts upstream's match functions read from the driver's in-memory state
// (docs/upstream-behaviour.md#in-memory-state).
import type {ExposingMethod, TenantAdvertisement} from '../../config/types.js'
import type {NbView} from '../../nb/model.js'

export interface AgentView {
  /** OVS external_ids:hostname; compared with requested-chassis and neutron:host_id. */
  readonly chassisName: string
  /** OVS external_ids:system-id; compared with LRP status:hosting-chassis. */
  readonly chassisId: string
  /** Current FIP mode (NB_Global external_ids:neutron:fip-distributed, missing = true). */
  readonly distributed: boolean
  /** expose_tenant_networks or expose_ipv6_gua_tenant_networks. */
  readonly tenantExposure: boolean
  readonly advertisement: TenantAdvertisement
  readonly exposingMethod: ExposingMethod
  /** Router ids (no `neutron-` prefix) with a cr-lrp exposed here (upstream ovn_local_cr_lrps keys). */
  readonly localRouters: ReadonlySet<string>
  /** Tenant LS names exposed through a local cr-lrp (upstream ovn_local_lrps keys). */
  readonly localTenantNetworks: ReadonlySet<string>
  /**
   * Upstream `_exposed_ips[lsName]` holds `ip` (canonical IP or CIDR). Keys are the LS the IP belongs
   * to: provider LS for VMs/cr-lrps, the VM's tenant LS for FIPs, the router id for tenant LB VIPs.
   */
  isExposed(lsName: string, ip: string): boolean
  /** `ip` is exposed under any key (used by relevance checks, which do not know the key). */
  isExposedAnywhere(ip: string): boolean
  /** The LS has a localnet port whose physnet is bridge-mapped on this node (docs/upstream-behaviour.md#locality). */
  isProviderLs(lsName: string): boolean
  /** The NB replica, already updated with the change being classified (python-ovs IDL order). */
  readonly nb: NbView
}
