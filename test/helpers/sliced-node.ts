// A watch-mode Reconciler on an in-memory datapath whose slices (the deferred build, the
// background self-check) run from a hand-run queue in place of setImmediate, one port per slice:
// the reconciler tests of the daemon's sliced work share it. The node has `ports` VMs on the
// provider network and has made its cold pass (scratch result applied, the planner's build put off).
import {defaultConfig} from '../../src/lib/config/index.js'
import {StreamLogger} from '../../src/lib/log.js'
import {Reconciler} from '../../src/lib/reconciler/reconcile.js'
import {DeltaMemoryDatapath} from './memory-datapath.js'
import {brExNode, pubNetworkWith, pubVm} from './nb-changes.js'

const slicedCfg = {...defaultConfig(), driver: 'nb_ovn_bgp_driver'}
export const slicedIp = (i: number): string => `172.24.4.${10 + i}`

/** The addresses on bgp-nic of `dp`, sorted. */
export const bgpNicAddresses = (dp: DeltaMemoryDatapath): string[] =>
  [...dp.objects.values()]
    .filter((o) => o.kind === 'address' && o.dev === slicedCfg.bgpNic)
    .map((o) => (o as {cidr: string}).cidr)
    .sort()

export async function coldSlicedNode(ports: number, opts: {backgroundCheck?: boolean} = {}) {
  const nb = pubNetworkWith(...Array.from({length: ports}, (_, i) => pubVm(`vm${i}`, slicedIp(i), true)))
  const lines: string[] = []
  const queue: Array<() => void> = []
  const dp = new DeltaMemoryDatapath()
  const rec = new Reconciler({
    cfg: slicedCfg,
    datapath: dp,
    local: {context: async () => brExNode()},
    logger: new StreamLogger({write: (l) => lines.push(l), json: true, level: 'debug'}),
  })
  rec.enableIncremental({defer: (fn) => queue.push(fn), sliceMs: 0, portsPerLook: 1}, opts)
  await rec.pass(nb, {prune: true, fullRecompute: true}) // the cold pass: scratch, build put off
  const logged = (msg: string) =>
    lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === msg)
  /** Runs the queued slices one at a time, those they queue too; how many ran. */
  const drain = (): number => {
    let n = 0
    while (queue.length > 0) {
      queue.shift()!()
      n++
    }

    return n
  }

  return {nb, dp, rec, queue, lines, logged, drain}
}
