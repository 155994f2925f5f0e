import {AdhocCommand, type AdhocResult, verbDescription, verbFlags} from '../lib/adhoc-command.js'
import {verb} from '../lib/driver/adhoc/verbs.js'

export type WithdrawLbVipResult = AdhocResult

export default class WithdrawLbVip extends AdhocCommand {
  static override action = 'withdraw' as const
  static override method = 'lb-vip' as const
  static override summary = 'Withdraw the VIP of an OVN load balancer of a local router.'
  static override description = verbDescription(
    verb('withdraw', 'lb-vip'),
    `Stops advertising the VIP of an OVN load balancer of a local router.`,
    '--lb',
  )
  static override examples = [
    {
      description: 'An OVN load balancer.',
      command: '<%= config.bin %> <%= command.id %> --lb lb-99999999-9999-9999-9999-999999999999',
    },
    {
      description: 'Without NB (provider VIP).',
      command: '<%= config.bin %> <%= command.id %> --ip 172.24.4.60 --bridge br-ex --vlan 100',
    },
  ]
  static override flags = verbFlags('withdraw', 'lb-vip')
}
