// What every `ovn-bgp sandbox ...` command shares: the --dir flag, the root check, the result
// document, and the pass-through of a read-only command to the lab. CLI code: it sits with
// base-command.ts, above the sandbox library it drives (src/lib/sandbox).
import {type Command, Flags, type Interfaces} from '@oclif/core'

import type {PeerRoute} from './sandbox/peer.js'
import type {LabStatus, SandboxRequest} from './sandbox/protocol.js'

import {BaseCommand} from './base-command.js'
import {ExitCode} from './errors.js'
import {SandboxError} from './sandbox/errors.js'
import {request} from './sandbox/lab-request.js'
import {resolveDir, type SandboxState} from './sandbox/state-dir.js'

/** The sandbox commands' result document (`--json`): `action` names the command that made it. */
export interface SandboxResult {
  action: string
  dir: string
  state?: SandboxState | undefined
  startSeconds?: number
  routes?: PeerRoute[]
  missing?: string[]
  lab?: LabStatus | undefined
  output?: {code: number; stdout: string; stderr: string}
  did?: string[]
}

export const sandboxDirFlag = Flags.string({
  summary: 'Sandbox state directory (env OVN_BGP_SANDBOX_DIR, default /run/ovn-bgp-sandbox).',
})

export abstract class SandboxCommand<T extends typeof Command> extends BaseCommand<T> {
  /**
   * Pass-through commands (`sandbox ip -br addr`) set this to false: an argument that looks like a
   * flag but is none of ours is then an argument for the lab's command instead of an error.
   */
  static passThrough = false
  private fullArgv: string[] | undefined

  /** The state directory, after checking that we run as root (namespaces, qemu, FRR, OVS). */
  protected sandboxDir(): string {
    if (process.getuid?.() !== 0)
      throw new SandboxError(
        'ovn-bgp sandbox needs root (network namespaces, qemu, FRR, OVS)',
        'run it as root',
        ExitCode.Usage,
      )
    return resolveDir((this.flags as {dir?: string}).dir)
  }

  /** ` --dir DIR` when the user gave --dir, for the commands we suggest next. */
  protected dirFlag(dir: string): string {
    return (this.flags as {dir?: string}).dir ? ` --dir ${dir}` : ''
  }

  /**
   * Pass-through commands: before the first "--", our flags are parsed and any other word (also one
   * that looks like a flag, `-br`) stays an argument, in order; everything after "--" is the lab
   * command's, verbatim. (oclif rejects unknown flags even for non-strict commands unless its '--'
   * option is false, and with it false, "--" no longer ends the flags: hence the split here.)
   */
  protected override async parse<
    F extends Interfaces.OutputFlags<never>,
    B extends Interfaces.OutputFlags<never>,
    A extends Interfaces.OutputArgs<never>,
  >(options?: Interfaces.Input<F, B, A>, argv: string[] = this.argv): Promise<Interfaces.ParserOutput<F, B, A>> {
    const ctor = this.ctor as typeof SandboxCommand
    if (!ctor.passThrough) return super.parse(options, argv)
    const input =
      options ??
      ({
        flags: ctor.flags,
        baseFlags: ctor.baseFlags,
        enableJsonFlag: ctor.enableJsonFlag,
        args: ctor.args,
        strict: ctor.strict,
      } as Interfaces.Input<F, B, A>)
    // oclif keeps only the parsed part in this.argv: later calls (labArgs) start from the full list.
    this.fullArgv ??= [...argv]
    const all = this.fullArgv
    const end = all.indexOf('--')
    const out = await super.parse({...input, '--': false}, end === -1 ? all : all.slice(0, end))
    if (end !== -1) out.argv.push(...all.slice(end + 1))
    return out
  }

  /** The arguments for the lab's command (see parse). */
  protected async labArgs(): Promise<string[]> {
    const {argv} = await this.parse()
    return (argv as unknown[]).map(String)
  }

  /** Runs one allowed request in the lab and relays its output and exit status. */
  protected async passthrough(dir: string, action: string, req: SandboxRequest): Promise<SandboxResult> {
    const r = await request(dir, req, 90_000)
    if (!this.jsonEnabled()) {
      if (r.stdout) process.stdout.write(r.stdout.endsWith('\n') ? r.stdout : `${r.stdout}\n`)
      if (r.stderr) process.stderr.write(r.stderr.endsWith('\n') ? r.stderr : `${r.stderr}\n`)
    }

    if (r.code !== 0) process.exitCode = r.code > 0 && r.code < 256 ? r.code : 1
    return {action, dir, output: {code: r.code, stdout: r.stdout, stderr: r.stderr}}
  }
}

/**
 * A read-only command of the lab node (`sandbox ip`, `sandbox vtysh`, ...): every argument except
 * --dir and --json goes to the lab's tool, which the lab checks against its allow-list
 * (src/lib/sandbox/protocol.ts); the tool's output and exit status are relayed. A subclass gives its
 * texts, its action name and the request its arguments make.
 */
export abstract class PassThroughCommand extends SandboxCommand<typeof PassThroughCommand> {
  static override strict = false
  static override passThrough = true
  static override flags = {dir: sandboxDirFlag}
  /** The `action` of the result document. */
  protected abstract readonly action: string

  async run(): Promise<SandboxResult> {
    return this.passthrough(this.sandboxDir(), this.action, this.request(await this.labArgs()))
  }

  /** The lab request these arguments make. */
  protected abstract request(args: string[]): SandboxRequest
}

/**
 * The read-only OVS tool commands (sandbox ovs-ofctl, sandbox ovs-vsctl): the arguments go to the
 * tool in the lab node, which accepts only its read-only verbs.
 */
export abstract class OvsToolCommand extends PassThroughCommand {
  protected abstract override readonly action: 'ovs-ofctl' | 'ovs-vsctl'

  /** The command's description, naming its tool. */
  static toolDescription(tool: 'ovs-ofctl' | 'ovs-vsctl'): string {
    return `Every argument except --dir and --json goes to ${tool}; only read-only verbs are accepted (exit 2 otherwise).`
  }

  protected override request(args: string[]): SandboxRequest {
    return {op: 'ovs', tool: this.action, args}
  }
}
