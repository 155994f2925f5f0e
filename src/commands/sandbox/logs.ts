import {Flags} from '@oclif/core'
import {readFileSync} from 'node:fs'
import {setTimeout as sleep} from 'node:timers/promises'

import {SandboxCommand, sandboxDirFlag, type SandboxResult} from '../../lib/sandbox-command.js'
import {SandboxError} from '../../lib/sandbox/errors.js'
import {isRunning} from '../../lib/sandbox/processes.js'
import {paths} from '../../lib/sandbox/state-dir.js'

export default class SandboxLogs extends SandboxCommand<typeof SandboxLogs> {
  static override summary = "The log of ovn-bgp watch in the lab (or the lab's request log or console)."
  static override examples = [
    {
      description: 'The last 20 lines: one per event and reconcile pass.',
      command: '<%= config.bin %> <%= command.id %> --lines 20',
    },
    {description: 'Keep printing new lines.', command: '<%= config.bin %> <%= command.id %> --follow'},
    {description: "The lab's set-up output.", command: '<%= config.bin %> <%= command.id %> --console'},
  ]
  static override flags = {
    dir: sandboxDirFlag,
    lines: Flags.integer({summary: 'Number of lines.', default: 50, min: 1}),
    follow: Flags.boolean({char: 'f', summary: 'Keep printing new lines (Ctrl-C stops).'}),
    'node-agent': Flags.boolean({summary: "The lab's request log instead of ovn-bgp watch's."}),
    console: Flags.boolean({summary: "The lab's console (lab.sh output) instead of ovn-bgp watch's."}),
  }

  async run(): Promise<SandboxResult> {
    const dir = this.sandboxDir()
    const p = paths(dir)
    const file = this.flags['node-agent'] ? `${p.share}/node-agent.log` : this.flags.console ? p.console : p.agentLog
    let text: string
    try {
      text = readFileSync(file, 'utf8')
    } catch {
      throw new SandboxError(`no log at ${file}`, 'is a sandbox running? ovn-bgp sandbox status')
    }

    const lines = text.split('\n')
    if (lines.at(-1) === '') lines.pop()
    const shown = lines.slice(-this.flags.lines)
    if (this.jsonEnabled()) return {action: 'logs', dir, output: {code: 0, stdout: shown.join('\n'), stderr: ''}}
    for (const l of shown) this.log(l)
    if (this.flags.follow) await follow(file, Buffer.byteLength(text), dir)
    return {action: 'logs', dir}
  }
}

/** Prints what is appended to `file` from `offset` on, until Ctrl-C or the lab stops. */
async function follow(file: string, offset: number, dir: string): Promise<void> {
  let stopped = false
  process.once('SIGINT', () => {
    stopped = true
  })
  while (!stopped && isRunning(dir)) {
    await sleep(300)
    let buf: Buffer
    try {
      buf = readFileSync(file)
    } catch {
      break
    }

    if (buf.length > offset) {
      process.stdout.write(buf.subarray(offset))
      offset = buf.length
    }
  }
}
