import {expect} from 'chai'
// A whole node inside the kernel-tier guest, for end-to-end tests, composed from the guest helpers:
// OVN NB ovsdb-server (schema with LRP status), a private Open vSwitch (kernel datapath), FRR with
// the operator's base BGP config, and a gobgpd peer in its own namespace over a veth. The node is
// the guest's root namespace. close() stops everything and deletes what it created.
// expectNothingToSync: the end state every e2e run must leave (a sync would change nothing).
import {chmodSync, mkdirSync, rmSync} from 'node:fs'
import {join} from 'node:path'

import type {AgentConfig} from '../../../src/lib/config/types.js'

import {defaultConfig} from '../../../src/lib/config/index.js'
import {StreamLogger} from '../../../src/lib/log.js'
import {Runtime} from '../../../src/lib/runtime.js'
import {type OvsdbServer, startOvsdbServer, writeNbSchema} from '../../helpers/ovsdb-server.js'
import {stateDir} from './daemons.js'
import {Frr} from './frr.js'
import {GobgpPeer, peerLink} from './gobgp.js'
import {must, Netns} from './guest.js'
import {PrivateOvs} from './ovs.js'
import {createTopology, LOCALNET} from './topology.js'

export const AGENT_AS = 64_999
const PEER_AS = 65_001

export interface Lab {
  dir: string
  nb: OvsdbServer
  ovs: PrivateOvs
  frr: Frr
  peer: GobgpPeer
  /** The operator's base FRR configuration (neighbour, router id), as an frr.conf would hold it. */
  frrBase: string
  /** Prefixes the peer has, both families, sorted. */
  peerPrefixes(): Promise<string[]>
  close(): Promise<void>
}

export async function startLab(): Promise<Lab> {
  const dir = stateDir('e2e-lab')
  chmodSync(dir, 0o755) // FRR's daemons drop to user frr and must reach their directory below it
  mkdirSync(join(dir, 'nb'))
  const nb = await startOvsdbServer({schema: writeNbSchema(dir), dir: join(dir, 'nb')})
  for (const d of ['ovs', 'peer']) mkdirSync(join(dir, d))
  const ovs = await PrivateOvs.start({dir: join(dir, 'ovs')})
  const ns = await Netns.create('peer')
  const link = await peerLink({peerNs: ns.name})
  const frrDir = join(dir, 'frr')
  mkdirSync(frrDir)
  const frr = await Frr.start({dir: frrDir})
  const base = [
    `router bgp ${AGENT_AS}`,
    ` bgp router-id ${link.agentIp}`,
    ' no bgp ebgp-requires-policy',
    ` neighbor ${link.peerIp} remote-as ${PEER_AS}`,
    ` neighbor ${link.peerIp} timers connect 1`,
    ' address-family ipv6 unicast',
    `  neighbor ${link.peerIp} activate`,
    ' exit-address-family',
    'exit',
    '',
  ].join('\n')
  const applied = await frr.applyConfig(base)
  if (applied.code !== 0) throw new Error(`FRR base config: ${applied.stderr}`)
  const peer = await GobgpPeer.start({
    netns: ns.name,
    localAs: PEER_AS,
    localIp: link.peerIp,
    neighborIp: link.agentIp,
    neighborAs: AGENT_AS,
    dir: join(dir, 'peer'),
  })
  return {
    dir,
    nb,
    ovs,
    frr,
    peer,
    frrBase: base,
    peerPrefixes: async () => [...(await peer.prefixes(4)), ...(await peer.prefixes(6))].sort(),
    async close() {
      await peer.stop()
      await frr.stop()
      await ovs.stop()
      await nb.stop({clean: false})
      await ns.close()
      await must('ip', ['link', 'del', link.agentDev]).catch(() => undefined)
      rmSync(dir, {recursive: true, force: true})
    },
  }
}

