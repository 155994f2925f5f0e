// The `watch` daemon as `ovn-bgp watch` runs it, in its own process, for the kernel tier's fault
// files: the Agent on a Runtime that waits for its dependencies as long as it takes, with the
// production command runner (execa), stopped on SIGTERM. The configuration is a JSON file (argv[2])
// merged over the defaults. Logs to stderr; 'daemon started' once Agent.start() resolved.
// The tier runs it from a single-file bundle (transpile.mjs): the daemon's ~270 module files cost
// tens of seconds to load over the guest's 9p share, the one-file release bundle about one second.
import {readFileSync} from 'node:fs'

import {defaultConfig} from '../../../src/lib/config/load.js'
import {Agent} from '../../../src/lib/driver/agent.js'
import {StreamLogger} from '../../../src/lib/log.js'
import {Runtime} from '../../../src/lib/runtime.js'

const cfg = Object.freeze({
  ...defaultConfig(),
  driver: 'nb_ovn_bgp_driver',
  ...(JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as object),
})
const logger = new StreamLogger({level: 'info'}, {cmd: 'watch'})
logger.info('modules loaded', {ms: Math.round(performance.now())})
const agent = new Agent({rt: new Runtime(cfg, logger, {waitForever: true}), cfg, logger})
const stopped = new Promise<string>((resolve) => process.once('SIGTERM', () => resolve('SIGTERM')))
const starting = agent.start().then(() => undefined)
void starting.then(
  () => logger.info('daemon started'),
  () => undefined,
)
const by = (await Promise.race([starting, stopped])) ?? (await stopped)
logger.info('stopping', {signal: by})
await agent.stop()
await starting.catch(() => undefined)
