// Benchmark (not a test): a large neutron-like NB in memory, no servers.
//   node --import tsx bench/nb-scale.ts [N]        (default 100000 Logical_Switch_Ports)
// 1. load: N LSPs etc. fed through NbState.applyChange as raw replica RowChanges (time, retained heap);
// 2. one full computeDesired; 3. the per-event path of the daemon (applyChange + agentView +
// classifyChange + isRelevant) for typical changes, next to a baseline answering the same questions
// the way the upstream agent does: linear scans of all LSPs / NATs / LBs (spec §11 [PERF]).
import {setFlagsFromString} from 'node:v8'
import {runInNewContext} from 'node:vm'

import type {LogicalSwitchPort} from '../src/lib/nb/model.js'
import type {RowChange} from '../src/lib/ovsdb/types.js'

import {classifyChange, isRelevant} from '../src/lib/driver/events.js'
import {agentView} from '../src/lib/driver/view.js'
import {NbState} from '../src/lib/nb/state.js'
import {computeDesired} from '../src/lib/planner/desired.js'
import {type Fields, insert, LB, LR, LRP, LSP, NAT, remove, update} from '../test/helpers/nb-changes.js'
import {
  cfg,
  CH,
  CH_ID,
  ctx,
  fipIp,
  fipNat,
  gwUuid,
  hasFip,
  mac,
  pnet,
  PROV,
  routerLocal,
  snapshot,
  TEN,
  topology,
  uuid,
  vmLocal,
  vmNet,
} from './neutron-nb.js'

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void
const heapMiB = (): number => {
  gc()
  gc()
  return process.memoryUsage().heapUsed / 2 ** 20
}

const N = Number(process.argv[2] ?? 100_000)
if (!Number.isInteger(N) || N < 20_000) throw new Error('usage: nb-scale.ts [N >= 20000]')
const {LBS, VM0} = topology(N)

// ---- upstream-like answers: linear scans over the same rows (spec §2.2, §5.5-5.13) ----
function portChassis(p: LogicalSwitchPort): string | undefined {
  const rc = p.type === 'virtual' ? '' : (p.options['requested-chassis'] ?? '')
  if (rc) return rc.split(',').includes(CH) ? CH : rc.split(',')[0]
  return p.externalIds['neutron:host_id'] || undefined
}

const vmLike = (p: LogicalSwitchPort): boolean => p.type === '' || p.type === 'virtual'
/** get_active_lsp_on_chassis: every up LSP bound here. */
const activeLspOnChassis = (nb: NbState): number =>
  [...nb.allLsps()].filter((p) => p.up === true && portChassis(p) === CH).length
/** get_nat_by_logical_port: db_find_rows over all NATs, first match. */
const natByLogicalPort = (nb: NbState, name: string) => [...nb.allNats()].find((n) => n.logicalPort === name)
/** get_active_local_lrps: up router interfaces of the given routers. */
const activeLocalLrps = (nb: NbState, routers: string[]) =>
  [...nb.allLsps()].filter(
    (p) =>
      p.up === true &&
      p.type === 'router' &&
      p.externalIds['neutron:device_owner'] === 'network:router_interface' &&
      routers.includes(p.externalIds['neutron:device_id'] ?? ''),
  )
/** get_active_lsp: up VM-like LSPs of a network. */
const activeLsp = (nb: NbState, net: string): number =>
  [...nb.allLsps()].filter((p) => p.up === true && vmLike(p) && p.externalIds['neutron:network_name'] === net).length
/** LBs of the given routers (lr_ref / neutron:router_name). */
const lbsOfRouters = (nb: NbState, routers: string[]): number =>
  [...nb.allLbs()].filter((lb) =>
    ['lr_ref', 'neutron:router_name'].some((k) => routers.includes((lb.externalIds[k] ?? '').replace(/^neutron-/, ''))),
  ).length
/** ls_get_localnet_ports / ls_has_virtual_ports: the ports of one switch. */
const lsPortsOfType = (nb: NbState, ls: string, type: string): number =>
  (nb.lsByName(ls)?.ports ?? []).filter((u) => nb.lsp(u)?.type === type).length

/** withdraw_ip of a VM (or a cr-lrp with its subnets and LBs). */
function baseWithdrawIp(nb: NbState, ls: string, router?: string): void {
  lsPortsOfType(nb, ls, 'localnet')
  if (lsPortsOfType(nb, ls, 'virtual') === 0) activeLspOnChassis(nb)
  if (router === undefined) return
  for (const rif of activeLocalLrps(nb, [router])) activeLsp(nb, rif.externalIds['neutron:network_name'] ?? '')
  lbsOfRouters(nb, [router])
}

