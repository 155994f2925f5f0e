// The `watch` daemon as `ovn-bgp watch` runs it, in its own process, for the kernel tier's fault
// files: the Agent on a Runtime that waits for its dependencies as long as it takes, with the
// production command runner (execa), stopped on SIGTERM. The configuration is a JSON file (argv[2])
// merged over the defaults. Logs to stderr; 'daemon started' once Agent.start() resolved.
// The tier runs it from a single-file bundle (transpile.mjs): the daemon's ~270 module files cost
// tens of seconds to load over the guest's 9p share, the one-file release bundle about one second.
import {readFileSync} from 'node:fs'

import {defaultConfig} from '../../../src/lib/config/load.js'
import {Agent} from '../../../src/lib/driver/agent.js'
import {tuneDaemonHeap} from '../../../src/lib/driver/heap-tuning.js'
import {StreamLogger} from '../../../src/lib/log.js'
import {Runtime} from '../../../src/lib/runtime.js'

const cfg = Object.freeze({
  ...defaultConfig(),
  driver: 'nb_ovn_bgp_driver',
  ...(JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as object),
})
// DAEMON_LOG_LEVEL (benches): e.g. debug, to see a stalled pass's stages.
const level = (process.env.DAEMON_LOG_LEVEL ?? 'info') as 'debug' | 'info'
const logger = new StreamLogger({level}, {cmd: 'watch'})
logger.info('modules loaded', {ms: Math.round(performance.now())})
// as `ovn-bgp watch` does at its start
logger.debug('V8 flags for a long-running process', {...tuneDaemonHeap()})
const agent = new Agent({rt: new Runtime(cfg, logger, {waitForever: true}), cfg, logger})
// SIGTERM stops the agent; the process then ends when nothing is left on its event loop, which is
// what the fault files time (a child process or timer left behind shows up as a late exit).
let stopping: Promise<void> | undefined
process.once('SIGTERM', () => {
  logger.info('stopping', {signal: 'SIGTERM'})
  stopping = agent.stop()
})
try {
  await agent.start()
  logger.info('daemon started')
} catch (error) {
  if (!stopping) throw error // else: stopped during start-up, start() rejects as documented
}
