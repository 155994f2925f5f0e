import {AdhocCommand, type AdhocResult, verbDescription, verbFlags} from '../lib/adhoc-command.js'
import {verb} from '../lib/driver/adhoc/verbs.js'

export type WithdrawFipResult = AdhocResult

export default class WithdrawFip extends AdhocCommand {
  static override action = 'withdraw' as const
  static override method = 'fip' as const
  static override summary = 'Withdraw the floating IP of a port from this node.'
  static override description = verbDescription(
    verb('withdraw', 'fip'),
    `Stops advertising the floating IP of a port and unwires it.`,
    '--port, the port the floating IP is associated with',
  )
  static override examples = [
    {
      description: 'The FIP of a port.',
      command: '<%= config.bin %> <%= command.id %> --port 88888888-8888-8888-8888-888888888888',
    },
    {
      description: 'Without NB.',
      command:
        '<%= config.bin %> <%= command.id %> --ip 172.24.4.200 --mac fa:16:3e:00:02:00 --bridge br-ex --vlan 100',
    },
  ]
  static override flags = verbFlags('withdraw', 'fip')
}