/** expose_ip of a cr-lrp: subnets (get_active_lsp twice per subnet) and LBs of the router. */
function baseExposeCrLrp(nb: NbState, router: string): void {
  for (const rif of activeLocalLrps(nb, [router]))
    for (let t = 0; t < 2; t++) activeLsp(nb, rif.externalIds['neutron:network_name'] ?? '')
  lbsOfRouters(nb, [router])
}

/** A change, and what the upstream agent computes for it beyond O(1) dictionary lookups. */
type Step = {change: RowChange; base: (nb: NbState) => void}
const none = (): void => {}
const lspUpd = (nb: NbState, u: string, f: Partial<LogicalSwitchPort>, old: Fields): RowChange =>
  update(LSP, {...nb.lsp(u)!, ...f}, old)
const vmIdx = (pred: (i: number) => boolean, n: number): number[] => {
  const out: number[] = []
  for (let i = 0; i < N - VM0 && out.length < n; i += 7) if (pred(i)) out.push(i)
  return out
}

/** One scenario event = the changes Neutron/OVN make for it; even events do, odd events undo. */
function scenarios(nb: NbState): Record<string, (e: number) => Step[]> {
  const localProv = vmIdx((i) => vmLocal(i) && vmNet(i).prov, 64)
  const remote = vmIdx((i) => !vmLocal(i), 64)
  const localTen = vmIdx((i) => vmLocal(i) && !vmNet(i).prov && !hasFip(i), 64)
  const localLbs = Array.from({length: LBS}, (_, m) => m).filter((m) => routerLocal(m % TEN))
  const remoteGw = Array.from({length: TEN}, (_, k) => k).filter((k) => !routerLocal(k))
  return {
    'local port down/up'(e) {
      const i = localProv[(e >> 1) % localProv.length]!
      const down = e % 2 === 0
      return [
        {
          change: lspUpd(nb, uuid(1, i), {up: !down}, {up: down}),
          base: down ? (nb: NbState) => baseWithdrawIp(nb, pnet(vmNet(i).net)) : none,
        },
      ]
    },
    'remote port down/up'(e) {
      const i = remote[(e >> 1) % remote.length]!
      return [{change: lspUpd(nb, uuid(1, i), {up: e % 2 === 1}, {up: e % 2 === 0}), base: none}]
    },
    'FIP NAT added/removed'(e) {
      const i = localTen[(e >> 1) % localTen.length]!
      const j = vmNet(i).net
      const lr = nb.lr(uuid(13, j))!
      const nat = fipNat(i, uuid(11, i), vmNet(i).ip, j, mac(5, i))
      const ext = nb.lsp(uuid(1, i))!.externalIds
      if (e % 2 === 0) {
        const fip = {...ext, 'neutron:port_fip': fipIp(i)}
        return [
          {change: insert(NAT, nat), base: none},
          {change: update(LR, {...lr, nat: [...lr.nat, uuid(5, i)]}, {nat: lr.nat}), base: none},
          {
            change: lspUpd(nb, uuid(1, i), {externalIds: fip}, {externalIds: ext}),
            base: (nb) => natByLogicalPort(nb, uuid(11, i)),
          },
        ]
      }

      const noFip = Object.fromEntries(Object.entries(ext).filter(([k]) => k !== 'neutron:port_fip'))
      return [
        {change: lspUpd(nb, uuid(1, i), {externalIds: noFip}, {externalIds: ext}), base: none},
        {change: update(LR, {...lr, nat: lr.nat.filter((n) => n !== uuid(5, i))}, {nat: lr.nat}), base: none},
        {change: remove(NAT, nat), base: none},
      ]
    },
    'LB vips change (FIP key)'(e) {
      const m = localLbs[(e >> 1) % localLbs.length]!
      const lb = nb.lb(uuid(12, m))!
      const fipKey = `${lb.externalIds['neutron:vip_fip']}:80`
      const vips =
        e % 2 === 0
          ? Object.fromEntries(Object.entries(lb.vips).filter(([k]) => k !== fipKey))
          : {...lb.vips, [fipKey]: '10.0.1.10:8080'}
      const base = e % 2 === 0 ? none : (nb: NbState) => natByLogicalPort(nb, `lbvip-${m}`)
      return [{change: update(LB, {...lb, vips}, {vips: lb.vips}), base}]
    },
    'cr-lrp moves here/away'(e) {
      const k = remoteGw[(e >> 1) % remoteGw.length]!
      const lrp = nb.lrp(gwUuid(k))!
      const [from, to] = e % 2 === 0 ? [`gw-${k % 7}`, CH_ID] : [CH_ID, `gw-${k % 7}`]
      const base =
        e % 2 === 0
          ? (nb: NbState) => baseExposeCrLrp(nb, `rtr-${k}`)
          : (nb: NbState) => baseWithdrawIp(nb, pnet(k % PROV), `rtr-${k}`)
      return [
        {change: update(LRP, {...lrp, status: {'hosting-chassis': to}}, {status: {'hosting-chassis': from}}), base},
      ]
    },
  }
}

