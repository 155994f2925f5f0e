// Shared by the adhoc-*.test.ts files: a real NB ovsdb-server (patched schema) holding a small
// Neutron-like topology, the ad-hoc commands run in-process through oclif, and an in-memory
// datapath standing in for the kernel (the host kernel lacks vrf/dummy/vlan; the real kernel is
// exercised by the kernel tier).
//
// Topology (chassis compute-1 / chassis-1, physnet1 -> br-ex, table 1):
//   neutron-pub   provider LS, localnet provnet-seg (physnet1, VLAN 100)
//     vm1         VM fa:16:3e:00:01:e2 172.24.4.226 2001:db8:100::226, cidrs /24 /64, bound here
//     vip2-port   provider VIP port of lb2 (down)
//   neutron-priv  tenant LS
//     vm2         VM 10.0.0.5 on compute-2
//     vm3         VM 10.0.0.7 bound here, FIP 172.24.4.201 (NAT external_mac fa:16:3e:00:02:01)
//     rif1        router interface of r1, 10.0.0.1/24
//     vip-port    VIP port of lb1 (down)
//   neutron-r1    router, gateway lrp-gw fa:16:3e:00:00:0a 172.24.4.10/24 2001:db8:100::a/64 hosted on chassis-1
//   lb1           VIP 10.0.0.50 (tenant), vip_fip 172.24.4.50
//   lb2           VIP 172.24.4.60 (provider)
import {Config} from '@oclif/core'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import type {AdhocResult} from '../../src/lib/driver/adhoc/command.js'
import type {OpResult} from '../../src/lib/reconciler/types.js'
import type {KernelParts} from '../../src/lib/runtime.js'

import {objKey, type Plan, type StateObj} from '../../src/lib/planner/types.js'
import {captureStdout} from '../helpers/output.js'
import {type OvsdbServer, startOvsdbServer, transact, writeNbSchema} from '../helpers/ovsdb-server.js'

/**
 * A minimal oclif root (package.json with the bin name, no commands): the command classes are
 * imported from src/ directly, so loading the project's plugin (every built command, slow in the
 * TCG guest and broken by any half-built dist/) is not needed. Removed when the process exits.
 */
let oclifRoot: string | undefined
function minimalRoot(): string {
  if (oclifRoot) return oclifRoot
  const dir = mkdtempSync(join(tmpdir(), 'adhoc-oclif-'))
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({name: 'ovn-bgp', version: '0.0.0', type: 'module', oclif: {bin: 'ovn-bgp', dirname: 'ovn-bgp'}}),
  )
  process.once('exit', () => rmSync(dir, {recursive: true, force: true}))
  oclifRoot = dir
  return dir
}

const DB = 'OVN_Northbound'

type Atom = string | number | boolean | unknown[]
const map = (o: Record<string, string>): Atom => ['map', Object.entries(o)]
const set = (xs: Atom[]): Atom => ['set', xs]
const ref = (n: string): Atom => ['named-uuid', n]
const insert = (table: string, name: string, row: Record<string, Atom>) => ({
  op: 'insert',
  table,
  'uuid-name': name,
  row,
})

interface PortSpec {
  addresses?: string
  type?: string
  up?: boolean
  tag?: number
  options?: Record<string, string>
  ext?: Record<string, string>
}

function lsp(id: string, s: PortSpec) {
  const row: Record<string, Atom> = {
    name: id,
    type: s.type ?? '',
    addresses: set(s.addresses ? [s.addresses] : []),
    options: map(s.options ?? {}),
    external_ids: map(s.ext ?? {}),
  }
  if (s.up !== undefined) row.up = s.up
  if (s.tag !== undefined) row.tag = s.tag
  return insert('Logical_Switch_Port', id.replaceAll('-', '_'), row)
}

