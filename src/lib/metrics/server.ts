import type {AddressInfo} from 'node:net'

// The HTTP endpoint behind --metrics-address (off by default). node:http only, GET/HEAD only:
//   /metrics  Prometheus text exposition 0.0.4 of the registry
//   /healthz  200 "ok" whenever the process can answer (liveness)
//   /readyz   200 "ready" after the first full reconcile, else 503 with the reason (readiness)
// Anything else is 404; other methods are 405. Query strings are ignored.
import {createServer, type IncomingMessage, type Server, type ServerResponse} from 'node:http'

import type {Readiness} from './readiness.js'

import {ConfigError, DependencyError} from '../errors.js'
import {type Logger, NullLogger} from '../log.js'
import {EXPOSITION_CONTENT_TYPE, type Registry} from './registry.js'

export interface ListenAddress {
  host: string
  port: number
}

/** `host:port` or `[ipv6]:port`; port 0 (kernel-chosen) is accepted for tests. */
export function parseListenAddress(raw: string): ListenAddress {
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:\s[\]]+)):(\d{1,5})$/.exec(raw.trim())
  const port = m ? Number(m[3]) : -1
  if (!m || port > 65_535)
    throw new ConfigError(`invalid metrics address ${JSON.stringify(raw)}: expected host:port or [ipv6]:port`)
  return {host: (m[1] ?? m[2]) as string, port}
}

export interface MetricsServerOptions {
  address: string | ListenAddress
  registry: Registry
  readiness: Readiness
  logger?: Logger
}

const TEXT = 'text/plain; charset=utf-8'

/** Idle keep-alive connections are closed after this (below node's 60 s headersTimeout). */
export const KEEP_ALIVE_MS = 30_000

export class MetricsServer {
  private constructor(
    private readonly server: Server,
    private readonly logger: Logger,
  ) {}

  /** Listens before resolving; a bind failure (in use, no such address) rejects with DependencyError. */
  static async start(opts: MetricsServerOptions): Promise<MetricsServer> {
    const addr = typeof opts.address === 'string' ? parseListenAddress(opts.address) : opts.address
    const logger = opts.logger ?? new NullLogger()
    const server = createServer((req, res) => {
      handle(req, res, opts.registry, opts.readiness, logger).catch((error: unknown) =>
        logger.error('metrics request failed', {error}),
      )
    })
    // Probes and scrapers that come back within KEEP_ALIVE_MS reuse their connection: a new one
    // per request costs about a third of serving it (accept, socket set-up), and an idle daemon's
    // CPU is mostly its probes. close() drops idle connections, so they never hold a shutdown.
    server.keepAliveTimeout = KEEP_ALIVE_MS
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error) =>
        reject(new DependencyError(`metrics: cannot listen on ${addr.host}:${addr.port}: ${err.message}`, {cause: err}))
      server.once('error', onError)
      server.listen(addr.port, addr.host, () => {
        server.off('error', onError)
        resolve()
      })
    })
    server.on('error', (err) => logger.error('metrics server error', {error: err}))
    const self = new MetricsServer(server, logger)
    logger.info('metrics endpoint listening', {address: self.url()})
    return self
  }

  address(): ListenAddress {
    const a = this.server.address() as AddressInfo
    return {host: a.address, port: a.port}
  }

  /** Base URL, e.g. `http://127.0.0.1:9100`. */
  url(): string {
    const {host, port} = this.address()
    return `http://${host.includes(':') ? `[${host}]` : host}:${port}`
  }

  /** Stops listening and drops idle keep-alive connections; resolves when closed. */
  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve())
      this.server.closeIdleConnections()
    })
    this.logger.debug('metrics endpoint closed')
  }
}

async function handle(
  req: IncomingMessage,
  res: ServerResponse,
  registry: Registry,
  readiness: Readiness,
  logger: Logger,
): Promise<void> {
  const path = (req.url ?? '/').split('?')[0]
  const send = (status: number, type: string, body: string) => {
    res.writeHead(status, {
      'Content-Type': type,
      'Content-Length': Buffer.byteLength(body),
      'Cache-Control': 'no-store',
    })
    res.end(req.method === 'HEAD' ? undefined : body)
  }

  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('Allow', 'GET, HEAD')
    send(405, TEXT, 'method not allowed\n')
    return
  }

  try {
    switch (path) {
      case '/metrics': {
        send(200, EXPOSITION_CONTENT_TYPE, await registry.metrics())
        return
      }

      case '/healthz': {
        send(200, TEXT, 'ok\n')
        return
      }

      case '/readyz': {
        const r = readiness.state()
        const extra =
          readiness
            .detailLines?.()
            .map((l) => `${l}\n`)
            .join('') ?? ''
        if (r.ready) send(200, TEXT, `ready\n${extra}`)
        else send(503, TEXT, `not ready: ${r.reason}\n${extra}`)
        return
      }

      default: {
        send(404, TEXT, 'not found: try /metrics, /healthz or /readyz\n')
      }
    }
  } catch (error) {
    logger.error('metrics request failed', {path, error})
    if (res.headersSent) {
      res.destroy()
    } else {
      send(500, TEXT, 'internal error\n')
    }
  }
}
