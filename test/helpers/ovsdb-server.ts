// Real ovsdb-server instances for tests, every file in a private temp dir, stopped by pidfile.
//  - startOvsdbServer(): one standalone server on a unix socket, a TCP port (kernel-chosen, read
//    from the log) and optionally ssl; restartable on the same db file and ports.
//  - startNbCluster(): an N-member RAFT cluster of a schema on 127.0.0.1.
//  - writeNbSchema(): the OVN NB schema with Logical_Router_Port.status added, version 7.1.0.
//  - transact(): one raw JSON-RPC transact, independent of the client under test.
import {execFile, execFileSync} from 'node:child_process'
import {existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {createServer, connect as netConnect} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {promisify} from 'node:util'

import {alive} from './process.js'
import {sleep, waitFor} from './wait.js'

const execFileAsync = promisify(execFile)

export const NB_SCHEMA_SOURCE = '/usr/share/ovn/ovn-nb.ovsschema'

interface SslServerFiles {
  privateKey: string
  certificate: string
  caCert: string
}

export interface ServerOptions {
  /** Path of the .ovsschema file. */
  schema: string
  /** Existing directory to use (default: a new mkdtemp dir, removed by stop({clean: true})). */
  dir?: string
  /** Address for the TCP remote: '127.0.0.1' (default) or '::1'. */
  tcpHost?: string
  ssl?: SslServerFiles
}

function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = netConnect(port, host)
    s.once('connect', () => {
      s.destroy()
      resolve(true)
    })
    s.once('error', () => resolve(false))
  })
}

async function waitForListen(host: string, port: number, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!(await canConnect(host, port))) {
    if (Date.now() > end) throw new Error(`nothing listens on ${host}:${port}`)
    await sleep(20)
  }
}

/** A TCP port that was free a moment ago (for RAFT addresses, which cannot be port 0). */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.on('error', reject)
    srv.listen(0, host, () => {
      const addr = srv.address()
      const port = typeof addr === 'object' && addr ? addr.port : 0
      srv.close(() => resolve(port))
    })
  })
}

export class OvsdbServer {
  /** `unix:DIR/db.sock` */
  readonly unix: string
  tcp = ''
  ssl = ''
  private tcpPort = 0
  private sslPort = 0

  constructor(
    readonly dir: string,
    readonly dbFile: string,
    private readonly opts: ServerOptions,
  ) {
    this.unix = `unix:${join(dir, 'db.sock')}`
  }

  get pidFile(): string {
    return join(this.dir, 'ovsdb-server.pid')
  }

  get logFile(): string {
    return join(this.dir, 'ovsdb-server.log')
  }

  get pid(): number | undefined {
    if (!existsSync(this.pidFile)) return undefined
    const n = Number(readFileSync(this.pidFile, 'utf8').trim())
    return Number.isInteger(n) && n > 0 ? n : undefined
  }

