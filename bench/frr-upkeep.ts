import {ExecRunner} from '../src/lib/exec/runner.js'
// Benchmark (not a test): what one periodic FRR check of `watch` costs its process (src/lib/frr/
// upkeep.ts: the vty sockets' identity, the devices callback, `show running-config` on bgpd's vty
// socket, the comparison), against a private zebra + bgpd (test/lib/frr/frr-instance.ts).
//   node --import tsx bench/frr-upkeep.ts            (host, root, FRR installed)
//   VM_MEM=2048 sh bench/run-kernel-bench.sh frr-upkeep   (the qemu guest, TCG)
// env: CHECKS (default 200), BALLAST_MB (default 0 and 150: a heap of that many MB of small
// objects held meanwhile, the size of a 10,000-port daemon's, to see what a large heap adds).
// Prints, per ballast: wall, user and system CPU per check (process.cpuUsage, so the main thread
// and libuv's threads), and the same for the vty round trip alone.
import {FrrLeak} from '../src/lib/frr/leak.js'
import {FrrUpkeep} from '../src/lib/frr/upkeep.js'
import {vtyCommands} from '../src/lib/frr/vty-socket.js'
import {Vtysh} from '../src/lib/frr/vtysh.js'
import {FrrInstance} from '../test/lib/frr/frr-instance.js'

const CHECKS = Number(process.env.CHECKS ?? 200)
const BALLASTS = (process.env.BALLAST_MB ?? '0,150').split(',').map(Number)

/** Per call of `f`, over CHECKS calls after 20 warm-up ones. */
async function perCall(f: () => Promise<unknown>): Promise<string> {
  for (let i = 0; i < 20; i++) await f()
  const c0 = process.cpuUsage()
  const t0 = performance.now()
  for (let i = 0; i < CHECKS; i++) await f()
  const c = process.cpuUsage(c0)
  const ms = (us: number): string => (us / CHECKS / 1000).toFixed(2)
  return `wall ${((performance.now() - t0) / CHECKS).toFixed(2)} ms, user ${ms(c.user)} ms, system ${ms(c.system)} ms`
}

/** About `mb` MB of small live objects (what a full node's replica and planner look like to V8). */
function ballast(mb: number): unknown[] {
  const out: unknown[] = []
  for (let i = 0; i < mb * 4000; i++) out.push({k: `key-${i}`, v: i, list: [i, i + 1]})
  return out
}

const frr = await FrrInstance.start('frrcost')
try {
  frr.vtysh('configure terminal\nrouter bgp 64999\nbgp router-id 172.30.0.9')
  const vtysh = new Vtysh(new ExecRunner(), {vtyshPath: 'vtysh', socketDir: frr.dir})
  const upkeep = new FrrUpkeep({
    leak: new FrrLeak(vtysh),
    settings: {asn: '64999', vrf: 'bgp-vrf', routerId: undefined, redistribute: ['connected']},
    socketDir: frr.dir,
    identityPollMs: 0,
    async devices() {
      return {changed: []}
    },
  })
  const first = await upkeep.check()
  console.log(`first check: applied ${first.leakApplied}, ok ${first.ok}`)
  for (const mb of BALLASTS) {
    const held = ballast(mb)
    console.log(
      `ballast ${mb} MB (${held.length} objects), heap used ${(process.memoryUsage().heapUsed / 1e6).toFixed(0)} MB`,
    )
    console.log(`  one upkeep check: ${await perCall(() => upkeep.check())}`)
    console.log(
      `  the vty round trip alone: ${await perCall(() => vtyCommands(`${frr.dir}/bgpd.vty`, ['enable', 'show running-config']))}`,
    )
    held.length = 0
  }

  await upkeep.stop()
} finally {
  await frr.stop()
}
