import {SandboxCommand, sandboxDirFlag, type SandboxResult} from '../../lib/sandbox-command.js'

export default class SandboxOvsOfctl extends SandboxCommand<typeof SandboxOvsOfctl> {
  static override summary = 'A read-only ovs-ofctl command in the lab node.'
  static override description =
    'Every argument except --dir and --json goes to ovs-ofctl; only read-only verbs are accepted (exit 2 otherwise).'
  static override examples = [
    {
      description: 'The cookie-999 flows (0x3e7) on br-ex.',
      command: '<%= config.bin %> <%= command.id %> dump-flows br-ex',
    },
  ]
  static override strict = false
  static override passThrough = true
  static override flags = {dir: sandboxDirFlag}

  async run(): Promise<SandboxResult> {
    return this.passthrough(this.sandboxDir(), 'ovs-ofctl', {op: 'ovs', tool: 'ovs-ofctl', args: await this.labArgs()})
  }
}
