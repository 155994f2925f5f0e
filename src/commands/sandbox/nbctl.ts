import type {SandboxRequest} from '../../lib/sandbox/protocol.js'

import {PassThroughCommand} from '../../lib/sandbox-command.js'

export default class SandboxNbctl extends PassThroughCommand {
  static override summary = "Run ovn-nbctl ARGS against the lab's NB database."
  static override description = `Every argument except --dir and --json goes to ovn-nbctl, in order; put "--" before ARGS that could
be taken for those two. Options that would pick another database or write files (--db, --log-file,
--pidfile, --detach, ...) are refused.`
  static override examples = [
    {
      description: 'Bind vm2 to this node: its /32 and /128 appear at the peer.',
      command: '<%= config.bin %> <%= command.id %> -- lsp-set-options vm2 requested-chassis=compute-1',
    },
    {
      description: 'Take vm3 down.',
      command: '<%= config.bin %> <%= command.id %> set Logical_Switch_Port vm3 up=false',
    },
    {
      description: 'The NAT rows, names only.',
      command: '<%= config.bin %> <%= command.id %> --bare --columns=external_ip list NAT',
    },
  ]
  protected readonly action = 'nbctl'

  protected request(args: string[]): SandboxRequest {
    return {op: 'nbctl', args}
  }
}
