// Fault suite, item 9, in the kernel tier: a wiring op made to fail keeps its IP off bgp-nic, so
// the peer never receives it, and the operator is told which. The e2e node (helpers/lab.ts: NB,
// Open vSwitch, FRR, a gobgpd peer) gets a second provider network on physnet1, VLAN 200, with a
// VM bound here (172.24.5.10). The operator created a VLAN device of their own for VLAN 200 on br-ex
// (`vlan200`), so the kernel refuses ovn-bgp's br-ex.200 (one device per VLAN id and parent): the
// route of 172.24.5.10 has no device and fails. Shown, with the peer's RIB streamed throughout:
//  - watch (the Agent): every other prefix reaches the peer, 172.24.5.10/32 never does, and
//    /metrics says ovn_bgp_unannounced_ips{cause="route"} 1; the failing passes do not spin;
//  - `ovn-bgp sync --json` (the CLI, bundled as the release is): exit 3, `failed` naming the
//    route, the VLAN device and the unannounced address; the peer still never has the prefix;
//  - once the foreign device is gone, the next sync exits 0 and the peer receives it.
// Prints its figure.
import {expect} from 'chai'
import {spawn} from 'node:child_process'
import {existsSync, writeFileSync} from 'node:fs'
import {get} from 'node:http'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

import type {AgentConfig} from '../../src/lib/config/types.js'

import {Agent} from '../../src/lib/driver/agent.js'
import {StreamLogger} from '../../src/lib/log.js'
import {Runtime} from '../../src/lib/runtime.js'
import {freePort, transact} from '../helpers/ovsdb-server.js'
import {sleep} from '../helpers/wait.js'
import {waitFor} from './helpers/daemons.js'
import {type RibEvent, type RibMonitor} from './helpers/gobgp.js'
import {must, requireGuest} from './helpers/guest.js'
import {agentIni, type Lab, startTopologyLab} from './helpers/lab.js'
import {FULL, map} from './helpers/topology.js'

const CLI = fileURLToPath(new URL('../../cli/bin.mjs', import.meta.url))
const UNWIRED = '172.24.5.10'
const QUIET_MS = 10_000

/** NB: network neutron-pub2 (physnet1, VLAN 200) with a VM bound to this chassis. */
function vlan200Ops(): unknown[] {
  return [
    'OVN_Northbound',
    {
      op: 'insert',
      table: 'Logical_Switch_Port',
      'uuid-name': 'ln2',
      row: {
        name: 'provnet-2',
        type: 'localnet',
        addresses: 'unknown',
        tag: 200,
        options: map({network_name: 'physnet1'}),
      },
    },
    {
      op: 'insert',
      table: 'Logical_Switch_Port',
      'uuid-name': 'vm3',
      row: {
        name: 'vm3',
        addresses: `fa:16:3e:00:03:0a ${UNWIRED}`,
        up: true,
        options: map({'requested-chassis': 'compute-1'}),
        external_ids: map({
          'neutron:network_name': 'neutron-pub2',
          'neutron:cidrs': `${UNWIRED}/24`,
          'neutron:host_id': 'compute-1',
        }),
      },
    },
    {
      op: 'insert',
      table: 'Logical_Switch',
      row: {
        name: 'neutron-pub2',
        ports: [
          'set',
          [
            ['named-uuid', 'ln2'],
            ['named-uuid', 'vm3'],
          ],
        ],
      },
    },
  ]
}

function fetchText(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    get(url, {agent: false}, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (d: string) => {
        body += d
      })
      res.on('end', () => resolve(body))
    }).on('error', reject)
  })
}

