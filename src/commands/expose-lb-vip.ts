import {AdhocCommand, type AdhocResult, verbDescription, verbExamples, verbFlags} from '../lib/adhoc-command.js'
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
  )
  static override examples = verbExamples('lb-vip')
  static override flags = verbFlags('expose', 'lb-vip')
}
