import {AdhocCommand, type AdhocResult, verbDescription, verbExamples, verbFlags} from '../lib/adhoc-command.js'
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
  )
  static override examples = verbExamples('lb-fip')
  static override flags = verbFlags('expose', 'lb-fip')
}
