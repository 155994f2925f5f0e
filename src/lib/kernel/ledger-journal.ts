// The ledger's journal file (ledger.ts): one line per save since the snapshot. A save of one change
// is `+` (added) or `-` (removed) followed by the objKey as a JSON string, e.g.
// `+"neigh|br-ex|10.0.0.5"`; a save of several is one JSON array of such changes, e.g.
// `["+neigh|br-ex|10.0.0.5","-rule|4|200|10.0.0.6/32"]`, so that a save is all or nothing: a kill
// can tear only the last line (no newline yet, whatever the size of the write), and parseJournal
// reports it and leaves it out, the whole save with it. Appended with one write per save
// (O_APPEND, then fdatasync), synchronously: a save is a few hundred bytes, and a thread-pool round
// trip per step costs more than the write in a loaded emulated guest. Any other line that does
// not parse makes the journal corrupt (the caller sets it aside).
import {closeSync, fdatasyncSync, fstatSync, openSync, readSync, writeSync} from 'node:fs'

export type JournalOp = '+' | '-'

/** One save's changes as one journal line (see the top of the file). */
export function journalRecord(ops: ReadonlyArray<readonly [JournalOp, string]>): string {
  if (ops.length === 1) return `${ops[0]![0]}${JSON.stringify(ops[0]![1])}\n`
  return `${JSON.stringify(ops.map(([op, key]) => op + key))}\n`
}

function parseLine(l: string): Array<[JournalOp, string]> | undefined {
  let v: unknown
  try {
    v = JSON.parse(l[0] === '[' ? l : l.slice(1))
  } catch {
    return undefined
  }

  const one = (op: string | undefined, key: unknown): [JournalOp, string] | undefined =>
    (op === '+' || op === '-') && typeof key === 'string' && key !== '' ? [op, key] : undefined
  if (l[0] !== '[') {
    const c = one(l[0], v)
    return c && [c]
  }

  if (!Array.isArray(v) || v.length === 0) return undefined
  const out: Array<[JournalOp, string]> = []
  for (const x of v) {
    const c = typeof x === 'string' ? one(x[0], x.slice(1)) : undefined
    if (!c) return undefined
    out.push(c)
  }

  return out
}

/** The changes in `text` (complete lines), whether a torn last line was left out; or why it is corrupt. */
export function parseJournal(text: string): {ops: Array<[JournalOp, string]>; torn: boolean} | string {
  const lines = text.split('\n')
  const last = lines.pop() ?? ''
  const ops: Array<[JournalOp, string]> = []
  for (const [i, l] of lines.entries()) {
    const changes = parseLine(l)
    if (!changes) return `corrupt: journal line ${i + 1} is not a change: ${JSON.stringify(l.slice(0, 80))}`
    ops.push(...changes)
  }

  return {ops, torn: last !== ''}
}

/** The journal's bytes from `offset` to its end, with its inode, size and mtime; undefined when absent. */
export function readJournalFrom(
  path: string,
  offset: number,
): {text: string; ino: number; size: number; mtimeMs: number} | undefined {
  let fd: number
  try {
    fd = openSync(path, 'r')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }

  try {
    const st = fstatSync(fd)
    const len = Math.max(0, st.size - offset)
    const buf = Buffer.alloc(len)
    let got = 0
    while (got < len) {
      const n = readSync(fd, buf, got, len - got, offset + got)
      if (n === 0) break
      got += n
    }

    return {text: buf.subarray(0, got).toString('utf8'), ino: st.ino, size: offset + got, mtimeMs: st.mtimeMs}
  } finally {
    closeSync(fd)
  }
}

/** Appends `text` (whole lines) in one write, flushed; returns the file's inode, size and mtime after it. */
export function appendJournal(path: string, text: string): {ino: number; size: number; mtimeMs: number} {
  const fd = openSync(path, 'a', 0o644)
  try {
    const buf = Buffer.from(text, 'utf8')
    let done = 0
    while (done < buf.length) done += writeSync(fd, buf, done, buf.length - done)
    fdatasyncSync(fd)
    const st = fstatSync(fd)
    return {ino: st.ino, size: st.size, mtimeMs: st.mtimeMs}
  } finally {
    closeSync(fd)
  }
}
