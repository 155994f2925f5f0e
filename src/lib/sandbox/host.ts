// `ovn-bgp sandbox`, host side: starts the lab (sandbox/lab.sh) either in the project's qemu guest
// (scripts/vm/run.sh; when this kernel lacks vrf/dummy/veth/vlan) or in a private network namespace
// on the host, talks to it through the request queue in the share (protocol.ts), and tears it down.
//
// State directory (0700, default /run/ovn-bgp-sandbox, or --dir / OVN_BGP_SANDBOX_DIR):
//   state.json   mode, launcher pid, netns names, start time
//   share/       the lab's writable share (/run/out in the guest): queue/, progress, console.log,
//                agent.log (ovn-bgp watch), node-agent.log, bgp-agent.conf, qemu logs
//   lab/         host mode only: the lab's daemons' state (in the guest it is /run/lab, a tmpfs)
//   vm-cache/    VM mode only: the initramfs
import {type ChildProcess, spawn, spawnSync} from 'node:child_process'
import {randomBytes} from 'node:crypto'
import {
  chmodSync,
  closeSync,
  existsSync,
  lstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs'
import {cpus} from 'node:os'
import {dirname, join, resolve} from 'node:path'
import {fileURLToPath} from 'node:url'

import {AgentError, ExitCode} from '../errors.js'
import {AGENT_LOG, type LabStatus, PROGRESS_FILE, QUEUE_DIR, type SandboxRequest, type SandboxResponse} from './protocol.js'

export const DEFAULT_DIR = '/run/ovn-bgp-sandbox'
/** Marks a directory as a sandbox state dir: `down` only ever deletes a directory carrying it. */
export const MARKER = '.ovn-bgp-sandbox'
export const DIR_ENV = 'OVN_BGP_SANDBOX_DIR'

/** The project root (dist/lib/sandbox/host.js or src/lib/sandbox/host.ts -> ../../..). */
export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..')

export type SandboxMode = 'vm' | 'host'

export interface SandboxState {
  mode: SandboxMode
  /** Pid of the launcher: scripts/vm/run.sh (vm) or `ip netns exec NODE sh lab.sh` (host). */
  launcherPid: number
  peerNs: string
  /** host mode: the node's network namespace. */
  nodeNs?: string
  startedAt: string
  project: string
  provider: 'vlan' | 'flat'
}

/** `up` refused before starting anything (already running, foreign directory): nothing to clean. */
export class SandboxRefused extends AgentError {
  constructor(message: string, hint?: string) {
    super(message, {code: 'SANDBOX_REFUSED', exit: ExitCode.Usage, suggestions: hint ? [hint] : []})
  }
}

/** The sandbox could not do what was asked (exit 4, or 2 for a bad request). */
export class SandboxError extends AgentError {
  constructor(message: string, hint?: string, exit: ExitCode = ExitCode.Unavailable) {
    super(message, {code: 'SANDBOX', exit, suggestions: hint ? [hint] : []})
  }
}

export function resolveDir(flag?: string): string {
  const d = flag || process.env[DIR_ENV] || DEFAULT_DIR
  return resolve(d)
}

export function paths(dir: string) {
  const share = join(dir, 'share')
  return {
    dir,
    state: join(dir, 'state.json'),
    share,
    queue: join(share, QUEUE_DIR),
    progress: join(share, PROGRESS_FILE),
    console: join(share, 'console.log'),
    agentLog: join(share, AGENT_LOG),
    lab: join(dir, 'lab'),
    vmCache: join(dir, 'vm-cache'),
    launcherLog: join(dir, 'launcher.log'),
  }
}

export function readState(dir: string): SandboxState | undefined {
  try {
    return JSON.parse(readFileSync(paths(dir).state, 'utf8')) as SandboxState
  } catch {
    return undefined
  }
}

export function pidAlive(pid: number | undefined): boolean {
  if (!pid || pid < 2) return false
  try {
    process.kill(pid, 0)
    const st = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return !/^\d+ \(.*\) Z /.test(st)
  } catch {
    return false
  }
}

/** Processes whose command line mentions `needle` (e.g. qemu with this sandbox's share path). */
export function findProcesses(needle: string, exe?: RegExp): number[] {
  const out: number[] = []
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue
    const pid = Number(e)
    if (pid === process.pid) continue
    let cmd: string[]
    try {
      cmd = readFileSync(`/proc/${e}/cmdline`, 'utf8').split('\0')
    } catch {
      continue
    }
    if (exe && !exe.test(cmd[0] ?? '')) continue
    if (cmd.some((a) => a.includes(needle))) out.push(pid)
  }
  return out
}

