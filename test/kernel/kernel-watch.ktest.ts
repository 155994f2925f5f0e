// The watched kernel in the real kernel (guest): the model stays equal to a fresh dump across a
// random sequence of changes made behind its back; 100 random edits of owned state among ~50
// foreign objects are each repaired within about a second through the drift signal, foreign ones
// untouched (prints the repair times; the bounds are below). (The failing-wiring case is in kernel-wired.ktest.ts.)
import {expect} from 'chai'

import type {ObserveScope} from '../../src/lib/kernel/types.js'

import {BatchExecutor} from '../../src/lib/kernel/batch-process.js'
import {WatchedKernel} from '../../src/lib/kernel/watched.js'
import {NullLogger} from '../../src/lib/log.js'
import {diff} from '../../src/lib/planner/diff.js'
import {objValue, type StateObj} from '../../src/lib/planner/types.js'
import {sleep} from '../helpers/wait.js'
import {requireGuest} from './helpers/guest.js'
import {kernelEnv, type KernelEnv} from './helpers/kernel-env.js'

const values = (objs: readonly StateObj[]): string[] => objs.map(objValue).sort()

// "Repaired within about a second", as the TCG guest on a shared host allows: 9 edits in 10 within
// 1 s, and none over 3 s. The single-edit bound is loose because the emulated guest stalls for
// seconds at random when the host is busy: in the slowest repairs one `ip` request to a live child
// took 1.2-1.5 s (docs/reliability.md, item 5, has the distributions).
const P90_REPAIR_MS = 1000
const MAX_REPAIR_MS = 3000

/** The p-quantile of xs, rounded (ms). */
function q(xs: number[], p: number): number {
  const sorted = [...xs].sort((a, b) => a - b)
  return Math.round(sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!)
}

