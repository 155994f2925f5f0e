import {AdhocCommand, type AdhocResult, verbDescription, verbExamples, verbFlags} from '../lib/adhoc-command.js'
import {verb} from '../lib/driver/adhoc/verbs.js'

export type WithdrawLbFipResult = AdhocResult

export default class WithdrawLbFip extends AdhocCommand {
  static override action = 'withdraw' as const
  static override method = 'lb-fip' as const
  static override summary = 'Withdraw the floating IP of an OVN load balancer of a local router.'
  static override description = verbDescription(
    verb('withdraw', 'lb-fip'),
    `Stops advertising the floating IP of an OVN load balancer of a local router.`,
  )
  static override examples = verbExamples('lb-fip')
  static override flags = verbFlags('withdraw', 'lb-fip')
}