/** qemu processes of the sandbox in `dir` (they carry `path=<dir>/share` in their -virtfs option). */
export function qemuProcesses(dir: string): number[] {
  return findProcesses(`path=${paths(dir).share},`, /qemu-system/)
}

function netnsExists(name: string): boolean {
  return existsSync(join('/run/netns', name))
}

function ipCmd(args: string[]): {code: number; stderr: string} {
  const r = spawnSync('ip', args, {encoding: 'utf8', timeout: 10_000})
  return {code: r.status ?? -1, stderr: r.stderr ?? ''}
}

/**
 * Does this kernel have the link types the agent needs? Tried in a throwaway network namespace
 * (module auto-loading included): vrf, dummy, veth, vlan.
 */
export function kernelHasLinkTypes(): {ok: boolean; missing: string[]} {
  const ns = `ovnbgp-probe-${process.pid}`
  if (ipCmd(['netns', 'add', ns]).code !== 0) return {ok: false, missing: ['netns']}
  const missing: string[] = []
  try {
    const tries: [string, string[]][] = [
      ['dummy', ['link', 'add', 'p0', 'type', 'dummy']],
      ['vrf', ['link', 'add', 'p1', 'type', 'vrf', 'table', '10']],
      ['veth', ['link', 'add', 'p2', 'type', 'veth', 'peer', 'name', 'p3']],
      ['vlan', ['link', 'add', 'link', 'p0', 'name', 'p0.5', 'type', 'vlan', 'id', '5']],
    ]
    for (const [name, args] of tries) if (ipCmd(['-n', ns, ...args]).code !== 0) missing.push(name)
  } finally {
    ipCmd(['netns', 'del', ns])
  }
  return {ok: missing.length === 0, missing}
}

function nameSuffix(dir: string): string {
  // Netns names derived from the state dir, so two sandboxes (different dirs) never collide.
  let h = 0
  for (const c of dir) h = (h * 31 + c.charCodeAt(0)) >>> 0
  return h.toString(16).padStart(8, '0')
}

/**
 * The NB schema of this machine's OVN plus Logical_Router_Port.status (OVN >= 23.09), written into
 * the share for lab.sh (python3 would do it in the guest, but starting python there costs seconds).
 */
export function writePatchedNbSchema(share: string, source = '/usr/share/ovn/ovn-nb.ovsschema'): boolean {
  let schema: {version?: string; cksum?: string; tables?: Record<string, {columns?: Record<string, unknown>}>}
  try {
    schema = JSON.parse(readFileSync(source, 'utf8')) as typeof schema
  } catch {
    return false // lab.sh reports the missing OVN package itself
  }
  const lrp = schema.tables?.Logical_Router_Port?.columns
  if (!lrp) return false
  lrp.status ??= {type: {key: 'string', value: 'string', min: 0, max: 'unlimited'}}
  schema.version = '7.1.0'
  delete schema.cksum
  writeFileSync(join(share, 'ovn-nb.ovsschema'), JSON.stringify(schema, null, 1) + '\n', {mode: 0o644})
  return true
}

/**
 * Node in the TCG guest pays a 9p round trip for every file it looks at: importing dist/ and
 * node_modules file by file takes 40-50 s there, so `ovn-bgp watch` would start a minute late. The
 * lab therefore runs ONE bundled file, written here into the share: share/bin/ovn-bgp.mjs with the
 * commands the lab uses (watch, show-exposed) and a package.json next to it (oclif's root, without
 * commands to scan). Built with esbuild (installed by npm ci); without it the lab falls back to
 * bin/run.js. Returns false when no bundle was made.
 */
