import {AdhocCommand, type AdhocResult, verbDescription, verbExamples, verbFlags} from '../lib/adhoc-command.js'
import {verb} from '../lib/driver/adhoc/verbs.js'

export type ExposeSubnetResult = AdhocResult

export default class ExposeSubnet extends AdhocCommand {
  static override action = 'expose' as const
  static override method = 'subnet' as const
  static override summary = 'Expose a tenant subnet behind a local router gateway.'
  static override description = verbDescription(
    verb('expose', 'subnet'),
    `Wires a tenant subnet behind a router whose gateway (cr-lrp) is hosted here: rule into the
provider bridge table, route via the cr-lrp address (and in subnet mode the VRF route that FRR
redistributes); in host mode also the IPs of the network's VMs.`,
  )
  static override examples = verbExamples('subnet')
  static override flags = verbFlags('expose', 'subnet')
}
