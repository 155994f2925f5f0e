// OVSDB remote strings, as ovsdb-client and the python IDL accept them:
//   tcp:HOST:PORT  ssl:HOST:PORT  unix:PATH     (HOST may be [IPv6]; PORT defaults to 6640)
// and comma-separated lists of them for a clustered database.
import {isIP} from 'node:net'

import {RemoteSyntaxError} from './errors.js'

export type Remote =
  {kind: 'tcp' | 'ssl'; host: string; port: number; text: string} | {kind: 'unix'; path: string; text: string}

export const DEFAULT_OVSDB_PORT = 6640

const HOSTNAME = /^[A-Za-z0-9]([A-Za-z0-9.-]{0,252})$/

export function parseRemote(text: string): Remote {
  const t = text.trim()
  const colon = t.indexOf(':')
  if (colon === -1) throw new RemoteSyntaxError(text, 'expected tcp:, ssl: or unix:')
  const scheme = t.slice(0, colon)
  const rest = t.slice(colon + 1)
  if (scheme === 'unix') {
    if (!rest) throw new RemoteSyntaxError(text, 'empty socket path')
    return {kind: 'unix', path: rest, text: t}
  }

  if (scheme !== 'tcp' && scheme !== 'ssl') throw new RemoteSyntaxError(text, `unknown scheme "${scheme}"`)
  let host: string
  let portText: string | undefined
  if (rest.startsWith('[')) {
    const end = rest.indexOf(']')
    if (end === -1) throw new RemoteSyntaxError(text, 'unterminated [IPv6] address')
    host = rest.slice(1, end)
    const after = rest.slice(end + 1)
    if (after && !after.startsWith(':')) throw new RemoteSyntaxError(text, 'expected :PORT after ]')
    portText = after ? after.slice(1) : undefined
    if (isIP(host) !== 6) throw new RemoteSyntaxError(text, `"${host}" is not an IPv6 address`)
  } else {
    const parts = rest.split(':')
    if (parts.length > 2) throw new RemoteSyntaxError(text, 'IPv6 addresses must be written in [brackets]')
    host = parts[0] ?? ''
    portText = parts[1]
    if (!isIP(host) && !HOSTNAME.test(host)) throw new RemoteSyntaxError(text, `invalid host "${host}"`)
  }

  let port = DEFAULT_OVSDB_PORT
  if (portText !== undefined) {
    if (!/^\d{1,5}$/.test(portText) || Number(portText) < 1 || Number(portText) > 65_535) {
      throw new RemoteSyntaxError(text, `invalid port "${portText}"`)
    }

    port = Number(portText)
  }

  return {kind: scheme, host, port, text: t}
}

/** Parses a comma-separated list; empty items are ignored, an empty list is an error. */
export function parseRemotes(list: string): Remote[] {
  const items = list
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
  if (items.length === 0) throw new RemoteSyntaxError(list, 'no remote given')
  return items.map(parseRemote)
}

/** Fisher-Yates with an injectable random source (tests pass a deterministic one). */
export function shuffled<T>(items: readonly T[], random: () => number = Math.random): T[] {
  const a = [...items]
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    const tmp = a[i] as T
    a[i] = a[j] as T
    a[j] = tmp
  }

  return a
}
