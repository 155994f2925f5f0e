// The shared body of the twelve expose-*/withdraw-* commands: each command file declares its verb,
// texts and flags; parsing, runtime, exit codes and rendering happen here, once. CLI code: the verb
// itself (resolve, select, one restricted pass) is src/lib/driver/adhoc/run.ts.
import type {Command} from '@oclif/core'

import type {TargetInfo} from './driver/adhoc/targets.js'
import type {ExposedEntry} from './planner/types.js'

import {BaseCommand} from './base-command.js'
import {dryRunFlag, reconcileFlags, timeoutFlag} from './command-flags.js'
import {adhocFlags} from './driver/adhoc/flags.js'
import {type AdhocOutcome, isExplicit, runAdhoc, targetName} from './driver/adhoc/run.js'
import {type ExplicitValues} from './driver/adhoc/synthetic.js'
import {type Action, type Method, verb, type VerbSpec} from './driver/adhoc/verbs.js'
import {ExitCode} from './errors.js'
import {color as chalk} from './output/color.js'
import {changeReport, type ChangeReport, renderChangeReport} from './output/results.js'
import {runtimeFactory} from './runtime.js'

/** The --json document of every ad-hoc verb: what was resolved, then the change report. */
export interface AdhocResult extends ChangeReport {
  verb: string
  /** The upstream NB driver method mirrored. */
  upstream: string
  target: TargetInfo
  /** IPs (and subnet CIDRs) exposed or withdrawn. */
  ips: string[]
  /** The planner's entries for those IPs, with the NB row each comes from. */
  exposed: ExposedEntry[]
}

function adhocResult(o: AdhocOutcome): AdhocResult {
  const report = changeReport(o.pass)
  report.unchanged = o.unchanged
  return {verb: o.verb, upstream: o.upstream, target: o.target, ips: o.ips, exposed: o.exposed, ...report}
}

/** Human rendering: what was resolved, then the per-object changes like sync prints them. */
function renderAdhoc(res: AdhocResult): string {
  const what = res.ips.length > 0 ? res.ips.join(', ') : 'nothing exposed here'
  const head = `${res.verb} (${res.upstream}): ${targetName(res.target)}: ${what}`
  return `${chalk.bold(head)}\n${renderChangeReport(res)}`
}

/** The flags of one verb: its object and explicit-value flags, --dry-run and the reconcile options. */
export function verbFlags(action: Action, method: Method) {
  return {
    'dry-run': dryRunFlag(),
    timeout: timeoutFlag(),
    ...adhocFlags(verb(action, method).flags),
    ...reconcileFlags(),
  }
}

const para = (...lines: string[]) => lines.join(' ').replaceAll('\n', ' ')

/** The description shared by all verbs: the method mirrored, the two modes, the guarantees (paragraphs, wrapped by oclif). */
export function verbDescription(spec: VerbSpec, what: string, objects: string): string {
  const effect =
    spec.action === 'expose'
      ? para(
          'Only adds (or repairs) objects: the addresses, rules, routes, neighbours, NDP proxies and flows the object needs,',
          'plus the base wiring they sit on (VLAN device, helper addresses, default routes). Nothing is removed.',
        )
      : para(
          'Only removes owned objects the object needed that nothing else still needs (NDP proxies, flows, VLAN devices and',
          'default routes are shared). With explicit values the rest of the node is unknown, so shared objects are kept',
          '(a later sync removes them when nothing needs them).',
        )
  return [
    para(`Mirrors the upstream NB driver method ${spec.upstream}.`, what),
    para(
      `The object is named in NB (${objects}): everything is derived exactly as a sync would derive it (the real planner`,
      `on the whole NB snapshot), and only that object's objects are ${spec.action === 'expose' ? 'added' : 'removed'}.`,
      'Or, on a node without NB access, explicit values describe it (--ip, --bridge, --vlan ...): they become a small NB',
      'snapshot that the same planner reads, so both modes plan the same objects.',
    ),
    effect,
    'Running it twice changes nothing the second time. With --dry-run nothing is changed and no root is needed.',
  ].join('\n\n')
}

type AdhocFlags = Partial<ExplicitValues> & {
  port?: string
  router?: string
  network?: string
  lb?: string
  'dry-run'?: boolean
  timeout?: number
}

export abstract class AdhocCommand extends BaseCommand<typeof Command> {
  /** Set by each command class. */
  static action: Action
  static method: Method

  async run(): Promise<AdhocResult> {
    const ctor = this.constructor as typeof AdhocCommand
    const spec = verb(ctor.action, ctor.method)
    const f = this.flags as AdhocFlags
    const values: ExplicitValues = {
      ip: f.ip ?? [],
      bridge: f.bridge,
      vlan: f.vlan,
      mac: f.mac,
      cidr: f.cidr ?? [],
      via: f.via ?? [],
    }
    const dryRun = Boolean(f['dry-run'])
    const rt = runtimeFactory.create(await this.agentConfig(), this.logger(), {
      dryRun,
      timeoutMs: Number(f.timeout ?? 10) * 1000,
    })
    try {
      const result = adhocResult(
        await runAdhoc(rt, {
          verb: spec,
          refs: {port: f.port, router: f.router, network: f.network, lb: f.lb},
          values: isExplicit(values) ? values : undefined,
          dryRun,
        }),
      )
      if (!this.jsonEnabled()) this.log(renderAdhoc(result))
      if (result.failed.length > 0) this.setExitCode(ExitCode.Partial)
      return result
    } finally {
      await rt.close()
    }
  }
}
