import {AdhocCommand, type AdhocResult, verbDescription, verbFlags} from '../lib/adhoc-command.js'
import {verb} from '../lib/driver/adhoc/verbs.js'

export type ExposeRemoteIpResult = AdhocResult

export default class ExposeRemoteIp extends AdhocCommand {
  static override action = 'expose' as const
  static override method = 'remote-ip' as const
  static override summary = 'Expose the IPs of a tenant-network VM behind a local router (bgp-nic address only).'
  static override description = verbDescription(
    verb('expose', 'remote-ip'),
    `Advertises the IPs of a VM on a tenant network exposed through a local router (address on
bgp-nic only: the subnet's rule and route carry the traffic). Host advertisement mode only.`,
    '--port',
  )
  static override examples = [
    {
      description: 'A tenant VM port.',
      command: '<%= config.bin %> <%= command.id %> --port 88888888-8888-8888-8888-888888888888',
    },
    {description: 'Without NB.', command: '<%= config.bin %> <%= command.id %> --ip 10.0.0.5 --json'},
  ]
  static override flags = verbFlags('expose', 'remote-ip')
}