/** The transaction creating the topology described at the top of this file. */
function topology(): unknown[] {
  const here = {'requested-chassis': 'compute-1'}
  const pub = 'neutron-pub'
  const priv = 'neutron-priv'
  return [
    DB,
    lsp('provnet-seg', {type: 'localnet', addresses: 'unknown', tag: 100, options: {network_name: 'physnet1'}}),
    lsp('vm1', {
      addresses: 'fa:16:3e:00:01:e2 172.24.4.226 2001:db8:100::226',
      up: true,
      options: here,
      ext: {
        'neutron:network_name': pub,
        'neutron:cidrs': '172.24.4.226/24 2001:db8:100::226/64',
        'neutron:host_id': 'compute-1',
      },
    }),
    lsp('vip2-port', {addresses: 'fa:16:3e:00:00:60 172.24.4.60', up: false, ext: {'neutron:network_name': pub}}),
    lsp('vm2', {
      addresses: 'fa:16:3e:00:00:05 10.0.0.5',
      up: true,
      options: {'requested-chassis': 'compute-2'},
      ext: {'neutron:network_name': priv, 'neutron:cidrs': '10.0.0.5/24'},
    }),
    lsp('vm3', {
      addresses: 'fa:16:3e:00:00:07 10.0.0.7',
      up: true,
      options: here,
      ext: {'neutron:network_name': priv, 'neutron:cidrs': '10.0.0.7/24', 'neutron:port_fip': '172.24.4.201'},
    }),
    lsp('rif1', {
      type: 'router',
      addresses: 'router',
      up: true,
      options: {'router-port': 'lrp-rif1'},
      ext: {
        'neutron:device_owner': 'network:router_interface',
        'neutron:device_id': 'r1',
        'neutron:network_name': priv,
        'neutron:cidrs': '10.0.0.1/24',
      },
    }),
    lsp('vip-port', {addresses: 'fa:16:3e:00:00:50 10.0.0.50', up: false, ext: {'neutron:network_name': priv}}),
    insert('Logical_Switch', 'pub', {name: pub, ports: set([ref('provnet_seg'), ref('vm1'), ref('vip2_port')])}),
    insert('Logical_Switch', 'priv', {name: priv, ports: set([ref('vm2'), ref('vm3'), ref('rif1'), ref('vip_port')])}),
    insert('Logical_Router_Port', 'gw', {
      name: 'lrp-gw',
      mac: 'fa:16:3e:00:00:0a',
      networks: set(['172.24.4.10/24', '2001:db8:100::a/64']),
      status: map({'hosting-chassis': 'chassis-1'}),
      external_ids: map({'neutron:network_name': pub, 'neutron:router_name': 'r1', 'neutron:is_ext_gw': 'True'}),
    }),
    insert('Logical_Router_Port', 'lrp_rif1', {
      name: 'lrp-rif1',
      mac: 'fa:16:3e:00:00:01',
      networks: set(['10.0.0.1/24']),
    }),
    insert('NAT', 'fip3', {
      type: 'dnat_and_snat',
      external_ip: '172.24.4.201',
      external_mac: 'fa:16:3e:00:02:01',
      logical_ip: '10.0.0.7',
      logical_port: 'vm3',
      external_ids: map({'neutron:fip_network_id': 'pub', 'neutron:fip_port_id': 'vm3'}),
    }),
    insert('Logical_Router', 'r1', {
      name: 'neutron-r1',
      ports: set([ref('gw'), ref('lrp_rif1')]),
      nat: set([ref('fip3')]),
    }),
    insert('Load_Balancer', 'lb1', {
      name: 'lb1',
      vips: map({'10.0.0.50:80': '10.0.0.5:8080', '172.24.4.50:80': '10.0.0.5:8080'}),
      external_ids: map({
        'neutron:vip': '10.0.0.50',
        'neutron:vip_fip': '172.24.4.50',
        'neutron:vip_port_id': 'vip-port',
        lr_ref: 'neutron-r1',
      }),
    }),
    insert('Load_Balancer', 'lb2', {
      name: 'lb2',
      vips: map({'172.24.4.60:80': '10.0.0.5:8080'}),
      external_ids: map({'neutron:vip': '172.24.4.60', 'neutron:vip_port_id': 'vip2-port', lr_ref: 'neutron-r1'}),
    }),
  ]
}

/** Sets columns of the LSP named `name` (e.g. to unbind it). */
export async function updatePort(remote: string, name: string, row: Record<string, Atom>): Promise<void> {
  await transact(remote, [DB, {op: 'update', table: 'Logical_Switch_Port', where: [['name', '==', name]], row}])
}

