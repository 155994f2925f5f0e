import {AdhocCommand, type AdhocResult, verbDescription, verbExamples, verbFlags} from '../lib/adhoc-command.js'
import {verb} from '../lib/driver/adhoc/verbs.js'

export type WithdrawFipResult = AdhocResult

export default class WithdrawFip extends AdhocCommand {
  static override action = 'withdraw' as const
  static override method = 'fip' as const
  static override summary = 'Withdraw the floating IP of a port from this node.'
  static override description = verbDescription(
    verb('withdraw', 'fip'),
    `Stops advertising the floating IP of a port and unwires it.`,
  )
  static override examples = verbExamples('fip')
  static override flags = verbFlags('withdraw', 'fip')
}
