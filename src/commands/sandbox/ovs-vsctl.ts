import type {SandboxRequest} from '../../lib/sandbox/protocol.js'

import {PassThroughCommand} from '../../lib/sandbox-command.js'

export default class SandboxOvsVsctl extends PassThroughCommand {
  static override summary = 'A read-only ovs-vsctl command in the lab node.'
  static override description =
    'Every argument except --dir and --json goes to ovs-vsctl; only read-only verbs are accepted (exit 2 otherwise).'
  static override examples = [
    {
      description: "The bridges and ports of the lab's Open vSwitch.",
      command: '<%= config.bin %> <%= command.id %> show',
    },
  ]
  protected readonly action = 'ovs-vsctl'

  protected request(args: string[]): SandboxRequest {
    return {op: 'ovs', tool: 'ovs-vsctl', args}
  }
}
