// Apply a Plan to the kernel. Order (what the fabric may see is what matters):
//   1. withdraw: the announced addresses (bgp-nic /32, /128) are removed first, so a withdrawn IP
//      stops being advertised before its wiring goes;
//   2. the other removes: neighbours/proxies, rules, routes, helper addresses; then sysctls, VLANs;
//   3. adds: devices that must be up, VLAN devices, sysctls, then helper addresses, rules, routes
//      (gateway-less first) and neighbours/proxies;
//   4. announce: an address is added only when no add of its wiring (rule, route, neighbour, proxy
//      for the same IP) failed in this plan; otherwise it fails with the wiring's reason and the IP
//      stays off bgp-nic (a failed route must never blackhole an advertised IP).
// Every ip command goes through an IpExec (one `ip -batch` per group and phase, or the daemon's
// long-lived processes); all sysctls go in one `sysctl -w`. Each op reports ok | failed(reason);
// one failure never stops the others. Neighbour/proxy ownership is recorded in the ledger.
import type {CommandRunner} from '../exec/runner.js'
import type {Logger} from '../log.js'
import type {IpExec, LineOutcome} from './batch.js'
import type {Ledger} from './ledger.js'
import type {LinkInfo} from './parse.js'

import {HELPER_V4_PREFIX, HELPER_V6_PREFIX, objKey, type Plan} from '../planner/types.js'
import {type IpOp, ipOpFor, linkUpOp, sysctlAssign, sysctlPath, vlanAddOp, vlanDelOp} from './commands.js'
import {createdVlanLink} from './parse.js'
import {isKernelObj, type KernelObj, type OpResult, wiringIp} from './types.js'

/** What apply needs to know about the kernel before it writes (a dump, or the watched model). */
export interface KernelFacts {
  /** Updated by apply with the VLAN devices it creates (neighbours on them follow in the same plan). */
  links: Map<string, LinkInfo>
  /** `dev|ip` of present neighbour entries (a set, or a live view of the watched model). */
  neighs: {has(key: string): boolean}
  /** `dev|ip` of present NDP proxies. */
  proxies: {has(key: string): boolean}
}

export interface ApplyDeps {
  exec: IpExec
  runner: CommandRunner
  sysctlPath: string
  ledger: Ledger
  log: Logger
  /** Read only when the plan has neighbours, proxies, VLANs or devices to bring up. */
  facts: () => Promise<KernelFacts>
  /** Devices (provider bridges) that must be up; set up first when facts say they are down. */
  ensureUp?: readonly string[]
  /** Filled with the wall time of each phase (ms): facts, removes, wiring, announce, ledger. */
  stages?: Record<string, number>
}

type Op = 'add' | 'remove'

interface Item {
  op: Op
  obj: KernelObj
  result?: OpResult
}

function settle(item: Item, outcome: LineOutcome | {state: 'failed'; reason: string}): void {
  item.result =
    outcome.state === 'ok'
      ? {action: item.op, obj: item.obj, ok: true}
      : {
          action: item.op,
          obj: item.obj,
          ok: false,
          error: outcome.state === 'failed' ? outcome.reason : 'outcome unknown',
        }
}

/** An address that announces an IP (on bgp-nic), as opposed to an ARP/NDP helper on a bridge. */
function isAnnounced(o: KernelObj): boolean {
  return o.kind === 'address' && !o.cidr.startsWith(HELPER_V4_PREFIX) && !o.cidr.startsWith(HELPER_V6_PREFIX)
}

/** The IP an op wires (host rules/routes, neighbours, proxies) or announces, for the announce gate. */
function wiredIp(o: KernelObj): string | undefined {
  return o.kind === 'address' ? (isAnnounced(o) ? o.cidr.split('/')[0] : undefined) : wiringIp(o)
}

