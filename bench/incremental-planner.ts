import type {LogicalSwitchPort} from '../src/lib/nb/model.js'
import type {RowChange} from '../src/lib/ovsdb/types.js'

import {NbState} from '../src/lib/nb/state.js'
import {computeDesired} from '../src/lib/planner/desired.js'
// Benchmark (not a test): desired-state cost of one NB change, incremental planner vs computeDesired
// from scratch, on the neutron-like NB of bench/neutron-nb.ts at several sizes (in memory, no servers).
//   node --import tsx bench/incremental-planner.ts [N,N,...]     (default 1000,10000,100000)
// Per size: load the NB, build the incremental state once, time computeDesired (mean of 5), then
// per scenario alternate do/undo changes (BENCH_EVENTS, default 200), each applied to the NbState,
// marked, and followed by IncrementalPlanner.update() (the incremental work) and desired() (the
// sorted result a reconcile pass diffs). The last result is checked against a scratch computation.
import {IncrementalPlanner} from '../src/lib/planner/incremental.js'
import {diffDesired} from '../src/lib/planner/self-check.js'
import {type Fields, LRP, LSP, update} from '../test/helpers/nb-changes.js'
import {
  cfg,
  CH,
  CH_ID,
  ctx,
  gwUuid,
  hasFip,
  PROV,
  routerLocal,
  snapshot,
  TEN,
  topology,
  uuid,
  vmLocal,
  vmNet,
} from './neutron-nb.js'

const SIZES = (process.argv[2] ?? '1000,10000,100000').split(',').map(Number)
const EVENTS = Number(process.env.BENCH_EVENTS ?? 200)

const ms = (t0: number): number => performance.now() - t0
const fmt = (v: number): string => (v >= 1000 ? `${(v / 1000).toFixed(2)} ms` : `${v.toFixed(1)} µs`)

function scenarios(nb: NbState, N: number): Record<string, (e: number) => RowChange[]> {
  const {VM0} = topology(N)
  const vms = (pred: (i: number) => boolean, n: number): number[] => {
    const out: number[] = []
    for (let i = 0; i < N - VM0 && out.length < n; i += 7) if (pred(i)) out.push(i)
    return out
  }

  const lspUpd = (i: number, f: Partial<LogicalSwitchPort>, old: Fields): RowChange =>
    update(LSP, {...nb.lsp(uuid(1, i))!, ...f}, old)
  const localProv = vms((i) => vmLocal(i) && vmNet(i).prov, 32)
  const remoteProv = vms((i) => !vmLocal(i) && vmNet(i).prov, 32)
  const remote = vms((i) => !vmLocal(i), 32)
  const behindLocal = vms((i) => !vmLocal(i) && !vmNet(i).prov && !hasFip(i) && routerLocal(vmNet(i).net), 32)
  const remoteGw = Array.from({length: TEN}, (_, k) => k).filter((k) => !routerLocal(k))
  const pick = (a: number[], e: number): number => a[(e >> 1) % a.length]!
  return {
    'local port down/up'(e) {
      const down = e % 2 === 0
      return [lspUpd(pick(localProv, e), {up: !down}, {up: down})]
    },
    'port bound here/unbound (requested-chassis, host_id)'(e) {
      const i = pick(remoteProv, e)
      const cur = nb.lsp(uuid(1, i))!
      const host = e % 2 === 0 ? CH : `compute-${i % 997}`
      return [
        lspUpd(
          i,
          {options: {'requested-chassis': host}, externalIds: {...cur.externalIds, 'neutron:host_id': host}},
          {options: cur.options, externalIds: cur.externalIds},
        ),
      ]
    },
    'remote port down/up': (e) => [lspUpd(pick(remote, e), {up: e % 2 === 1}, {up: e % 2 === 0})],
    'tenant port down/up behind a local gateway': (e) => [
      lspUpd(pick(behindLocal, e), {up: e % 2 === 1}, {up: e % 2 === 0}),
    ],
    'cr-lrp moves here/away (router with its subnets, LBs)'(e) {
      const k = pick(remoteGw, e)
      const lrp = nb.lrp(gwUuid(k))!
      const [from, to] = e % 2 === 0 ? [`gw-${k % 7}`, CH_ID] : [CH_ID, `gw-${k % 7}`]
      return [update(LRP, {...lrp, status: {'hosting-chassis': to}}, {status: {'hosting-chassis': from}})]
    },
  }
}

function run(N: number): void {
  const nb = new NbState()
  for (const c of snapshot(N)) nb.applyChange(c)
  const planner = new IncrementalPlanner()
  let t = performance.now()
  const first = planner.desired(nb, ctx, cfg)
  const buildMs = ms(t)
  t = performance.now()
  const runs = 5
  for (let r = 0; r < runs; r++) computeDesired(nb, ctx, cfg)
  const scratchUs = (ms(t) / runs) * 1000
  console.log(
    `\nN = ${N}: ${JSON.stringify(nb.counts())}; ${first.state.objects.length} objects, ${first.state.exposed.length} exposed; incremental state built in ${buildMs.toFixed(1)} ms; computeDesired ${fmt(scratchUs)} (mean of ${runs})`,
  )
  console.log(
    '| N | scenario | fragments replayed + dropped / event | update() | update() + desired() | computeDesired | computeDesired / update() |',
  )
  console.log('|---|---|---|---|---|---|---|')
  for (const [name, make] of Object.entries(scenarios(nb, N))) {
    let [updMs, resMs, frags] = [0, 0, 0]
    for (let e = 0; e < EVENTS; e++) {
      for (const c of make(e)) {
        planner.markChanged(nb.applyChange(c)!)
      }

      t = performance.now()
      const st = planner.update(nb, ctx, cfg)
      updMs += ms(t)
      frags += st.replayed + st.dropped
      t = performance.now()
      planner.desired(nb, ctx, cfg)
      resMs += ms(t)
    }

    const [u, r] = [(updMs * 1000) / EVENTS, ((updMs + resMs) * 1000) / EVENTS]
    console.log(
      `| ${N} | ${name} | ${(frags / EVENTS).toFixed(1)} | ${fmt(u)} | ${fmt(r)} | ${fmt(scratchUs)} | ${(scratchUs / u).toFixed(0)}x |`,
    )
  }

  const diffs = diffDesired(planner.desired(nb, ctx, cfg), computeDesired(nb, ctx, cfg))
  if (diffs.length > 0) throw new Error(`incremental != scratch: ${JSON.stringify(diffs.slice(0, 5))}`)
  console.log(`(after ${5 * EVENTS} events: incremental == computeDesired, 0 differences; provider networks ${PROV})`)
}

for (const n of SIZES) run(n)
