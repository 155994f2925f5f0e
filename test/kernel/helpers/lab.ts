// A whole node inside the kernel-tier guest, for end-to-end tests: OVN NB ovsdb-server (schema with
// LRP status), a local Open vSwitch (kernel datapath) with br-ex, br-int and the localnet patch
// ports, FRR (zebra + bgpd) with a base BGP config, and a gobgpd peer in netns `peer` over a veth.
// Every file lives under one temp dir; close() kills by pidfile and deletes the namespace.
import {chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {execFileSync, spawn} from 'node:child_process'

import {type OvsdbServer, startOvsdbServer, writeNbSchema} from '../../helpers/ovsdb-server.js'
import {must} from './guest.js'

export const AGENT_IP = '169.254.77.1'
export const PEER_IP = '169.254.77.2'
export const AGENT_AS = '64999'
export const PEER_AS = '65001'

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms))
}

function killPidfile(file: string): void {
  try {
    const pid = Number(readFileSync(file, 'utf8').trim())
    if (pid > 0) process.kill(pid, 'SIGKILL')
  } catch {}
}

export interface Lab {
  dir: string
  nb: OvsdbServer
  ovsDir: string
  ovsEnv: Record<string, string>
  frrDir: string
  ovsVsctl(...args: string[]): Promise<string>
  ofctl(...args: string[]): Promise<string>
  vtysh(cmd: string): Promise<string>
  /** Prefixes the gobgpd peer has, both families, sorted. */
  peerPrefixes(): Promise<string[]>
  close(): Promise<void>
}

async function startOvs(dir: string): Promise<Record<string, string>> {
  const env = {OVS_RUNDIR: dir, OVS_DBDIR: dir, OVS_LOGDIR: dir}
  const opt = {env: {...process.env, ...env}, stdio: 'pipe' as const}
  execFileSync('ovsdb-tool', ['create', join(dir, 'conf.db'), '/usr/share/openvswitch/vswitch.ovsschema'], opt)
  execFileSync('ovsdb-server', [join(dir, 'conf.db'), `--remote=punix:${join(dir, 'db.sock')}`, '--pidfile', '--log-file', '--detach', '--no-chdir', '-vconsole:off'], opt)
  execFileSync('ovs-vsctl', ['--no-wait', 'init'], opt)
  execFileSync('ovs-vswitchd', [`unix:${join(dir, 'db.sock')}`, '--pidfile', '--log-file', '--detach', '--no-chdir', '-vconsole:off'], opt)
  return env
}

async function startFrr(dir: string): Promise<void> {
  writeFileSync(join(dir, 'empty.conf'), '')
  execFileSync('chown', ['-R', 'frr:frr', dir])
  const common = (d: string) => ['-d', '-f', join(dir, 'empty.conf'), '-i', join(dir, `${d}.pid`), '-z', join(dir, 'zserv.api'), '--vty_socket', dir, '-P', '0', '--log', `file:${join(dir, `${d}.log`)}`]
  await must('/usr/lib/frr/zebra', common('zebra'))
  for (let i = 0; i < 100 && !existsSync(join(dir, 'zserv.api')); i++) await sleep(50)
  await must('/usr/lib/frr/bgpd', common('bgpd'))
  for (let i = 0; i < 100 && !existsSync(join(dir, 'bgpd.vty')); i++) await sleep(50)
  const base = [
    `router bgp ${AGENT_AS}`,
    ` bgp router-id ${AGENT_IP}`,
    ' no bgp ebgp-requires-policy',
    ` neighbor ${PEER_IP} remote-as ${PEER_AS}`,
    ` neighbor ${PEER_IP} timers connect 1`,
    ' address-family ipv6 unicast',
    `  neighbor ${PEER_IP} activate`,
    ' exit-address-family',
    'exit',
  ].join('\n')
  writeFileSync(join(dir, 'base.conf'), base + '\n')
  await must('vtysh', ['--vty_socket', dir, '-f', join(dir, 'base.conf')])
}

function startGobgp(dir: string): void {
  writeFileSync(
    join(dir, 'gobgpd.toml'),
    `[global.config]\n  as = ${PEER_AS}\n  router-id = "${PEER_IP}"\n  local-address-list = ["${PEER_IP}"]\n` +
      `[[neighbors]]\n  [neighbors.config]\n    neighbor-address = "${AGENT_IP}"\n    peer-as = ${AGENT_AS}\n` +
      `  [neighbors.timers.config]\n    connect-retry = 1\n` +
      `  [[neighbors.afi-safis]]\n    [neighbors.afi-safis.config]\n      afi-safi-name = "ipv4-unicast"\n` +
      `  [[neighbors.afi-safis]]\n    [neighbors.afi-safis.config]\n      afi-safi-name = "ipv6-unicast"\n`,
  )
  const child = spawn('ip', ['netns', 'exec', 'peer', 'gobgpd', '-f', join(dir, 'gobgpd.toml'), '-t', 'toml', '--api-hosts', '127.0.0.1:50051', '--pprof-disable', '-p'], {
    stdio: 'ignore',
    detached: true,
  })
  writeFileSync(join(dir, 'gobgpd.pid'), String(child.pid))
  child.unref()
}