export async function bundleLabCli(share: string, project: string): Promise<boolean> {
  let esbuild: typeof import('esbuild')
  try {
    esbuild = await import('esbuild')
  } catch {
    return false
  }
  const out = join(share, 'bin')
  mkdirSync(out, {recursive: true, mode: 0o755})
  writeFileSync(join(out, 'package.json'), JSON.stringify({name: 'ovn-bgp', version: '0.0.0-sandbox', type: 'module', oclif: {bin: 'ovn-bgp'}}) + '\n')
  const entry = `import {handle} from '@oclif/core'
import {dirname} from 'node:path'
import {fileURLToPath} from 'node:url'
import Watch from './dist/commands/watch.js'
import ShowExposed from './dist/commands/show-exposed.js'
const commands = {watch: Watch, 'show-exposed': ShowExposed}
const [id, ...argv] = process.argv.slice(2)
const cmd = commands[id]
if (!cmd) { process.stderr.write('usage: ovn-bgp.mjs watch|show-exposed ...\\n'); process.exit(2) }
await cmd.run(argv, dirname(fileURLToPath(import.meta.url))).catch(handle)
`
  await esbuild.build({
    stdin: {contents: entry, resolveDir: project, sourcefile: 'sandbox-lab-cli.mjs', loader: 'js'},
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile: join(out, 'ovn-bgp.mjs'),
    logLevel: 'error',
    // oclif loads typescript only to run .ts sources (never here); it is 9 MB.
    external: ['typescript'],
    banner: {js: "import {createRequire as __sandboxRequire} from 'node:module'; const require = __sandboxRequire(import.meta.url);"},
  })
  return true
}

export interface Step {
  key: string
  label: string
}

/** The lab's steps as lab.sh reports them in `progress`, plus the host's own. */
export const STEPS: Step[] = [
  {key: 'bundle', label: 'bundling ovn-bgp for the lab'},
  {key: 'boot', label: 'booting the lab'},
  {key: 'modules', label: 'loading kernel modules'},
  {key: 'nb', label: 'OVN Northbound DB + demo topology'},
  {key: 'ovs', label: 'Open vSwitch (br-ex)'},
  {key: 'peer', label: 'BGP peer (gobgpd)'},
  {key: 'frr', label: 'FRR (zebra, bgpd)'},
  {key: 'agent', label: 'ovn-bgp watch'},
  {key: 'ready-wait', label: 'node agent'},
  {key: 'ready', label: 'waiting for routes at the peer'},
]

export interface Progress {
  step(key: string): void
  /** A message line (the progress line, if any, is redrawn below it). */
  note(line: string): void
  done(): void
}

export interface UpOptions {
  dir: string
  mode: 'auto' | SandboxMode
  provider: 'vlan' | 'flat'
  progress: Progress
  timeoutMs: number
  log?: (line: string) => void
}

function readProgress(file: string): string[] {
  try {
    return readFileSync(file, 'utf8').split('\n').filter(Boolean)
  } catch {
    return []
  }
}

function tail(file: string, n: number): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-n).join('\n')
  } catch {
    return `(no ${file})`
  }
}

export function isRunning(dir: string): boolean {
  const st = readState(dir)
  if (!st) return false
  return pidAlive(st.launcherPid) || (st.mode === 'vm' && qemuProcesses(dir).length > 0)
}