export async function startNb(): Promise<OvsdbServer> {
  const dir = mkdtempSync(join(tmpdir(), 'adhoc-nb-'))
  const server = await startOvsdbServer({schema: writeNbSchema(dir), dir})
  const res = (await transact(server.unix, topology())) as Array<{error?: string; details?: string}>
  const bad = res.find((r) => r && r.error)
  if (bad) throw new Error(`topology: ${bad.error} ${bad.details ?? ''}`)
  return server
}

/** The configuration flags of the node under test. */
export function nodeArgs(nb: string, stateDir: string): string[] {
  return [
    '--ovn-nb-connection',
    nb,
    '--chassis-name',
    'compute-1',
    '--chassis-id',
    'chassis-1',
    '--bridge-mappings',
    'physnet1:br-ex',
    '--rt-tables-path',
    join(stateDir, 'rt_tables'),
    '--state-dir',
    stateDir,
    '--ovsdb-connection',
    `unix:${join(stateDir, 'no-ovs.sock')}`,
    '--expose-tenant-networks',
    '--log-level',
    'error',
  ]
}

export interface CmdRun {
  result?: AdhocResult
  doc?: AdhocResult
  stdout: string
  error?: Error & {oclif?: {exit?: number}}
  exitCode: number
}

/** Runs `ovn-bgp <id> argv` in-process with stdout captured; `doc` is the parsed --json output. */
export async function runAdhocCmd(id: string, argv: string[]): Promise<CmdRun> {
  const config = await Config.load(minimalRoot())
  // the class from src/ (not the built dist/ oclif would find), as the other command tests do
  const cls = (
    (await import(`../../src/commands/${id}.js`)) as {default: {run(argv: string[], config: Config): Promise<unknown>}}
  ).default
  // exit code undefined, as in a fresh process: oclif's catch() keeps an exit code that is already set
  const r = await captureStdout(async () => (await cls.run(argv, config)) as AdhocResult | undefined, {
    exitCode: undefined,
  })
  const {stdout, result} = r
  if (r.error) {
    const e = r.error
    return {stdout, error: e, exitCode: e.oclif?.exit ?? Number(r.exitCode ?? 1)}
  }

  const exitCode = Number(r.exitCode ?? 0)
  if (!argv.includes('--json')) return {...(result ? {result} : {}), stdout, exitCode}
  // under --json oclif prints an error document instead of throwing
  let doc: AdhocResult & {error?: {message: string}}
  try {
    doc = JSON.parse(stdout) as typeof doc
  } catch (error) {
    return {stdout, error: error as Error, exitCode: Number(r.exitCode ?? 1)}
  }

  if (doc.error)
    return {stdout, error: Object.assign(new Error(doc.error.message), {oclif: {exit: exitCode}}), exitCode}
  return {...(result ? {result} : {}), doc, stdout, exitCode}
}

/**
 * The node's owned objects, in memory: observe returns what was applied, apply adds/removes with
 * replace semantics. `failOn` makes the apply of matching objects fail (per-item failures).
 */
export class MemoryKernel {
  readonly objs = new Map<string, StateObj>()
  failOn: (o: StateObj) => boolean = () => false
  applied: Plan[] = []

  parts(): KernelParts {
    return {
      layer: {
        observe: async () => [...this.objs.values()].filter((o) => o.kind !== 'flow'),
        apply: async (plan: Plan): Promise<OpResult[]> => {
          this.applied.push(plan)
          const out: OpResult[] = []
          for (const obj of plan.remove) {
            this.objs.delete(objKey(obj))
            out.push({action: 'remove', obj, ok: true})
          }

          for (const obj of plan.add) {
            if (this.failOn(obj)) {
              out.push({action: 'add', obj, ok: false, error: 'RTNETLINK answers: Operation not permitted'})
              continue
            }

            this.objs.set(objKey(obj), obj)
            out.push({action: 'add', obj, ok: true})
          }

          return out
        },
      },
      tables: {tables: async (bridges) => Object.fromEntries(bridges.map((b) => [b, 1]))},
      links: async () => ['br-ex', 'br-ex.100', 'bgp-nic'],
      ensureBase: async () => ({changed: []}),
    }
  }

  has(kind: string, text: string): boolean {
    return [...this.objs.keys()].some((k) => k.startsWith(`${kind}|`) && k.includes(text))
  }
}
