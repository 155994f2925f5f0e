// `sandbox up`, host side: starts the lab (sandbox/lab.sh) either in the project's qemu guest
// (scripts/vm/run.sh; when this kernel lacks vrf/dummy/veth/vlan) or in a private network namespace
// on the host, and follows its progress file until the node agent serves requests.
import {type ChildProcess, spawn} from 'node:child_process'
import {chmodSync, closeSync, existsSync, lstatSync, mkdirSync, openSync, readdirSync, writeFileSync} from 'node:fs'
import {cpus} from 'node:os'
import {join} from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'

import type {Progress} from './progress.js'

import {SandboxError, SandboxRefused} from './errors.js'
import {down} from './lab-down.js'
import {bundleLabCli, writePatchedNbSchema} from './lab-files.js'
import {ipCmd, kernelHasLinkTypes, nameSuffix, netnsExists} from './netns.js'
import {isRunning, pidAlive} from './processes.js'
import {MARKER, paths, PROJECT_ROOT, readProgress, type SandboxMode, type SandboxState, tail} from './state-dir.js'

export interface UpOptions {
  dir: string
  mode: 'auto' | SandboxMode
  provider: 'vlan' | 'flat'
  progress: Progress
  timeoutMs: number
  log?: (line: string) => void
}

/** Brings the lab up and returns once its node agent serves requests. */
export async function up(o: UpOptions): Promise<SandboxState> {
  const p = paths(o.dir)
  if (isRunning(o.dir))
    throw new SandboxRefused(
      `a sandbox is already running in ${o.dir}`,
      'ovn-bgp sandbox status, or ovn-bgp sandbox down',
    )
  if (existsSync(o.dir)) {
    if (!existsSync(join(o.dir, MARKER)) && readdirSync(o.dir).length > 0)
      throw new SandboxRefused(`${o.dir} exists and is not a sandbox directory`, 'choose another --dir')
    await down(o.dir) // leftovers of a crashed sandbox
  }

  let mode: SandboxMode
  if (o.mode === 'auto') {
    const k = kernelHasLinkTypes()
    mode = k.ok ? 'host' : 'vm'
    o.log?.(
      k.ok
        ? 'kernel has vrf/dummy/veth/vlan: lab in network namespaces'
        : `kernel lacks ${k.missing.join(', ')}: lab in a qemu guest`,
    )
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
    o.log?.(
      `could not bundle the lab's ovn-bgp (${(error as Error).message}); using bin/run.js, which starts slowly in the guest`,
    )
    return false
  })
  if (!bundled)
    o.log?.('esbuild not available (npm ci installs it): the lab runs bin/run.js, which starts slowly in the guest')
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
        [
          join(project, 'scripts', 'vm', 'run.sh'),
          join(project, 'sandbox', 'lab.sh'),
          project,
          '/run/out',
          '/run/lab',
          peerNs,
          o.provider,
        ],
        {
          detached: true,
          stdio: ['ignore', 'ignore', logFd],
          env: {
            ...process.env,
            VM_OUT: p.share,
            VM_TIMEOUT: '0',
            VM_CACHE: p.vmCache,
            VM_MEM: process.env.VM_MEM ?? '2048',
            VM_SMP: process.env.VM_SMP ?? smp,
          },
        },
      )
      state = {
        mode,
        launcherPid: child.pid ?? 0,
        peerNs,
        startedAt: new Date().toISOString(),
        project,
        provider: o.provider,
      }
    } else {
      const nodeNs = `ovnbgp-sbx-${suffix}`
      const peerNs = `ovnbgp-sbxp-${suffix}`
      for (const ns of [nodeNs, peerNs]) if (netnsExists(ns)) ipCmd(['netns', 'del', ns])
      const r = ipCmd(['netns', 'add', nodeNs])
      if (r.code !== 0) throw new SandboxError(`ip netns add ${nodeNs}: ${r.stderr.trim()}`)
      mkdirSync(p.lab, {recursive: true, mode: 0o700})
      const consoleFd = openSync(p.console, 'a', 0o600)
      child = spawn(
        'ip',
        [
          'netns',
          'exec',
          nodeNs,
          'sh',
          join(project, 'sandbox', 'lab.sh'),
          project,
          p.share,
          p.lab,
          peerNs,
          o.provider,
        ],
        {
          detached: true,
          stdio: ['ignore', consoleFd, consoleFd],
          env: {...process.env, PATH: `/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`},
        },
      )
      closeSync(consoleFd)
      state = {
        mode,
        launcherPid: child.pid ?? 0,
        peerNs,
        nodeNs,
        startedAt: new Date().toISOString(),
        project,
        provider: o.provider,
      }
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
      else if (l.startsWith('error '))
        throw new SandboxError(`the lab failed: ${l.slice(6)}\n${tail(p.console, 25)}`, `logs: ${p.console}`)
    }

    if (!pidAlive(state.launcherPid)) {
      const more = mode === 'vm' ? `\n${tail(p.launcherLog, 10)}\n${tail(join(p.share, 'serial.log'), 10)}` : ''
      throw new SandboxError(`the lab stopped while starting:\n${tail(p.console, 25)}${more}`, `logs in ${p.share}`)
    }

    if (Date.now() > deadline)
      throw new SandboxError(
        `the lab did not come up within ${Math.round(o.timeoutMs / 1000)} s:\n${tail(p.console, 25)}`,
      )
    await sleep(100)
  }
}