/** Brings the lab up and returns once its node agent serves requests. */
export async function up(o: UpOptions): Promise<SandboxState> {
  const p = paths(o.dir)
  if (isRunning(o.dir)) throw new SandboxRefused(`a sandbox is already running in ${o.dir}`, 'ovn-bgp sandbox status, or ovn-bgp sandbox down')
  if (existsSync(o.dir)) {
    if (!existsSync(join(o.dir, MARKER)) && readdirSync(o.dir).length > 0)
      throw new SandboxRefused(`${o.dir} exists and is not a sandbox directory`, 'choose another --dir')
    await down(o.dir) // leftovers of a crashed sandbox
  }
  let mode: SandboxMode
  if (o.mode === 'auto') {
    const k = kernelHasLinkTypes()
    mode = k.ok ? 'host' : 'vm'
    o.log?.(k.ok ? 'kernel has vrf/dummy/veth/vlan: lab in network namespaces' : `kernel lacks ${k.missing.join(', ')}: lab in a qemu guest`)
  } else mode = o.mode
  mkdirSync(o.dir, {recursive: true, mode: 0o700})
  const st0 = lstatSync(o.dir)
  if (!st0.isDirectory() || (st0.mode & 0o077) !== 0 || st0.uid !== (process.getuid?.() ?? st0.uid))
    throw new SandboxRefused(`${o.dir} must be a directory owned by this user with mode 0700`)
  // Host mode: FRR's daemons drop to user frr and must reach <dir>/lab/frr (traverse only).
  if (mode === 'host') chmodSync(o.dir, 0o711)
  try {
    writeFileSync(join(o.dir, MARKER), `${process.pid}\n`, {mode: 0o600, flag: 'wx'})
  } catch {
    throw new SandboxRefused(`another "sandbox up" is starting in ${o.dir}`, 'ovn-bgp sandbox status')
  }
  mkdirSync(p.queue, {recursive: true, mode: 0o700})

  const suffix = nameSuffix(o.dir)
  const project = PROJECT_ROOT
  if (!existsSync(join(project, 'dist', 'lib', 'sandbox', 'node-agent.js')))
    throw new SandboxError(`${project}/dist is missing or stale`, 'npm run build')
  writePatchedNbSchema(p.share)
  o.progress.step('bundle')
  const bundled = await bundleLabCli(p.share, project).catch((error: unknown) => {
    o.log?.(`could not bundle the lab's ovn-bgp (${(error as Error).message}); using bin/run.js, which starts slowly in the guest`)
    return false
  })
  if (!bundled) o.log?.('esbuild not available (npm ci installs it): the lab runs bin/run.js, which starts slowly in the guest')
  o.progress.step('boot')
  const logFd = openSync(p.launcherLog, 'a', 0o600)
  let child: ChildProcess
  let state: SandboxState
  try {
    if (mode === 'vm') {
      const peerNs = 'sbx-peer'
      const smp = String(Math.min(4, Math.max(2, cpus().length)))
      child = spawn(
        'sh',
        [join(project, 'scripts', 'vm', 'run.sh'), join(project, 'sandbox', 'lab.sh'), project, '/run/out', '/run/lab', peerNs, o.provider],
        {
          detached: true,
          stdio: ['ignore', 'ignore', logFd],
          env: {...process.env, VM_OUT: p.share, VM_TIMEOUT: '0', VM_CACHE: p.vmCache, VM_MEM: process.env.VM_MEM ?? '2048', VM_SMP: process.env.VM_SMP ?? smp},
        },
      )
      state = {mode, launcherPid: child.pid ?? 0, peerNs, startedAt: new Date().toISOString(), project, provider: o.provider}
    } else {
      const nodeNs = `ovnbgp-sbx-${suffix}`
      const peerNs = `ovnbgp-sbxp-${suffix}`
      for (const ns of [nodeNs, peerNs]) if (netnsExists(ns)) ipCmd(['netns', 'del', ns])
      const r = ipCmd(['netns', 'add', nodeNs])
      if (r.code !== 0) throw new SandboxError(`ip netns add ${nodeNs}: ${r.stderr.trim()}`)
      mkdirSync(p.lab, {recursive: true, mode: 0o700})
      const consoleFd = openSync(p.console, 'a', 0o600)
      child = spawn('ip', ['netns', 'exec', nodeNs, 'sh', join(project, 'sandbox', 'lab.sh'), project, p.share, p.lab, peerNs, o.provider], {
        detached: true,
        stdio: ['ignore', consoleFd, consoleFd],
        env: {...process.env, PATH: `/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`},
      })
      closeSync(consoleFd)
      state = {mode, launcherPid: child.pid ?? 0, peerNs, nodeNs, startedAt: new Date().toISOString(), project, provider: o.provider}
    }
  } finally {
    closeSync(logFd)
  }
  child.unref()
  writeFileSync(p.state, JSON.stringify(state, null, 2) + '\n', {mode: 0o600})

  const deadline = Date.now() + o.timeoutMs
  let seen = 0
  for (;;) {
    const lines = readProgress(p.progress)
    for (; seen < lines.length; seen++) {
      const l = lines[seen]!
      if (l.startsWith('step ')) o.progress.step(l.slice(5))
      else if (l === 'ready') return state
      else if (l.startsWith('error ')) throw new SandboxError(`the lab failed: ${l.slice(6)}\n${tail(p.console, 25)}`, `logs: ${p.console}`)
    }
    if (!pidAlive(state.launcherPid)) {
      const more = mode === 'vm' ? `\n${tail(p.launcherLog, 10)}\n${tail(join(p.share, 'serial.log'), 10)}` : ''
      throw new SandboxError(`the lab stopped while starting:\n${tail(p.console, 25)}${more}`, `logs in ${p.share}`)
    }
    if (Date.now() > deadline) throw new SandboxError(`the lab did not come up within ${Math.round(o.timeoutMs / 1000)} s:\n${tail(p.console, 25)}`)
    await sleep(100)
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms))
}

