// A gobgpd BGP peer for guest tests (no kernel FIB), in its own network namespace, reached from
// the agent side over a veth pair (the guest kernel has veth; the host kernel does not).
//   const link = await peerLink({agentNs: agent.name, peerNs: peer.name})
//   const gobgp = await GobgpPeer.start({netns: peer.name, localAs: 65001, localIp: link.peerIp, neighborIp: link.agentIp, neighborAs: 64999})
//   await gobgp.waitEstablished(); await gobgp.waitPrefix('172.24.4.226/32')
import {type ChildProcess, spawn} from 'node:child_process'
import {openSync, rmSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {stateDir, waitFor} from './daemons.js'
import {host, must} from './guest.js'

export interface PeerLink {
  agentIp: string
  peerIp: string
  agentDev: string
  peerDev: string
}

/**
 * A veth pair between the agent side (`agentNs`, or the guest's root namespace) and `peerNs`,
 * 169.254.77.1/30 on the agent end and .2 on the peer end (overridable), both up.
 */
export async function peerLink(opts: {
  peerNs: string
  agentNs?: string
  agentCidr?: string
  peerCidr?: string
}): Promise<PeerLink> {
  const agentCidr = opts.agentCidr ?? '169.254.77.1/30'
  const peerCidr = opts.peerCidr ?? '169.254.77.2/30'
  const a = opts.agentNs ? ['-n', opts.agentNs] : []
  await must('ip', [
    ...a,
    'link',
    'add',
    'veth-agent',
    'type',
    'veth',
    'peer',
    'name',
    'veth-peer',
    'netns',
    opts.peerNs,
  ])
  await must('ip', [...a, 'address', 'add', agentCidr, 'dev', 'veth-agent'])
  await must('ip', [...a, 'link', 'set', 'veth-agent', 'up'])
  await must('ip', ['-n', opts.peerNs, 'address', 'add', peerCidr, 'dev', 'veth-peer'])
  await must('ip', ['-n', opts.peerNs, 'link', 'set', 'veth-peer', 'up'])
  await must('ip', ['-n', opts.peerNs, 'link', 'set', 'lo', 'up'])
  return {
    agentIp: agentCidr.split('/')[0]!,
    peerIp: peerCidr.split('/')[0]!,
    agentDev: 'veth-agent',
    peerDev: 'veth-peer',
  }
}

/** One path change seen by the peer: received, or withdrawn; `at` is when the test read it (ms). */
export interface RibEvent {
  at: number
  prefix: string
  withdrawn: boolean
}

export interface RibMonitor {
  /** What the monitor wrote on stderr (a failing stream). */
  errors: string[]
  stop(): Promise<void>
}

export interface GobgpOptions {
  netns: string
  localAs: number
  localIp: string
  neighborIp: string
  neighborAs: number
  dir?: string
}

export class GobgpPeer {
  private constructor(
    readonly dir: string,
    readonly netns: string,
    private readonly child: ChildProcess,
  ) {}

  static async start(o: GobgpOptions): Promise<GobgpPeer> {
    const dir = o.dir ?? stateDir('gobgp')
    const conf = join(dir, 'gobgpd.toml')
    writeFileSync(
      conf,
      [
        '[global.config]',
        `  as = ${o.localAs}`,
        `  router-id = "${o.localIp}"`,
        `  local-address-list = ["${o.localIp}"]`,
        '[[neighbors]]',
        '  [neighbors.config]',
        `    neighbor-address = "${o.neighborIp}"`,
        `    peer-as = ${o.neighborAs}`,
        '  [neighbors.timers.config]',
        '    connect-retry = 1',
        '  [[neighbors.afi-safis]]',
        '    [neighbors.afi-safis.config]',
        '      afi-safi-name = "ipv4-unicast"',
        '  [[neighbors.afi-safis]]',
        '    [neighbors.afi-safis.config]',
        '      afi-safi-name = "ipv6-unicast"',
        '',
      ].join('\n'),
    )
    const log = openSync(join(dir, 'gobgpd.log'), 'a')
    const child = spawn(
      'ip',
      [
        'netns',
        'exec',
        o.netns,
        'gobgpd',
        '-f',
        conf,
        '-t',
        'toml',
        '--api-hosts',
        '127.0.0.1:50051',
        '--pprof-disable',
        '-p',
      ],
      {
        stdio: ['ignore', log, log],
      },
    )
    writeFileSync(join(dir, 'gobgpd.pid'), String(child.pid))
    const peer = new GobgpPeer(dir, o.netns, child)
    await waitFor(
      'gobgpd API',
      async () => (await host.run('ip', ['netns', 'exec', o.netns, 'gobgp', 'global', '-j'])).code === 0,
      90_000,
      200,
    )
    return peer
  }

  /** `gobgp ARGS -j` parsed. */
  async gobgp<T = unknown>(...args: string[]): Promise<T> {
    const r = await must('ip', ['netns', 'exec', this.netns, 'gobgp', ...args, '-j'])
    return JSON.parse(r.stdout.trim() || 'null') as T
  }

  /** Prefixes in the global RIB of one family. */
  async prefixes(family: 4 | 6 = 4): Promise<string[]> {
    const rib = await this.gobgp<Record<string, unknown> | null>(
      'global',
      'rib',
      ...(family === 6 ? ['-a', 'ipv6'] : []),
    )
    return Object.keys(rib ?? {}).sort()
  }

  /**
   * Streams the global RIB's changes (`gobgp monitor global rib --current`, both families): `onEvent`
   * gets every path as it is received or withdrawn, with the time it was read. The current contents
   * come first (as announcements), so a test knows the stream is live once it has seen them.
   */
  monitorRib(onEvent: (e: RibEvent) => void): RibMonitor {
    const child = spawn('ip', ['netns', 'exec', this.netns, 'gobgp', 'monitor', 'global', 'rib', '--current', '-j'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let buf = ''
    const errors: string[] = []
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      buf += d
      let i
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i).trim()
        buf = buf.slice(i + 1)
        if (!line) continue
        const at = Date.now()
        for (const p of JSON.parse(line) as Array<{nlri?: {prefix?: string}; withdrawal?: boolean}>)
          if (p.nlri?.prefix) onEvent({at, prefix: p.nlri.prefix, withdrawn: p.withdrawal === true})
      }
    })
    child.stderr!.setEncoding('utf8').on('data', (d: string) => errors.push(d))
    return {
      errors,
      async stop() {
        if (child.exitCode !== null || child.signalCode !== null) return
        const done = new Promise((resolve) => {
          child.once('exit', resolve)
        })
        child.kill('SIGTERM')
        await done
      },
    }
  }

  async waitEstablished(timeoutMs = 60_000): Promise<void> {
    await waitFor(
      'BGP session established',
      async () => {
        const n = await this.gobgp<Array<{state?: {session_state?: number}}>>('neighbor').catch(() => [])
        return n.some((x) => x.state?.session_state === 6)
      },
      timeoutMs,
      200,
    )
  }

  /** Waits until `prefix` is (or, with present=false, is no longer) in the RIB. */
  async waitPrefix(prefix: string, present = true, timeoutMs = 30_000): Promise<void> {
    const family = prefix.includes(':') ? 6 : 4
    await waitFor(
      `${prefix} ${present ? 'received' : 'withdrawn'}`,
      async () => (await this.prefixes(family)).includes(prefix) === present,
      timeoutMs,
      200,
    )
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null) {
      const done = new Promise((resolve) => {
        this.child.once('exit', resolve)
      })
      this.child.kill('SIGTERM')
      await Promise.race([
        done,
        new Promise((resolve) => {
          setTimeout(resolve, 5000)
        }),
      ])
      if (this.child.exitCode === null) this.child.kill('SIGKILL')
    }

    rmSync(this.dir, {recursive: true, force: true})
  }
}
