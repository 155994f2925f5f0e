// A JSON-RPC proxy in front of a real ovsdb-server, to show behaviour a current server never
// exhibits on its own: it can answer chosen methods with "unknown method" (an older server) and
// swallow chosen notifications (a lost update); it also shows the requests a client sends.
import {createServer, connect as netConnect, type Server, type Socket} from 'node:net'

import {JsonFramer} from '../../../src/lib/ovsdb/index.js'

export interface ProxyRules {
  /** Methods answered with {"error": "unknown method"} instead of being forwarded. */
  refuse?: string[]
  /** Sees every client-to-server request before it is handled. */
  fromClient?: (msg: {method?: string; params?: unknown[]}) => void
  /** Return true to drop a server-to-client message (it is not forwarded). */
  dropFromServer?: (msg: {method?: string; params?: unknown[]}) => boolean
  /** The first `times` requests of `method` answered "database not available" (a member still joining its cluster). */
  notAvailable?: {method: string; times: number}
}

export class RpcProxy {
  /** "method db" of every refused request. */
  readonly refused: string[] = []
  dropped = 0
  private readonly sockets = new Set<Socket>()

  private constructor(
    private readonly server: Server,
    readonly remote: string,
  ) {}

  static start(upstreamUnixPath: string, rules: ProxyRules): Promise<RpcProxy> {
    const sockets = new Set<Socket>()
    let proxy: RpcProxy | undefined
    const server = createServer((client) => {
      const up = netConnect(upstreamUnixPath)
      sockets.add(client).add(up)
      const fromClient = new JsonFramer()
      const fromServer = new JsonFramer()
      client.on('data', (d: Buffer) => {
        for (const text of fromClient.push(d)) {
          const msg = JSON.parse(text) as {id?: unknown; method?: string; params?: unknown[]}
          rules.fromClient?.(msg)
          const na = rules.notAvailable
          if (msg.method && rules.refuse?.includes(msg.method)) {
            proxy?.refused.push(`${msg.method} ${String(msg.params?.[0])}`)
            client.write(JSON.stringify({id: msg.id, result: null, error: 'unknown method'}))
          } else if (na && msg.method === na.method && (proxy?.refused.length ?? 0) < na.times) {
            proxy?.refused.push(`${msg.method} ${String(msg.params?.[0])}`)
            const details = `${msg.method} request specifies database ${String(msg.params?.[0])} which is not yet available because it has not completed joining its cluster`
            client.write(JSON.stringify({id: msg.id, result: null, error: 'database not available', details}))
          } else up.write(text)
        }
      })
      up.on('data', (d: Buffer) => {
        for (const text of fromServer.push(d)) {
          const msg = JSON.parse(text) as {method?: string; params?: unknown[]}
          if (rules.dropFromServer?.(msg)) {
            if (proxy) proxy.dropped++
          } else client.write(text)
        }
      })
      const end = (): void => {
        client.destroy()
        up.destroy()
      }

      client.on('close', end).on('error', end)
      up.on('close', end).on('error', end)
    })
    return new Promise((resolve) => {
      server.listen(0, '127.0.0.1', () => {
        const addr = server.address()
        const port = typeof addr === 'object' && addr ? addr.port : 0
        proxy = new RpcProxy(server, `tcp:127.0.0.1:${port}`)
        for (const s of sockets) proxy.sockets.add(s)
        resolve(proxy)
      })
      server.on('connection', (s: Socket) => proxy?.sockets.add(s))
    })
  }

  /** Drops every proxied connection (the client sees its server go away). */
  dropAll(): void {
    for (const s of this.sockets) s.destroy()
    this.sockets.clear()
  }

  close(): Promise<void> {
    this.dropAll()
    return new Promise((resolve) => {
      this.server.close(() => resolve())
    })
  }
}
