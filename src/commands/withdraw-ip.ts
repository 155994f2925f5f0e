import {AdhocCommand, type AdhocResult, verbDescription, verbExamples, verbFlags} from '../lib/adhoc-command.js'
import {verb} from '../lib/driver/adhoc/verbs.js'

export type WithdrawIpResult = AdhocResult

export default class WithdrawIp extends AdhocCommand {
  static override action = 'withdraw' as const
  static override method = 'ip' as const
  static override summary = 'Withdraw the IPs of a provider-network port or a router gateway (cr-lrp) from this node.'
  static override description = verbDescription(
    verb('withdraw', 'ip'),
    `Stops advertising the IPs of a VM port on a provider network, or of a router gateway port
(cr-lrp) together with its router's tenant subnets and load balancers, and unwires them.`,
  )
  static override examples = verbExamples('ip')
  static override flags = verbFlags('withdraw', 'ip')
}
