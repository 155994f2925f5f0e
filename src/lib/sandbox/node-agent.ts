// The sandbox's node agent: runs inside the lab (the qemu guest, or the node namespace on a host
// whose kernel has vrf/dummy/veth), started by sandbox/lab.sh once the lab is up. It serves the
// host's requests from SHARE/queue (see protocol.ts) by running allow-listed commands with argv
// arrays, and on `shutdown` stops `ovn-bgp watch` and every lab daemon, then exits (in the guest,
// the init then powers the VM off).
// Environment (set by lab.sh): SANDBOX_PROJECT, SANDBOX_SHARE, SANDBOX_LAB, SANDBOX_PEER_NS.
import {execFile} from 'node:child_process'
import {appendFileSync, existsSync, readdirSync, readFileSync, renameSync, unlinkSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {
  type LabStatus,
  NODE_AGENT_LOG,
  PROGRESS_FILE,
  QUEUE_DIR,
  REQUEST_ID,
  type SandboxRequest,
  type SandboxResponse,
  validateRequest,
} from './protocol.js'

function env(name: string): string {
  const v = process.env[name]
  if (!v) {
    process.stderr.write(`node-agent: ${name} is not set (run by sandbox/lab.sh)\n`)
    process.exit(2)
  }

  return v
}

const PROJECT = env('SANDBOX_PROJECT')
const SHARE = env('SANDBOX_SHARE')
const LAB = env('SANDBOX_LAB')
const PEER_NS = env('SANDBOX_PEER_NS')
const QUEUE = join(SHARE, QUEUE_DIR)
const NB_DB = `unix:${join(LAB, 'nb', 'ovnnb_db.sock')}`
const OVS_DIR = join(LAB, 'ovs')
const FRR_DIR = join(LAB, 'frr')
const CONF = join(SHARE, 'bgp-agent.conf')
/** ovn-bgp bundled into one file by the host (see bundleLabCli in host.ts). */
const BUNDLE = join(SHARE, 'bin', 'ovn-bgp.mjs')

const PIDFILES: [string, string][] = [
  ['ovn-bgp watch', join(LAB, 'watch.pid')],
  ['gobgpd (peer)', join(LAB, 'peer', 'gobgpd.pid')],
  ['bgpd', join(FRR_DIR, 'bgpd.pid')],
  ['zebra', join(FRR_DIR, 'zebra.pid')],
  ['ovs-vswitchd', join(OVS_DIR, 'ovs-vswitchd.pid')],
  ['ovsdb-server (OVS)', join(OVS_DIR, 'ovsdb-server.pid')],
  ['ovsdb-server (NB)', join(LAB, 'nb', 'ovnnb_db.pid')],
]

function log(msg: string): void {
  try {
    appendFileSync(join(SHARE, NODE_AGENT_LOG), `${new Date().toISOString()} ${msg}\n`)
  } catch {}
}

interface Out {
  code: number
  stdout: string
  stderr: string
}

function run(file: string, args: string[], extraEnv: Record<string, string> = {}, timeoutMs = 30_000): Promise<Out> {
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      {env: {...process.env, ...extraEnv}, timeout: timeoutMs, maxBuffer: 32 * 1024 * 1024, encoding: 'utf8', cwd: LAB},
      (err, stdout, stderr) => {
        let code = 0
        if (err) {
          const e = err as NodeJS.ErrnoException & {code?: number | string; killed?: boolean}
          code = typeof e.code === 'number' ? e.code : -1
          if (e.killed) stderr += `\n(killed after ${timeoutMs} ms)`
          else if (typeof e.code === 'string') stderr += `${e.message}\n`
        }

        resolve({code, stdout, stderr})
      },
    )
  })
}

const OVS_ENV = {OVS_RUNDIR: OVS_DIR, OVS_DBDIR: OVS_DIR, OVS_LOGDIR: OVS_DIR}

function readPid(file: string): number | null {
  try {
    const n = Number.parseInt(readFileSync(file, 'utf8').trim(), 10)
    return Number.isInteger(n) && n > 1 ? n : null
  } catch {
    return null
  }
}

function alive(pid: number | null): boolean {
  if (pid === null) return false
  try {
    process.kill(pid, 0)
    // A zombie (exited, not yet reaped) still answers kill 0.
    const st = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return !/^\d+ \(.*\) Z /.test(st)
  } catch {
    return false
  }
}

async function status(): Promise<LabStatus> {
  const processes = PIDFILES.map(([name, file]) => {
    const pid = readPid(file)
    return {name, pid, alive: alive(pid)}
  })
  let bgpSession: string | null = null
  const n = await run('ip', ['netns', 'exec', PEER_NS, 'gobgp', 'neighbor', '-j'], {}, 10_000)
  if (n.code === 0) {
    try {
      const list = JSON.parse(n.stdout) as {state?: {session_state?: number | string}}[]
      const s = list[0]?.state?.session_state
      const names: Record<number, string> = {
        1: 'idle',
        2: 'connect',
        3: 'active',
        4: 'opensent',
        5: 'openconfirm',
        6: 'established',
      }
      bgpSession = typeof s === 'number' ? (names[s] ?? String(s)) : typeof s === 'string' ? s.toLowerCase() : null
    } catch {}
  }

  let bgpNicAddresses: number | null = null
  const a = await run('ip', ['-j', 'addr', 'show', 'dev', 'bgp-nic'], {}, 10_000)
  if (a.code === 0) {
    try {
      const links = JSON.parse(a.stdout) as {addr_info?: {scope?: string}[]}[]
      bgpNicAddresses = (links[0]?.addr_info ?? []).filter((x) => x.scope !== 'link').length
    } catch {}
  }

  const uptimeS = Number.parseFloat(readFileSync('/proc/uptime', 'utf8').split(' ')[0] ?? '0')
  const kernel = readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim()
  return {uptimeS, kernel, processes, bgpSession, bgpNicAddresses}
}

