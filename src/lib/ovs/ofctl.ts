// Observes and applies the cookie-999 MAC-tweak flows with ovs-ofctl (docs/upstream-behaviour.md#mac-tweak-flows,
// docs/upstream-behaviour.md#bug-17-flow-parsing).
// Contract:
//  - only cookie-999 flows are ever listed or deleted (every dump and delete carries cookie=999/-1);
//  - all changes of a bridge go in one `add-flows <br> -`: `delete_strict` lines by exact match
//    (absent = success), then `add` lines (an add of an existing match replaces its actions, so
//    adds are idempotent);
//  - a failing command is retried once with `-O OpenFlow13` (a bridge may allow only 1.3); a bridge
//    that needed 1.3 is remembered and asked in 1.3 first from then on;
//  - results are per operation; one failure never stops the others.
import type {CommandRunner, RunResult} from '../exec/runner.js'
import type {FlowObj, OpResult} from '../planner/types.js'

import {DependencyError, ValidationError} from '../errors.js'
import {type Logger, NullLogger} from '../log.js'
import {isIfName} from '../net/ip.js'
import {
  COOKIE_FILTER,
  deleteSpec,
  type FlowDump,
  foreignDeleteSpec,
  type ForeignFlow,
  parseFlowDump,
  renderFlow,
} from './flow-text.js'

export interface OfctlOptions {
  ofctlPath: string
  /** Extra environment for ovs-ofctl (OVS_RUNDIR ...). */
  env?: Record<string, string>
  logger?: Logger
  timeoutMs?: number
  /**
   * Longest a dump-flows may wait for ovs-vswitchd; 0 or unset: no bound. A dump that ran out of
   * it is not retried with the other OpenFlow version, and is reported in dumpAll's `timedOut`,
   * apart from other errors.
   */
  dumpTimeoutMs?: number
}

type FlowOp = {op: 'add'; flow: FlowObj} | {op: 'delete'; flow: FlowObj} | {op: 'delete-foreign'; flow: ForeignFlow}

/**
 * One flow operation's result, in the plan's result type (error: ovs-ofctl's text). Deleting a
 * foreign cookie-999 flow (one of a shape ovn-bgp does not model) is a remove of that flow.
 */
export type FlowOpResult = OpResult<FlowObj | ForeignFlow>

/** A result about one of the modelled flows (not a foreign one): a result of the plan itself. */
export function isPlanResult(r: FlowOpResult): r is OpResult<FlowObj> {
  return 'kind' in r.obj
}

function result(op: FlowOp, error?: string): FlowOpResult {
  return {
    action: op.op === 'add' ? 'add' : 'remove',
    obj: op.flow,
    ok: error === undefined,
    ...(error === undefined ? {} : {error}),
  }
}

export interface FlowChangeSet {
  add: FlowObj[]
  remove: FlowObj[]
  removeForeign: ForeignFlow[]
}

const OF13 = ['-O', 'OpenFlow13']
/** Errors about the bridge, not about one flow: replaying op by op would only fail again. */
const BRIDGE_UNREACHABLE =
  /not a bridge or a socket|failed to connect|version negotiation failed|command not found|cannot run/

function checkBridge(bridge: string): string {
  if (!isIfName(bridge)) throw new ValidationError(`invalid bridge name: ${JSON.stringify(bridge)}`)
  return bridge
}

function errorText(r: RunResult): string {
  return (r.stderr.trim() || r.stdout.trim() || `exit code ${r.code}`).split('\n').slice(-3).join('; ')
}

export class OfctlFlows {
  private readonly logger: Logger
  /** Bridges that refused the default OpenFlow version: asked in 1.3 first. */
  private readonly of13Bridges = new Set<string>()

  constructor(
    private readonly runner: CommandRunner,
    private readonly opts: OfctlOptions,
  ) {
    this.logger = (opts.logger ?? new NullLogger()).child({component: 'ofctl'})
  }

  /** All cookie-999 flows of a bridge. Throws DependencyError when the bridge cannot be dumped. */
  async dump(bridge: string): Promise<FlowDump> {
    checkBridge(bridge)
    const bound = this.opts.dumpTimeoutMs ?? 0
    const r = await this.ofctl(
      bridge,
      ['--no-stats', '--no-names', 'dump-flows', bridge, COOKIE_FILTER],
      undefined,
      bound,
    )
    if (r.code !== 0) {
      const timedOut = r.timedOut === true
      throw new DependencyError(
        timedOut
          ? `ovs-ofctl dump-flows ${bridge}: no answer from ovs-vswitchd within ${bound} ms`
          : `ovs-ofctl dump-flows ${bridge} failed: ${errorText(r)}`,
        {code: timedOut ? 'OVS_DUMP_TIMEOUT' : 'OVS_DUMP_FAILED'},
      )
    }

    return parseFlowDump(bridge, r.stdout)
  }

  /** Dumps several bridges; a bridge that fails is reported in `errors`, not thrown. */
  async dumpAll(
    bridges: readonly string[],
  ): Promise<{flows: FlowObj[]; foreign: ForeignFlow[]; errors: Record<string, string>; timedOut: string[]}> {
    const out = {
      flows: [] as FlowObj[],
      foreign: [] as ForeignFlow[],
      errors: {} as Record<string, string>,
      timedOut: [] as string[],
    }
    for (const br of bridges) {
      try {
        const d = await this.dump(br)
        out.flows.push(...d.flows)
        out.foreign.push(...d.foreign)
      } catch (error) {
        out.errors[br] = (error as Error).message
        if ((error as {code?: string}).code === 'OVS_DUMP_TIMEOUT') out.timedOut.push(br)
      }
    }

    return out
  }

