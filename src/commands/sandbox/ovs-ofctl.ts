import type {SandboxRequest} from '../../lib/sandbox/protocol.js'

import {PassThroughCommand} from '../../lib/sandbox-command.js'

export default class SandboxOvsOfctl extends PassThroughCommand {
  static override summary = 'A read-only ovs-ofctl command in the lab node.'
  static override description =
    'Every argument except --dir and --json goes to ovs-ofctl; only read-only verbs are accepted (exit 2 otherwise).'
  static override examples = [
    {
      description: 'The cookie-999 flows (0x3e7) on br-ex.',
      command: '<%= config.bin %> <%= command.id %> dump-flows br-ex',
    },
  ]
  protected readonly action = 'ovs-ofctl'

  protected request(args: string[]): SandboxRequest {
    return {op: 'ovs', tool: 'ovs-ofctl', args}
  }
}
