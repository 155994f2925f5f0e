import {Args, Flags} from '@oclif/core'

import {type SandboxResult} from '../../lib/sandbox-command.js'
import SandboxUp, {upFlags} from './up.js'

/** The sandbox commands, as they were also accepted as an argument of `sandbox` (kept for scripts). */
const ACTIONS = [
  'up',
  'down',
  'status',
  'peer',
  'nbctl',
  'logs',
  'vtysh',
  'ip',
  'ovs-vsctl',
  'ovs-ofctl',
  'show-exposed',
] as const

/**
 * `ovn-bgp sandbox` alone starts the lab, like `sandbox up`. The other sandbox commands are
 * separate commands of the topic (`sandbox peer`, `sandbox down`, ...); oclif reaches this one with
 * an action word only when flags come before it (`sandbox --dir D peer`), and then hands over to
 * that command with the rest of the arguments.
 */
export default class Sandbox extends SandboxUp {
  static override summary = 'A complete lab on this machine: OVN NB, OVS, FRR, a BGP peer and ovn-bgp watch.'
  static override description = `"ovn-bgp sandbox" is the same as "ovn-bgp sandbox up": it starts, on this machine only, an OVN
Northbound database with a demo topology, Open vSwitch, FRR, a BGP peer (gobgpd) and "ovn-bgp
watch", in a qemu guest when this kernel lacks vrf/dummy/veth/vlan, and prints the prefixes the peer
receives ("ovn-bgp sandbox up --help" has the details). See docs/sandbox.md for what to try.

The other sandbox commands:
  sandbox down           stop everything the sandbox started and remove its directory
  sandbox status         processes, BGP session, addresses on bgp-nic
  sandbox peer           the prefixes the BGP peer has received (--wait-for to wait for a change)
  sandbox nbctl ARGS     ovn-nbctl ARGS against the lab's NB database
  sandbox logs           the log of ovn-bgp watch (--lines, --follow, --node-agent, --console)
  sandbox vtysh "show ..."                one show command in the node's FRR
  sandbox ip ARGS                         a read-only ip command in the node
  sandbox ovs-vsctl ARGS, ovs-ofctl ARGS  read-only OVS commands
  sandbox show-exposed                    ovn-bgp show-exposed on the node`
  static override examples = [
    {description: 'Start the lab and show what the peer receives.', command: '<%= config.bin %> <%= command.id %>'},
    {
      description: 'Bind vm2 to this node: its /32 and /128 appear at the peer.',
      command: '<%= config.bin %> <%= command.id %> nbctl -- lsp-set-options vm2 requested-chassis=compute-1',
    },
    {description: "The peer's received prefixes.", command: '<%= config.bin %> <%= command.id %> peer'},
    {description: 'Stop and remove everything.', command: '<%= config.bin %> <%= command.id %> down'},
    {
      description: 'A second, separate sandbox (e.g. for tests).',
      command: 'OVN_BGP_SANDBOX_DIR=/run/my-sandbox <%= config.bin %> <%= command.id %>',
    },
  ]
  static override strict = false
  static override passThrough = true
  static override args = {
    action: Args.string({
      description:
        'Another sandbox command (up, down, status, peer, nbctl, ...), for "sandbox --dir D ACTION"; default up.',
      options: [...ACTIONS],
      required: false,
    }),
  }
  // The flags of the other commands stay accepted (hidden) for scripts that put them before the action.
  static override flags = {
    ...upFlags,
    down: Flags.boolean({summary: 'Same as "sandbox down".'}),
    'wait-for': Flags.string({summary: 'See "sandbox peer".', multiple: true, hidden: true}),
    lines: Flags.integer({summary: 'See "sandbox logs".', min: 1, hidden: true}),
    follow: Flags.boolean({char: 'f', summary: 'See "sandbox logs".', hidden: true}),
    'node-agent': Flags.boolean({summary: 'See "sandbox logs".', hidden: true}),
    console: Flags.boolean({summary: 'See "sandbox logs".', hidden: true}),
  }

  override async run(): Promise<SandboxResult> {
    const action = (this.flags as {down?: boolean}).down ? 'down' : ((this.args as {action?: string}).action ?? 'up')
    if (action === 'up') return this.startLab(this.sandboxDir())
    // Hand over to `sandbox ACTION` with the words around the action (it prints its own result).
    const argv = [...this.argv]
    const i = action === 'down' && (this.flags as {down?: boolean}).down ? argv.indexOf('--down') : argv.indexOf(action)
    if (i >= 0) argv.splice(i, 1)
    await this.config.runCommand(`sandbox:${action}`, argv)
    return undefined as unknown as SandboxResult
  }
}
