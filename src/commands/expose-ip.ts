import {AdhocCommand, type AdhocResult, verbDescription, verbFlags} from '../lib/adhoc-command.js'
import {verb} from '../lib/driver/adhoc/verbs.js'

export type ExposeIpResult = AdhocResult

export default class ExposeIp extends AdhocCommand {
  static override action = 'expose' as const
  static override method = 'ip' as const
  static override summary = 'Expose the IPs of a provider-network port or a router gateway (cr-lrp) on this node.'
  static override description = verbDescription(
    verb('expose', 'ip'),
    `Advertises the IPs of a VM port on a provider network, or of a router gateway port (cr-lrp)
hosted here together with its router's tenant subnets and load balancers, as upstream does.`,
    '--port for a VM port, --router for a cr-lrp',
  )
  static override examples = [
    {
      description: 'A VM port on a provider network.',
      command: '<%= config.bin %> <%= command.id %> --port 77777777-7777-7777-7777-777777777777',
    },
    {
      description: 'A router gateway port with its subnets and load balancers, planned only.',
      command: '<%= config.bin %> <%= command.id %> --router lrp-55555555-5555-5555-5555-555555555555 --dry-run',
    },
    {
      description: 'Without NB: explicit values.',
      command:
        '<%= config.bin %> <%= command.id %> --ip 172.24.4.226 --ip 2001:db8:100::226 --mac fa:16:3e:00:01:e2 --cidr 2001:db8:100::226/64 --bridge br-ex --vlan 100',
    },
  ]
  static override flags = verbFlags('expose', 'ip')
}
