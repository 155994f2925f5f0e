import {OvsToolCommand} from '../../lib/sandbox-command.js'

export default class SandboxOvsOfctl extends OvsToolCommand {
  static override summary = 'A read-only ovs-ofctl command in the lab node.'
  static override description = OvsToolCommand.toolDescription('ovs-ofctl')
  static override examples = [
    {
      description: 'The cookie-999 flows (0x3e7) on br-ex.',
      command: '<%= config.bin %> <%= command.id %> dump-flows br-ex',
    },
  ]
  protected readonly action = 'ovs-ofctl'
}
