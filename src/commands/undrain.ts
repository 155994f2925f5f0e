import {BaseCommand} from '../lib/base-command.js'
import {FRR_OPTIONS} from '../lib/command-flags.js'
import {configFlags} from '../lib/config/index.js'
import {type DrainResult, undrainNode} from '../lib/drain/drain.js'
import {runtimeFactory} from '../lib/runtime.js'

export default class Undrain extends BaseCommand<typeof Undrain> {
  static override summary =
    'End the maintenance of this node: advertise its routes again and stop the graceful shutdown.'
  static override description = `Undoes "ovn-bgp drain": first the routes leaked from the VRF are advertised again (still carrying
the GRACEFUL_SHUTDOWN community, so the peers keep their current paths until they have the routes),
then "bgp graceful-shutdown" is removed so the routes get their normal preference, and finally the
drained state in <state_dir>/drain.json is removed. No address, route or BGP session is touched, so
nothing flaps. Running it on a node that is not drained changes nothing.`
  static override examples = [
    {description: 'Bring the node back.', command: '<%= config.bin %> <%= command.id %>'},
    {description: 'As JSON.', command: '<%= config.bin %> <%= command.id %> --json'},
  ]
  static override flags = {
    ...configFlags([...FRR_OPTIONS, 'bgp_vrf', 'state_dir']),
  }

  async run(): Promise<DrainResult> {
    const cfg = await this.agentConfig()
    const rt = runtimeFactory.create(cfg, this.logger())
    try {
      const r = await undrainNode({cfg, vtysh: rt.vtysh()})
      if (!this.jsonEnabled())
        this.log(
          r.steps.some((s) => s.changed)
            ? 'node undrained: routes advertised normally again'
            : 'node was not drained: nothing changed',
        )
      return r
    } finally {
      await rt.close()
    }
  }
}
