// A `watch` daemon in its own process for the kernel tier's kill tests: the same Agent the
// `ovn-bgp watch` command runs (NB monitor, reconcile loop, FRR upkeep), with the configuration
// given as a JSON file (argv[2]) and the guest's cheap spawn runner (execa costs ~1.7 s per process
// under TCG). Logs JSON lines to stdout; prints {"msg":"first pass done"} after the first pass.
import {readFileSync} from 'node:fs'

import type {AgentConfig} from '../../../src/lib/config/types.js'
import {Agent} from '../../../src/lib/driver/agent.js'
import {StreamLogger} from '../../../src/lib/log.js'
import {Runtime} from '../../../src/lib/runtime.js'
import {SpawnRunner} from './guest.js'

const cfg = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as AgentConfig
const logger = new StreamLogger({level: 'info', json: true, write: (l) => process.stdout.write(l + '\n')})
const agent = new Agent({rt: new Runtime(cfg, logger, {runner: new SpawnRunner()}), cfg, logger, debounceMs: 20})
process.on('SIGTERM', () => {
  void agent.stop().then(() => process.exit(0))
})
await agent.start()
logger.info('first pass done')