const ms = (t0: number): number => performance.now() - t0
const fmt = (v: number): string => (v >= 1000 ? `${(v / 1000).toFixed(2)} ms` : `${v.toFixed(1)} µs`)

function main(): void {
  const heap0 = heapMiB()
  const nb = new NbState()
  let [loadMs, rows, chunk] = [0, 0, [] as RowChange[]]
  const flush = (): void => {
    const t0 = performance.now()
    for (const c of chunk) nb.applyChange(c)
    loadMs += ms(t0)
    rows += chunk.length
    chunk = []
  }

  for (const c of snapshot(N)) if (chunk.push(c) >= 10_000) flush()
  flush()
  const heap1 = heapMiB()
  console.log(
    `NB: ${JSON.stringify(nb.counts())}; ${rows} rows applied in ${(loadMs / 1000).toFixed(2)} s (${((loadMs * 1000) / rows).toFixed(1)} µs/row), retained heap ${(heap1 - heap0).toFixed(0)} MiB`,
  )

  let last = computeDesired(nb, ctx, cfg)
  const runs = 5
  const t0 = performance.now()
  for (let r = 0; r < runs; r++) last = computeDesired(nb, ctx, cfg)
  const fullMs = ms(t0) / runs
  const kinds: Record<string, number> = {}
  for (const x of last.state.exposed) kinds[x.kind] = (kinds[x.kind] ?? 0) + 1
  console.log(
    `computeDesired: ${fullMs.toFixed(1)} ms (mean of ${runs}); ${last.state.objects.length} objects, ${last.state.exposed.length} exposed ${JSON.stringify(kinds)}, ${last.routers.length} local routers, ${last.problems.length} problems`,
  )
  if (last.problems.length > 0) console.log(`  first problems: ${JSON.stringify(last.problems.slice(0, 3))}`)

  const EVENTS = Number(process.env.BENCH_EVENTS ?? 200)
  console.log(`\nper event (mean of ${EVENTS}, do/undo alternating; ours = the daemon's onChange path per change)`)
  // As in agent.ts: the matchers' view is built once per desired state (here: once), not per change.
  const tv0 = performance.now()
  const view = agentView(nb, cfg, ctx, last)
  console.log(`agentView (once per reconcile pass): ${fmt(ms(tv0) * 1000)}`)
  console.log('| scenario | changes/event | matched classes | relevant | ours | baseline | baseline / ours |')
  console.log('|---|---|---|---|---|---|---|')
  for (const [name, make] of Object.entries(scenarios(nb))) {
    let [oursMs, baseMs, changes, relevant] = [0, 0, 0, 0]
    const classes = new Set<string>()
    for (let e = 0; e < EVENTS; e++) {
      for (const s of make(e)) {
        changes++
        let t = performance.now()
        const change = nb.applyChange(s.change)!
        const events = classifyChange(change, view)
        if (isRelevant(change, view, events)) relevant++
        oursMs += ms(t)
        for (const ev of events) classes.add(ev.name)
        t = performance.now()
        s.base(nb)
        baseMs += ms(t)
      }
    }

    const [o, b] = [(oursMs * 1000) / EVENTS, (baseMs * 1000) / EVENTS]
    const row = [
      name,
      changes / EVENTS,
      [...classes].join(', ') || '-',
      `${relevant}/${changes}`,
      fmt(o),
      fmt(b),
      `${b / o >= 10 ? (b / o).toFixed(0) : (b / o).toPrecision(2)}x`,
    ]
    console.log(`| ${row.join(' | ')} |`)
  }

  console.log(
    `\nA relevant change also schedules a (debounced) reconcile: one full computeDesired, ${fullMs.toFixed(1)} ms here.`,
  )
}

main()
