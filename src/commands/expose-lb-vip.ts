import {AdhocCommand, type AdhocResult, verbDescription, verbFlags} from '../lib/adhoc-command.js'
import {verb} from '../lib/driver/adhoc/verbs.js'

export type ExposeLbVipResult = AdhocResult

export default class ExposeLbVip extends AdhocCommand {
  static override action = 'expose' as const
  static override method = 'lb-vip' as const
  static override summary = 'Expose the VIP of an OVN load balancer of a local router.'
  static override description = verbDescription(
    verb('expose', 'lb-vip'),
    `Advertises the VIP of an OVN load balancer of a router whose gateway is hosted here: on a
provider network rule + route + address (no neighbour), on a tenant network the address only.`,
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
  static override flags = verbFlags('expose', 'lb-vip')
}
