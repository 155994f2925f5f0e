// FRR's vty protocol on one daemon's unix socket (`<frr_vty_socket>/<daemon>.vty`), the protocol
// vtysh itself speaks, so a read costs a connect instead of a vtysh process (which also connects to
// every daemon and loads its own configuration).
// Contract, as FRR 7-10 implement it (lib/vty.c, vtysh/vtysh.c):
// - a command is its text followed by one NUL byte; one command at a time;
// - the answer is the command's output followed by a 4-byte trailer: three NULs and the command's
//   status (0 = success; 1 warning, 2 unknown command, 3 ambiguous, 4 incomplete, ...);
// - a new session starts in the view node, where `show running-config` is unknown: `enable` first
//   (vtysh sends it too).
// Commands are fixed strings of ours, never operator or NB input; they are still checked.
import {createConnection} from 'node:net'

import {AgentError, DependencyError} from '../errors.js'

export interface VtyReply {
  status: number
  output: string
}

const TRAILER = Buffer.from([0, 0, 0])
const DEFAULT_TIMEOUT_MS = 10_000

/** The daemons whose sockets are read directly (the names FRR gives them). */
export type VtyDaemon = 'bgpd' | 'zebra'

/**
 * Runs `commands` in order on one connection to `socketPath`; one reply each. Throws
 * DependencyError (FRR_UNAVAILABLE) when the socket cannot be reached or closes early, AgentError
 * (FRR_VTY_TIMEOUT) after `timeoutMs` (default 10 s).
 */
export function vtyCommands(
  socketPath: string,
  commands: readonly string[],
  opts: {timeoutMs?: number} = {},
): Promise<VtyReply[]> {
  for (const c of commands)
    if (c === '' || /[\0\n\r]/.test(c)) return Promise.reject(new AgentError(`not a vty command: ${JSON.stringify(c)}`))
  const ms = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS
  return new Promise((resolve, reject) => {
    const replies: VtyReply[] = []
    /** Received and not yet part of a reply. */
    let buf = Buffer.alloc(0)
    let done = false
    const sock = createConnection(socketPath)
    const finish = (err?: Error): void => {
      if (done) return
      done = true
      clearTimeout(timer)
      sock.destroy()
      if (err) reject(err)
      else resolve(replies)
    }

    const timer = setTimeout(
      () => finish(new AgentError(`no answer from ${socketPath} within ${ms} ms`, {code: 'FRR_VTY_TIMEOUT'})),
      ms,
    )
    const send = (): void => {
      sock.write(`${commands[replies.length]}\0`)
    }

    sock.on('connect', send)
    sock.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d])
      for (;;) {
        const at = buf.indexOf(TRAILER)
        if (at === -1 || buf.length < at + 4) break
        replies.push({status: buf[at + 3]!, output: buf.subarray(0, at).toString('utf8')})
        buf = buf.subarray(at + 4)
        if (replies.length === commands.length) return finish()
        send()
      }
    })
    sock.on('error', (e: NodeJS.ErrnoException) =>
      finish(
        new DependencyError(`cannot reach FRR at ${socketPath}: ${e.code ?? e.message}`, {code: 'FRR_UNAVAILABLE'}),
      ),
    )
    sock.on('close', () =>
      finish(new DependencyError(`FRR closed ${socketPath} before answering`, {code: 'FRR_UNAVAILABLE'})),
    )
  })
}
