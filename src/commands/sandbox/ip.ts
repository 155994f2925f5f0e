import {SandboxCommand, sandboxDirFlag, type SandboxResult} from '../../lib/sandbox-command.js'

export default class SandboxIp extends SandboxCommand<typeof SandboxIp> {
  static override summary = 'A read-only ip command in the lab node (addr, route, rule, neigh, link: show/list only).'
  static override description =
    'Every argument except --dir and --json goes to ip; commands that change anything are refused (exit 2).'
  static override examples = [
    {description: 'The advertised addresses.', command: '<%= config.bin %> <%= command.id %> -j addr show dev bgp-nic'},
    {description: 'The provider bridge table.', command: '<%= config.bin %> <%= command.id %> route show table 1'},
  ]
  static override strict = false
  static override passThrough = true
  static override flags = {dir: sandboxDirFlag}

  async run(): Promise<SandboxResult> {
    return this.passthrough(this.sandboxDir(), 'ip', {op: 'ip', args: await this.labArgs()})
  }
}