/** Seeded PRNG (mulberry32): the sequences are random but reproducible. */
function rng(seed: number): () => number {
  let a = seed
  return () => {
    // int32 wrap-around, not truncation: the generator relies on it
    a = (a + 0x6d_2b_79_f5) >>> 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t ^= t + Math.imul(t ^ (t >>> 7), 61 | t)
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
}

/** N exposed IPs on br-ex (address, rule, route, neighbour), one VLAN device with its own IP, table defaults. */
function node(n: number): StateObj[] {
  const out: StateObj[] = [
    {kind: 'route', family: 4, table: 200, dst: 'default', dev: 'br-ex', scope: 'link', proto: 3},
    {kind: 'route', family: 6, table: 200, dst: 'default', dev: 'br-ex', proto: 3},
    {kind: 'vlan', name: 'br-ex.100', link: 'br-ex', id: 100},
    {kind: 'address', dev: 'bgp-nic', cidr: '172.24.9.1/32'},
    {kind: 'rule', family: 4, dst: '172.24.9.1/32', table: 200, priority: 32_000},
    {kind: 'route', family: 4, table: 200, dst: '172.24.9.1/32', dev: 'br-ex.100', scope: 'link', proto: 3},
    {kind: 'neigh', family: 4, ip: '172.24.9.1', dev: 'br-ex.100', mac: 'fa:16:3e:00:09:01'},
  ]
  for (let i = 1; i <= n; i++) {
    const ip = `172.24.4.${i}`
    out.push(
      {kind: 'address', dev: 'bgp-nic', cidr: `${ip}/32`},
      {kind: 'rule', family: 4, dst: `${ip}/32`, table: 200, priority: 32_000},
      {kind: 'route', family: 4, table: 200, dst: `${ip}/32`, dev: 'br-ex', scope: 'link', proto: 3},
      {kind: 'neigh', family: 4, ip, dev: 'br-ex', mac: `fa:16:3e:00:04:${i.toString(16).padStart(2, '0')}`},
    )
  }

  out.push(
    {kind: 'address', dev: 'bgp-nic', cidr: '2001:db8::1/128'},
    {kind: 'rule', family: 6, dst: '2001:db8::1/128', table: 200, priority: 32_000},
    {kind: 'route', family: 6, table: 200, dst: '2001:db8::1/128', dev: 'br-ex', proto: 3},
  )
  return out
}

describe('watched kernel model (guest)', function () {
  this.timeout(900_000)
  let env: KernelEnv
  let wk: WatchedKernel
  let scope: ObserveScope
  const operators: BatchExecutor[] = []

  before(async function () {
    requireGuest(this, ['sysctl'])
    env = await kernelEnv('kwatch')
    expect((await env.kernel.ensureBase(env.base)).failed).to.deep.equal([])
    wk = new WatchedKernel(env.ns.runner, {stateDir: env.stateDir, ipArgs: ['-n', env.ns.name]}, new NullLogger())
    scope = env.scope
  })

  after(async () => {
    for (const o of operators) o.close()
    wk?.close()
    await env?.close()
  })

  /** Model view (no dump) vs a fresh dump, once the notifications have arrived (bounded wait). */
  async function modelVsDump(adopt: StateObj[]): Promise<{model: string[]; dump: string[]}> {
    const dump = values(await wk.kernel.observe({...scope, adopt}))
    let model: string[] = []
    for (let i = 0; i < 200; i++) {
      model = values(await wk.observe({...scope, adopt}))
      if (JSON.stringify(model) === JSON.stringify(dump)) break
      await sleep(10)
    }

    return {model, dump}
  }

  it('stays equal to a fresh dump across 150 random changes made behind its back', async () => {
    const desired = node(10)
    const first = await wk.observe({...scope, adopt: desired})
    expect(wk.dumps).to.equal(1)
    const res = await wk.apply(diff(desired, first), {ensureUp: ['br-ex']})
    expect(res.filter((r) => !r.ok)).to.deep.equal([])
    const rand = rng(7)
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!
    const ops: Array<() => string[]> = [
      () => ['address', 'del', `172.24.4.${1 + Math.floor(rand() * 10)}/32`, 'dev', 'bgp-nic'],
      () => ['address', 'add', `172.24.6.${1 + Math.floor(rand() * 50)}/32`, 'dev', 'bgp-nic'],
      () => ['rule', 'del', 'to', `172.24.4.${1 + Math.floor(rand() * 10)}/32`, 'lookup', '200', 'priority', '32000'],
      () => [
        'rule',
        'add',
        'to',
        `172.24.7.${1 + Math.floor(rand() * 50)}/32`,
        'lookup',
        '200',
        'priority',
        pick(['32000', '1000']),
      ],
      () => ['route', 'del', `172.24.4.${1 + Math.floor(rand() * 10)}/32`, 'table', '200'],
      () => [
        'route',
        'replace',
        `172.24.8.${1 + Math.floor(rand() * 50)}/32`,
        'dev',
        'br-ex',
        'table',
        '200',
        'proto',
        pick(['3', 'static']),
      ],
      () => ['neigh', 'del', `172.24.4.${1 + Math.floor(rand() * 10)}`, 'dev', 'br-ex'],
      () => [
        'neigh',
        'replace',
        `172.24.4.${1 + Math.floor(rand() * 10)}`,
        'lladdr',
        'fa:16:3e:aa:bb:cc',
        'dev',
        'br-ex',
        'nud',
        pick(['permanent', 'stale']),
      ],
      () => ['link', 'set', 'dev', pick(['br-ex.100', 'br-ex']), pick(['down', 'up'])],
      () =>
        rand() < 0.5
          ? ['link', 'del', 'dev', 'br-ex.100']
          : ['link', 'add', 'link', 'br-ex', 'name', 'br-ex.100', 'type', 'vlan', 'id', '100'],
    ]
    // The changes go through one operator-side `ip -batch` child (a process per change costs
    // seconds in a loaded TCG guest), in bursts of 10 with a pause: both bursts and single changes.
    const operator = new BatchExecutor({ipPath: 'ip', args: ['-n', env.ns.name]})
    let ran = 0
    try {
      for (let burst = 0; burst < 15; burst++) {
        const lines = Array.from({length: 10}, () => ({group: 'link' as const, args: pick(ops)()}))
        ran += (await operator.run(lines)).filter((o) => o.state === 'ok').length
        await sleep(50)
      }
    } finally {
      operator.close()
    }

    const {model, dump} = await modelVsDump(desired)
    console.log(
      `      150 random changes (${ran} succeeded): model ${model.length} owned objects, fresh dump ${dump.length}; dumps taken: ${wk.dumps}`,
    )
    expect(model).to.deep.equal(dump)
    expect(wk.dumps).to.equal(1)
  })

  it('repairs 100 random edits of owned state within about a second; 50 foreign objects untouched', async () => {
    const desired = node(10)
    // Start from the desired state.
    await wk.apply(diff(desired, await wk.observe({...scope, adopt: desired}, {fresh: true})), {ensureUp: ['br-ex']})
    // Foreign objects: other rule priorities, a route of another protocol in our table 200 and
    // routes of our protocol in another table, other devices with addresses, permanent neighbours.
    // Routes and neighbours sit on foreign dummy devices (up, ARP on) that the test never touches:
    // setting br-ex down makes the KERNEL flush the IPv4 routes and the neighbours through br-ex
    // (ovn-bgp's included, which it repairs), so foreign ones there would be removed by the kernel,
    // not by ovn-bgp. Ownership by mark (protocol, priority, table, device) is what is tested.
    const foreign: string[][] = []
    for (let i = 1; i <= 5; i++)
      foreign.push(
        ['link', 'add', `fdum${i}`, 'type', 'dummy'],
        ['link', 'set', 'dev', `fdum${i}`, 'arp', 'on'],
        ['link', 'set', 'dev', `fdum${i}`, 'up'],
        ['address', 'add', `10.6.${i}.1/32`, 'dev', `fdum${i}`],
      )
    for (let i = 1; i <= 10; i++)
      foreign.push(['rule', 'add', 'to', `10.9.${i}.0/24`, 'lookup', '200', 'priority', String(1000 + i)])
    for (let i = 1; i <= 10; i++)
      foreign.push(['route', 'add', `10.8.${i}.0/24`, 'dev', 'fdum1', 'table', '200', 'proto', 'static'])
    for (let i = 1; i <= 10; i++)
      foreign.push(['route', 'add', `10.7.${i}.0/24`, 'dev', 'fdum2', 'table', '300', 'proto', '3'])
    for (let i = 1; i <= 10; i++)
      foreign.push([
        'neigh',
        'replace',
        `10.5.0.${i}`,
        'lladdr',
        'fa:16:3e:ff:00:01',
        'dev',
        'fdum3',
        'nud',
        'permanent',
      ])
    // Foreign objects and edits go through operator-side `ip -batch` children (no process per line).
    const operator = new BatchExecutor({ipPath: 'ip', args: ['-n', env.ns.name]})
    operators.push(operator)
    const made = await operator.run(foreign.map((args) => ({group: 'link' as const, args})))
    expect(made.filter((o) => o.state !== 'ok')).to.deep.equal([])
    // The foreign objects above only (the first test leaves other strays, which are not the point here).
    const foreignDump = async (): Promise<string> => {
      const parts = await Promise.all([
        env.ns.ipJson('-4', 'rule', 'show'),
        env.ns.ipJson('route', 'show', 'table', '300'),
        env.ns.ipJson('route', 'show', 'table', '200', 'proto', 'static', 'root', '10.8.0.0/16'),
        env.ns.ipJson('address', 'show', 'type', 'dummy'),
        env.ns.ipJson('neigh', 'show', 'to', '10.5.0.0/24'),
      ])
      const rules = (parts[0] as Array<{priority: number}>).filter((r) => r.priority > 1000 && r.priority <= 1010)
      const addrs = (parts[3] as Array<{ifname: string}>).filter((l) => l.ifname.startsWith('fdum'))
      return JSON.stringify([rules, parts[1], parts[2], addrs, parts[4]])
    }

    const before = await foreignDump()

    // The daemon's reaction, minus NB: a drift notification schedules a pruning pass (debounced).
    let passes = 0
    let passMs: number[] = []
    let timer: NodeJS.Timeout | undefined
    let running: Promise<void> | undefined
    let again = false
    // Where a slow repair's time went, printed per slow edit: o = observe, x = one ip request,
    // L / S = ledger load / save (ms each, in order of completion).
    const parts: string[] = []
    const wrap = <T extends object>(o: T, name: keyof T & string, tag: string): void => {
      const orig = (o[name] as unknown as (...a: unknown[]) => Promise<unknown>).bind(o)
      Object.assign(o, {
        async [name](...a: unknown[]) {
          const t = performance.now()
          try {
            return await orig(...a)
          } finally {
            parts.push(`${tag}${Math.round(performance.now() - t)}`)
          }
        },
      })
    }

    wrap(wk.exec, 'run', 'x')
    wrap(wk.kernel.ledger, 'load', 'L')
    wrap(wk.kernel.ledger, 'save', 'S')
    const pass = async (): Promise<void> => {
      const t = performance.now()
      const observed = await wk.observe({...scope, adopt: desired})
      const t1 = performance.now()
      const plan = diff(desired, observed)
      if (plan.add.length + plan.remove.length > 0) await wk.apply(plan, {ensureUp: ['br-ex']})
      passes++
      passMs.push(performance.now() - t)
      parts.push(`o${Math.round(t1 - t)}|`)
    }

    const request = (): void => {
      if (timer) return
      timer = setTimeout(() => {
        timer = undefined
        if (running) {
          again = true
          return
        }

        running = pass().finally(() => {
          running = undefined
          if (again) {
            again = false
            request()
          }
        })
      }, 20)
    }

    let drifts = 0
    wk.onDrift(() => {
      drifts++
      request()
    })

    const rand = rng(11)
    const owned = desired.filter((o) => o.kind !== 'vlan' && o.kind !== 'route')
    const edits: Array<{what: string; args: string[]; back: () => boolean}> = []
    const present =
      (o: StateObj): (() => boolean) =>
      () =>
        has(o)
    const has = (o: StateObj): boolean => {
      switch (o.kind) {
        case 'address': {
          return wk.model.addrs.has(`${o.dev}|${o.cidr}`)
        }

        case 'rule': {
          return wk.model.rules.has(`${o.family}|${o.priority}|${o.dst}|${o.table}`)
        }

        case 'route': {
          return wk.model.routes.get(`${o.family}|${o.table}|${o.dst}`)?.proto === 3
        }

        case 'neigh': {
          return wk.model.neighs.get(`${o.dev}|${o.ip}`)?.mac === o.mac
        }

        default: {
          return true
        }
      }
    }

    const routes = desired.filter((o) => o.kind === 'route')
    for (let i = 0; i < 100; i++) {
      const r = rand()
      if (r < 0.08)
        edits.push({
          what: 'bridge down',
          args: ['link', 'set', 'dev', 'br-ex', 'down'],
          back: () => wk.model.links.get('br-ex')?.up === true && desired.every(has),
        })
      else if (r < 0.16)
        edits.push({
          what: 'VLAN down',
          args: ['link', 'set', 'dev', 'br-ex.100', 'down'],
          back: () => wk.model.links.get('br-ex.100')?.up === true && desired.every(has),
        })
      else if (r < 0.22)
        edits.push({
          what: 'VLAN deleted',
          args: ['link', 'del', 'dev', 'br-ex.100'],
          back: () => wk.model.links.get('br-ex.100')?.up === true && desired.every(has),
        })
      else if (r < 0.4) {
        const o = routes[Math.floor(rand() * routes.length)]!
        if (o.kind !== 'route') continue
        edits.push({what: 'route deleted', args: ['route', 'del', o.dst, 'table', String(o.table)], back: present(o)})
      } else {
        const o = owned[Math.floor(rand() * owned.length)]!
        switch (o.kind) {
          case 'address': {
            edits.push({what: 'address deleted', args: ['address', 'del', o.cidr, 'dev', o.dev], back: present(o)})
            break
          }

          case 'rule': {
            edits.push({
              what: 'rule deleted',
              args: [
                ...(o.family === 6 ? ['-6'] : []),
                'rule',
                'del',
                'to',
                o.dst,
                'lookup',
                String(o.table),
                'priority',
                '32000',
              ],
              back: present(o),
            })
            break
          }

          case 'neigh': {
            edits.push({what: 'neighbour deleted', args: ['neigh', 'del', o.ip, 'dev', o.dev], back: present(o)})
            break
          }
        }
      }
    }

    const times: number[] = []
    const byKind = new Map<string, number[]>()
    const slow: string[] = []
    const failedEdits: string[] = []
    for (const e of edits) {
      const drifts0 = drifts
      const starts0 = wk.exec.starts
      const passes0 = passes
      passMs = []
      parts.length = 0
      const [r] = await operator.run([
        {group: e.args[0] === '-6' ? 'ip6' : 'link', args: e.args[0] === '-6' ? e.args.slice(1) : e.args},
      ])
      // An edit that finds its object already gone means an earlier repair did not hold.
      if (r?.state !== 'ok') {
        failedEdits.push(`${e.args.join(' ')}: ${r?.state === 'failed' ? r.reason : 'unknown'}`)
        continue
      }

      // From the moment the editing command returned (the change is in the kernel). The model shows
      // the object back only after it has heard of the edit (a drift signal since the edit began):
      // otherwise a notification still in flight would pass for a 0 ms repair.
      const t0 = performance.now()
      let heard = -1
      while (performance.now() - t0 < 10_000) {
        if (heard < 0 && drifts > drifts0) heard = performance.now() - t0
        if (heard >= 0 && e.back()) break
        await sleep(5)
      }

      const ms = performance.now() - t0
      // Settle: no pass running or pending, and still repaired, for 300 ms (late notifications);
      // and no spare ip child still to start (a device deletion replaces children, and the spare
      // that follows is a process start that stalls the daemon: the next edit starts on a quiet node).
      let quiet = performance.now()
      while (performance.now() - quiet < 300 && performance.now() - t0 < 15_000) {
        if (running || timer || !e.back() || wk.exec.sparesPending) quiet = performance.now()
        await sleep(10)
      }

      times.push(ms)
      byKind.set(e.what, [...(byKind.get(e.what) ?? []), ms])
      const detail = `heard after ${Math.round(Math.max(heard, 0))} ms, ${passes - passes0} passes (${passMs.map((x) => Math.round(x)).join('/')} ms), ${wk.exec.starts - starts0} ip starts [${parts.join(' ')}]`
      if (heard < 0 || !e.back() || ms > MAX_REPAIR_MS)
        slow.push(`${e.what} (${e.args.join(' ')}): ${Math.round(ms)} ms; ${detail}`)
      else if (ms > 700) console.log(`      over 700 ms: ${e.what}: ${Math.round(ms)} ms; ${detail}`)
    }

    console.log(`      edits that found their object already missing: ${failedEdits.length}`)
    for (const f of failedEdits) console.log(`      missing: ${f}`)
    console.log(
      `      FIGURE item 5: ${times.length} edits repaired: p50 ${q(times, 0.5)} ms, p90 ${q(times, 0.9)} ms, max ${q(times, 1)} ms; ${passes} passes; ${wk.dumps} full dumps; ${wk.exec.starts} ip batch starts in all`,
    )
    for (const [what, xs] of [...byKind].sort())
      console.log(`        ${what}: ${xs.length}x, p50 ${q(xs, 0.5)} ms, max ${q(xs, 1)} ms`)
    for (const s of slow) console.log(`      slow: ${s}`)
    // The end state equals desired in a fresh dump; foreign objects are as they were.
    const fresh = await wk.kernel.observe({...scope, adopt: desired})
    expect(values(fresh)).to.deep.equal(values(desired))
    expect(await foreignDump()).to.equal(before)
    expect(failedEdits).to.deep.equal([])
    expect(slow).to.deep.equal([])
    expect(q(times, 0.9), 'p90 of the repair times (ms)').to.be.at.most(P90_REPAIR_MS)
  })
})
