import {AdhocCommand, type AdhocResult, verbDescription, verbExamples, verbFlags} from '../lib/adhoc-command.js'
import {verb} from '../lib/driver/adhoc/verbs.js'

export type ExposeIpResult = AdhocResult

export default class ExposeIp extends AdhocCommand {
  static override action = 'expose' as const
  static override method = 'ip' as const
  static override summary = 'Expose the IPs of a provider-network port or a router gateway (cr-lrp) on this node.'
  static override description = verbDescription(
    verb('expose', 'ip'),
    `Advertises the IPs of a VM port on a provider network, or of a router gateway port (cr-lrp)
hosted here together with its router's tenant subnets and load balancers, as upstream does.`,
  )
  static override examples = verbExamples('ip')
  static override flags = verbFlags('expose', 'ip')
}
