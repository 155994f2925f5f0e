// Benchmark (not a test): the incremental planner's part of a burst, in memory, no servers. The NB
// of bench/planner-heap.ts (34,000 ports, every provider-network VM port bound here: about 10,000),
// then BURSTS bursts of 1,000 new ports bound here on one provider network, each applied to the
// NbState and marked, followed by one `desired()`, timed together.
//   node --import tsx bench/planner-bursts.ts [BURSTS]     (default 4)
import {NbState} from '../src/lib/nb/state.js'
import {IncrementalPlanner} from '../src/lib/planner/incremental.js'
import {objectCount} from '../src/lib/planner/types.js'
import {insert, LSP} from '../test/helpers/nb-changes.js'
import {cfg, CH, ctx, snapshotBoundHere} from './neutron-nb.js'

const BURSTS = Number(process.argv[2] ?? 4)
const nb = new NbState()
for (const c of snapshotBoundHere(34_000).changes) nb.applyChange(c)

const planner = new IncrementalPlanner()
planner.desired(nb, ctx, cfg)
const hex2 = (v: number): string => (v & 255).toString(16).padStart(2, '0')
for (let b = 0; b < BURSTS; b++) {
  const burst = Array.from({length: 1000}, (_, i) => {
    const n = b * 1000 + i
    const ip = `172.16.${200 + (n >> 8)}.${n & 255}`
    return insert(LSP, {
      uuid: `aaaaaaaa-0000-4000-8000-${String(n).padStart(12, '0')}`,
      name: `burst-${n}`,
      addresses: [`fa:16:3e:aa:${hex2(n >> 8)}:${hex2(n)} ${ip}`],
      up: true,
      options: {'requested-chassis': CH},
      externalIds: {
        'neutron:network_name': 'neutron-pnet-0',
        'neutron:cidrs': `${ip}/16`,
        'neutron:device_owner': 'compute:nova',
        'neutron:host_id': CH,
      },
    })
  })
  const t = performance.now()
  for (const c of burst) planner.markChanged(nb.applyChange(c)!)
  const r = planner.desired(nb, ctx, cfg)
  console.log(`burst ${b + 1}: ${(performance.now() - t).toFixed(0)} ms, ${objectCount(r.state)} objects`)
}
