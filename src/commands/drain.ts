import {Flags} from '@oclif/core'

import {BaseCommand} from '../lib/base-command.js'
import {FRR_OPTIONS} from '../lib/command-flags.js'
import {configFlags} from '../lib/config/index.js'
import {drainNode, type DrainResult} from '../lib/drain/drain.js'
import {describeWait} from '../lib/drain/peer-wait.js'
import {Progress} from '../lib/output/progress.js'
import {runtimeFactory} from '../lib/runtime.js'

export type {DrainResult} from '../lib/drain/drain.js'

export default class Drain extends BaseCommand<typeof Drain> {
  static override summary =
    'Drain this node for maintenance: announce BGP graceful shutdown, wait until the peers have it, then withdraw its routes.'
  static override description = `For a networker hosting gateway ports or a compute about to reboot. In order:
  1. records the node as drained in <state_dir>/drain.json, so a running or restarted "watch" keeps it drained;
  2. sets "bgp graceful-shutdown" in FRR's default BGP instance: every route is re-advertised with the
     GRACEFUL_SHUTDOWN community (RFC 8326, 65535:0) and peers that honour it move traffic elsewhere
     while the routes still work;
  3. waits until FRR has sent every established neighbour the marked routes (in each neighbour's
     advertised routes every route carries the marking, LOCAL_PREF 0, and its output queues are
     empty), then --settle seconds more for the fabric to converge; --wait bounds the whole wait
     (on timeout the routes are withdrawn anyway and the report names the neighbours not done);
  4. withdraws the routes leaked from the VRF (a deny-all route-map "ovn-bgp-drain" on the VRF import).
The kernel (bgp-nic addresses, rules, routes) is left as it is and no BGP session is reset, so
"ovn-bgp undrain" brings everything back without a flap. Re-running drain is harmless.`
  static override examples = [
    {
      description: 'Drain, waiting at most 60 seconds for the peers, and 10 seconds after they have the marking.',
      command: '<%= config.bin %> <%= command.id %> --wait 60 --settle 10',
    },
    {
      description: 'Only announce graceful shutdown; keep the routes (lowest preference).',
      command: '<%= config.bin %> <%= command.id %> --no-withdraw',
    },
    {description: 'As JSON, for automation.', command: '<%= config.bin %> <%= command.id %> --wait 30 --json'},
  ]
  static override flags = {
    wait: Flags.integer({
      summary:
        'At most this many seconds between announcing graceful shutdown and withdrawing the routes (drain goes on as soon as every established neighbour has been sent the marked routes, plus --settle).',
      default: 30,
      min: 0,
      max: 3600,
    }),
    settle: Flags.integer({
      summary:
        'Seconds to keep waiting after FRR has sent every established neighbour the marked routes, for the fabric to move traffic (within --wait).',
      default: 5,
      min: 0,
      max: 3600,
    }),
    withdraw: Flags.boolean({
      summary: 'Withdraw the routes after the wait (--no-withdraw: only announce graceful shutdown).',
      default: true,
      allowNo: true,
    }),
    ...configFlags([...FRR_OPTIONS, 'bgp_vrf', 'state_dir']),
  }

  async run(): Promise<DrainResult> {
    const cfg = await this.agentConfig()
    const rt = runtimeFactory.create(cfg, this.logger())
    const progress = new Progress({enabled: Progress.enabledFor(this.jsonEnabled())})
    const label = {
      announce: 'announcing graceful shutdown',
      wait: `waiting (at most ${this.flags.wait} s) until every established neighbour has been sent the graceful-shutdown routes`,
      withdraw: 'withdrawing the routes',
    } as Record<string, string>
    try {
      const r = await drainNode(
        {cfg, vtysh: rt.vtysh(), onStep: (s) => progress.step(label[s] ?? s)},
        {waitSeconds: this.flags.wait, settleSeconds: this.flags.settle, withdraw: this.flags.withdraw},
      )
      progress.done()
      if (!this.jsonEnabled()) {
        if (r.wait) this.log(describeWait(r.wait))
        this.log(
          `node drained since ${r.since} (${r.phase === 'withdrawn' ? 'routes withdrawn' : 'graceful shutdown announced, routes kept'})`,
        )
        this.log('undo with: ovn-bgp undrain')
      }

      return r
    } finally {
      progress.done()
      await rt.close()
    }
  }
}
