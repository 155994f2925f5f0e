import {AdhocCommand, type AdhocResult, verbDescription, verbExamples, verbFlags} from '../lib/adhoc-command.js'
import {verb} from '../lib/driver/adhoc/verbs.js'

export type WithdrawRemoteIpResult = AdhocResult

export default class WithdrawRemoteIp extends AdhocCommand {
  static override action = 'withdraw' as const
  static override method = 'remote-ip' as const
  static override summary = 'Withdraw the IPs of a tenant-network VM behind a local router.'
  static override description = verbDescription(
    verb('withdraw', 'remote-ip'),
    `Stops advertising the IPs of a VM on a tenant network exposed through a local router.`,
  )
  static override examples = verbExamples('remote-ip')
  static override flags = verbFlags('withdraw', 'remote-ip')
}
