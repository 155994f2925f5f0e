// A `watch` daemon in its own process for the kernel tier's kill tests: the same Agent the
// `ovn-bgp watch` command runs (NB monitor, reconcile loop, FRR upkeep), with the configuration
// given as a JSON file (argv[2]) and the guest's cheap spawn runner (execa costs ~1.7 s per process
// under TCG). Logs JSON lines to stdout; prints {"msg":"first pass done"} after the first pass, with
// a profile of the start-up: ms since the process began, module loading, and every command run
// through the runner (count and summed ms per program) — where a slow cold sync spends its time.
// SIGUSR2 logs {"msg":"alive"} with the pass count and how long the current pass has been running.
import {readFileSync} from 'node:fs'

import type {AgentConfig} from '../../../src/lib/config/types.js'
import type {RunOptions, RunResult} from '../../../src/lib/exec/runner.js'

import {Agent} from '../../../src/lib/driver/agent.js'
import {StreamLogger} from '../../../src/lib/log.js'
import {Runtime} from '../../../src/lib/runtime.js'
import {SpawnRunner} from './guest.js'

const loadedMs = Math.round(performance.now())
const runs = new Map<string, {n: number; ms: number}>()
class ProfilingRunner extends SpawnRunner {
  override async run(file: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
    const t0 = performance.now()
    try {
      return await super.run(file, args, opts)
    } finally {
      const k = `${file.split('/').pop()} ${args
        .filter((a) => !a.startsWith('-'))
        .slice(0, 2)
        .join(' ')}`
      const e = runs.get(k) ?? {n: 0, ms: 0}
      runs.set(k, {n: e.n + 1, ms: e.ms + Math.round(performance.now() - t0)})
    }
  }
}

const cfg = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as AgentConfig
const logger = new StreamLogger({level: 'info', json: true, write: (l) => process.stdout.write(l + '\n')})
const agent = new Agent({rt: new Runtime(cfg, logger, {runner: new ProfilingRunner()}), cfg, logger, debounceMs: 20})
process.on('SIGTERM', () => {
  void agent.stop().then(() => process.exit(0))
})
// Diagnosis of a daemon that went quiet: an answer says the event loop runs, and whether a pass is
// stuck (how long the current one has been running).
process.on('SIGUSR2', () => {
  logger.info('alive', {passes: agent.passes, passRunningMs: agent.passRunningMs()})
})
await agent.start()
logger.info('first pass done', {
  sinceStartMs: Math.round(performance.now()),
  moduleLoadMs: loadedMs,
  runs: Object.fromEntries(runs),
})
