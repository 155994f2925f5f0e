import type {SandboxRequest} from '../../lib/sandbox/protocol.js'

import {PassThroughCommand} from '../../lib/sandbox-command.js'

export default class SandboxIp extends PassThroughCommand {
  static override summary = 'A read-only ip command in the lab node (addr, route, rule, neigh, link: show/list only).'
  static override description =
    'Every argument except --dir and --json goes to ip; commands that change anything are refused (exit 2).'
  static override examples = [
    {description: 'The advertised addresses.', command: '<%= config.bin %> <%= command.id %> -j addr show dev bgp-nic'},
    {description: 'The provider bridge table.', command: '<%= config.bin %> <%= command.id %> route show table 1'},
  ]
  protected readonly action = 'ip'

  protected request(args: string[]): SandboxRequest {
    return {op: 'ip', args}
  }
}
