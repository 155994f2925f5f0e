// The shared body of the twelve expose-*/withdraw-* commands: each command file declares its verb,
// texts and flags; parsing, runtime, exit codes and rendering happen here, once.
import type {Command} from '@oclif/core'

import type {ExplicitValues} from './synthetic.js'

import {BaseCommand} from '../../base-command.js'
import {dryRunFlag, reconcileFlags, timeoutFlag} from '../../command-flags.js'
import {ExitCode} from '../../errors.js'
import {runtimeFactory} from '../../runtime.js'
import {adhocFlags} from './flags.js'
import {type AdhocResult, isExplicit, renderAdhoc, runAdhoc} from './run.js'
import {type Action, type Method, verb, type VerbSpec} from './verbs.js'

export type {AdhocResult} from './run.js'

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
      const result = await runAdhoc(rt, {
        verb: spec,
        refs: {port: f.port, router: f.router, network: f.network, lb: f.lb},
        values: isExplicit(values) ? values : undefined,
        dryRun,
      })
      if (!this.jsonEnabled()) this.log(renderAdhoc(result))
      if (result.failed.length > 0) this.setExitCode(ExitCode.Partial)
      return result
    } finally {
      await rt.close()
    }
  }
}