/** br-ex with the localnet patch port to br-int, and the external_ids ovn-controller would set. */
async function setupBridges(lab: Lab, localnet: string, nbRemote: string): Promise<void> {
  await lab.ovs.vsctl(
    '--',
    'add-br',
    'br-int',
    '--',
    'add-br',
    'br-ex',
    '--',
    'add-port',
    'br-ex',
    `patch-${localnet}-to-br-int`,
    '--',
    'set',
    'Interface',
    `patch-${localnet}-to-br-int`,
    'type=patch',
    `options:peer=patch-br-int-to-${localnet}`,
    '--',
    'add-port',
    'br-int',
    `patch-br-int-to-${localnet}`,
    '--',
    'set',
    'Interface',
    `patch-br-int-to-${localnet}`,
    'type=patch',
    `options:peer=patch-${localnet}-to-br-int`,
    '--',
    'set',
    'Open_vSwitch',
    '.',
    'external_ids:system-id=chassis-1',
    'external_ids:hostname=compute-1',
    'external_ids:ovn-bridge-mappings=physnet1:br-ex',
    `external_ids:ovn-nb-remote="${nbRemote}"`,
  )
  await must('ip', ['link', 'set', 'br-ex', 'up'])
}

/**
 * The end-to-end node: the lab with the neutron-like topology (helpers/topology.ts) in NB, br-ex
 * mapped and patched, and the agent configuration that points at it (the daemon's intervals so long
 * that only the test, or the fault under test, triggers a repair). `overrides` win.
 */
export async function startTopologyLab(overrides: Partial<AgentConfig> = {}): Promise<{lab: Lab; cfg: AgentConfig}> {
  const lab = await startLab()
  await createTopology(lab.nb.unix)
  await setupBridges(lab, LOCALNET, lab.nb.unix)
  const cfg: AgentConfig = {
    ...defaultConfig(),
    driver: 'nb_ovn_bgp_driver',
    ovsdbConnection: lab.ovs.dbSocket,
    frrVtySocket: lab.frr.dir,
    bgpRouterId: '169.254.77.1',
    rtTablesPath: join(lab.dir, 'rt_tables'),
    stateDir: join(lab.dir, 'state'),
    ovsEnv: lab.ovs.env,
    exposeTenantNetworks: true,
    reconcileInterval: 3600,
    frrReconcileInterval: 3600,
    ...overrides,
  }
  return {lab, cfg}
}

/** A lab's agent configuration as the ovn-bgp-agent INI file the CLI reads (`--config-file`). */
export function agentIni(cfg: AgentConfig): string {
  return [
    '[DEFAULT]',
    'driver = nb_ovn_bgp_driver',
    `ovsdb_connection = ${cfg.ovsdbConnection}`,
    `frr_vty_socket = ${cfg.frrVtySocket}`,
    `bgp_router_id = ${cfg.bgpRouterId}`,
    `rt_tables_path = ${cfg.rtTablesPath}`,
    `state_dir = ${cfg.stateDir}`,
    `ovs_env = ${Object.entries(cfg.ovsEnv)
      .map(([k, v]) => `${k}=${v}`)
      .join(',')}`,
    'expose_tenant_networks = True',
    '',
  ].join('\n')
}

/**
 * A one-shot sync of `cfg` (dry run, pruning) after an agent has settled: asserts it would add and
 * remove nothing (the end state every e2e run must leave).
 */
export async function expectNothingToSync(cfg: AgentConfig): Promise<void> {
  const rt = new Runtime(cfg, new StreamLogger({write() {}}))
  try {
    const reconciler = await rt.reconciler()
    const pass = await reconciler.pass((await rt.nb()).nb, {prune: true, dryRun: true})
    expect(
      pass.plan.add.map((o) => o.kind),
      'nothing to add',
    ).to.deep.equal([])
    expect(
      pass.plan.remove.map((o) => o.kind),
      'nothing to remove',
    ).to.deep.equal([])
  } finally {
    await rt.close()
  }
}
