import {AdhocCommand, type AdhocResult, verbDescription, verbExamples, verbFlags} from '../lib/adhoc-command.js'
import {verb} from '../lib/driver/adhoc/verbs.js'

export type WithdrawLbVipResult = AdhocResult

export default class WithdrawLbVip extends AdhocCommand {
  static override action = 'withdraw' as const
  static override method = 'lb-vip' as const
  static override summary = 'Withdraw the VIP of an OVN load balancer of a local router.'
  static override description = verbDescription(
    verb('withdraw', 'lb-vip'),
    `Stops advertising the VIP of an OVN load balancer of a local router.`,
  )
  static override examples = verbExamples('lb-vip')
  static override flags = verbFlags('withdraw', 'lb-vip')
}
