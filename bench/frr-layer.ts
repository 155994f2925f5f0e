// Benchmark (not a test): the cost of the FRR layer of explain / show-exposed for N exposed IPs,
// in a real kernel with FRR and a gobgpd peer (run it in the qemu guest with
// bench/run-kernel-bench.sh frr-layer 1000). N /32 addresses are put on bgp-nic (VRF bgp-vrf), FRR
// redistributes and leaks them, the peer receives them. Then, in one run:
//   ours      FrrRib.read(): running-config + one batch of JSON queries + one batch of
//             advertised-routes queries = 3 vtysh processes whatever N
//   per-IP    what a naive layer does: one vtysh process per IP asking for that prefix in the VRF
//             RIB, the VRF BGP table and the default table (3 commands), plus one advertised-routes
//             query per neighbour; run on a sample of S IPs and scaled to N (it is linear in N)
// Usage: node bench/frr-layer.js [N] [S]   (default 1000 IPs, sample 100)
// On the host (no vrf/dummy, no peer): `node --import tsx bench/frr-layer.ts host [N] [S]` puts the N
// prefixes into the default instance with `network` statements instead (the VRF queries then
// answer a warning, there is no neighbour): same vtysh calls and table sizes for the default
// instance, fewer documents to parse.
import {execFileSync} from 'node:child_process'

import {ExecRunner, type RunOptions, type RunResult} from '../src/lib/exec/runner.js'
import {FrrRib} from '../src/lib/frr/rib.js'
import {Vtysh} from '../src/lib/frr/vtysh.js'
import {startLab} from '../test/kernel/helpers/lab.js'

const HOST = process.argv[2] === 'host'
const argv = HOST ? process.argv.slice(3) : process.argv.slice(2)
const N = Number(argv[0] ?? 1000)
const S = Math.min(N, Number(argv[1] ?? 100))

class CountingRunner extends ExecRunner {
  calls = 0

  override run(file: string, args: readonly string[], opts?: RunOptions): Promise<RunResult> {
    this.calls++
    return super.run(file, args, opts)
  }
}

const ipOf = (i: number) => `172.30.${Math.floor(i / 250)}.${1 + (i % 250)}`
const sleep = (ms: number) =>
  new Promise((r) => {
    setTimeout(r, ms)
  })

/** Times ours (best of 3) and the per-IP baseline on a sample against one FRR. */
async function measure(socketDir: string, checkAdvertised: boolean): Promise<void> {
  const runner = new CountingRunner()
  const vtysh = new Vtysh(runner, {vtyshPath: 'vtysh', socketDir})
  const rib = new FrrRib(vtysh, {vrf: 'bgp-vrf', asn: '64999'})
  const ours: number[] = []
  let view = await rib.read()
  let calls = 0
  for (let r = 0; r < 3; r++) {
    runner.calls = 0
    const s = performance.now()
    view = await rib.read()
    ours.push(performance.now() - s)
    calls = runner.calls
  }

  const complete = [...Array.from({length: N}).keys()].every(
    (i) =>
      view.leaked.has(`${ipOf(i)}/32`) &&
      (!checkAdvertised || view.neighbours.every((n) => n.advertised.has(`${ipOf(i)}/32`))),
  )
  const s1 = performance.now()
  for (let i = 0; i < S; i++) {
    const p = `${ipOf(i)}/32`
    await vtysh.showBatch([
      `show ip route vrf bgp-vrf ${p} json`,
      `show bgp vrf bgp-vrf ipv4 unicast ${p} json`,
      `show bgp ipv4 unicast ${p} json`,
    ])
  }

  for (const n of view.neighbours)
    await vtysh.showBatch([`show bgp ipv4 unicast neighbors ${n.peer} advertised-routes json`])
  const sampleMs = performance.now() - s1
  const perIpMs = (sampleMs / S) * N
  const best = Math.min(...ours)
  console.log(
    JSON.stringify({
      where: HOST ? 'host' : 'guest',
      n: N,
      sample: S,
      neighbours: view.neighbours.length,
      complete,
      ours: {ms: Math.round(best), runsMs: ours.map(Math.round), vtyshCalls: calls},
      perIp: {sampleMs: Math.round(sampleMs), scaledMs: Math.round(perIpMs), vtyshCalls: N + view.neighbours.length},
      ratio: Math.round((perIpMs / best) * 10) / 10,
    }),
  )
}

async function hostMain(): Promise<void> {
  const {FrrInstance} = await import('../test/lib/frr/frr-instance.js')
  const frr = await FrrInstance.start('bench')
  try {
    const vtysh = new Vtysh(new ExecRunner(), {vtyshPath: 'vtysh', socketDir: frr.dir})
    const nets = Array.from({length: N}, (_, i) => `  network ${ipOf(i)}/32`)
    await vtysh.applyConfig(
      [
        'router bgp 64999',
        ' bgp router-id 10.9.9.9',
        ' no bgp network import-check',
        ' address-family ipv4 unicast',
        ...nets,
        ' exit-address-family',
        'exit',
        '',
      ].join('\n'),
    )
    const t0 = Date.now()
    while ((await new FrrRib(vtysh, {vrf: 'bgp-vrf'}).read()).leaked.size < N) {
      if (Date.now() - t0 > 120_000) throw new Error('FRR did not take every network statement')
      await sleep(500)
    }

    await measure(frr.dir, false)
  } finally {
    await frr.stop()
  }
}

async function main(): Promise<void> {
  if (HOST) return hostMain()
  const lab = await startLab()
  try {
    execFileSync('ip', ['link', 'add', 'bgp-vrf', 'type', 'vrf', 'table', '10'])
    execFileSync('ip', ['link', 'add', 'bgp-nic', 'type', 'dummy'])
    execFileSync('ip', ['link', 'set', 'bgp-nic', 'master', 'bgp-vrf'])
    execFileSync('ip', ['link', 'set', 'bgp-vrf', 'up'])
    execFileSync('ip', ['link', 'set', 'bgp-nic', 'up'])
    await lab.frr.applyConfig(
      [
        'router bgp 64999',
        ' address-family ipv4 unicast',
        '  import vrf bgp-vrf',
        ' exit-address-family',
        'exit',
        'router bgp 64999 vrf bgp-vrf',
        ' bgp router-id 169.254.77.1',
        ' address-family ipv4 unicast',
        '  redistribute connected',
        ' exit-address-family',
        'exit',
        '',
      ].join('\n'),
    )
    const batch = Array.from({length: N}, (_, i) => `address add ${ipOf(i)}/32 dev bgp-nic`).join('\n') + '\n'
    execFileSync('ip', ['-batch', '-'], {input: batch})
    const t0 = Date.now()
    while ((await lab.peer.prefixes(4)).length < N) {
      if (Date.now() - t0 > 300_000) throw new Error('the peer did not receive every prefix')
      await sleep(500)
    }

    await measure(lab.frr.dir, true)
  } finally {
    await lab.close()
    execFileSync('ip', ['link', 'del', 'bgp-vrf'], {stdio: 'ignore'})
  }
}

await main()
