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

/**
 * Help shared by the expose and withdraw verbs of one method: how the NB object is named, and
 * examples (the same flags select the object in both directions).
 */
const METHOD_HELP: Record<Method, {objects: string; examples: ReadonlyArray<[description: string, args: string]>}> = {
  ip: {
    objects: '--port for a VM port, --router for a cr-lrp',
    examples: [
      ['A VM port on a provider network.', '--port 77777777-7777-7777-7777-777777777777'],
      [
        'A router gateway port with its subnets and load balancers, planned only.',
        '--router lrp-55555555-5555-5555-5555-555555555555 --dry-run',
      ],
      [
        'Without NB: explicit values.',
        '--ip 172.24.4.226 --ip 2001:db8:100::226 --mac fa:16:3e:00:01:e2 --cidr 2001:db8:100::226/64 --bridge br-ex --vlan 100',
      ],
    ],
  },
  fip: {
    objects: '--port, the port the floating IP is associated with',
    examples: [
      ['The FIP of a port.', '--port 88888888-8888-8888-8888-888888888888'],
      ['Without NB.', '--ip 172.24.4.200 --mac fa:16:3e:00:02:00 --bridge br-ex --vlan 100'],
    ],
  },
  'lb-vip': {
    objects: '--lb',
    examples: [
      ['An OVN load balancer.', '--lb lb-99999999-9999-9999-9999-999999999999'],
      ['Without NB (provider VIP).', '--ip 172.24.4.60 --bridge br-ex --vlan 100'],
    ],
  },
  'lb-fip': {
    objects: '--lb',
    examples: [
      ['An OVN load balancer with neutron:vip_fip.', '--lb lb-99999999-9999-9999-9999-999999999999'],
      ['Without NB.', '--ip 172.24.4.50 --mac fa:16:3e:00:00:0a --bridge br-ex --vlan 100'],
    ],
  },
  'remote-ip': {
    objects: '--port',
    examples: [
      ['A tenant VM port.', '--port 88888888-8888-8888-8888-888888888888'],
      ['Without NB.', '--ip 10.0.0.5 --json'],
    ],
  },
  subnet: {
    objects: '--port for a router interface, or --router with --network',
    examples: [
      ['A router interface port.', '--port 66666666-6666-6666-6666-666666666666'],
      [
        'A router and one of its networks, planned only.',
        '--router router1-id --network neutron-22222222-2222-2222-2222-222222222222 --dry-run',
      ],
      ['Without NB.', '--cidr 10.0.0.1/24 --via 172.24.4.10 --bridge br-ex --vlan 100'],
    ],
  },
}

/** The examples of one method's verbs (oclif renders `command` with the verb's own id). */
export function verbExamples(method: Method): Array<{description: string; command: string}> {
  return METHOD_HELP[method].examples.map(([description, args]) => ({
    description,
    command: `<%= config.bin %> <%= command.id %> ${args}`,
  }))
}

const para = (...lines: string[]) => lines.join(' ').replaceAll('\n', ' ')

/** The description shared by all verbs: the method mirrored, the two modes, the guarantees (paragraphs, wrapped by oclif). */
export function verbDescription(spec: VerbSpec, what: string): string {
  const {objects} = METHOD_HELP[spec.method]
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
