import {AdhocCommand, type AdhocResult, verbDescription, verbExamples, verbFlags} from '../lib/adhoc-command.js'
import {verb} from '../lib/driver/adhoc/verbs.js'

export type ExposeRemoteIpResult = AdhocResult

export default class ExposeRemoteIp extends AdhocCommand {
  static override action = 'expose' as const
  static override method = 'remote-ip' as const
  static override summary = 'Expose the IPs of a tenant-network VM behind a local router (bgp-nic address only).'
  static override description = verbDescription(
    verb('expose', 'remote-ip'),
    `Advertises the IPs of a VM on a tenant network exposed through a local router (address on
bgp-nic only: the subnet's rule and route carry the traffic). Host advertisement mode only.`,
  )
  static override examples = verbExamples('remote-ip')
  static override flags = verbFlags('expose', 'remote-ip')
}
