// Benchmark (not a test): what the NB replica and the planner keep on the heap, on the neutron-like
// NB of bench/neutron-nb.ts with every VM port of a provider network bound here (30 % of N: the
// e2e lab's shape, where a node exposes thousands of ports), in memory, no servers.
//   node --expose-gc --import tsx bench/planner-heap.ts [N]     (default 34000: about 10,000 bound here)
// Prints heapUsed after two forced collections at each step: the NB replica loaded, a scratch
// computeDesired held, the IncrementalPlanner's state built beside it. docs/planner.md, "Memory".
import {NbState} from '../src/lib/nb/state.js'
import {computeDesired} from '../src/lib/planner/desired.js'
import {IncrementalPlanner} from '../src/lib/planner/incremental.js'
import {objectCount} from '../src/lib/planner/types.js'
import {cfg, ctx, snapshotBoundHere} from './neutron-nb.js'

const collect = (globalThis as {gc?: () => void}).gc
if (!collect) throw new Error('run with node --expose-gc')
const heapMb = (): number => {
  collect()
  collect()
  return process.memoryUsage().heapUsed / 1e6
}

const N = Number(process.argv[2] ?? 34_000)
const start = heapMb()
const nb = new NbState()
/** Loads the replica; the change list is dropped with this frame, so only the replica counts. */
function load(): number {
  const {changes, bound} = snapshotBoundHere(N)
  for (const c of changes) nb.applyChange(c)
  return bound
}

const bound = load()
const afterNb = heapMb()
const scratch = computeDesired(nb, ctx, cfg)
const afterScratch = heapMb()
const planner = new IncrementalPlanner()
const built = planner.desired(nb, ctx, cfg)
const afterPlanner = heapMb()
const mb = (v: number): string => `${v.toFixed(1)} MB`
console.log(
  `N = ${N} ports, ${bound} bound here; ${objectCount(built.state)} objects (scratch ${scratch.state.objects.length})`,
)
console.log(
  `NB replica ${mb(afterNb - start)}; scratch result ${mb(afterScratch - afterNb)}; incremental planner ${mb(afterPlanner - afterScratch)}; heapUsed ${mb(afterPlanner)}`,
)
