import {ExitCode} from '../../lib/errors.js'
import {SandboxCommand, sandboxDirFlag, type SandboxResult} from '../../lib/sandbox-command.js'
import {labStatus} from '../../lib/sandbox/lab-request.js'
import {isRunning} from '../../lib/sandbox/processes.js'
import {paths, readState} from '../../lib/sandbox/state-dir.js'

export default class SandboxStatus extends SandboxCommand<typeof SandboxStatus> {
  static override summary = "The lab's processes, its BGP session and the addresses on bgp-nic."
  static override description = `Exit status 4 when no sandbox runs in the directory, 3 when one of the lab's processes stopped.`
  static override examples = [
    {description: 'Is everything running?', command: '<%= config.bin %> <%= command.id %>'},
    {description: 'As JSON.', command: '<%= config.bin %> <%= command.id %> --json'},
  ]
  static override flags = {dir: sandboxDirFlag}

  async run(): Promise<SandboxResult> {
    const dir = this.sandboxDir()
    const state = readState(dir)
    if (!state || !isRunning(dir)) {
      if (!this.jsonEnabled()) this.log(`no sandbox is running in ${dir}`)
      this.setExitCode(ExitCode.Unavailable)
      return {action: 'status', dir, state}
    }

    const lab = await labStatus(dir)
    if (!this.jsonEnabled()) {
      this.log(
        `sandbox in ${dir}: ${state.mode === 'vm' ? 'qemu guest' : 'host namespaces'}, kernel ${lab.kernel}, started ${state.startedAt}, lab uptime ${Math.round(lab.uptimeS)} s`,
      )
      for (const p of lab.processes)
        this.log(`  ${p.alive ? 'running' : 'STOPPED'}  ${p.name}${p.pid ? ` (pid ${p.pid} in the lab)` : ''}`)
      this.log(`  BGP session with the peer: ${lab.bgpSession ?? 'unknown'}`)
      this.log(`  addresses on bgp-nic: ${lab.bgpNicAddresses ?? 'no bgp-nic'}`)
      this.log(`  logs: ${paths(dir).agentLog} (ovn-bgp watch), ${paths(dir).console} (lab)`)
    }

    if (lab.processes.some((p) => !p.alive)) this.setExitCode(ExitCode.Partial)
    return {action: 'status', dir, state, lab}
  }
}
