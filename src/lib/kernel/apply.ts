// Apply a Plan to the kernel: removes first (reverse kind order), then adds (kind order), with
// every kind batched: addresses, rules and routes in one `ip -4 -batch` and one `ip -6 -batch` per
// phase, neighbours and NDP proxies in their own batches, all sysctls in one `sysctl -w`; only VLAN
// links (few) use one `ip` call each. Each op reports ok | failed(reason); one failure never stops
// the others. Neighbour/proxy ownership is recorded in the ledger.
import type {CommandRunner} from '../exec/runner.js'
import type {Logger} from '../log.js'
import {objKey, type Plan} from '../planner/types.js'
import {runIpBatch, runIpSingle, type LineOutcome} from './batch.js'
import {ipOpFor, sysctlAssign, sysctlPath, vlanAddArgs, vlanDelArgs, type IpOp} from './commands.js'
import type {Ledger} from './ledger.js'
import {parseLinks, parseNeighs, parseProxies} from './parse.js'
import {isKernelObj, type KernelObj, type OpResult} from './types.js'

export interface ApplyDeps {
  runner: CommandRunner
  ipPath: string
  sysctlPath: string
  ledger: Ledger
  log: Logger
  timeoutMs?: number
}

type Op = 'add' | 'remove'

interface Item {
  op: Op
  obj: KernelObj
  result?: OpResult
}

function settle(item: Item, outcome: LineOutcome | {state: 'failed'; reason: string}): void {
  if (outcome.state === 'ok') item.result = {op: item.op, obj: item.obj, ok: true}
  else item.result = {op: item.op, obj: item.obj, ok: false, reason: outcome.state === 'failed' ? outcome.reason : 'outcome unknown'}
}

function ipOpOf(item: Item): IpOp | undefined {
  return ipOpFor(item.op, item.obj)
}

export async function applyPlan(d: ApplyDeps, plan: Plan): Promise<OpResult[]> {
  const removes: Item[] = plan.remove.filter(isKernelObj).map((obj) => ({op: 'remove', obj}))
  const adds: Item[] = plan.add.filter(isKernelObj).map((obj) => ({op: 'add', obj}))
  await d.ledger.load()

  await runNeighbourBatches(d, removes)
  await runFamilyBatches(d, removes)
  await runSysctls(d, removes)
  for (const it of removes.filter((i) => i.obj.kind === 'vlan')) await runVlan(d, it)

  for (const it of adds.filter((i) => i.obj.kind === 'vlan')) await runVlan(d, it)
  await runSysctls(d, adds)
  await runFamilyBatches(d, adds)
  await runNeighbourBatches(d, adds)

  const all = [...removes, ...adds]
  for (const it of all) {
    if (!it.result?.ok || (it.obj.kind !== 'neigh' && it.obj.kind !== 'ndp-proxy')) continue
    if (it.op === 'add') d.ledger.add(objKey(it.obj))
    else d.ledger.delete(objKey(it.obj))
  }
  await d.ledger.save()
  const results = all.map((it) => it.result ?? {op: it.op, obj: it.obj, ok: false as const, reason: 'not applied'})
  const failed = results.filter((r) => !r.ok).length
  d.log.debug('kernel apply', {add: adds.length, remove: removes.length, failed})
  return results
}

/** Builds the ip op of each item; a validation error fails the item right away. */
function prepare(items: readonly Item[]): Array<{item: Item; ipOp: IpOp}> {
  const out: Array<{item: Item; ipOp: IpOp}> = []
  for (const item of items) {
    if (item.result) continue
    try {
      const ipOp = ipOpOf(item)
      if (ipOp) out.push({item, ipOp})
    } catch (error) {
      settle(item, {state: 'failed', reason: (error as Error).message})
    }
  }
  return out
}

/** Addresses, rules, routes: one batch per family. Route adds without a gateway go first. */
async function runFamilyBatches(d: ApplyDeps, items: readonly Item[]): Promise<void> {
  const prepared = prepare(items.filter((i) => i.obj.kind === 'address' || i.obj.kind === 'rule' || i.obj.kind === 'route'))
  for (const family of [4, 6] as const) {
    const group = prepared.filter((p) => p.ipOp.group === `ip${family}`)
    const rank = (p: {item: Item}): number => {
      const o = p.item.obj
      if (o.kind !== 'route') return 0
      return o.via === undefined ? 1 : 2
    }
    group.sort((a, b) => (a.item.op === 'add' ? rank(a) - rank(b) : 0))
    await runGroup(d, group, family)
  }
}

