// The agents' side of the fleet benchmark (bench/fleet.ts), in a process of its own: K agents'
// NB sides (real NbSource: client + replica + NbState + scope, or the upstream-like monitor of
// every column) sharing this process's event loop, as many agents per process as the machine
// allows. The writer runs in the parent: a writer sharing the agents' event loop would time the
// agents' work on its own replies (a transact reply waits while the loop applies 200 replicas'
// updates), which no neutron server sees. The parent lowers this process's CPU priority for the
// runs where it says so (on a real fleet the agents run on other machines).
//
// Protocol over the fork IPC channel: the parent sends {id, cmd, ...}; every reply is {id, ...}.
//   start {remotes, chassis: number[], mode: 'scoped' | 'columns' | 'upstream', group}
//       -> {startS}: resolves once every agent is ready (started `group` at a time)
//   stats -> {agents: [{chassis, bytes, connects, resumes, snapshots, conditionChanges, state}]}
//   wait {seq, timeoutMs} -> {ok, missing, firstS, lastS}: every agent holds marker `seq`
//       (NB_Global external_ids bench:seq) and is ready; firstS/lastS: seconds from the request
//       until the first and the last agent held it
//   close -> {}
import {performance} from 'node:perf_hooks'

import {NbSource} from '../src/lib/driver/nb-source.js'
import {NullLogger} from '../src/lib/log.js'
import {OvsdbClient} from '../src/lib/ovsdb/index.js'
import {chassisId, chassisName} from './fleet-nb.js'

const DB = 'OVN_Northbound'
export const UPSTREAM_TABLES = [
  'Logical_Switch',
  'Logical_Switch_Port',
  'Logical_Router',
  'Logical_Router_Port',
  'NAT',
  'Load_Balancer',
  'NB_Global',
]

export type AgentMode = 'columns' | 'scoped' | 'upstream'

export interface AgentStats {
  chassis: number
  bytes: number
  connects: number
  resumes: number
  snapshots: number
  conditionChanges: number
  state: string
}

interface Agent {
  chassis: number
  client: OvsdbClient
  /** the NB_Global bench:seq marker this agent holds, when ready */
  marker(): string | undefined
  close(): Promise<void>
}

const sleep = (ms: number): Promise<void> =>
  new Promise((r) => {
    setTimeout(r, ms)
  })
const note = (msg: string): void => console.error(`[agents ${new Date().toISOString().slice(11, 19)}] ${msg}`)

async function nbAgent(remotes: string, chassis: number, scoped: boolean, attempt = 1): Promise<Agent> {
  const s = new NbSource({
    remotes,
    logger: new NullLogger(),
    ...(scoped ? {scope: {chassisName: chassisName(chassis), chassisId: chassisId(chassis)}} : {}),
  })
  try {
    let timer: NodeJS.Timeout | undefined
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`not ready after 120 s (client ${s.client.state}, ${JSON.stringify(s.client.stats)})`)),
        120_000,
      )
    })
    await Promise.race([s.start(600_000), late]).finally(() => clearTimeout(timer))
  } catch (error) {
    // a relay too busy to answer within the probe interval drops the session during start-up
    await s.close()
    if (attempt >= 5) throw error
    note(`agent ${chassis} start failed (${(error as Error).message}); again`)
    return nbAgent(remotes, chassis, scoped, attempt + 1)
  }

  return {
    chassis,
    client: s.client,
    marker: () => (s.client.state === 'ready' ? s.nb.nbGlobal()?.externalIds['bench:seq'] : undefined),
    close: () => s.close(),
  }
}

async function upstreamAgent(remotes: string, chassis: number): Promise<Agent> {
  const client = new OvsdbClient({remotes})
  await client.connect({timeoutMs: 600_000})
  const rep = await client.monitor(DB, Object.fromEntries(UPSTREAM_TABLES.map((t) => [t, {}])), {onChange() {}})
  return {
    chassis,
    client,
    marker() {
      if (client.state !== 'ready') return undefined
      for (const r of rep.rows('NB_Global'))
        if (r.external_ids instanceof Map) return r.external_ids.get('bench:seq') as string | undefined
      return undefined
    },
    close: () => client.close(),
  }
}

let agents: Agent[] = []

type Request =
  | {cmd: 'close'; id: number}
  | {cmd: 'start'; id: number; remotes: string; chassis: number[]; mode: AgentMode; group: number}
  | {cmd: 'stats'; id: number}
  | {cmd: 'wait'; id: number; seq: number; timeoutMs: number}

async function handle(req: Request): Promise<Record<string, unknown>> {
  switch (req.cmd) {
    case 'start': {
      const t = performance.now()
      for (let i = 0; i < req.chassis.length; i += req.group)
        agents.push(
          ...(await Promise.all(
            req.chassis
              .slice(i, i + req.group)
              .map((c) =>
                req.mode === 'upstream'
                  ? upstreamAgent(req.remotes, c)
                  : nbAgent(req.remotes, c, req.mode === 'scoped'),
              ),
          )),
        )
      return {startS: (performance.now() - t) / 1000}
    }

    case 'stats': {
      return {
        agents: agents.map((a): AgentStats => {
          const s = a.client.stats
          return {
            chassis: a.chassis,
            bytes: s.bytesReceived,
            connects: s.connects,
            resumes: s.resumes,
            snapshots: s.snapshots,
            conditionChanges: s.conditionChanges,
            state: a.client.state,
          }
        }),
      }
    }

    case 'wait': {
      const t = performance.now()
      const want = String(req.seq)
      const held = new Set<Agent>()
      let firstS: number | undefined
      for (;;) {
        for (const a of agents)
          if (!held.has(a) && a.marker() === want) {
            held.add(a)
            firstS ??= (performance.now() - t) / 1000
          }

        if (held.size === agents.length) return {ok: true, missing: 0, firstS, lastS: (performance.now() - t) / 1000}
        if (performance.now() - t > req.timeoutMs) return {ok: false, missing: agents.length - held.size, firstS}
        await sleep(10)
      }
    }

    case 'close': {
      for (const a of agents) await a.close()
      agents = []
      return {}
    }
  }
}

process.on('message', (req: Request) => {
  handle(req).then(
    (res) => process.send?.({id: req.id, ...res}),
    (error: Error) => process.send?.({id: req.id, error: error.message}),
  )
})
// the parent ends this process with SIGTERM
