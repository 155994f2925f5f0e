import {AdhocCommand, type AdhocResult, verbDescription, verbExamples, verbFlags} from '../lib/adhoc-command.js'
import {verb} from '../lib/driver/adhoc/verbs.js'

export type WithdrawSubnetResult = AdhocResult

export default class WithdrawSubnet extends AdhocCommand {
  static override action = 'withdraw' as const
  static override method = 'subnet' as const
  static override summary = 'Withdraw a tenant subnet behind a local router gateway.'
  static override description = verbDescription(
    verb('withdraw', 'subnet'),
    `Unwires a tenant subnet behind a local router (rule, routes) and, in host mode, withdraws the
IPs of the network's VMs.`,
  )
  static override examples = verbExamples('subnet')
  static override flags = verbFlags('withdraw', 'subnet')
}
