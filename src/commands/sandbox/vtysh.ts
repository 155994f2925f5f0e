import {SandboxCommand, sandboxDirFlag, type SandboxResult} from '../../lib/sandbox-command.js'

export default class SandboxVtysh extends SandboxCommand<typeof SandboxVtysh> {
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
  static override strict = false
  static override passThrough = true
  static override flags = {dir: sandboxDirFlag}

  async run(): Promise<SandboxResult> {
    return this.passthrough(this.sandboxDir(), 'vtysh', {op: 'vtysh', command: (await this.labArgs()).join(' ')})
  }
}
