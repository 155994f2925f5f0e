import {SandboxCommand, sandboxDirFlag, type SandboxResult} from '../../lib/sandbox-command.js'

export default class SandboxOvsVsctl extends SandboxCommand<typeof SandboxOvsVsctl> {
  static override summary = 'A read-only ovs-vsctl command in the lab node.'
  static override description =
    'Every argument except --dir and --json goes to ovs-vsctl; only read-only verbs are accepted (exit 2 otherwise).'
  static override examples = [
    {
      description: "The bridges and ports of the lab's Open vSwitch.",
      command: '<%= config.bin %> <%= command.id %> show',
    },
  ]
  static override strict = false
  static override passThrough = true
  static override flags = {dir: sandboxDirFlag}

  async run(): Promise<SandboxResult> {
    return this.passthrough(this.sandboxDir(), 'ovs-vsctl', {op: 'ovs', tool: 'ovs-vsctl', args: await this.labArgs()})
  }
}
