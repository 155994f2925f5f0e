import {OvsToolCommand} from '../../lib/sandbox-command.js'

export default class SandboxOvsVsctl extends OvsToolCommand {
  static override summary = 'A read-only ovs-vsctl command in the lab node.'
  static override description = OvsToolCommand.toolDescription('ovs-vsctl')
  static override examples = [
    {
      description: "The bridges and ports of the lab's Open vSwitch.",
      command: '<%= config.bin %> <%= command.id %> show',
    },
  ]
  protected readonly action = 'ovs-vsctl'
}
