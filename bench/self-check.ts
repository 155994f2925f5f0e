// Benchmark (not a test): the main-thread pieces of the periodic self-check (docs/planner.md, "The
// self-check in the background"), on the neutron-like NB of bench/neutron-nb.ts with this node's
// share of the VM ports bound here (in memory, no servers).
//   node --import tsx bench/self-check.ts [N,N,...]        (NB ports; default 34000: ~10,000 bound here)
//   VM: sh bench/run-kernel-bench.sh self-check 34000     (the same in the qemu guest, TCG)
// Per size and round (ROUNDS, default 3; the first runs cold code, as a daemon's periodic check does):
//   in one piece: computeDesired; the comparison by maps (diffDesired, as the check made it before
//   sameDesired); the comparison item by item (sameDesired);
//   in the background: the reference's build in slices of SLICE_MS (default 20) of main thread (its
//   first piece, the number of slices, the longest, the total; then its sorted result and
//   contributions, a piece of its own), then what the pass that compares holds in one piece: the
//   reference's result and contributions again (kept: nothing changed), sameDesired.
import {NbState} from '../src/lib/nb/state.js'
import {computeDesired} from '../src/lib/planner/desired.js'
import {IncrementalPlanner} from '../src/lib/planner/incremental.js'
import {diffDesired, sameDesired} from '../src/lib/planner/self-check.js'
import {PORTS_PER_LOOK} from '../src/lib/reconciler/sliced-run.js'
import {cfg, ctx, snapshotBoundHere} from './neutron-nb.js'

const SIZES = (process.argv[2] ?? '34000').split(',').map(Number)
const ROUNDS = Number(process.env.ROUNDS ?? 3)
const SLICE_MS = Number(process.env.SLICE_MS ?? 20)

function timed<T>(f: () => T): [T, number] {
  const t = performance.now()
  const r = f()
  return [r, performance.now() - t]
}

const f0 = (ms: number): string => `${ms.toFixed(0)} ms`

for (const N of SIZES) {
  const nb = new NbState()
  const {changes, bound} = snapshotBoundHere(N)
  for (const c of changes) nb.applyChange(c)
  const kept = new IncrementalPlanner()
  const inc = kept.desired(nb, ctx, cfg)
  void inc.contributions // a daemon's kept result has them once a check read them
  console.log(
    `N=${N}: ${bound} ports bound here, ${inc.state.objects.length} objects, ${inc.state.exposed.length} exposed`,
  )
  for (let r = 1; r <= ROUNDS; r++) {
    const [scratch, tScratch] = timed(() => computeDesired(nb, ctx, cfg))
    const [diffs, tMaps] = timed(() => diffDesired(inc, scratch))
    const [same, tSame] = timed(() => sameDesired(inc, scratch))
    if (diffs.length > 0 || !same) throw new Error(`round ${r}: the scratch result differs`)
    const ref = new IncrementalPlanner()
    const [, tStart] = timed(() => ref.startBuild(nb, ctx, cfg))
    let slices = 0
    let longest = 0
    let total = tStart
    for (let done = false; !done;) {
      const t = performance.now()
      const until = t + SLICE_MS
      done = ref.buildSlice(PORTS_PER_LOOK)
      while (!done && performance.now() < until) done = ref.buildSlice(PORTS_PER_LOOK)
      const dt = performance.now() - t
      slices++
      longest = Math.max(longest, dt)
      total += dt
    }

    // SlicedSelfCheck.prepareSteps (three turns, outside any pass), then the comparison
    const [p, tPrepResult] = timed(() => ref.desired(nb, ctx, cfg))
    const [, tPrepObjects] = timed(() => p.state.objects)
    const [, tPrepContrib] = timed(() => p.contributions)
    const tPrepare = tPrepResult + tPrepObjects + tPrepContrib
    const [reference, tResult] = timed(() => ref.desired(nb, ctx, cfg))
    const [, tContrib] = timed(() => reference.contributions)
    const [same2, tSame2] = timed(() => sameDesired(inc, reference))
    if (!same2) throw new Error(`round ${r}: the reference differs`)
    console.log(
      `  round ${r}: in one piece: computeDesired ${f0(tScratch)}, compared by maps ${f0(tMaps)}, item by item ${f0(tSame)}` +
        ` | background: first piece ${f0(tStart)}, ${slices} slices (longest ${f0(longest)}), ${f0(total)} in all, its result made ${f0(tPrepare)} (${[tPrepResult, tPrepObjects, tPrepContrib].map(f0).join(' + ')});` +
        ` the comparing pass: result ${f0(tResult)}, contributions ${f0(tContrib)}, item by item ${f0(tSame2)}` +
        ` = ${f0(tResult + tContrib + tSame2)}`,
    )
  }
}