export async function applyPlan(d: ApplyDeps, plan: Plan): Promise<OpResult[]> {
  const removes: Item[] = plan.remove.filter(isKernelObj).map((obj) => ({op: 'remove', obj}))
  const adds: Item[] = plan.add.filter(isKernelObj).map((obj) => ({op: 'add', obj}))
  const all = [...removes, ...adds]
  let mark = performance.now()
  const stages = d.stages ?? {}
  const stage = (name: string): void => {
    const now = performance.now()
    stages[name] = Math.round(now - mark)
    mark = now
  }

  const needsFacts =
    all.some((i) => i.obj.kind === 'neigh' || i.obj.kind === 'ndp-proxy' || i.obj.kind === 'vlan') ||
    (d.ensureUp?.length ?? 0) > 0
  const facts = needsFacts ? await d.facts() : undefined
  if (all.some((i) => i.obj.kind === 'neigh' || i.obj.kind === 'ndp-proxy')) await d.ledger.load()
  stage('facts')

  // 1-2. withdraw, then the other removes.
  await runIp(
    d,
    removes.filter((i) => isAnnounced(i.obj)),
  )
  await Promise.all([
    runIp(
      d,
      removes.filter((i) => i.obj.kind === 'rule' || i.obj.kind === 'route' || i.obj.kind === 'address'),
    ),
    runNeighbours(d, facts, removes),
  ])
  await runSysctls(d, removes)
  await runVlans(d, facts, removes)
  stage('removes')

  // 3. wiring.
  await ensureUp(d, facts)
  await runVlans(d, facts, adds)
  await runSysctls(d, adds)
  const wiring = adds.filter(
    (i) => i.obj.kind === 'rule' || i.obj.kind === 'route' || (i.obj.kind === 'address' && !isAnnounced(i.obj)),
  )
  await Promise.all([runIp(d, wiring), runNeighbours(d, facts, adds)])
  stage('wiring')

  // 4. announce what is wired.
  const blocked = new Map<string, string>()
  for (const it of adds) {
    const ip = wiredIp(it.obj)
    if (ip !== undefined && it.obj.kind !== 'address' && it.result && !it.result.ok && !blocked.has(ip))
      blocked.set(ip, `${it.obj.kind} ${objKey(it.obj)}: ${it.result.error}`)
  }

  const announce = adds.filter((i) => isAnnounced(i.obj))
  for (const it of announce) {
    const why = blocked.get(wiredIp(it.obj) ?? '')
    if (why !== undefined) settle(it, {state: 'failed', reason: `not announced: wiring failed (${why})`})
  }

  await runIp(d, announce)
  stage('announce')

  let ledgerChanged = false
  for (const it of all) {
    if (!it.result?.ok || (it.obj.kind !== 'neigh' && it.obj.kind !== 'ndp-proxy')) continue
    ledgerChanged = true
    if (it.op === 'add') d.ledger.add(objKey(it.obj))
    else d.ledger.delete(objKey(it.obj))
  }

  if (ledgerChanged) await d.ledger.save()
  stage('ledger')
  const results = all.map((it) => it.result ?? {action: it.op, obj: it.obj, ok: false, error: 'not applied'})
  d.log.debug('kernel apply', {
    add: adds.length,
    remove: removes.length,
    failed: results.filter((r) => !r.ok).length,
    ms: stages,
  })
  return results
}

/** Builds the ip op of each unsettled item; a validation error fails the item right away. */
function prepare(items: readonly Item[]): Array<{item: Item; ipOp: IpOp}> {
  const out: Array<{item: Item; ipOp: IpOp}> = []
  for (const item of items) {
    if (item.result) continue
    try {
      const ipOp = ipOpFor(item.op, item.obj)
      if (ipOp) out.push({item, ipOp})
    } catch (error) {
      settle(item, {state: 'failed', reason: (error as Error).message})
    }
  }

  return out
}

/** Runs items through the IpExec, one request per exec group (in parallel); adds of gateway-less routes first. */
async function runIp(d: ApplyDeps, items: readonly Item[]): Promise<void> {
  const prepared = prepare(items)
  const rank = (p: {item: Item}): number => (p.item.obj.kind === 'route' ? (p.item.obj.via === undefined ? 1 : 2) : 0)
  const groups = new Map<string, Array<{item: Item; ipOp: IpOp}>>()
  for (const p of prepared) {
    const g = p.ipOp.group === 'ip4' || p.ipOp.group === 'ip6' ? p.ipOp.group : 'neutral'
    const list = groups.get(g)
    if (list) list.push(p)
    else groups.set(g, [p])
  }

  await Promise.all(
    [...groups.values()].map(async (group) => {
      group.sort((a, b) => (a.item.op === 'add' ? rank(a) - rank(b) : 0))
      const outcomes = await d.exec.run(group.map((g) => g.ipOp))
      for (const [i, g] of group.entries()) settle(g.item, outcomes[i] ?? {state: 'unknown'})
    }),
  )
}

/**
 * Neighbours and proxies: iproute2 ends the batch process on the first kernel error for these, so
 * ops that would fail harmlessly are settled from the facts first ("delete" of an absent entry, "add
 * proxy" of a present one, anything on a missing device); the rest run in the family-less process.
 */
