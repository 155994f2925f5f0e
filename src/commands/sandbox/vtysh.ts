import type {SandboxRequest} from '../../lib/sandbox/protocol.js'

import {PassThroughCommand} from '../../lib/sandbox-command.js'

export default class SandboxVtysh extends PassThroughCommand {
  static override summary = "One show command in the node's FRR (vtysh -c)."
  static override description = 'The arguments are joined into one command, which must start with "show".'
  static override examples = [
    {
      description: 'What FRR leaked into the default instance.',
      command: '<%= config.bin %> <%= command.id %> "show bgp ipv4 unicast"',
    },
    {
      description: 'The VRF instance.',
      command: '<%= config.bin %> <%= command.id %> show bgp vrf bgp-vrf ipv6 unicast',
    },
  ]
  protected readonly action = 'vtysh'

  protected request(args: string[]): SandboxRequest {
    return {op: 'vtysh', command: args.join(' ')}
  }
}
