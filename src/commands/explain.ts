import {Args, Flags} from '@oclif/core'

import type {ExplainReport} from '../lib/explain/report.js'

import {BaseCommand} from '../lib/base-command.js'
import {CONNECTION_OPTIONS, EXPOSURE_OPTIONS, FRR_OPTIONS, nbFileFlag, NODE_OPTIONS} from '../lib/command-flags.js'
import {configFlags} from '../lib/config/index.js'
import {ExitCode} from '../lib/errors.js'
import {gatherExplain} from '../lib/explain/gather.js'
import {renderExplain} from '../lib/explain/render.js'
import {runtimeFactory} from '../lib/runtime.js'

export type ExplainResult = ExplainReport

export default class Explain extends BaseCommand<typeof Explain> {
  static override summary =
    'Explain why an IP (or a port, router or load balancer) is or is not advertised by this node, layer by layer.'
  static override description = `One report per IP, top to bottom:
  nb        the NB rows involved (port, switch and its localnet, router port and its hosting chassis, NAT, LB), with uuids
  decision  exposed or not, and why, in the planner's terms ("bound to compute-2, not here", "router gateway hosted on chassis-2",
            "tenant networks off", "address scope ... not in address_scopes", "malformed MAC in row ...")
  kernel    each object the exposure needs (bgp-nic address, rule, route, neighbour, NDP proxy, VLAN device) and what the node has
  ovs       the cookie-999 flows it depends on
  frr       the prefix in the VRF's RIB and BGP table, leaked into the default instance, and advertised to each neighbour
            (with the session state); FRR is read with a fixed number of vtysh calls whatever the number of IPs

The target is an IP address, or a port (name or uuid: its addresses and FIPs), a router (name, with or without
"neutron-", or uuid: gateway addresses, FIPs, LB VIPs) or a load balancer (name or uuid: its VIPs).

Exit status 0 when every layer agrees with the decision (also for "not exposed: <reason>"), 3 when a layer
disagrees (the first one is named as broken), 2 when nothing in NB matches the target, 4 when NB or the node
cannot be read. With --source nb (or --nb-file) only the NB and decision layers are computed: no root needed.`
  static override examples = [
    {
      description: 'Why is this floating IP (not) advertised?',
      command: '<%= config.bin %> <%= command.id %> 172.24.4.200',
    },
    {
      description: 'Every IP of a port, as JSON; the broken layer of each.',
      command: "<%= config.bin %> <%= command.id %> vm1 --json | jq '.ips[] | {ip, broken}'",
    },
    {
      description: 'A router: its gateway addresses, FIPs and load-balancer VIPs.',
      command: '<%= config.bin %> <%= command.id %> neutron-r1',
    },
    {
      description: 'From a customer NB backup: what should compute-7 expose for this port?',
      command:
        '<%= config.bin %> <%= command.id %> vm1 --nb-file nb-backup.db --chassis-name compute-7 --chassis-id 9d2b... --bridge-mappings physnet1:br-ex',
    },
  ]
  static override args = {
    target: Args.string({description: 'IP address, port, router or load balancer (name or uuid).', required: true}),
  }
  static override flags = {
    source: Flags.option({
      summary: 'node: every layer (reads the kernel, OVS and FRR); nb: only the NB rows and the decision.',
      options: ['node', 'nb'] as const,
      default: 'node' as const,
    })(),
    'nb-file': nbFileFlag(),
    ...configFlags([...CONNECTION_OPTIONS, ...EXPOSURE_OPTIONS, ...NODE_OPTIONS, ...FRR_OPTIONS]),
  }

  async run(): Promise<ExplainResult> {
    const cfg = await this.agentConfig()
    const nbFile = this.flags['nb-file']
    const rt = runtimeFactory.create(cfg, this.logger(), {dryRun: true, nbFile})
    try {
      const offline = nbFile ? 'offline: --nb-file' : this.flags.source === 'nb' ? 'not read: --source nb' : undefined
      const report = await gatherExplain(rt, this.args.target, offline ? {offline} : {})
      if (!report.ok) this.setExitCode(ExitCode.Partial)
      if (!this.jsonEnabled()) this.log(renderExplain(report))
      return report
    } finally {
      await rt.close()
    }
  }
}
