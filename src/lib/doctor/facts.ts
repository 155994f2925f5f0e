// Gathering the facts other layers own, for the doctor command: the local Open_vSwitch row's
// external_ids, the Northbound schema plus its localnet VLAN tags, and (with metrics_address) the
// running daemon's /readyz. One short-lived connection each, bounded by a timeout; a failure
// becomes {ok: false, error} for the checks to report, never an exception.
import {get} from 'node:http'

import type {AgentConfig} from '../config/types.js'
import type {DaemonFacts, DoctorFacts, Gathered, LocalnetVlan, NbFacts, OvsFacts} from './types.js'

import {NullLogger} from '../log.js'
import {NB_DB, nbSourceOptions} from '../nb/connection.js'
import {type Json, OvsdbClient, type WireRow} from '../ovsdb/index.js'
import {errorText} from './context.js'

const OVS_DB = 'Open_vSwitch'

/** Wire `["map", [[k, v], ...]]` -> Map; anything else -> empty. */
function wireMap(v: Json | undefined): Map<string, string> {
  const out = new Map<string, string>()
  if (Array.isArray(v) && v[0] === 'map' && Array.isArray(v[1])) {
    for (const pair of v[1])
      if (Array.isArray(pair) && typeof pair[0] === 'string' && typeof pair[1] === 'string') out.set(pair[0], pair[1])
  }

  return out
}

/** Wire optional integer: `5` or `["set", [5]]` -> 5; `["set", []]` -> undefined. */
function wireOptInt(v: Json | undefined): number | undefined {
  if (typeof v === 'number') return v
  if (Array.isArray(v) && v[0] === 'set' && Array.isArray(v[1]) && typeof v[1][0] === 'number') return v[1][0]
  return undefined
}

async function withClient<T>(
  remotes: string,
  ssl: ConstructorParameters<typeof OvsdbClient>[0]['ssl'],
  timeoutMs: number,
  fn: (c: OvsdbClient) => Promise<T>,
): Promise<T> {
  const client = new OvsdbClient({
    remotes,
    ...(ssl ? {ssl} : {}),
    connectTimeoutMs: timeoutMs,
    readyTimeoutMs: timeoutMs,
    probeIntervalMs: 0,
  })
  try {
    await client.connect({timeoutMs})
    return await fn(client)
  } finally {
    await client.close()
  }
}

async function gatherOvsFacts(config: AgentConfig, timeoutMs: number): Promise<Gathered<OvsFacts>> {
  try {
    return await withClient(config.ovsdbConnection, undefined, timeoutMs, async (c) => {
      const [res] = await c.transact(OVS_DB, [
        {op: 'select', table: 'Open_vSwitch', where: [], columns: ['external_ids']},
      ])
      const ids = wireMap(res?.rows?.[0]?.external_ids)
      const value: OvsFacts = {
        systemId: ids.get('system-id'),
        hostname: ids.get('hostname'),
        bridgeMappings: ids.get('ovn-bridge-mappings'),
        nbRemote: ids.get('ovn-nb-remote'),
      }
      return {ok: true as const, value}
    })
  } catch (error) {
    return {ok: false, error: `${config.ovsdbConnection}: ${errorText(error)}`}
  }
}

export async function gatherNbFacts(
  config: AgentConfig,
  remote: string | undefined,
  timeoutMs: number,
): Promise<Gathered<NbFacts>> {
  if (remote === undefined)
    return {ok: false, error: 'no NB remote: ovn_nb_connection unset and OVS external_ids:ovn-nb-remote unknown'}
  const opts = nbSourceOptions(config, remote, new NullLogger())
  try {
    return await withClient(remote, opts.ssl, timeoutMs, async (c) => {
      const schema = await c.getSchema(NB_DB)
      const [res] = await c.transact(NB_DB, [
        {op: 'select', table: 'Logical_Switch_Port', where: [['type', '==', 'localnet']], columns: ['options', 'tag']},
      ])
      const localnetVlans: LocalnetVlan[] = []
      for (const row of (res?.rows ?? []) as WireRow[]) {
        const tag = wireOptInt(row.tag)
        const physnet = wireMap(row.options).get('network_name')
        if (tag !== undefined && physnet !== undefined) localnetVlans.push({physnet, tag})
      }

      const value: NbFacts = {
        remote: c.remote ?? remote,
        schemaVersion: schema.version,
        lrpStatusColumn: schema.tables.get('Logical_Router_Port')?.columns.has('status') ?? false,
        localnetVlans,
      }
      return {ok: true as const, value}
    })
  } catch (error) {
    return {ok: false, error: `${remote}: ${errorText(error)}`}
  }
}

/** `http://host:port/readyz` of a metrics_address; wildcard listen addresses are asked on loopback. */
export function readyzUrl(metricsAddress: string): string {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(metricsAddress.trim())
  if (!m) throw new Error(`invalid metrics_address ${JSON.stringify(metricsAddress)}`)
  let host = (m[1] ?? m[2]) as string
  if (host === '0.0.0.0') host = '127.0.0.1'
  if (host === '::') host = '::1'
  return `http://${host.includes(':') ? `[${host}]` : host}:${m[3]}/readyz`
}

export function gatherDaemonFacts(metricsAddress: string, timeoutMs: number): Promise<Gathered<DaemonFacts>> {
  let url: string
  try {
    url = readyzUrl(metricsAddress)
  } catch (error) {
    return Promise.resolve({ok: false, error: errorText(error)})
  }

  return new Promise((resolve) => {
    const req = get(url, {agent: false, timeout: timeoutMs}, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (d: string) => {
        if (body.length < 4096) body += d
      })
      res.on('end', () => resolve({ok: true, value: {url, status: res.statusCode ?? 0, body: body.trim()}}))
    })
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)))
    req.on('error', (err) => resolve({ok: false, error: `${url}: ${err.message}`}))
  })
}

/** All of them, OVS first (its external_ids may name the NB remote). */
export async function gatherFacts(config: AgentConfig, timeoutMs = 5000): Promise<DoctorFacts> {
  const ovs = await gatherOvsFacts(config, timeoutMs)
  const remote = config.ovnNbConnection ?? (ovs.ok ? ovs.value.nbRemote : undefined)
  const nb = await gatherNbFacts(config, remote, timeoutMs)
  const facts: DoctorFacts = {ovs, nb}
  if (config.metricsAddress !== undefined) facts.daemon = await gatherDaemonFacts(config.metricsAddress, timeoutMs)
  return facts
}