async function runNeighbours(d: ApplyDeps, facts: KernelFacts | undefined, items: readonly Item[]): Promise<void> {
  const todo: Item[] = []
  for (const it of items) {
    if (it.result || (it.obj.kind !== 'neigh' && it.obj.kind !== 'ndp-proxy')) continue
    const o = it.obj
    const key = `${o.dev}|${o.ip}`
    const exists = o.kind === 'neigh' ? facts?.neighs.has(key) : facts?.proxies.has(key)
    if (facts && !facts.links.has(o.dev))
      settle(it, it.op === 'remove' ? {state: 'ok'} : {state: 'failed', reason: `Cannot find device "${o.dev}"`})
    else if (it.op === 'remove' && exists === false) settle(it, {state: 'ok'})
    else if (it.op === 'add' && o.kind === 'ndp-proxy' && exists === true) settle(it, {state: 'ok'})
    else todo.push(it)
  }

  await runIp(d, todo)
}

/** Provider bridges that the facts show down are set up before anything is wired through them. */
async function ensureUp(d: ApplyDeps, facts: KernelFacts | undefined): Promise<void> {
  const down = (d.ensureUp ?? []).filter((dev) => facts?.links.get(dev)?.up === false)
  if (down.length === 0) return
  const out = await d.exec.run(down.map((dev) => linkUpOp(dev)))
  for (const [i, o] of out.entries()) {
    if (o.state === 'ok') d.log.info('set device up', {dev: down[i]})
    else d.log.warn('cannot set device up', {dev: down[i], error: o.state === 'failed' ? o.reason : 'unknown'})
  }
}

/**
 * VLAN devices through the family-less process. Add: absent -> add + up; present with the right
 * parent and id -> up; present otherwise -> delete, add, up. Remove: `link del` ("gone" = ok).
 */
async function runVlans(d: ApplyDeps, facts: KernelFacts | undefined, items: readonly Item[]): Promise<void> {
  const lines: IpOp[] = []
  const spans: Array<{item: Item; from: number; to: number}> = []
  for (const it of items) {
    if (it.result || it.obj.kind !== 'vlan') continue
    const o = it.obj
    try {
      const from = lines.length
      if (it.op === 'remove') lines.push(vlanDelOp(o))
      else {
        const cur = facts?.links.get(o.name)
        if (cur && (cur.kind !== 'vlan' || cur.link !== o.link || cur.vlanId !== o.id)) lines.push(vlanDelOp(o))
        if (!cur || cur.kind !== 'vlan' || cur.link !== o.link || cur.vlanId !== o.id) lines.push(vlanAddOp(o))
        lines.push(linkUpOp(o.name))
      }

      spans.push({item: it, from, to: lines.length})
    } catch (error) {
      settle(it, {state: 'failed', reason: (error as Error).message})
    }
  }

  if (lines.length === 0) return
  const out = await d.exec.run(lines)
  for (const s of spans) {
    const bad = out.slice(s.from, s.to).find((o) => o.state !== 'ok')
    settle(s.item, bad ?? {state: 'ok'})
    const o = s.item.obj
    if (!bad && o.kind === 'vlan' && facts) {
      if (s.item.op === 'add') facts.links.set(o.name, createdVlanLink(o))
      else facts.links.delete(o.name)
    }
  }
}

/**
 * All sysctls in one `sysctl -w`; a remove writes 0. sysctl(8) reports a failing key on stderr
 * by its /proc path ("cannot stat /proc/sys/...: ...") or its name ("... on key \"k\"") and goes
 * on with the next. A key that no longer exists (device gone) is a successful remove.
 */
async function runSysctls(d: ApplyDeps, items: readonly Item[]): Promise<void> {
  const todo: Array<{item: Item; key: string; word: string; path: string}> = []
  for (const item of items) {
    if (item.obj.kind !== 'sysctl' || item.result) continue
    try {
      const value = item.op === 'add' ? item.obj.value : '0'
      todo.push({item, key: item.obj.key, word: sysctlAssign({...item.obj, value}), path: sysctlPath(item.obj.key)})
    } catch (error) {
      settle(item, {state: 'failed', reason: (error as Error).message})
    }
  }

  if (todo.length === 0) return
  const r = await d.runner.run(d.sysctlPath, ['-w', ...todo.map((t) => t.word)], {env: {LC_ALL: 'C'}})
  const errLines = r.stderr.split('\n').filter((l) => l.trim() !== '')
  for (const t of todo) {
    const err = errLines.find((l) => l.includes(`${t.path}:`) || l.includes(`"${t.key}"`))
    if (!err)
      settle(
        t.item,
        r.code === 0 || errLines.length > 0 ? {state: 'ok'} : {state: 'failed', reason: `sysctl exit ${r.code}`},
      )
    else if (t.item.op === 'remove' && /No such file or directory|cannot stat/.test(err)) settle(t.item, {state: 'ok'})
    else settle(t.item, {state: 'failed', reason: err.trim()})
  }
}