async function stopLab(): Promise<string> {
  const lines: string[] = []
  for (const [name, file] of PIDFILES) {
    const pid = readPid(file)
    if (!alive(pid)) continue
    try {
      process.kill(pid!, 'SIGTERM')
    } catch {}

    for (let i = 0; i < 30 && alive(pid); i++)
      await new Promise((r) => {
        setTimeout(r, 100)
      })
    if (alive(pid)) {
      try {
        process.kill(pid!, 'SIGKILL')
      } catch {}
    }

    lines.push(`stopped ${name} (pid ${pid})`)
  }

  const d = await run('ip', ['netns', 'del', PEER_NS], {}, 10_000)
  lines.push(d.code === 0 ? `deleted netns ${PEER_NS}` : `netns ${PEER_NS}: ${d.stderr.trim()}`)
  // OVS userspace taps outlive ovs-vswitchd; the kernel datapath ports go with the module state.
  for (const dev of ['br-ex', 'br-int', 'ovs-netdev', 'ovs-system', 'sbx-uplink'])
    await run('ip', ['link', 'del', dev], {}, 5000)
  return lines.join('\n') + '\n'
}

let stopping = false

async function execute(req: SandboxRequest): Promise<Out> {
  switch (req.op) {
    case 'nbctl': {
      return run('ovn-nbctl', [`--db=${NB_DB}`, ...req.args])
    }

    case 'peer-rib': {
      return run('ip', ['netns', 'exec', PEER_NS, 'gobgp', 'global', 'rib', '-a', req.family, '-j'])
    }

    case 'peer-neighbor': {
      return run('ip', ['netns', 'exec', PEER_NS, 'gobgp', 'neighbor', '-j'])
    }

    case 'vtysh': {
      return run('vtysh', ['--vty_socket', FRR_DIR, '-c', req.command])
    }

    case 'ip': {
      return run('ip', req.args)
    }

    case 'ovs': {
      return run(req.tool, req.args, OVS_ENV)
    }

    case 'show-exposed': {
      return run(
        process.execPath,
        [
          existsSync(BUNDLE) ? BUNDLE : join(PROJECT, 'bin', 'run.js'),
          'show-exposed',
          '--config-file',
          CONF,
          ...(req.json ? ['--json'] : []),
        ],
        {NO_COLOR: '1'},
        60_000,
      )
    }

    case 'status': {
      return {code: 0, stdout: JSON.stringify(await status()), stderr: ''}
    }

    case 'shutdown': {
      stopping = true
      return {code: 0, stdout: await stopLab(), stderr: ''}
    }
  }
}

async function handle(id: string): Promise<void> {
  const run = join(QUEUE, `${id}.run`)
  try {
    renameSync(join(QUEUE, `${id}.req`), run)
  } catch {
    return // claimed already, or withdrawn by the host
  }

  const t0 = Date.now()
  let out: Out
  let op = '?'
  try {
    const req = validateRequest(JSON.parse(readFileSync(run, 'utf8')))
    op = req.op
    out = await execute(req)
  } catch (error) {
    out = {code: 2, stdout: '', stderr: `${(error as Error).message}\n`}
  }

  const res: SandboxResponse = {id, ...out, ms: Date.now() - t0}
  log(`${id} ${op} -> ${out.code} in ${res.ms} ms`)
  writeFileSync(join(QUEUE, `${id}.res.tmp`), JSON.stringify(res))
  renameSync(join(QUEUE, `${id}.res.tmp`), join(QUEUE, `${id}.res`))
  try {
    unlinkSync(run)
  } catch {}
}

async function main(): Promise<void> {
  log(`serving ${QUEUE}`)
  appendFileSync(join(SHARE, PROGRESS_FILE), 'ready\n')
  const busy = new Set<string>()
  while (!stopping) {
    let names: string[] = []
    try {
      names = readdirSync(QUEUE)
    } catch {}

    for (const f of names) {
      if (!f.endsWith('.req')) continue
      const id = f.slice(0, -4)
      if (!REQUEST_ID.test(id) || busy.has(id)) continue
      busy.add(id)
      // Requests run concurrently (a slow show-exposed must not hold up the peer table).
      void handle(id).finally(() => busy.delete(id))
    }

    await new Promise((r) => {
      setTimeout(r, 100)
    })
  }

  while (busy.size > 0)
    await new Promise((r) => {
      setTimeout(r, 50)
    })
  log('shut down')
}

await main()
