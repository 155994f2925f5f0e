// The ledger's journal file (ledger.ts): one line per change since the snapshot, `+` (added) or
// `-` (removed) followed by the objKey as a JSON string, e.g. `+"neigh|br-ex|10.0.0.5"`. Appended
// with one write per save (O_APPEND, then fdatasync), synchronously: a save is a few hundred
// bytes, and a thread-pool round trip per step costs more than the write in a loaded emulated
// guest. A kill can tear only the last line (no newline yet): parseJournal reports it and leaves
// it out. Any other line that does not parse makes the journal corrupt (the caller sets it aside).
import {closeSync, fdatasyncSync, fstatSync, openSync, readSync, writeSync} from 'node:fs'

export type JournalOp = '+' | '-'

export function journalLine(op: JournalOp, key: string): string {
  return `${op}${JSON.stringify(key)}\n`
}

/** The changes in `text` (complete lines), whether a torn last line was left out; or why it is corrupt. */
export function parseJournal(text: string): {ops: Array<[JournalOp, string]>; torn: boolean} | string {
  const lines = text.split('\n')
  const last = lines.pop() ?? ''
  const ops: Array<[JournalOp, string]> = []
  for (const [i, l] of lines.entries()) {
    const op = l[0]
    let key: unknown
    try {
      key = JSON.parse(l.slice(1))
    } catch {
      key = undefined
    }

    if ((op !== '+' && op !== '-') || typeof key !== 'string' || key === '')
      return `corrupt: journal line ${i + 1} is not a change: ${JSON.stringify(l.slice(0, 80))}`
    ops.push([op, key])
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
