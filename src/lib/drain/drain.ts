// drain / undrain of a node, and the upkeep `watch` does for a drained node. The persisted state
// (state.ts) is the source of truth; FRR (frr-drain.ts) is made to match it.
//   drain:   persist {phase: announced} -> bgp graceful-shutdown -> wait -> withdraw -> persist {phase: withdrawn}
//   undrain: restore the leak (routes back, still marked) -> no bgp graceful-shutdown -> remove the state
// Each FRR step is idempotent, so both commands can be re-run after an interruption.
import type {AgentConfig} from '../config/types.js'
import type {FailedLine, Vtysh} from '../frr/vtysh.js'

import {PartialError} from '../errors.js'
import {FrrDrain} from './frr-drain.js'
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
  waitedSeconds: number
}

export interface DrainDeps {
  cfg: AgentConfig
  vtysh: Vtysh
  sleep?: (ms: number) => Promise<void>
  now?: () => Date
  onStep?: (step: DrainStep['step']) => void
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

export async function drainNode(deps: DrainDeps, opts: {waitSeconds: number; withdraw: boolean}): Promise<DrainResult> {
  const store = new DrainStore(deps.cfg.stateDir)
  const frr = new FrrDrain(deps.vtysh, {asn: deps.cfg.bgpAS, vrf: deps.cfg.bgpVrf})
  const prev = await store.read()
  const since = prev?.since ?? (deps.now?.() ?? new Date()).toISOString()
  const state: DrainState = {drained: true, phase: prev?.phase ?? 'announced', since}
  await store.write(state)
  const steps: DrainStep[] = []
  deps.onStep?.('announce')
  steps.push({step: 'announce', ...(await frr.announce())})
  failIfRejected(steps)
  let waited = 0
  if (opts.withdraw && state.phase !== 'withdrawn') {
    deps.onStep?.('wait')
    await (deps.sleep ?? defaultSleep)(opts.waitSeconds * 1000)
    waited = opts.waitSeconds
    steps.push({step: 'wait', changed: false, failedLines: []})
  }

  if (opts.withdraw) {
    deps.onStep?.('withdraw')
    steps.push({step: 'withdraw', ...(await frr.withdraw())})
    failIfRejected(steps)
    state.phase = 'withdrawn'
    await store.write(state)
  }

  return {drained: true, phase: state.phase, since, steps, waitedSeconds: waited}
}

export async function undrainNode(deps: DrainDeps): Promise<DrainResult> {
  const store = new DrainStore(deps.cfg.stateDir)
  const frr = new FrrDrain(deps.vtysh, {asn: deps.cfg.bgpAS, vrf: deps.cfg.bgpVrf})
  const steps: DrainStep[] = []
  deps.onStep?.('restore-routes')
  steps.push({step: 'restore-routes', ...(await frr.restoreRoutes())})
  failIfRejected(steps)
  deps.onStep?.('end-graceful-shutdown')
  steps.push({step: 'end-graceful-shutdown', ...(await frr.endGracefulShutdown())})
  failIfRejected(steps)
  await store.clear()
  return {drained: false, phase: null, since: null, steps, waitedSeconds: 0}
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
