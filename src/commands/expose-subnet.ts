import {AdhocCommand, type AdhocResult, verbDescription, verbFlags} from '../lib/adhoc-command.js'
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
    '--port for a router interface, or --router with --network',
  )
  static override examples = [
    {
      description: 'A router interface port.',
      command: '<%= config.bin %> <%= command.id %> --port 66666666-6666-6666-6666-666666666666',
    },
    {
      description: 'A router and one of its networks, planned only.',
      command:
        '<%= config.bin %> <%= command.id %> --router router1-id --network neutron-22222222-2222-2222-2222-222222222222 --dry-run',
    },
    {
      description: 'Without NB.',
      command: '<%= config.bin %> <%= command.id %> --cidr 10.0.0.1/24 --via 172.24.4.10 --bridge br-ex --vlan 100',
    },
  ]
  static override flags = verbFlags('expose', 'subnet')
}
