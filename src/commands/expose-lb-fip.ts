import {AdhocCommand, type AdhocResult, verbDescription, verbFlags} from '../lib/adhoc-command.js'
import {verb} from '../lib/driver/adhoc/verbs.js'

export type ExposeLbFipResult = AdhocResult

export default class ExposeLbFip extends AdhocCommand {
  static override action = 'expose' as const
  static override method = 'lb-fip' as const
  static override summary = 'Expose the floating IP of an OVN load balancer of a local router.'
  static override description = verbDescription(
    verb('expose', 'lb-fip'),
    `Advertises the floating IP of an OVN load balancer VIP (or a port-forwarding load balancer's
addresses) of a router whose gateway is hosted here.`,
    '--lb',
  )
  static override examples = [
    {
      description: 'An OVN load balancer with neutron:vip_fip.',
      command: '<%= config.bin %> <%= command.id %> --lb lb-99999999-9999-9999-9999-999999999999',
    },
    {
      description: 'Without NB.',
      command: '<%= config.bin %> <%= command.id %> --ip 172.24.4.50 --mac fa:16:3e:00:00:0a --bridge br-ex --vlan 100',
    },
  ]
  static override flags = verbFlags('expose', 'lb-fip')
}