async function rib(family: 'ipv4' | 'ipv6'): Promise<string[]> {
  const r = await must('ip', ['netns', 'exec', 'peer', 'gobgp', 'global', 'rib', '-a', family, '-j'])
  const text = r.stdout.trim()
  if (!text || text === 'null') return []
  return Object.keys(JSON.parse(text) as Record<string, unknown>)
}

export async function startLab(): Promise<Lab> {
  const dir = mkdtempSync(join(tmpdir(), 'e2e-lab-'))
  chmodSync(dir, 0o755) // FRR's daemons drop to user frr and must reach their directory below it
  const t0 = Date.now()
  const step = (what: string) => process.env.KTEST_VERBOSE && console.log(`lab: ${what} at ${Date.now() - t0} ms`)
  const ovsDir = join(dir, 'ovs')
  const frrDir = join(dir, 'frr')
  const peerDir = join(dir, 'peer')
  for (const d of [ovsDir, frrDir, peerDir]) mkdirSync(d)
  mkdirSync(join(dir, 'nb'))
  const nb = await startOvsdbServer({schema: writeNbSchema(dir), dir: join(dir, 'nb')})
  step('nb up')
  const ovsEnv = await startOvs(ovsDir)
  step('ovs up')
  await must('ip', ['netns', 'add', 'peer'])
  await must('ip', ['-n', 'peer', 'link', 'set', 'lo', 'up'])
  await must('ip', ['link', 'add', 'uplink', 'type', 'veth', 'peer', 'name', 'uplink-peer'])
  await must('ip', ['link', 'set', 'uplink-peer', 'netns', 'peer'])
  await must('ip', ['addr', 'add', `${AGENT_IP}/30`, 'dev', 'uplink'])
  await must('ip', ['link', 'set', 'uplink', 'up'])
  await must('ip', ['-n', 'peer', 'addr', 'add', `${PEER_IP}/30`, 'dev', 'uplink-peer'])
  await must('ip', ['-n', 'peer', 'link', 'set', 'uplink-peer', 'up'])
  step('netns up')
  await startFrr(frrDir)
  step('frr up')
  startGobgp(peerDir)
  const env = {...ovsEnv}
  const lab: Lab = {
    dir,
    nb,
    ovsDir,
    ovsEnv,
    frrDir,
    ovsVsctl: async (...args) => (await must('ovs-vsctl', [`--db=unix:${join(ovsDir, 'db.sock')}`, ...args], {env})).stdout,
    ofctl: async (...args) => (await must('ovs-ofctl', args, {env})).stdout,
    vtysh: async (cmd) => (await must('vtysh', ['--vty_socket', frrDir, '-c', cmd])).stdout,
    peerPrefixes: async () => [...(await rib('ipv4')), ...(await rib('ipv6'))].sort(),
    close: async () => {
      killPidfile(join(peerDir, 'gobgpd.pid'))
      for (const f of ['bgpd.pid', 'zebra.pid']) killPidfile(join(frrDir, f))
      for (const f of ['ovs-vswitchd.pid', 'ovsdb-server.pid']) killPidfile(join(ovsDir, f))
      await nb.stop({clean: false})
      await must('ip', ['netns', 'del', 'peer']).catch(() => undefined)
      await must('ip', ['link', 'del', 'uplink']).catch(() => undefined)
      rmSync(dir, {recursive: true, force: true})
    },
  }
  return lab
}

/** br-ex with the localnet patch port to br-int, and the external_ids ovn-controller would set. */
export async function setupBridges(lab: Lab, localnet: string, nbRemote: string): Promise<void> {
  await lab.ovsVsctl(
    '--', 'add-br', 'br-int',
    '--', 'add-br', 'br-ex',
    '--', 'add-port', 'br-ex', `patch-${localnet}-to-br-int`,
    '--', 'set', 'Interface', `patch-${localnet}-to-br-int`, 'type=patch', `options:peer=patch-br-int-to-${localnet}`,
    '--', 'add-port', 'br-int', `patch-br-int-to-${localnet}`,
    '--', 'set', 'Interface', `patch-br-int-to-${localnet}`, 'type=patch', `options:peer=patch-${localnet}-to-br-int`,
    '--', 'set', 'Open_vSwitch', '.', 'external_ids:system-id=chassis-1', 'external_ids:hostname=compute-1',
    'external_ids:ovn-bridge-mappings=physnet1:br-ex', `external_ids:ovn-nb-remote="${nbRemote}"`,
  )
  await must('ip', ['link', 'set', 'br-ex', 'up'])
}