  /**
   * Applies the changes with ONE `ovs-ofctl add-flows <br> -` per bridge: `delete_strict` lines
   * (ours, then foreign), then `add` lines. ovs-ofctl parses the whole file before sending, so a
   * rejected batch changed nothing; it is then replayed op by op (del-flows --strict / add-flow)
   * to find out which op fails, unless the bridge itself is unreachable.
   */
  async apply(changes: FlowChangeSet): Promise<FlowOpResult[]> {
    const batches = new Map<string, Array<{op: FlowOp; line: string}>>()
    const results: FlowOpResult[] = []
    const queue = (op: FlowOp, line: () => string) => {
      try {
        const br = checkBridge(op.flow.bridge)
        batches.set(br, [...(batches.get(br) ?? []), {op, line: line()}])
      } catch (error) {
        results.push(result(op, (error as Error).message))
      }
    }

    for (const flow of changes.remove) queue({op: 'delete', flow}, () => `delete_strict ${deleteSpec(flow)}`)
    for (const flow of changes.removeForeign)
      queue({op: 'delete-foreign', flow}, () => `delete_strict ${foreignDeleteSpec(flow)}`)
    for (const flow of changes.add) queue({op: 'add', flow}, () => `add ${renderFlow(flow)}`)
    for (const [bridge, items] of batches) results.push(...(await this.applyBatch(bridge, items)))
    return results
  }

  /**
   * Makes the cookie-999 flows of `bridges` exactly `desired` (flows of other bridges in `desired`
   * are ignored). Returns the per-op results; nothing to do = [].
   */
  async sync(
    bridges: readonly string[],
    desired: readonly FlowObj[],
  ): Promise<{results: FlowOpResult[]; errors: Record<string, string>}> {
    const observed = await this.dumpAll(bridges)
    const wanted = desired.filter((f) => bridges.includes(f.bridge) && observed.errors[f.bridge] === undefined)
    const changes = diffFlows(wanted, observed.flows)
    changes.removeForeign = observed.foreign
    return {results: await this.apply(changes), errors: observed.errors}
  }

  private async applyBatch(bridge: string, items: Array<{op: FlowOp; line: string}>): Promise<FlowOpResult[]> {
    const error = await this.tryRun(bridge, ['add-flows', bridge, '-'], items.map((i) => i.line).join('\n') + '\n')
    if (error === undefined) return items.map(({op}) => result(op))
    this.logger.warn('ovs-ofctl batch failed', {bridge, ops: items.length, error})
    if (items.length === 1 || BRIDGE_UNREACHABLE.test(error)) return items.map(({op}) => result(op, error))
    const out: FlowOpResult[] = []
    for (const {op, line} of items) {
      const e = await this.tryRun(bridge, ['add-flows', bridge, '-'], line + '\n')
      out.push(result(op, e))
    }

    return out
  }

  /** undefined on success, else the error text; never throws. */
  private async tryRun(bridge: string, args: string[], input: string): Promise<string | undefined> {
    try {
      const r = await this.ofctl(bridge, args, input)
      return r.code === 0 ? undefined : errorText(r)
    } catch (error) {
      return (error as Error).message
    }
  }

  /** Runs ovs-ofctl, retrying once with the other protocol choice on failure. */
  private async ofctl(bridge: string, args: string[], input?: string, timeoutMs?: number): Promise<RunResult> {
    const first = this.of13Bridges.has(bridge)
    const r = await this.run(first ? [...OF13, ...args] : args, input, timeoutMs)
    if (r.code === 0) return r
    // No answer at all (ovs-vswitchd busy): the other version would wait as long for nothing.
    if (r.timedOut) return r
    const retry = await this.run(first ? args : [...OF13, ...args], input, timeoutMs)
    if (retry.code === 0) {
      if (first) this.of13Bridges.delete(bridge)
      else this.of13Bridges.add(bridge)
      this.logger.debug('ovs-ofctl needed another OpenFlow version', {bridge, of13: !first})
    }

    return retry.code === 0 ? retry : r
  }

  private run(args: string[], input?: string, timeoutMs?: number): Promise<RunResult> {
    const opts: {input?: string; env?: Record<string, string>; timeoutMs?: number} = {}
    if (input !== undefined) opts.input = input
    if (this.opts.env && Object.keys(this.opts.env).length > 0) opts.env = this.opts.env
    const bound = timeoutMs || this.opts.timeoutMs
    if (bound) opts.timeoutMs = bound
    return this.runner.run(this.opts.ofctlPath, args, opts)
  }
}

/** Pure diff of flows: what to add (missing or different MAC) and which of ours to delete. */
export function diffFlows(desired: readonly FlowObj[], observed: readonly FlowObj[]): FlowChangeSet {
  const key = (f: FlowObj) => `${f.bridge}|${f.inPort}|${f.family}`
  const have = new Map(observed.map((f) => [key(f), f]))
  const want = new Map(desired.map((f) => [key(f), f]))
  const add = [...want.values()].filter((f) => have.get(key(f))?.mac !== f.mac.toLowerCase())
  const remove = [...have.values()].filter((f) => !want.has(key(f)))
  return {add, remove, removeForeign: []}
}