  /** Starts (or restarts on the same db file and ports) the server; returns when it listens. */
  async start(): Promise<void> {
    const host = this.opts.tcpHost ?? '127.0.0.1'
    const hostArg = host.includes(':') ? `[${host}]` : host
    const args = [
      this.dbFile,
      `--remote=punix:${join(this.dir, 'db.sock')}`,
      `--remote=ptcp:${this.tcpPort}:${hostArg}`,
    ]
    if (this.opts.ssl) {
      // a fixed port: with two port-0 listeners on one address the log could not tell them apart
      if (this.sslPort === 0) this.sslPort = await freePort()
      args.push(
        `--remote=pssl:${this.sslPort}:127.0.0.1`,
        `--private-key=${this.opts.ssl.privateKey}`,
        `--certificate=${this.opts.ssl.certificate}`,
        `--ca-cert=${this.opts.ssl.caCert}`,
      )
    }

    args.push(
      `--unixctl=${join(this.dir, 'ovsdb-server.ctl')}`,
      `--pidfile=${this.pidFile}`,
      `--log-file=${this.logFile}`,
      '--detach',
      '--no-chdir',
      '-vconsole:off',
    )
    const logStart = existsSync(this.logFile) ? readFileSync(this.logFile, 'utf8').length : 0
    // not execFileSync: with --detach the command returns once the database is open, which for a
    // large RAFT log takes seconds, and members started together must load their logs side by side
    await execFileAsync('ovsdb-server', args)
    const newLog = (): string => readFileSync(this.logFile, 'utf8').slice(logStart)
    const portOf = (prefix: string): number | undefined => {
      // the log names the listener without its scheme: "|INFO|0:127.0.0.1: listening on port N"
      const m = new RegExp(`\\|INFO\\|${prefix.replaceAll(/[[\].]/g, String.raw`\$&`)}: listening on port (\\d+)`).exec(
        newLog(),
      )
      return m ? Number(m[1]) : undefined
    }

    // a kernel-chosen port is only logged for port 0; a restart on a known port is awaited by connecting
    if (this.tcpPort === 0) this.tcpPort = await waitFor('tcp port in log', () => portOf(`0:${hostArg}`))
    else await waitForListen(host, this.tcpPort)
    this.tcp = `tcp:${hostArg}:${this.tcpPort}`
    if (this.opts.ssl) {
      this.ssl = `ssl:127.0.0.1:${this.sslPort}`
    }
  }

  /** Sends `signal` and, unless it is SIGSTOP/SIGCONT, waits until the process is gone. */
  async kill(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const {pid} = this
    if (!pid || !alive(pid)) return
    process.kill(pid, signal)
    if (signal === 'SIGSTOP' || signal === 'SIGCONT') return
    try {
      await waitFor(`ovsdb-server ${pid} to exit`, () => (alive(pid) ? undefined : true), 5000)
    } catch (error) {
      if (signal === 'SIGKILL') throw error
      process.kill(pid, 'SIGKILL')
      await waitFor(`ovsdb-server ${pid} to exit`, () => (alive(pid) ? undefined : true))
    }
  }

  /** Stops the server (SIGCONT first in case a test stopped it) and removes the temp dir. */
  async stop({clean = true}: {clean?: boolean} = {}): Promise<void> {
    const {pid} = this
    if (pid && alive(pid)) {
      process.kill(pid, 'SIGCONT')
      await this.kill('SIGTERM')
    }

    if (clean) rmSync(this.dir, {recursive: true, force: true})
  }

  /** `ovs-appctl ovsdb-server/reconnect`: the server drops every client connection. */
  dropConnections(): void {
    execFileSync('ovs-appctl', ['-t', join(this.dir, 'ovsdb-server.ctl'), 'ovsdb-server/reconnect'], {stdio: 'pipe'})
  }
}

/** Creates a standalone database from `schema` in a temp dir and starts a server on it. */
export async function startOvsdbServer(opts: ServerOptions): Promise<OvsdbServer> {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'ovsdb-test-'))
  const dbFile = join(dir, 'db.db')
  execFileSync('ovsdb-tool', ['create', dbFile, opts.schema], {stdio: 'pipe'})
  const server = new OvsdbServer(dir, dbFile, opts)
  await server.start()
  return server
}

/** Writes the OVN NB schema patched like OVN 23.09 (LRP `status`, version 7.1.0); returns its path. */
export function writeNbSchema(dir: string): string {
  const s = JSON.parse(readFileSync(NB_SCHEMA_SOURCE, 'utf8')) as {
    version: string
    cksum?: string
    tables: Record<string, {columns: Record<string, unknown>}>
  }
  const lrp = s.tables.Logical_Router_Port
  if (!lrp) throw new Error('NB schema has no Logical_Router_Port')
  lrp.columns.status = {type: {key: 'string', value: 'string', min: 0, max: 'unlimited'}}
  s.version = '7.1.0'
  delete s.cksum
  const path = join(dir, 'ovn-nb.ovsschema')
  writeFileSync(path, JSON.stringify(s, null, 1))
  return path
}

