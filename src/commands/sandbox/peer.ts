import {Flags} from '@oclif/core'
import {setTimeout as sleep} from 'node:timers/promises'

import {ExitCode} from '../../lib/errors.js'
import {SandboxCommand, sandboxDirFlag, type SandboxResult} from '../../lib/sandbox-command.js'
import {peerRoutes, renderPeerTable} from '../../lib/sandbox/peer.js'

export default class SandboxPeer extends SandboxCommand<typeof SandboxPeer> {
  static override summary = 'The prefixes the BGP peer (gobgpd, AS 65001) has received from the node.'
  static override description = `IPv4 and IPv6, with next hop, AS path and age. With --wait-for, polls until every condition holds
(PREFIX present, !PREFIX absent) or --timeout passes (exit 3).`
  static override examples = [
    {description: "The peer's received prefixes.", command: '<%= config.bin %> <%= command.id %>'},
    {
      description: 'Wait until the peer has (or has dropped) a prefix.',
      command:
        "<%= config.bin %> <%= command.id %> --wait-for 172.24.4.12/32 --wait-for '!172.24.4.11/32' --timeout 30",
    },
  ]
  static override flags = {
    dir: sandboxDirFlag,
    'wait-for': Flags.string({
      summary: 'Wait until this prefix is present (or, with "!" in front, absent).',
      multiple: true,
    }),
    timeout: Flags.integer({summary: 'Seconds to wait for --wait-for (default 30).', min: 1}),
  }

  async run(): Promise<SandboxResult> {
    const dir = this.sandboxDir()
    const waits = this.flags['wait-for'] ?? []
    const timeoutS = this.flags.timeout ?? 30
    const deadline = Date.now() + timeoutS * 1000
    let routes = await peerRoutes(dir)
    const unmet = () => {
      const have = new Set(routes.map((r) => r.prefix))
      return waits.filter((w) => (w.startsWith('!') ? have.has(w.slice(1)) : !have.has(w)))
    }

    while (waits.length > 0 && unmet().length > 0 && Date.now() < deadline) {
      await sleep(300)
      routes = await peerRoutes(dir)
    }

    const missing = unmet()
    if (!this.jsonEnabled()) {
      this.log(renderPeerTable(routes))
      if (missing.length > 0) this.log(`not met after ${timeoutS} s: ${missing.join(', ')}`)
    }

    if (missing.length > 0) this.setExitCode(ExitCode.Partial)
    return {action: 'peer', dir, routes, missing}
  }
}
