import {SandboxCommand, sandboxDirFlag, type SandboxResult} from '../../lib/sandbox-command.js'
import {SandboxError} from '../../lib/sandbox/errors.js'
import {request} from '../../lib/sandbox/lab-request.js'

export default class SandboxShowExposed extends SandboxCommand<typeof SandboxShowExposed> {
  static override summary = 'ovn-bgp show-exposed on the lab node: what is advertised and which NB row it comes from.'
  static override description = "With --json, show-exposed's own JSON document (not a sandbox result)."
  static override examples = [
    {description: 'Which NB row each IP comes from.', command: '<%= config.bin %> <%= command.id %>'},
    {
      description: 'Only what differs from the plan.',
      command: '<%= config.bin %> <%= command.id %> --json | jq \'.entries[] | select(.state != "ok")\'',
    },
  ]
  static override flags = {dir: sandboxDirFlag}

  async run(): Promise<SandboxResult> {
    const dir = this.sandboxDir()
    if (!this.jsonEnabled()) return this.passthrough(dir, 'show-exposed', {op: 'show-exposed', json: false})
    const r = await request(dir, {op: 'show-exposed', json: true}, 90_000)
    if (r.code !== 0 && !r.stdout.trim().startsWith('{'))
      throw new SandboxError(`show-exposed in the lab: exit ${r.code}: ${r.stderr.trim()}`)
    if (r.code !== 0) process.exitCode = r.code
    return JSON.parse(r.stdout) as SandboxResult // show-exposed's own document
  }
}
