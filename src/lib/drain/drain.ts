// drain / undrain of a node, and the upkeep `watch` does for a drained node. The persisted state
// (state.ts) is the source of truth; FRR (frr-drain.ts) is made to match it.
//   drain:   persist {phase: announced} -> bgp graceful-shutdown -> wait until FRR has sent every
//            established neighbour the marked routes, then settle (peer-wait.ts; bounded by the
//            timeout) -> withdraw -> persist {phase: withdrawn}
//   undrain: restore the leak (routes back, still marked) -> no bgp graceful-shutdown -> remove the state
// Each FRR step is idempotent, so both commands can be re-run after an interruption.
import type {AgentConfig} from '../config/types.js'
import type {FailedLine, Vtysh} from '../frr/vtysh.js'

import {PartialError} from '../errors.js'
import {FrrDrain} from './frr-drain.js'
import {type DrainWait, readPeerProgress, waitForPeers} from './peer-wait.js'
import {type DrainPhase, type DrainState, DrainStore} from './state.js'

interface DrainStep {
  step: 'announce' | 'wait' | 'withdraw' | 'restore-routes' | 'end-graceful-shutdown'
  changed: boolean
  failedLines: FailedLine[]
}

/** The `--json` document of drain and undrain. */
export interface DrainResult {
  drained: boolean
  phase: DrainPhase | null
  since: string | null
  steps: DrainStep[]
  /** Whole seconds spent in the wait step (wait.elapsedMs rounded). */
  waitedSeconds: number
  /** What the wait step waited for and how it ended; null when there was no wait step. */
  wait: DrainWait | null
}

export interface DrainOptions {
  /** Upper bound of the wait step, settle included. */
  waitSeconds: number
  /** After FRR has sent every neighbour the marked routes: time for the fabric to converge. */
  settleSeconds?: number
  withdraw: boolean
  /** Between two reads of FRR while waiting (default 1000). */
  pollMs?: number
}

export interface DrainDeps {
  cfg: AgentConfig
  vtysh: Vtysh
  sleep?: (ms: number) => Promise<void>
  now?: () => Date
  /** Monotonic milliseconds (default performance.now). */
  clock?: () => number
  /** Called before each step; a returned promise is awaited before the step runs. */
  onStep?: (step: DrainStep['step']) => Promise<void> | void
}

const defaultSleep = (ms: number) =>
  new Promise<void>((r) => {
    setTimeout(r, ms)
  })

function failIfRejected(steps: DrainStep[]): void {
  const bad = steps.flatMap((s) => s.failedLines.map((f) => `${s.step}: line ${f.line} ${f.text}: ${f.error}`))
  if (bad.length > 0)
    throw new PartialError(`FRR rejected part of the drain configuration: ${bad.join('; ')}`, {
      code: 'DRAIN_FRR_REJECTED',
    })
}

export async function drainNode(deps: DrainDeps, opts: DrainOptions): Promise<DrainResult> {
  const store = new DrainStore(deps.cfg.stateDir)
  const frr = new FrrDrain(deps.vtysh, {asn: deps.cfg.bgpAS, vrf: deps.cfg.bgpVrf})
  const prev = await store.read()
  const since = prev?.since ?? (deps.now?.() ?? new Date()).toISOString()
  const state: DrainState = {drained: true, phase: prev?.phase ?? 'announced', since}
  await store.write(state)
  const steps: DrainStep[] = []
  await deps.onStep?.('announce')
  steps.push({step: 'announce', ...(await frr.announce())})
  failIfRejected(steps)
  let wait: DrainWait | null = null
  if (opts.withdraw && state.phase !== 'withdrawn') {
    await deps.onStep?.('wait')
    wait = await waitForPeers(
      {
        read: () => readPeerProgress(deps.vtysh),
        sleep: deps.sleep ?? defaultSleep,
        clock: deps.clock ?? (() => performance.now()),
      },
      {timeoutSeconds: opts.waitSeconds, settleSeconds: opts.settleSeconds ?? 0, intervalMs: opts.pollMs ?? 1000},
    )
    steps.push({step: 'wait', changed: false, failedLines: []})
  }

  if (opts.withdraw) {
    await deps.onStep?.('withdraw')
    steps.push({step: 'withdraw', ...(await frr.withdraw())})
    failIfRejected(steps)
    state.phase = 'withdrawn'
    await store.write(state)
  }

  return {
    drained: true,
    phase: state.phase,
    since,
    steps,
    waitedSeconds: wait ? Math.round(wait.elapsedMs / 1000) : 0,
    wait,
  }
}

export async function undrainNode(deps: DrainDeps): Promise<DrainResult> {
  const store = new DrainStore(deps.cfg.stateDir)
  const frr = new FrrDrain(deps.vtysh, {asn: deps.cfg.bgpAS, vrf: deps.cfg.bgpVrf})
  const steps: DrainStep[] = []
  await deps.onStep?.('restore-routes')
  steps.push({step: 'restore-routes', ...(await frr.restoreRoutes())})
  failIfRejected(steps)
  await deps.onStep?.('end-graceful-shutdown')
  steps.push({step: 'end-graceful-shutdown', ...(await frr.endGracefulShutdown())})
  failIfRejected(steps)
  await store.clear()
  return {drained: false, phase: null, since: null, steps, waitedSeconds: 0, wait: null}
}

/**
 * watch: make FRR match the persisted state (after start and after FRR restarts). Returns the
 * state, undefined when the node is not drained. Never undrains: only `undrain` does.
 */
export async function keepDrained(
  cfg: AgentConfig,
  vtysh: Vtysh,
): Promise<{state: DrainState | undefined; changed: boolean}> {
  const state = await new DrainStore(cfg.stateDir).read()
  if (!state) return {state, changed: false}
  const frr = new FrrDrain(vtysh, {asn: cfg.bgpAS, vrf: cfg.bgpVrf})
  const a = await frr.announce()
  const w = state.phase === 'withdrawn' ? await frr.withdraw() : {changed: false}
  return {state, changed: a.changed || w.changed}
}