/** Sends one request to the lab's node agent and waits for its answer. */
export async function request(dir: string, req: SandboxRequest, timeoutMs = 60_000): Promise<SandboxResponse> {
  const p = paths(dir)
  const st = readState(dir)
  if (!st || !isRunning(dir)) throw new SandboxError(`no sandbox is running in ${dir}`, 'ovn-bgp sandbox (or sandbox up) starts one')
  if (!readProgress(p.progress).includes('ready')) throw new SandboxError('the sandbox is still starting (or failed to start)', 'ovn-bgp sandbox status')
  const id = `${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`
  const tmp = join(p.queue, `${id}.tmp`)
  writeFileSync(tmp, JSON.stringify(req), {mode: 0o600})
  renameSync(tmp, join(p.queue, `${id}.req`))
  const res = join(p.queue, `${id}.res`)
  const deadline = Date.now() + timeoutMs
  let delay = 20
  for (;;) {
    if (existsSync(res)) {
      const body = JSON.parse(readFileSync(res, 'utf8')) as SandboxResponse
      try {
        unlinkSync(res)
      } catch {}
      return body
    }
    if (Date.now() > deadline || !isRunning(dir)) {
      try {
        unlinkSync(join(p.queue, `${id}.req`)) // not claimed: withdraw it
      } catch {}
      throw new SandboxError(
        isRunning(dir) ? `the lab did not answer within ${Math.round(timeoutMs / 1000)} s` : 'the lab stopped',
        `ovn-bgp sandbox logs --node-agent; ${p.console}`,
      )
    }
    await sleep(delay)
    delay = Math.min(100, delay * 2)
  }
}

export async function labStatus(dir: string): Promise<LabStatus> {
  const r = await request(dir, {op: 'status'}, 30_000)
  return JSON.parse(r.stdout) as LabStatus
}

/**
 * Stops everything the sandbox in `dir` started and removes `dir`: asks the node agent to stop the
 * lab (graceful), then stops the launcher/qemu, deletes the namespaces, removes the directory.
 * Works on a half-started or crashed sandbox too. Returns what it did.
 */
export async function down(dir: string, log?: (line: string) => void): Promise<string[]> {
  const did: string[] = []
  const say = (l: string) => {
    did.push(l)
    log?.(l)
  }
  const p = paths(dir)
  const st = readState(dir)
  if (st && isRunning(dir) && readProgress(p.progress).includes('ready')) {
    try {
      const r = await request(dir, {op: 'shutdown'}, 20_000)
      for (const l of r.stdout.trim().split('\n')) if (l) say(`lab: ${l}`)
    } catch (err) {
      say(`lab did not stop cleanly: ${(err as Error).message}`)
    }
  }
  if (st) {
    // VM: the guest powers off once the node agent exits; give it a moment, then stop it.
    const deadline = Date.now() + 15_000
    while (Date.now() < deadline && (pidAlive(st.launcherPid) || qemuProcesses(dir).length > 0)) await sleep(100)
    const pids = [...qemuProcesses(dir)]
    if (pidAlive(st.launcherPid)) pids.push(st.launcherPid)
    if (st.mode === 'host' && st.nodeNs) pids.push(...findProcesses(p.dir))
    for (const sig of ['SIGTERM', 'SIGKILL'] as const) {
      const live = pids.filter((x) => pidAlive(x))
      if (live.length === 0) break
      for (const x of live) {
        try {
          process.kill(x, sig)
        } catch {}
      }
      say(`sent ${sig} to ${live.join(' ')}`)
      for (let i = 0; i < 50 && live.some((x) => pidAlive(x)); i++) await sleep(100)
    }
    if (pidAlive(st.launcherPid)) {
      try {
        process.kill(-st.launcherPid, 'SIGKILL') // its process group (detached)
      } catch {}
    }
    for (const ns of [st.peerNs, st.nodeNs]) {
      if (st.mode === 'host' && ns && netnsExists(ns)) {
        ipCmd(['netns', 'del', ns])
        say(`deleted netns ${ns}`)
      }
    }
    if (st.mode === 'vm' && qemuProcesses(dir).length === 0) say('qemu stopped')
  }
  if (existsSync(dir)) {
    if (existsSync(join(dir, MARKER)) || readdirSync(dir).length === 0) {
      rmSync(dir, {recursive: true, force: true})
      say(`removed ${dir}`)
    } else say(`left ${dir} in place: it is not a sandbox directory (no ${MARKER})`)
  }
  return did
}