/** The value of one sample (`name{labels}`) in a Prometheus text page, or undefined. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `))
  return line === undefined ? undefined : Number(line.slice(series.length + 1))
}

interface CliRun {
  code: number | null
  doc: {failed?: Array<{action: string; kind: string; object: string; error: string}>}
  ms: number
  stderr: string
}

/** `ovn-bgp sync --json` from the bundled CLI, as root in the guest. */
function sync(iniFile: string): Promise<CliRun> {
  const t0 = Date.now()
  const env = {
    ...process.env,
    NODE_OPTIONS: (process.env.NODE_OPTIONS ?? '').replace('--enable-source-maps', '').trim(),
  }
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'sync', '--json', '--config-file', iniFile], {env})
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d
    })
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d
    })
    child.on('error', reject)
    child.on('close', (code) => {
      try {
        resolve({code, doc: JSON.parse(stdout) as CliRun['doc'], ms: Date.now() - t0, stderr})
      } catch {
        reject(new Error(`sync exited ${code} without a JSON document:\n${stdout}\n${stderr}`))
      }
    })
  })
}

const bgpNicIps = async (): Promise<string[]> =>
  (await must('ip', ['-4', '-o', 'addr', 'show', 'dev', 'bgp-nic'])).stdout
    .split('\n')
    .map((l) => /inet (\S+)\//.exec(l)?.[1])
    .filter((x): x is string => x !== undefined)

describe('fault: a wiring op fails, the IP is never announced (item 9)', function () {
  this.timeout(600_000)
  let lab: Lab | undefined
  let cfg: AgentConfig
  let agent: Agent | undefined
  let monitor: RibMonitor | undefined
  let metricsUrl: string
  const events: RibEvent[] = []
  const logs: string[] = []
  let failed = false
  const figure: string[] = []

  afterEach(function () {
    if (this.currentTest?.state === 'failed') failed = true
  })

  before(async function () {
    requireGuest(this, ['ovsdb-server', 'ovs-vswitchd', 'vtysh', 'gobgpd', 'gobgp'])
    if (!existsSync(CLI)) throw new Error(`${CLI} missing: the tier's transpile.mjs bundles the CLI (needs esbuild)`)
    const port = await freePort()
    metricsUrl = `http://127.0.0.1:${port}/metrics`
    const started = await startTopologyLab({metricsAddress: `127.0.0.1:${port}`})
    lab = started.lab
    cfg = started.cfg
    await transact(lab.nb.unix, vlan200Ops())
    // The operator's own device for VLAN 200 on br-ex: the kernel now refuses a second one (br-ex.200).
    await must('ip', ['link', 'add', 'link', 'br-ex', 'name', 'vlan200', 'type', 'vlan', 'id', '200'])
    monitor = lab.peer.monitorRib((e) => events.push(e))
  })

  after(async () => {
    await agent?.stop()
    await monitor?.stop()
    if (failed || process.env.KTEST_VERBOSE) console.log(logs.slice(-60).join('\n'))
    await must('ip', ['link', 'del', 'vlan200']).catch(() => undefined)
    await must('ip', ['addr', 'flush', 'dev', 'bgp-nic']).catch(() => undefined)
    await lab?.close()
  })

  const received = () => events.filter((e) => e.prefix === `${UNWIRED}/32` && !e.withdrawn)

  it('watch: the other prefixes reach the peer, the unwired IP never does; /metrics says why', async () => {
    const logger = new StreamLogger({level: 'info', write: (l) => logs.push(l)})
    agent = new Agent({rt: new Runtime(cfg, logger), cfg, logger, debounceMs: 20})
    const t0 = Date.now()
    await agent.start()
    const same = (a: readonly string[]) => JSON.stringify(a) === JSON.stringify(FULL)
    await waitFor('the other prefixes at the peer', async () => same(await lab!.peerPrefixes()), 120_000, 500)
    const fullMs = Date.now() - t0
    const metrics = await waitFor(
      'ovn_bgp_unannounced_ips{cause="route"} 1',
      async () => {
        const m = await fetchText(metricsUrl)
        return sample(m, 'ovn_bgp_unannounced_ips{cause="route"}') === 1 ? m : undefined
      },
      30_000,
      250,
    )
    // A quiet window: after an apply with failed ops the watched kernel asks for a retry a bounded
    // number of times (6, over ~6 s, kernel/watched.ts), then only the periodic pass retries: never a loop.
    const passes0 = agent.passes
    await sleep(QUIET_MS)
    const quietPasses = agent.passes - passes0
    const after = await fetchText(metricsUrl)
    const onNic = await bgpNicIps()
    const failures = (kind: string) => sample(after, `ovn_bgp_reconcile_failures_total{kind="${kind}"}`)
    figure.push(
      `watch: peer had the other ${FULL.length} prefixes after ${fullMs} ms, ${UNWIRED}/32 received ${received().length} times; ` +
        `/metrics unannounced_ips{cause="route"} ${sample(metrics, 'ovn_bgp_unannounced_ips{cause="route"}')}, ` +
        `failures_total route ${failures('route')} vlan ${failures('vlan')} address ${failures('address')}, exposed_ips{kind="vm"} ${sample(after, 'ovn_bgp_exposed_ips{kind="vm"}')}; ` +
        `${quietPasses} passes in a ${QUIET_MS / 1000} s quiet window`,
    )
    expect(onNic, 'bgp-nic').to.include('172.24.4.226').and.not.include(UNWIRED)
    expect(received(), `${UNWIRED}/32 at the peer`).to.deep.equal([])
    expect(same(await lab!.peerPrefixes()), 'the peer still has exactly the other prefixes').to.equal(true)
    expect(sample(after, 'ovn_bgp_unannounced_ips{cause="route"}')).to.equal(1)
    expect(sample(after, 'ovn_bgp_unannounced_ips{cause="address"}')).to.equal(0)
    expect(failures('route')).to.be.greaterThan(0)
    expect(sample(after, 'ovn_bgp_exposed_ips{kind="vm"}'), "vm1's IPv4 and IPv6 only: vm3 is not advertised").to.equal(
      2,
    )
    expect(quietPasses, 'passes while nothing changed (bounded retries)').to.be.at.most(6)
    const warned = logs.filter((l) => l.includes('operation failed') && l.includes(UNWIRED))
    expect(warned.length, 'the failed ops of the IP logged').to.be.greaterThan(0)
    await agent.stop()
    agent = undefined
  })

  it('sync: exit 3, --json names the failed route and the unannounced address; the peer never has it', async () => {
    const ini = join(lab!.dir, 'ovn-bgp.ini')
    writeFileSync(ini, agentIni(cfg))
    const r = await sync(ini)
    if (r.code !== 3) console.log(r.stderr)
    expect(r.code, 'exit code').to.equal(3)
    const failedOps = (r.doc.failed ?? []).map((f) => `${f.action} ${f.object}: ${f.error}`)
    console.log(`      sync --json failed[]:\n        ${failedOps.join('\n        ')}`)
    const route = failedOps.find((f) => f.startsWith(`add route ${UNWIRED}/32 dev br-ex.200 `))
    const address = failedOps.find((f) => f.startsWith(`add address ${UNWIRED}/32 dev bgp-nic:`))
    const vlan = failedOps.find((f) => f.startsWith('add link br-ex.200 link br-ex type vlan id 200:'))
    expect(route, 'the failed route').to.match(/Cannot find device "br-ex\.200"/)
    expect(address, 'the unannounced address').to.match(/not announced: wiring failed \(route /)
    expect(vlan, "the VLAN device the kernel refused (the operator's vlan200 has id 200)").to.match(/exists/i)
    expect(await bgpNicIps()).to.not.include(UNWIRED)
    await sleep(3000) // what FRR would have sent by now
    expect(received(), `${UNWIRED}/32 at the peer`).to.deep.equal([])
    figure.push(
      `sync: exit ${r.code} in ${r.ms} ms, ${failedOps.length} failed ops (route, VLAN device, address named)`,
    )

    // The fault removed: the same sync wires and announces the IP.
    await must('ip', ['link', 'del', 'vlan200'])
    const fixed = await sync(ini)
    expect(fixed.code, `exit code once fixed: ${fixed.stderr}`).to.equal(0)
    const f0 = Date.now()
    await lab!.peer.waitPrefix(`${UNWIRED}/32`, true, 60_000)
    figure.push(
      `fault removed: sync exit ${fixed.code} in ${fixed.ms} ms, the peer received ${UNWIRED}/32 ${Date.now() - f0} ms after it returned`,
    )
    console.log(`      FIGURE item 9: ${figure.join('; ')}`)
  })
})