export interface ClusterMember {
  dir: string
  dbFile: string
  raftPort: number
  clientPort: number
  remote: string
  server: OvsdbServer
}

/** An N-member RAFT cluster on 127.0.0.1 (create-cluster + join-cluster), members in sub-dirs of `dir`. */
export async function startCluster(schema: string, dbName: string, n: number, dir: string): Promise<ClusterMember[]> {
  const members: ClusterMember[] = []
  for (let i = 0; i < n; i++) {
    const mdir = join(dir, `m${i}`)
    execFileSync('mkdir', ['-p', mdir])
    const raftPort = await freePort()
    const dbFile = join(mdir, 'db.db')
    if (i === 0)
      execFileSync('ovsdb-tool', ['create-cluster', dbFile, schema, `tcp:127.0.0.1:${raftPort}`], {stdio: 'pipe'})
    else
      execFileSync(
        'ovsdb-tool',
        ['join-cluster', dbFile, dbName, `tcp:127.0.0.1:${raftPort}`, `tcp:127.0.0.1:${members[0]?.raftPort}`],
        {stdio: 'pipe'},
      )
    const server = new OvsdbServer(mdir, dbFile, {schema})
    await server.start()
    members.push({dir: mdir, dbFile, raftPort, clientPort: 0, remote: server.tcp, server})
  }

  return members
}

/**
 * An ovsdb-server relay of `dbName` in front of `upstream` (comma-separated cluster remotes), in
 * its own temp dir: `ovsdb-server relay:<db>:<remotes>`. It holds no file; restart() with start().
 */
export async function startRelay(dbName: string, upstream: string, dir?: string): Promise<OvsdbServer> {
  const d = dir ?? mkdtempSync(join(tmpdir(), 'ovsdb-relay-'))
  const server = new OvsdbServer(d, `relay:${dbName}:${upstream}`, {schema: ''})
  await server.start()
  return server
}

/**
 * One raw JSON-RPC `transact` on a fresh connection; returns the result array (throws on an RPC
 * error). It also rejects when the server closes the connection before replying (a RAFT member
 * does that around a leader change: without this the promise would never settle) and, with
 * `timeoutMs`, when no reply came in time (the socket is destroyed; the outcome is then unknown).
 */
export function transact(remote: string, params: unknown[], opts: {timeoutMs?: number} = {}): Promise<unknown[]> {
  return new Promise((resolve, reject) => {
    const sock = remote.startsWith('unix:')
      ? netConnect(remote.slice(5))
      : netConnect(
          Number(remote.slice(remote.lastIndexOf(':') + 1)),
          remote.slice(4, remote.lastIndexOf(':')).replaceAll(/^\[|\]$/g, ''),
        )
    const chunks: Buffer[] = []
    const timer =
      opts.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            sock.destroy()
            reject(new Error(`transact: no reply from ${remote} within ${opts.timeoutMs} ms`))
          }, opts.timeoutMs)
    sock.on('error', reject)
    sock.on('close', () => {
      if (timer) clearTimeout(timer)
      reject(new Error(`transact: ${remote} closed the connection before replying`))
    })
    sock.on('connect', () => sock.write(JSON.stringify({id: 1, method: 'transact', params})))
    sock.on('data', (d: Buffer) => {
      chunks.push(d)
      if (d.at(-1) !== 0x7d) return
      let msg: {id?: unknown; result?: unknown; error?: unknown}
      try {
        msg = JSON.parse(Buffer.concat(chunks).toString('utf8')) as typeof msg
      } catch {
        return
      }

      if (msg.id !== 1) {
        chunks.length = 0 // a server echo request, not our reply
        return
      }

      sock.end()
      if (msg.error) reject(new Error(`transact failed: ${JSON.stringify(msg.error)}`))
      else resolve(msg.result as unknown[])
    })
  })
}
