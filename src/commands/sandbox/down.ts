import {SandboxCommand, sandboxDirFlag, type SandboxResult} from '../../lib/sandbox-command.js'
import {down} from '../../lib/sandbox/lab-down.js'
import {isRunning} from '../../lib/sandbox/processes.js'
import {readState} from '../../lib/sandbox/state-dir.js'

export default class SandboxDown extends SandboxCommand<typeof SandboxDown> {
  static override summary = 'Stop everything the sandbox started and remove its directory.'
  static override description = `Asks the lab to stop ovn-bgp watch, gobgpd, FRR, OVS and the NB server, then stops the qemu guest
(or deletes the host-mode namespaces) and removes the sandbox directory. Works on a half-started or
crashed sandbox too; a directory without the sandbox marker is never deleted.`
  static override examples = [
    {description: 'Stop and remove everything.', command: '<%= config.bin %> <%= command.id %>'},
    {
      description: 'What was done, as JSON.',
      command: '<%= config.bin %> <%= command.id %> --dir /run/my-sandbox --json',
    },
  ]
  static override flags = {dir: sandboxDirFlag}

  async run(): Promise<SandboxResult> {
    const dir = this.sandboxDir()
    if (!readState(dir) && !isRunning(dir)) this.logToStderr(`no sandbox state in ${dir}; cleaning leftovers only`)
    const did = await down(dir, (l) => this.logToStderr(l))
    if (!this.jsonEnabled()) this.log(`sandbox in ${dir} is down`)
    return {action: 'down', dir, did}
  }
}