async function runGroup(d: ApplyDeps, group: Array<{item: Item; ipOp: IpOp}>, family?: 4 | 6): Promise<void> {
  if (group.length === 0) return
  const opts = {ipPath: d.ipPath, ...(family ? {family} : {}), ...(d.timeoutMs ? {timeoutMs: d.timeoutMs} : {})}
  const outcomes = await runIpBatch(d.runner, group.map((g) => g.ipOp), opts)
  for (const [i, g] of group.entries()) {
    const o = outcomes[i] ?? {state: 'unknown'}
    // The batch stopped early: run what is left one by one for a precise result.
    settle(g.item, o.state === 'unknown' ? await runIpSingle(d.runner, g.ipOp, opts) : o)
  }
}

/**
 * Neighbours and proxies: iproute2 exits the whole batch on the first kernel error for these, so
 * ops that would fail harmlessly are settled from one dump first ("delete" of an absent entry, "add
 * proxy" of a present one, anything on a missing device); the rest run in one batch each.
 */
async function runNeighbourBatches(d: ApplyDeps, items: readonly Item[]): Promise<void> {
  const prepared = prepare(items.filter((i) => i.obj.kind === 'neigh' || i.obj.kind === 'ndp-proxy'))
  if (prepared.length === 0) return
  const env = {env: {LC_ALL: 'C'}}
  const [links, neighs, proxies] = await Promise.all(
    [['-json', 'link', 'show'], ['-json', 'neigh', 'show'], ['-json', 'neigh', 'show', 'proxy']].map((a) => d.runner.run(d.ipPath, a, env)),
  )
  const devs = new Set(parseLinks(links!.stdout).map((l) => l.name))
  const neighKeys = new Set(parseNeighs(neighs!.stdout).map((n) => `${n.dev}|${n.ip}`))
  const proxyKeys = new Set(parseProxies(proxies!.stdout).map((p) => `${p.dev}|${p.ip}`))
  const run: Array<{item: Item; ipOp: IpOp}> = []
  for (const p of prepared) {
    const o = p.item.obj as Extract<KernelObj, {kind: 'neigh' | 'ndp-proxy'}>
    const key = `${o.dev}|${o.ip}`
    const exists = o.kind === 'neigh' ? neighKeys.has(key) : proxyKeys.has(key)
    if (!devs.has(o.dev)) settle(p.item, p.item.op === 'remove' ? {state: 'ok'} : {state: 'failed', reason: `Cannot find device "${o.dev}"`})
    else if (p.item.op === 'remove' && !exists) settle(p.item, {state: 'ok'})
    else if (p.item.op === 'add' && o.kind === 'ndp-proxy' && exists) settle(p.item, {state: 'ok'})
    else run.push(p)
  }
  await runGroup(d, run.filter((p) => p.ipOp.group === 'neigh'))
  await runGroup(d, run.filter((p) => p.ipOp.group === 'proxy'))
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
    if (!err) settle(t.item, r.code === 0 || errLines.length > 0 ? {state: 'ok'} : {state: 'failed', reason: `sysctl exit ${r.code}`})
    else if (t.item.op === 'remove' && /No such file or directory|cannot stat/.test(err)) settle(t.item, {state: 'ok'})
    else settle(t.item, {state: 'failed', reason: err.trim()})
  }
}

/** VLAN device: add (an existing device with another parent/id is re-created) and set up; or delete. */
async function runVlan(d: ApplyDeps, item: Item): Promise<void> {
  if (item.obj.kind !== 'vlan') return
  const o = item.obj
  const env = {env: {LC_ALL: 'C'}}
  try {
    if (item.op === 'remove') {
      const r = await d.runner.run(d.ipPath, vlanDelArgs(o), env)
      settle(item, r.code === 0 || /Cannot find device/.test(r.stderr) ? {state: 'ok'} : {state: 'failed', reason: r.stderr.trim()})
      return
    }
    let r = await d.runner.run(d.ipPath, vlanAddArgs(o), env)
    if (r.code !== 0 && /File exists/.test(r.stderr)) {
      const show = await d.runner.run(d.ipPath, ['-json', '-details', 'link', 'show', 'dev', o.name], env)
      const cur = parseLinks(show.stdout)[0]
      if (cur?.kind !== 'vlan' || cur.link !== o.link || cur.vlanId !== o.id) {
        await d.runner.run(d.ipPath, vlanDelArgs(o), env)
        r = await d.runner.run(d.ipPath, vlanAddArgs(o), env)
      } else r = {code: 0, stdout: '', stderr: ''}
    }
    if (r.code !== 0) return settle(item, {state: 'failed', reason: r.stderr.trim() || `exit ${r.code}`})
    const up = await d.runner.run(d.ipPath, ['link', 'set', 'dev', o.name, 'up'], env)
    settle(item, up.code === 0 ? {state: 'ok'} : {state: 'failed', reason: up.stderr.trim()})
  } catch (error) {
    settle(item, {state: 'failed', reason: (error as Error).message})
  }
}
