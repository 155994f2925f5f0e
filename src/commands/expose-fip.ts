import {AdhocCommand, type AdhocResult, verbDescription, verbExamples, verbFlags} from '../lib/adhoc-command.js'
import {verb} from '../lib/driver/adhoc/verbs.js'

export type ExposeFipResult = AdhocResult

export default class ExposeFip extends AdhocCommand {
  static override action = 'expose' as const
  static override method = 'fip' as const
  static override summary = 'Expose the floating IP of a port on this node.'
  static override description = verbDescription(
    verb('expose', 'fip'),
    `Advertises the floating IP of a port: on its VM's chassis in distributed mode (NAT external_mac),
on the gateway chassis with the router gateway MAC in centralized mode.`,
  )
  static override examples = verbExamples('fip')
  static override flags = verbFlags('expose', 'fip')
}
